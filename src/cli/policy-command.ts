import { loadPolicyFile, PolicyFileError } from '../config/policy.js';
import { safeText } from '../ingest/safe-text.js';
import { defaultRules } from '../triage/rules.js';

interface Io {
  out: (line: string) => void;
  err: (line: string) => void;
}

export const policyUsage = `usage: soc2-bot policy check FILE

Validates a policy file (rules, teams, accounts, approvals, exceptions, escalation) exactly as
the bot does at start-up. Each problem is printed with its line, its field and what was expected.

Exit status: 0 the policy is valid, 1 it has problems, 64 usage error.`;

const command = 'soc2-bot policy';

/** `soc2-bot policy`: args are what follows the subcommand. Returns the exit status. */
export async function runPolicyCommand(args: string[], io: Io): Promise<number> {
  const [action, file, ...extra] = args;
  if (action === '-h' || action === '--help') {
    io.out(policyUsage);
    return 0;
  }
  if (action !== 'check' || file === undefined || file === '' || extra.length > 0) {
    io.err(`${command}: ${action === 'check' ? 'expected exactly one FILE' : `unknown action ${safeText(action ?? '(none)', 60)}`}`);
    io.err(policyUsage);
    return 64;
  }
  try {
    const policy = loadPolicyFile(file);
    const own = policy.rules.length - defaultRules.length;
    const counts = [`${own} rule(s) after the ${defaultRules.length} shipped`, `${Object.keys(policy.teams).length} team(s)`, `${Object.keys(policy.accounts).length} account(s)`];
    io.out(`${safeText(file, 300)}: valid: ${counts.join(', ')}`);
    return 0;
  } catch (error) {
    if (!(error instanceof PolicyFileError)) throw error;
    for (const problem of error.problems) io.err(`${safeText(file, 300)}: ${safeText(problem, 500)}`);
    return 1;
  }
}
