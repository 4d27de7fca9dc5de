import { randomUUID } from 'node:crypto';
import { setImmediate } from 'node:timers/promises';
import { z } from 'zod';
import type { Services } from '../app/services.js';
import { currentCardState } from '../decisions/card-state.js';
import type { Finding } from '../domain/finding.js';
import { autopilot } from '../domain/person.js';
import { botActor } from '../evidence/evidence-log.js';
import type { AwaitingCard, IngestOutcome, TrackedFinding } from '../evidence/findings-repo.js';
import { explainAwsError } from '../remediate/explain-aws-error.js';
import { defaultCatalogue } from '../remediate/catalogue.js';
import { ManualOnlyError } from '../remediate/manual-only-error.js';
import { runApprovedFix, updateFindingCard } from '../remediate/approve-fix.js';
import { remediationById } from '../remediate/registry.js';
import type { Remediation } from '../remediate/remediation.js';
import { remediationOptions } from '../remediate/remediation-options.js';
import { buildFindingCard, type CardState } from '../slack/cards.js';
import { buildGroupCard } from '../slack/group-card.js';
import { triage } from '../triage/triage.js';
import { diffFindings, findingChangeSchema, updateNote } from './finding-changes.js';
import { occurrencesWithin, recurrenceWording } from './recurrence.js';
import { resolveRoute } from './routing.js';

export type IngestSummary = Record<IngestOutcome, number>;

/** Findings stored per transaction: one commit per batch makes large polls fast, and a bounded batch keeps clicks from waiting long on the write lock. */
export const findingsPerTransaction = 500;

/**
 * Triage and route each finding, remember it (dedup, recurrence) and record what was detected.
 * Storing is synchronous, so between batches the event loop is let run: a Config scan or a
 * message of 100,000 findings must not hold up Slack's 3-second acknowledgements.
 */
export async function recordFindings(services: Services, findings: readonly Finding[]): Promise<IngestSummary> {
  const summary: IngestSummary = { new: 0, recurred: 0, updated: 0, unchanged: 0, resolved: 0 };
  for (let i = 0; i < findings.length; i += findingsPerTransaction) {
    if (i > 0) await setImmediate();
    const batch = services.atomically(() => recordEach(services, findings.slice(i, i + findingsPerTransaction)));
    for (const key of Object.keys(summary) as (keyof IngestSummary)[]) summary[key] += batch[key];
  }
  return summary;
}

function recordEach(services: Services, findings: readonly Finding[]): IngestSummary {
  const summary: IngestSummary = { new: 0, recurred: 0, updated: 0, unchanged: 0, resolved: 0 };
  const now = services.clock.now();
  for (const incoming of findings) {
    // The same check seen through another source (Config and Security Hub) is one finding.
    const finding = services.findings.canonical(incoming);
    const decided = triage(finding, services.policy.rules);
    const route = resolveRoute(finding, services.routing);
    const recorded = services.findings.record(finding, decided, route, now);
    const { outcome } = recorded;
    summary[outcome] += 1;
    if (outcome === 'unchanged') continue;
    if (outcome === 'resolved') {
      services.evidence.append('finding.resolved_at_source', finding.id, botActor, {
        compliance: finding.compliance,
        recordState: finding.recordState,
        workflow: finding.workflow,
      });
      continue;
    }
    const sighting = { finding, triage: decided, route };
    if (outcome === 'new') services.evidence.append('finding.detected', finding.id, botActor, sighting);
    else if (recorded.outcome === 'updated') {
      services.evidence.append('finding.updated', finding.id, botActor, { ...sighting, changes: diffFindings(recorded.before, finding) });
    } else {
      const earlier = services.evidence
        .forFinding(finding.id)
        .filter((e) => e.kind === 'finding.detected' || e.kind === 'finding.recurred')
        .map((e) => e.at);
      services.evidence.append('finding.recurred', finding.id, botActor, { ...sighting, occurrencesIn30Days: occurrencesWithin([...earlier, now.toISOString()], now) });
    }
  }
  return summary;
}

/** Looks up the resource tags findings arrived without (an AWS call, cached), then records them. */
export async function recordFindingsWithTags(services: Services, findings: readonly Finding[]): Promise<IngestSummary> {
  return recordFindings(services, await services.tagLookup.withTags(findings));
}

/**
 * The card a human sees first: the exact diff comes from a read-only plan against the
 * live resource; a control the bot may not fix shows what a person must do instead.
 */
async function openCardState(services: Services, tracked: TrackedFinding): Promise<OpenState> {
  return (await planCard(services, tracked)).state;
}

/**
 * The open card's state, and the change the fix makes as settings before and after (no resource
 * name, unlike the diff's title): findings whose change is the same may share a group card.
 */
async function planCard(services: Services, tracked: TrackedFinding): Promise<{ state: OpenState; change: string | null }> {
  const recurrence = tracked.recurrences > 0 ? recurrenceOf(services, tracked.finding.id) : null;
  const guidance = defaultCatalogue.get(tracked.finding.control ?? '')?.guidance ?? null;
  const remediation = tracked.triage.remediation ? remediationById(tracked.triage.remediation) : undefined;
  if (!remediation) return { state: { kind: 'open', diff: null, planError: null, guidance, recurrence }, change: null };
  try {
    const plan = await remediation.plan(tracked.finding, services.awsFor(tracked.finding.account), remediationOptions(services, remediation.id));
    return { state: { kind: 'open', diff: plan.diff, planError: null, recurrence }, change: JSON.stringify([plan.before, plan.after]) };
  } catch (error) {
    if (error instanceof ManualOnlyError) return { state: { kind: 'open', diff: error.plan.diff, planError: null, manualOnly: error.reason, recurrence }, change: null };
    return { state: { kind: 'open', diff: null, planError: explainAwsError(error, null, remediation.permissions), recurrence }, change: null };
  }
}

/** "Third time in 30 days", as counted when the recurrence was recorded. */
function recurrenceOf(services: Services, findingId: string): string | null {
  const recorded = services.evidence
    .forFinding(findingId)
    .filter((e) => e.kind === 'finding.recurred')
    .at(-1)?.data['occurrencesIn30Days'];
  return typeof recorded === 'number' ? recurrenceWording(recorded) : null;
}

/**
 * Autopilot: fix first, tell afterwards. The claim comes first so overlapping passes
 * fix once; the card is posted before the fix so every step has a card to update.
 */
async function fixOnAutopilot(services: Services, tracked: TrackedFinding, remediation: Remediation): Promise<number> {
  if (!services.findings.transition(tracked.finding.id, ['open'], 'fixing')) return 0;
  const at = services.clock.now().toISOString();
  const card = buildFindingCard(tracked, { kind: 'fixing', by: autopilot, at, diff: '' });
  try {
    const where = await services.slack.post(tracked.channel, card);
    services.findings.setCard(tracked.finding.id, where.channel, where.ts);
    services.evidence.append('card.posted', tracked.finding.id, botActor, { channel: where.channel, ts: where.ts, diff: null, planError: null });
  } catch (error) {
    // No card, no fix: a fix nobody is told about breaks "tell afterwards". Retried next run.
    services.findings.transition(tracked.finding.id, ['fixing'], 'open');
    services.log.error({ findingId: tracked.finding.id, err: error instanceof Error ? error.message : String(error) }, 'autopilot card could not be posted; fix postponed');
    return 0;
  }
  await runApprovedFix(services, { kind: 'claimed', tracked: services.findings.get(tracked.finding.id) ?? tracked, remediation }, autopilot);
  return 1;
}

/**
 * Autopilot's guard rails: a resource tagged to opt out, or an account past its hourly
 * budget of automatic fixes, gets a card that asks first. Returns why, or null when the
 * fix may run. Security is told once per delivery pass when an account's breaker trips.
 */
async function autopilotGuard(services: Services, tracked: TrackedFinding, tripped: Set<string>): Promise<string | null> {
  const { optOutTag, maxFixesPerAccountPerHour } = services.policy.autopilot;
  if (Object.hasOwn(tracked.finding.resource.tags, optOutTag)) return `the resource is tagged ${optOutTag}`;
  const account = tracked.finding.account;
  const since = new Date(services.clock.now().getTime() - 60 * 60_000);
  if (services.findings.autopilotFixesSince(account, since) < maxFixesPerAccountPerHour) return null;
  if (!tripped.has(account)) {
    tripped.add(account);
    services.log.warn({ account, maxFixesPerAccountPerHour }, 'autopilot circuit breaker tripped');
    await services.slack
      .postText(
        services.policy.escalation.channel ?? services.routing.fallbackChannel,
        `:octagonal_sign: Autopilot paused for account ${account}: ${maxFixesPerAccountPerHour} automatic fixes in the last hour. Further fixes there ask for approval until the hour has passed; if this is a deployment re-creating the same drift, fix the deployment.`,
      )
      .catch((error: unknown) => services.log.error({ err: error instanceof Error ? error.message : String(error) }, 'could not tell security the breaker tripped'));
  }
  return `autopilot paused for account ${account} (circuit breaker)`;
}

type OpenState = Extract<CardState, { kind: 'open' }>;

interface Waiting {
  tracked: TrackedFinding;
  state: OpenState;
  change: string | null;
}

/**
 * Tells Slack what changed: closes cards resolved at source, notes Security Hub updates in card
 * threads, and posts a card for every open finding that has none yet (one card for a large
 * enough group of the same fix). Returns how many cards were posted.
 */
export async function deliverCards(services: Services): Promise<number> {
  const tripped = new Set<string>();
  for (const tracked of services.findings.resolvedWithStaleCard()) {
    await updateFindingCard(services, tracked, { kind: 'resolved_at_source', at: services.clock.now().toISOString(), diff: null });
  }
  await noteUpdates(services);
  let posted = 0;
  for (const chunk of deliveryChunks(services.findings.awaitingCard())) {
    posted += await deliverChunk(services, chunk, tripped);
    // Loading and planning a chunk is synchronous in parts: let Slack's acknowledgements through.
    await setImmediate();
  }
  return posted;
}

/** Findings handled together: enough to fill a group card, never splitting one account, fix and channel. */
const chunkSize = 200;

/**
 * Cuts the waiting findings (ordered by account, fix, channel) into chunks of about `chunkSize`,
 * only where that key changes, so every candidate for one group card is in one chunk while
 * 100,000 waiting findings are never loaded and planned all at once.
 */
export function deliveryChunks(waiting: readonly AwaitingCard[]): string[][] {
  const chunks: string[][] = [];
  let current: string[] = [];
  let lastKey: string | null = null;
  for (const row of waiting) {
    const key = JSON.stringify([row.account, row.remediation, row.channel]);
    if (current.length >= chunkSize && key !== lastKey) {
      chunks.push(current);
      current = [];
    }
    current.push(row.id);
    lastKey = key;
  }
  if (current.length > 0) chunks.push(current);
  return chunks;
}

async function deliverChunk(services: Services, ids: readonly string[], tripped: Set<string>): Promise<number> {
  let posted = 0;
  const waiting: Waiting[] = [];
  for (const id of ids) {
    const tracked = services.findings.stillAwaitingCard(id);
    if (!tracked) continue;
    const remediation = tracked.triage.mode === 'autopilot' && tracked.triage.remediation ? remediationById(tracked.triage.remediation) : undefined;
    const guard = remediation ? await autopilotGuard(services, tracked, tripped) : null;
    if (remediation && guard === null) {
      posted += await fixOnAutopilot(services, tracked, remediation);
      continue;
    }
    const { state, change } = await planCard(services, tracked);
    waiting.push({ tracked, state: guard ? { ...state, autopilotHeld: guard } : state, change });
  }
  // Keys first: posting a group card makes its members ineligible for another.
  const keys = waiting.map((item) => groupKey(services, item));
  const groups = new Map<string, Waiting[]>();
  waiting.forEach((item, i) => {
    const key = keys[i];
    if (key) groups.set(key, [...(groups.get(key) ?? []), item]);
  });
  const postedGroups = new Set<string>();
  for (const [i, item] of waiting.entries()) {
    const key = keys[i] ?? null;
    const group = key === null ? undefined : groups.get(key);
    if (key !== null && group && group.length >= services.policy.grouping.minFindings) {
      if (!postedGroups.has(key)) {
        postedGroups.add(key);
        posted += await postGroupCard(services, group);
      }
      continue;
    }
    posted += await postFindingCard(services, item.tracked, item.state);
  }
  return posted;
}

/**
 * Findings that may share a card: copilot fixes with the exact same change in one account and
 * channel. A card that says more (a plan error, a person's steps, a held autopilot fix, a
 * recurrence) stays a card of its own, and so does a finding a split already took off a group.
 */
function groupKey(services: Services, { tracked, state, change }: Waiting): string | null {
  const { remediation, mode } = tracked.triage;
  if (mode !== 'copilot' || !remediation || change === null || state.planError || state.manualOnly || state.guidance || state.autopilotHeld || state.recurrence) return null;
  if (services.groups.ofFinding(tracked.finding.id) !== null) return null;
  return JSON.stringify([tracked.finding.account, remediation, tracked.channel, change]);
}

async function postFindingCard(services: Services, tracked: TrackedFinding, state: OpenState): Promise<number> {
  try {
    const where = await services.slack.post(tracked.channel, buildFindingCard(tracked, state));
    services.findings.setCard(tracked.finding.id, where.channel, where.ts);
    services.evidence.append('card.posted', tracked.finding.id, botActor, { channel: where.channel, ts: where.ts, diff: state.diff, planError: state.planError });
    return 1;
  } catch (error) {
    // Left without a card: the next run posts it again.
    services.log.error(
      { findingId: tracked.finding.id, channel: tracked.channel, err: error instanceof Error ? error.message : String(error) },
      'chat.postMessage failed; the card will be retried on the next run',
    );
    return 0;
  }
}

/** One card for the group, one member's diff as the example; each member's evidence records its own diff and the card. */
async function postGroupCard(services: Services, members: readonly Waiting[]): Promise<number> {
  const first = members[0]!;
  const diff = first.state.diff ?? '';
  const remediation = first.tracked.triage.remediation ?? '';
  const id = randomUUID();
  const card = buildGroupCard({ id, remediation, diff, members: members.map(({ tracked }) => ({ tracked, failure: null, ownCard: false })), approved: null, split: null });
  let where: { channel: string; ts: string };
  try {
    where = await services.slack.post(first.tracked.channel, card);
  } catch (error) {
    services.log.error(
      { members: members.length, channel: first.tracked.channel, err: error instanceof Error ? error.message : String(error) },
      'chat.postMessage failed for a group card; it will be retried on the next run',
    );
    return 0;
  }
  services.atomically(() => {
    const ids = members.map(({ tracked }) => tracked.finding.id);
    services.groups.create(
      { id, account: first.tracked.finding.account, remediation, channel: first.tracked.channel, diff, card: where, createdAt: services.clock.now().toISOString() },
      ids,
    );
    for (const { tracked, state } of members) {
      services.evidence.append('card.posted', tracked.finding.id, botActor, { ...where, diff: state.diff, planError: null, group: { id, members: ids.length } });
    }
  });
  return 1;
}

const updateEvidence = z.object({
  finding: z.object({ updatedAt: z.string(), resource: z.object({ id: z.string() }) }),
  changes: z.array(findingChangeSchema),
});

/**
 * Security Hub updated a finding whose card still asks for a decision: say what changed in the
 * card's thread (never a new card), and redraw an own card when its severity changed.
 */
async function noteUpdates(services: Services): Promise<void> {
  for (const update of services.findings.updatesToNote()) {
    const tracked = services.findings.get(update.findingId);
    const parsed = updateEvidence.safeParse(JSON.parse(update.data));
    if (!tracked || !parsed.success) {
      services.log.warn({ findingId: update.findingId, seq: update.seq }, 'finding.updated evidence not as written; no thread note');
      continue;
    }
    const group = tracked.card ? null : services.groups.ofFinding(tracked.finding.id);
    const card = tracked.card ?? group?.card;
    if (!card) continue;
    const { finding, changes } = parsed.data;
    try {
      const note = await services.slack.postText(card.channel, updateNote(changes, finding.updatedAt, group ? finding.resource.id : null), card.ts);
      services.evidence.append('card.noted', tracked.finding.id, botActor, { channel: card.channel, threadTs: card.ts, ts: note.ts, updateSeq: update.seq, changes });
    } catch (error) {
      services.log.error({ findingId: tracked.finding.id, err: error instanceof Error ? error.message : String(error) }, 'thread note failed; retried on the next run');
      continue;
    }
    if (tracked.card && changes.some((c) => c.field === 'severity')) {
      await updateFindingCard(services, tracked, tracked.status === 'open' ? await openCardState(services, tracked) : currentCardState(services, tracked));
    }
  }
}
