import type { types } from '@slack/bolt';
import {
  expiringSoonDays,
  mttrWindowDays,
  type ActionableSeverity,
  type ActiveException,
  type Mttr,
  type OpenFinding,
  type OpenStatus,
  type StatusScope,
  type StatusSnapshot,
} from '../evidence/status-query.js';
import type { ScanReport } from '../ingest/scan.js';
import { limits, mention, severityText, slackDate, type Card } from './cards.js';
import { maxExportDays, type CommandProblem } from './commands/parse-soc2-command.js';
import { codeSpan, escapeMrkdwn, truncate } from './escape.js';

type KnownBlock = types.KnownBlock;

/**
 * Slack refuses a message whose blocks add up to about 12,000 characters
 * (msg_blocks_too_long), so each list gets a share well under that.
 */
const listChars = 2600;
const exceptionsChars = 10_000;
const maxExceptionBlocks = 40;
const maxTeamsInHelp = 20;
const dayMs = 24 * 60 * 60 * 1000;
const severities: readonly ActionableSeverity[] = ['sev1', 'sev2', 'sev3'];

const statusNote: Record<OpenStatus, string> = {
  open: '',
  awaiting_second: 'waiting for a second approval',
  fixing: 'being fixed',
  fix_failed: 'fix failed',
  exception_requested: 'exception requested',
};

export function section(text: string): KnownBlock {
  return { type: 'section', text: { type: 'mrkdwn', text: truncate(text, limits.sectionText) } };
}

export function context(text: string): KnownBlock {
  return { type: 'context', elements: [{ type: 'mrkdwn', text: truncate(text, limits.fieldText) }] };
}

/** Channel ids become links; anything else (a `#name` from the policy file) is shown as text. */
export function channelRef(channel: string): string {
  return /^[CG][A-Z0-9]+$/.test(channel) ? `<#${channel}>` : escapeMrkdwn(channel);
}

/** Coarse on purpose ("2 d 4 h", "3 h 20 min"): a status is read at a glance. */
export function duration(ms: number): string {
  const minutes = Math.max(0, Math.round(ms / 60_000));
  const days = Math.floor(minutes / 1440);
  const hours = Math.floor((minutes % 1440) / 60);
  const rest = minutes % 60;
  if (days > 0) return hours ? `${days} d ${hours} h` : `${days} d`;
  if (hours > 0) return rest ? `${hours} h ${rest} min` : `${hours} h`;
  return `${rest} min`;
}

export function isOverdue(finding: OpenFinding, now: Date): boolean {
  return finding.dueAt !== null && Date.parse(finding.dueAt) < now.getTime();
}

export function overdueCount(findings: readonly OpenFinding[], now: Date): number {
  return findings.filter((finding) => isOverdue(finding, now)).length;
}

export function dueText(finding: OpenFinding, now: Date): string {
  if (finding.dueAt === null) return 'no deadline';
  const left = Date.parse(finding.dueAt) - now.getTime();
  return left < 0 ? `:warning: *overdue by ${duration(-left)}* (due ${slackDate(finding.dueAt)})` : `due ${slackDate(finding.dueAt)}`;
}

/** The control, title and resource of a finding, escaped and cut to a line's worth. */
export function findingName(finding: { control: string | null; title: string; resourceId: string }): string {
  return `*${escapeMrkdwn(finding.control ?? 'no control id')}* ${escapeMrkdwn(truncate(finding.title, 60))} ${codeSpan(truncate(finding.resourceId, 80))}`;
}

/** Where the finding stands when that is not plain "open with a card". */
export function stateNote(finding: OpenFinding): string | null {
  const note = statusNote[finding.status] || (finding.card ? '' : 'card not posted yet');
  return note ? `_${note}_` : null;
}

function findingLine(finding: OpenFinding, now: Date): string {
  return [findingName(finding), `account ${codeSpan(finding.account)}`, dueText(finding, now), channelRef(finding.channel), stateNote(finding)]
    .filter((part) => part !== null)
    .join(' · ');
}

function expiringSoon(exceptions: readonly ActiveException[], now: Date): ActiveException[] {
  return exceptions.filter((exception) => Date.parse(exception.expiresAt) - now.getTime() <= expiringSoonDays * dayMs);
}

function expiryText(exception: ActiveException, now: Date): string {
  return `expires ${slackDate(exception.expiresAt)} (in ${duration(Date.parse(exception.expiresAt) - now.getTime())})`;
}

/** Exceptions ending within `expiringSoonDays`, soonest first; null when there are none. */
export function expiringSection(exceptions: readonly ActiveException[], now: Date): KnownBlock | null {
  const expiring = expiringSoon(exceptions, now);
  if (expiring.length === 0) return null;
  return listSection(
    `*Exceptions expiring within ${expiringSoonDays} days*`,
    expiring.map((exception) => `${findingName(exception)} · ${expiryText(exception, now)} · ${channelRef(exception.channel)}`),
    (hidden) => `_…and ${hidden} more: see \`/soc2 exceptions\`._`,
  );
}

/** Lines under a title in one section, cut with "and N more" to stay within `listChars`. */
function listSection(title: string, lines: readonly string[], more: (hidden: number) => string): KnownBlock {
  // Room kept for the "and N more" line.
  const budget = listChars - 120;
  let text = title;
  let shown = 0;
  for (const line of lines) {
    const next = `${text}\n• ${line}`;
    if (next.length > budget) break;
    text = next;
    shown += 1;
  }
  return section(shown < lines.length ? `${text}\n${more(lines.length - shown)}` : text);
}

function mttrText(mttr: Mttr): string {
  if (mttr.meanMs === null) return `MTTR (${mttrWindowDays} d): no verified fixes yet`;
  return `MTTR (${mttrWindowDays} d): ${duration(mttr.meanMs)} over ${plural(mttr.fixes, 'verified fix', 'verified fixes')}`;
}

export function summaryText(snapshot: StatusSnapshot, now: Date): string {
  const overdue = overdueCount(snapshot.open, now);
  const expiring = expiringSoon(snapshot.exceptions, now).length;
  return [
    `*${snapshot.open.length} open*`,
    overdue ? `:warning: ${overdue} overdue` : 'none overdue',
    mttrText(snapshot.mttr),
    `${plural(expiring, 'exception', 'exceptions')} expiring within ${expiringSoonDays} days`,
  ].join(' · ');
}

export function plural(count: number, one: string, many: string): string {
  return `${count} ${count === 1 ? one : many}`;
}

function scopeLabel(scope: StatusScope): string {
  switch (scope.kind) {
    case 'all':
      return 'everything';
    case 'severity':
      return scope.severity.replace('sev', 'Sev');
    case 'account':
      return `account ${codeSpan(scope.account)}`;
    case 'team':
      return `team ${codeSpan(scope.team)} (${channelRef(scope.channel)})`;
  }
}

/** `/soc2 status`: open findings by severity, overdue first, with MTTR and exceptions about to end. */
export function statusReply(scope: StatusScope, snapshot: StatusSnapshot, now: Date): Card {
  const label = scopeLabel(scope);
  const blocks: KnownBlock[] = [section(`*Open SOC 2 findings: ${label}*`), context(summaryText(snapshot, now))];
  if (snapshot.open.length === 0) blocks.push(section(`:white_check_mark: No open findings (${label}).`));
  for (const severity of severities) {
    const group = snapshot.open.filter((finding) => finding.severity === severity);
    if (group.length === 0) continue;
    const late = overdueCount(group, now);
    blocks.push(
      listSection(
        `*${severityText[severity]}*: ${group.length} open${late ? `, ${late} overdue` : ''}`,
        group.map((finding) => findingLine(finding, now)),
        (hidden) => `_…and ${hidden} more: narrow it with \`/soc2 status <team|account-id>\`._`,
      ),
    );
  }
  const expiring = expiringSection(snapshot.exceptions, now);
  if (expiring) blocks.push(expiring);
  blocks.push(context(`As of ${slackDate(now.toISOString())} · \`/soc2 help\` lists the filters`));
  return {
    text: `${plural(snapshot.open.length, 'open SOC 2 finding', 'open SOC 2 findings')}, ${overdueCount(snapshot.open, now)} overdue`,
    blocks,
  };
}

/** `/soc2 exceptions`: every exception in force, soonest expiry first. */
export function exceptionsReply(exceptions: readonly ActiveException[], now: Date): Card {
  if (exceptions.length === 0) {
    return { text: 'No active exceptions.', blocks: [section(':white_check_mark: *No active exceptions.* Every open finding is waiting for a fix or a decision.')] };
  }
  const blocks: KnownBlock[] = [section(`*Active exceptions (${exceptions.length})*, soonest expiry first`)];
  let used = 0;
  let shown = 0;
  for (const exception of exceptions) {
    const text = exceptionText(exception, now);
    if (shown === maxExceptionBlocks || used + text.length > exceptionsChars) break;
    blocks.push(section(text));
    used += text.length;
    shown += 1;
  }
  if (shown < exceptions.length) blocks.push(context(`…and ${exceptions.length - shown} more, expiring later.`));
  return { text: plural(exceptions.length, 'active exception', 'active exceptions'), blocks };
}

function exceptionText(exception: ActiveException, now: Date): string {
  const justification = escapeMrkdwn(truncate(exception.justification.replace(/\s+/g, ' ').trim(), 300));
  const compensating = exception.compensatingControl
    ? `\nCompensating control: ${escapeMrkdwn(truncate(exception.compensatingControl.replace(/\s+/g, ' ').trim(), 200))}`
    : '';
  return [
    `${findingName(exception)} · account ${codeSpan(exception.account)} · ${channelRef(exception.channel)}`,
    `*${expiryText(exception, now)}* · requested by ${mention({ id: exception.requestedBy, name: null })} · granted by ${mention(exception.grantedBy)} ${slackDate(exception.grantedAt)}`,
    `> ${justification}${compensating}`,
  ].join('\n');
}

/** The command list; with a problem, what was wrong comes first. */
export function helpReply(teams: readonly string[], problem: CommandProblem | null): Card {
  const shownTeams = teams.slice(0, maxTeamsInHelp).map((team) => codeSpan(team));
  const teamList = teams.length === 0
    ? 'no teams are set in the policy file yet'
    : `teams: ${shownTeams.join(', ')}${teams.length > shownTeams.length ? ` and ${teams.length - shownTeams.length} more` : ''}`;
  const lines = [
    '*`/soc2` commands*',
    `• \`/soc2 status\`: open findings by severity, overdue first, with due dates, MTTR over ${mttrWindowDays} days and exceptions expiring within ${expiringSoonDays} days`,
    '• `/soc2 status sev1` (or `sev2`, `sev3`): one severity',
    '• `/soc2 status <account-id>`: one AWS account (12 digits)',
    `• \`/soc2 status <team>\`: one team, meaning the findings routed to its channel (${teamList})`,
    '• `/soc2 exceptions`: active exceptions with owner, justification and expiry, soonest first',
    '• `/soc2 scan`: poll Security Hub now and report what was found',
    `• \`/soc2 export <from> <to> [html|csv|json]\`: share the audit evidence of whole UTC days from-to (YYYY-MM-DD, both inclusive, up to ${maxExportDays} days, not in the future) in this channel; security approvers only`,
    '• `/soc2 help`: this list',
  ];
  const blocks: KnownBlock[] = [];
  const wrong = problem && (problem.word ? `${problem.message}: ${codeSpan(truncate(problem.word, 60))}` : problem.message);
  if (wrong) blocks.push(section(`:warning: ${wrong}`));
  blocks.push(section(lines.join('\n')));
  return { text: wrong ? `${wrong}. See /soc2 help.` : 'soc2-bot commands', blocks };
}

export function scanStartedReply(alreadyRunning: boolean): Card {
  const text = alreadyRunning
    ? ':hourglass_flowing_sand: A scan is already running; its results will follow here.'
    : ':mag: Scanning Security Hub now; the results will follow here.';
  return { text, blocks: [section(text)] };
}

export function scanReply(report: ScanReport, alreadyRunning: boolean): Card {
  const summary = `${report.new} new, ${report.recurred} recurred, ${plural(report.cardsPosted, 'card', 'cards')} posted, ${report.rejected} rejected`;
  const notes = [
    `${report.updated} updated, ${report.unchanged} unchanged; ${plural(report.pages, 'page', 'pages')} read`,
    ...(report.rejected > 0 ? ['rejected findings could not be read and are named in the bot\'s log'] : []),
    ...(alreadyRunning ? ['a scan was already running when you asked: these are its results'] : []),
  ];
  return {
    text: `Scan finished: ${summary}.`,
    blocks: [
      section(`:white_check_mark: *Security Hub scan finished*: ${summary}.`),
      context(notes.join(' · ')),
    ],
  };
}

/** Said when the work after the acknowledgement failed; the error itself goes to the log too. */
export function failureReply(subcommand: string, error: unknown): Card {
  const message = truncate(error instanceof Error ? error.message : String(error), 500);
  const text = `:x: soc2-bot could not finish \`/soc2 ${subcommand}\`: ${escapeMrkdwn(message)}. Details are in the bot's log.`;
  return { text, blocks: [section(text)] };
}
