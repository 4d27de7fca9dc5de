import { runIamPolicyCommand, runRemediationsCommand } from './cli/remediations-command.js';
import { runPolicyCommand } from './cli/policy-command.js';
import { runTriageCommand } from './cli/triage-command.js';

const usage = `usage: soc2-bot <command> [options]

commands:
  start                        run the bot (configured from the environment; see README)
  demo                         run the whole loop offline: simulated AWS account, stand-in Slack
  triage [--json] [--explain] [--policy FILE] PATH...
                               triage findings from files or folders and print one line per finding
  policy check FILE            validate a policy file (rules, teams, accounts, approvals)
  remediations [--json]        list every remediation: controls, mode, reversibility, IAM actions
  evidence verify [--db PATH]  recompute the evidence hash chain; exit 0 only when intact
  evidence export --from DATE --to DATE --format csv|json|html --out PATH [--db PATH]
                               the audit window's evidence, grouped by SOC 2 criterion
  digest --dry-run [--week 2026-W47] [--db PATH]
                               print the weekly digest without posting it
  iam-policy                   print the bot's least-privilege IAM policy (generated from the remediations)
  help                         this text
`;

/** Entry point of the `soc2-bot` command; returns the exit status. */
export async function main(args: string[]): Promise<number> {
  const [command, ...rest] = args;
  const io = { out: (line: string) => process.stdout.write(`${line}\n`), err: (line: string) => process.stderr.write(`${line}\n`) };
  switch (command) {
    case 'start': {
      const { startBot } = await import('./main.js');
      return startBot(process.env);
    }
    case 'demo': {
      const { runDemo } = await import('./demo/run.js');
      return runDemo(io);
    }
    case 'triage':
      return runTriageCommand(rest, io);
    case 'policy':
      return runPolicyCommand(rest, io);
    case 'remediations':
      return runRemediationsCommand(rest, io);
    case 'evidence': {
      const { runEvidenceCommand } = await import('./cli/evidence-command.js');
      return runEvidenceCommand(rest, io);
    }
    case 'digest': {
      const { runDigestCommand } = await import('./cli/digest-command.js');
      return runDigestCommand(rest, io);
    }
    case 'iam-policy':
      return runIamPolicyCommand(io);
    case 'help':
    case '--help':
    case '-h':
      io.out(usage);
      return 0;
    default:
      io.err(command ? `soc2-bot: unknown command "${command}"\n\n${usage}` : usage);
      return 64; // EX_USAGE
  }
}
