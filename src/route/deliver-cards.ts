import type { Services } from '../app/services.js';
import type { Finding } from '../domain/finding.js';
import { autopilot } from '../domain/person.js';
import { botActor } from '../evidence/evidence-log.js';
import type { IngestOutcome, TrackedFinding } from '../evidence/findings-repo.js';
import { explainAwsError } from '../remediate/explain-aws-error.js';
import { defaultCatalogue } from '../remediate/catalogue.js';
import { ManualOnlyError } from '../remediate/manual-only-error.js';
import { runApprovedFix, updateFindingCard } from '../remediate/approve-fix.js';
import { remediationById } from '../remediate/registry.js';
import type { Remediation } from '../remediate/remediation.js';
import { remediationOptions } from '../remediate/remediation-options.js';
import { buildFindingCard, type CardState } from '../slack/cards.js';
import { triage } from '../triage/triage.js';
import { resolveRoute } from './routing.js';

export type IngestSummary = Record<IngestOutcome, number>;

/** Findings stored per transaction: one commit per batch makes large polls fast, and a bounded batch keeps clicks from waiting long on the write lock. */
const batchSize = 500;

/** Triage and route each finding, remember it (dedup, recurrence) and record what was detected. */
export function recordFindings(services: Services, findings: readonly Finding[]): IngestSummary {
  const summary: IngestSummary = { new: 0, recurred: 0, updated: 0, unchanged: 0, resolved: 0 };
  for (let i = 0; i < findings.length; i += batchSize) {
    const batch = services.atomically(() => recordEach(services, findings.slice(i, i + batchSize)));
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
    const outcome = services.findings.record(finding, decided, route, now);
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
    const kind = outcome === 'new' ? 'finding.detected' : outcome === 'recurred' ? 'finding.recurred' : 'finding.updated';
    services.evidence.append(kind, finding.id, botActor, { finding, triage: decided, route });
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
async function openCardState(services: Services, tracked: TrackedFinding): Promise<CardState> {
  const guidance = defaultCatalogue.get(tracked.finding.control ?? '')?.guidance ?? null;
  const remediation = tracked.triage.remediation ? remediationById(tracked.triage.remediation) : undefined;
  if (!remediation) return { kind: 'open', diff: null, planError: null, guidance };
  try {
    const plan = await remediation.plan(tracked.finding, services.awsFor(tracked.finding.account), remediationOptions(services, remediation.id));
    return { kind: 'open', diff: plan.diff, planError: null };
  } catch (error) {
    if (error instanceof ManualOnlyError) return { kind: 'open', diff: error.plan.diff, planError: null, manualOnly: error.reason };
    return { kind: 'open', diff: null, planError: explainAwsError(error, null, remediation.permissions) };
  }
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

/** Posts a card for every open finding that has none yet. Returns how many were posted. */
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

export async function deliverCards(services: Services): Promise<number> {
  const tripped = new Set<string>();
  for (const tracked of services.findings.resolvedWithStaleCard()) {
    await updateFindingCard(services, tracked, { kind: 'resolved_at_source', at: services.clock.now().toISOString(), diff: null });
  }
  let posted = 0;
  for (const tracked of services.findings.awaitingCard()) {
    const remediation = tracked.triage.mode === 'autopilot' && tracked.triage.remediation ? remediationById(tracked.triage.remediation) : undefined;
    const guard = remediation ? await autopilotGuard(services, tracked, tripped) : null;
    if (remediation && guard === null) {
      posted += await fixOnAutopilot(services, tracked, remediation);
      continue;
    }
    const opened = await openCardState(services, tracked);
    const state = guard && opened.kind === 'open' ? { ...opened, autopilotHeld: guard } : opened;
    const card = buildFindingCard(tracked, state);
    try {
      const where = await services.slack.post(tracked.channel, card);
      services.findings.setCard(tracked.finding.id, where.channel, where.ts);
      services.evidence.append('card.posted', tracked.finding.id, botActor, {
        channel: where.channel,
        ts: where.ts,
        diff: state.kind === 'open' ? state.diff : null,
        planError: state.kind === 'open' ? state.planError : null,
      });
      posted += 1;
    } catch (error) {
      // Left without a card: the next run posts it again.
      services.log.error(
        { findingId: tracked.finding.id, channel: tracked.channel, err: error instanceof Error ? error.message : String(error) },
        'chat.postMessage failed; the card will be retried on the next run',
      );
    }
  }
  return posted;
}
