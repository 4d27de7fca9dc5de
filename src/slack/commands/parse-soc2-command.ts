import type { ActionableSeverity, StatusScope } from '../../evidence/status-query.js';

/** What was wrong with the text, and the word that was (rendered escaped, in a code span). */
export interface CommandProblem {
  message: string;
  word: string;
}

export type Soc2Command =
  | { kind: 'status'; scope: StatusScope }
  | { kind: 'exceptions' }
  | { kind: 'scan' }
  | { kind: 'help'; problem: CommandProblem | null };

const accountId = /^\d{12}$/;
const severities: readonly ActionableSeverity[] = ['sev1', 'sev2', 'sev3'];

/**
 * Reads the text after `/soc2`. Pure: `teams` is the policy file's team -> channel map.
 * Severities and 12-digit account ids are tried before team names, so a team called
 * "sev1" cannot hide the severity filter.
 */
export function parseSoc2Command(text: string, teams: Readonly<Record<string, string>>): Soc2Command {
  const [subcommand, ...args] = text.trim().split(/\s+/).filter((word) => word !== '');
  if (subcommand === undefined) return { kind: 'help', problem: null };
  const name = subcommand.toLowerCase();
  const extra = args[0];
  switch (name) {
    case 'help':
      return { kind: 'help', problem: null };
    case 'exceptions':
    case 'scan':
      if (extra !== undefined) return help(`\`/soc2 ${name}\` takes no arguments; got`, extra);
      return { kind: name };
    case 'status': {
      if (args.length > 1) return help('`/soc2 status` takes at most one filter; unexpected', args[1] ?? '');
      if (extra === undefined) return { kind: 'status', scope: { kind: 'all' } };
      const scope = statusScope(extra, teams);
      return scope ? { kind: 'status', scope } : help('Not a severity (sev1, sev2, sev3), a 12-digit AWS account id or a team from the policy file', extra);
    }
    default:
      return help('Unknown subcommand', subcommand);
  }
}

function statusScope(word: string, teams: Readonly<Record<string, string>>): StatusScope | null {
  const severity = severities.find((name) => name === word.toLowerCase());
  if (severity) return { kind: 'severity', severity };
  if (accountId.test(word)) return { kind: 'account', account: word };
  const team = teamName(word, teams);
  const channel = team === null ? undefined : teams[team];
  return team !== null && channel !== undefined ? { kind: 'team', team, channel } : null;
}

/** The exact owner key, else the only one equal ignoring case. hasOwn: "constructor" is not a team. */
function teamName(word: string, teams: Readonly<Record<string, string>>): string | null {
  if (Object.hasOwn(teams, word)) return word;
  const matches = Object.keys(teams).filter((team) => team.toLowerCase() === word.toLowerCase());
  return matches.length === 1 ? (matches[0] ?? null) : null;
}

function help(message: string, word: string): Soc2Command {
  return { kind: 'help', problem: { message, word } };
}
