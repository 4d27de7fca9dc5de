import { buildIamPolicy } from '../remediate/bot-iam-policy.js';
import { remediations } from '../remediate/registry.js';
import { formatTable } from './text-table.js';

interface Io {
  out: (line: string) => void;
  err: (line: string) => void;
}

/** `soc2-bot remediations [--json]`: every fix the bot can make, with what it declares. */
export function runRemediationsCommand(args: string[], io: Io): number {
  const json = args.includes('--json');
  const unknown = args.filter((a) => a !== '--json');
  if (unknown.length > 0) {
    io.err(`soc2-bot remediations: unknown argument ${unknown.join(' ')}\nusage: soc2-bot remediations [--json]`);
    return 64;
  }
  if (json) {
    for (const r of remediations) {
      const { id, controls, cisRules, resourceType, mode, reversible, permissions } = r;
      io.out(JSON.stringify({ id, controls, cisRules, resourceType, mode, reversible, permissions }));
    }
    return 0;
  }
  const rows = remediations.map((r) => [r.id, r.controls.join(' '), r.mode, r.reversible ? 'yes' : 'no', r.resourceType]);
  for (const line of formatTable(['ID', 'CONTROLS', 'MODE', 'UNDO', 'RESOURCE'], rows)) io.out(line);
  return 0;
}

/** `soc2-bot iam-policy`: the least-privilege IAM policy for the bot, generated from the declarations. */
export function runIamPolicyCommand(io: Io): number {
  io.out(JSON.stringify(buildIamPolicy(remediations), null, 2));
  return 0;
}
