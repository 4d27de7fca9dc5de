import type { types } from '@slack/bolt';
import type { Services } from '../app/services.js';
import { approverScope, type ApproverScope } from '../decisions/approvers.js';
import { awaitingDecision, type OpenFinding, type StatusSnapshot } from '../evidence/status-query.js';
import { resolveRoute } from '../route/routing.js';
import { severityText, slackDate } from './cards.js';
import { codeSpan } from './escape.js';
import {
  channelRef,
  context,
  dueText,
  expiringSection,
  findingName,
  isOverdue,
  overdueCount,
  plural,
  section,
  stateNote,
  summaryText,
} from './status-blocks.js';

type KnownBlock = types.KnownBlock;

/** Slack allows 100 blocks in a Home tab; with these caps the view has at most 82. */
const maxPending = 30;
const maxChannels = 40;

const divider: KnownBlock = { type: 'divider' };

function header(text: string): KnownBlock {
  return { type: 'header', text: { type: 'plain_text', text, emoji: true } };
}

/** Overdue first (earliest deadline first), then by severity, then by deadline. */
function byUrgency(now: Date): (a: OpenFinding, b: OpenFinding) => number {
  const rank = (finding: OpenFinding) => (isOverdue(finding, now) ? 0 : Number(finding.severity.slice(3)));
  const due = (finding: OpenFinding) => (finding.dueAt === null ? Number.MAX_SAFE_INTEGER : Date.parse(finding.dueAt));
  return (a, b) => rank(a) - rank(b) || due(a) - due(b);
}

function pendingText(finding: OpenFinding, now: Date): string {
  const where = finding.card ? `card in ${channelRef(finding.card.channel)}` : channelRef(finding.channel);
  const note = stateNote(finding);
  return `${findingName(finding)}\n${severityText[finding.severity]} · ${dueText(finding, now)} · ${where}${note ? ` · ${note}` : ''}`;
}

function channelText(channel: string, findings: readonly OpenFinding[], now: Date): string {
  const count = (severity: OpenFinding['severity']) => findings.filter((finding) => finding.severity === severity).length;
  const overdue = overdueCount(findings, now);
  const fixing = findings.filter((finding) => finding.status === 'fixing').length;
  return [
    `${channelRef(channel)}: *${findings.length} open*`,
    `Sev1 ${count('sev1')} · Sev2 ${count('sev2')} · Sev3 ${count('sev3')}`,
    ...(overdue ? [`:warning: ${overdue} overdue`] : []),
    ...(fixing ? [`${fixing} being fixed`] : []),
  ].join(' · ');
}

/** Channels with the most urgent work first. */
function byChannel(open: readonly OpenFinding[], now: Date): [string, OpenFinding[]][] {
  const urgency = byUrgency(now);
  const groups = new Map<string, OpenFinding[]>();
  for (const finding of [...open].sort(urgency)) {
    const group = groups.get(finding.channel);
    if (group) group.push(finding);
    else groups.set(finding.channel, [finding]);
  }
  // Each group is sorted, so its first finding is its most urgent one.
  return [...groups].sort(([, a], [, b]) => (a[0] && b[0] ? urgency(a[0], b[0]) : 0));
}

/** Who is looking: the findings waiting for their decision, and their teams (null: every team). */
export interface HomeViewer {
  mine: ReadonlySet<string>;
  teams: readonly string[] | null;
}

function scopeNote(teams: readonly string[]): string {
  if (teams.length === 0) return 'You approve for no team, so no findings are listed here. `/soc2 status` shows every team\'s.';
  return `Your ${teams.length === 1 ? 'team' : 'teams'}: ${teams.map(codeSpan).join(', ')}. \`/soc2 status\` shows every team's.`;
}

/**
 * The Home tab for the findings in `snapshot` (the viewer's teams' already): first what waits
 * for the viewer's decision, then the open findings by channel. A null viewer means approvers
 * could not be checked, and then every waiting card is listed.
 */
export function buildHomeView(snapshot: StatusSnapshot, now: Date, viewer: HomeViewer | null): types.HomeView {
  const mine = viewer?.mine;
  const waiting = snapshot.open.filter((finding) => finding.card && awaitingDecision.has(finding.status)).sort(byUrgency(now));
  const pending = mine ? waiting.filter((finding) => mine.has(finding.id)) : waiting;
  const others = waiting.length - pending.length;
  const channels = byChannel(snapshot.open, now);
  const expiring = expiringSection(snapshot.exceptions, now);
  const blocks: KnownBlock[] = [
    header('SOC 2 findings'),
    section(summaryText(snapshot, now)),
    context(`Refreshed ${slackDate(now.toISOString())}, each time you open this tab · \`/soc2 help\` for commands`),
    divider,
    header(mine ? `Waiting for your decision (${pending.length})` : `Waiting for a decision (${pending.length})`),
  ];
  if (pending.length === 0) blocks.push(section(mine ? 'Nothing is waiting for your decision.' : 'Nothing is waiting for a decision.'));
  blocks.push(...pending.slice(0, maxPending).map((finding) => section(pendingText(finding, now))));
  const notes = [
    ...(pending.length > maxPending ? [`…and ${pending.length - maxPending} more: \`/soc2 status\` lists them all.`] : []),
    ...(others > 0 ? [`${plural(others, 'other card waits', 'other cards wait')} for someone else's decision.`] : []),
    ...(mine ? [] : ['Who may approve could not be checked just now, so every waiting card is listed.']),
  ];
  if (notes.length > 0) blocks.push(context(notes.join(' ')));
  blocks.push(divider, header('Open findings by channel'));
  if (viewer?.teams) blocks.push(context(scopeNote(viewer.teams)));
  // Someone on no team sees no findings here, which must not read as "all clear".
  const onNoTeam = viewer?.teams?.length === 0;
  if (channels.length === 0 && !onNoTeam) blocks.push(section(':white_check_mark: No open findings.'));
  blocks.push(...channels.slice(0, maxChannels).map(([channel, findings]) => section(channelText(channel, findings, now))));
  if (channels.length > maxChannels) {
    blocks.push(context(`…and ${plural(channels.length - maxChannels, 'more channel', 'more channels')}: \`/soc2 status <team>\` shows one.`));
  }
  if (expiring) blocks.push(divider, expiring);
  return { type: 'home', blocks };
}

/**
 * The viewer's part of the snapshot: their teams' findings (every team's for security, or when
 * the policy names no approvers), by the owner the Approve button checks, and among those the
 * ones waiting for their decision; the first approver of a four-eyes fix is not asked again.
 * Null when the check failed (e.g. the user groups could not be read), so the Home tab still opens.
 */
async function viewerPart(services: Services, user: string, snapshot: StatusSnapshot): Promise<{ snapshot: StatusSnapshot; viewer: HomeViewer } | null> {
  let scope: ApproverScope;
  try {
    scope = await approverScope(user, services.policy, (group) => services.slack.usergroupMembers(group));
  } catch (error) {
    services.log.warn({ user, err: error instanceof Error ? error.message : String(error) }, 'could not check approvers for the Home tab');
    return null;
  }
  const theirs = (findingId: string): boolean => {
    if (scope.everyTeam) return true;
    const tracked = services.findings.get(findingId);
    const owner = tracked ? resolveRoute(tracked.finding, services.routing).owner : null;
    return owner !== null && scope.teams.has(owner);
  };
  const open = snapshot.open.filter((finding) => theirs(finding.id));
  const firstApprover = (findingId: string) =>
    services.evidence.forFinding(findingId).filter((event) => event.kind === 'decision.approved').at(-1)?.actor.id === user;
  const mine = open.filter((finding) => awaitingDecision.has(finding.status) && !(finding.status === 'awaiting_second' && firstApprover(finding.id)));
  return {
    snapshot: { ...snapshot, open, exceptions: snapshot.exceptions.filter((exception) => theirs(exception.findingId)) },
    viewer: { mine: new Set(mine.map((finding) => finding.id)), teams: scope.everyTeam ? null : [...scope.teams].sort() },
  };
}

/** The viewer's Home tab as of now. */
export async function homeFor(services: Services, user: string): Promise<types.HomeView> {
  const now = services.clock.now();
  const snapshot = services.status.snapshot({ kind: 'all' }, now);
  const part = await viewerPart(services, user, snapshot);
  return part ? buildHomeView(part.snapshot, now, part.viewer) : buildHomeView(snapshot, now, null);
}
