import { isExportFormat, type ExportFormat } from '../../evidence/export/export-file.js';
import { parseDayWindow, utcDate, windowDays } from '../../evidence/export/export-window.js';
import type { ExportWindow } from '../../evidence/export/report.js';
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
  | { kind: 'export'; window: ExportWindow; format: ExportFormat }
  | { kind: 'help'; problem: CommandProblem | null };

const accountId = /^\d{12}$/;
/** A year and a day: an audit period, with room for a leap year; longer is surely a typo. */
export const maxExportDays = 366;
const severities: readonly ActionableSeverity[] = ['sev1', 'sev2', 'sev3'];

/**
 * Reads the text after `/soc2`. Pure: `teams` is the policy file's team -> channel map,
 * `now` decides which export windows lie in the future.
 * Severities and 12-digit account ids are tried before team names, so a team called
 * "sev1" cannot hide the severity filter.
 */
export function parseSoc2Command(text: string, teams: Readonly<Record<string, string>>, now: Date): Soc2Command {
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
    case 'export':
      return exportCommand(args, now);
    default:
      return help('Unknown subcommand', subcommand);
  }
}

/** `export <from> <to> [csv|json|html]`: whole UTC days, both inclusive, as the CLI reads them. */
function exportCommand(args: readonly string[], now: Date): Soc2Command {
  const [from, to, formatWord, extra] = args;
  if (from === undefined || to === undefined) return help('`/soc2 export` needs two dates, from and to (YYYY-MM-DD, UTC)', '');
  if (extra !== undefined) return help('`/soc2 export` takes two dates and a format at most; unexpected', extra);
  const format = (formatWord ?? 'html').toLowerCase();
  if (!isExportFormat(format)) return help('Not an export format (csv, json, html)', formatWord ?? '');
  const window = parseDayWindow(from, to);
  if ('problem' in window) {
    if (window.problem === 'reversed') return help(`The window ends before it starts: ${to} is before`, from);
    return help('Not a date YYYY-MM-DD', window.problem === 'bad_from' ? from : to);
  }
  const today = utcDate(now);
  // Days not yet lived have no evidence; a report claiming to cover them would mislead.
  if (to > today) return help(`The window reaches into the future (today is ${today} UTC)`, to);
  const days = windowDays(window);
  if (days > maxExportDays) return help(`An export covers at most ${maxExportDays} days; this window has ${days}`, `${from} ${to}`);
  return { kind: 'export', window, format };
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
