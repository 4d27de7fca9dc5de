import type { Services } from '../app/services.js';
import type { Person } from '../domain/person.js';
import { botActor, type Actor } from '../evidence/evidence-log.js';
import type { FindingStatus, TrackedFinding } from '../evidence/findings-repo.js';
import { cardTarget } from '../decisions/card-target.js';
import { buildFindingCard, type CardState } from '../slack/cards.js';
import { explainAwsError } from './explain-aws-error.js';
import { remediationById } from './registry.js';
import type { ApiCall, Plan, Remediation } from './remediation.js';
import { ManualOnlyError } from './manual-only-error.js';
import { remediationOptions } from './remediation-options.js';

export interface ApprovalRequest {
  findingId: string;
  user: Person;
  /** Where the clicked card lives: a click is only honoured on the finding's own card. */
  channel: string;
  messageTs: string;
}

export type Claim =
  | { kind: 'claimed'; tracked: TrackedFinding; remediation: Remediation }
  /**
   * Four-eyes: this was the first of two approvals; the card now waits for a second person.
   * `card`: the outbox key of the card's "1 of 2" update, queued with the claim; deliver it.
   */
  | { kind: 'first_of_two'; tracked: TrackedFinding; card: string | null }
  /** Four-eyes: the first approver clicked again. */
  | { kind: 'same_approver'; at: string }
  | { kind: 'unknown_finding' }
  | { kind: 'not_this_card' }
  | { kind: 'no_remediation' }
  | { kind: 'already_handled'; status: FindingStatus; by: Actor | null; at: string | null };

const slackUser = (user: Person): Actor => ({ type: 'slack_user', id: user.id, name: user.name });

/**
 * Decides, atomically, what this approval does; resolves once the decision is on disk. Double
 * clicks, Slack retries and simultaneous approvers all race on one conditional UPDATE;
 * exactly one wins each step, the rest learn who got there first.
 */
export async function claimApproval(services: Services, request: ApprovalRequest, twoApprovers: boolean): Promise<Claim> {
  const target = cardTarget(services, request.findingId, request.channel, request.messageTs);
  if (target.kind !== 'found') return target;
  return claimFound(services, target.tracked, request, twoApprovers);
}

/** The claim itself, for a finding whose card the caller has matched to the click (its own card, or its group card). */
export async function claimFound(services: Services, tracked: TrackedFinding, request: ApprovalRequest, twoApprovers: boolean): Promise<Claim> {
  const remediation = tracked.triage.remediation ? remediationById(tracked.triage.remediation) : undefined;
  if (!remediation) return { kind: 'no_remediation' };
  const approvals = () => services.evidence.forFinding(request.findingId).filter((e) => e.kind === 'decision.approved');
  const record = (approval: { n: number; of: number }) =>
    services.evidence.append('decision.approved', request.findingId, slackUser(request.user), {
      decision: 'approve',
      remediation: remediation.id,
      card: { channel: request.channel, ts: request.messageTs },
      approval,
    });
  // Each claim and its evidence commit together: a decision is never recorded without its state change, nor the reverse.
  // Group commit: the claims of a burst of clicks share one fsync, still decided one after another in click order.
  const outcome = await services.atomicallySoon((): Claim | null => {
    // Read again in the transaction: a click earlier in the same batch may have taken the first approval.
    if (twoApprovers && services.findings.get(request.findingId)?.status === 'awaiting_second') {
      const first = approvals().at(-1);
      if (first?.actor.id === request.user.id) return { kind: 'same_approver', at: first.at };
      if (!services.findings.transition(request.findingId, ['awaiting_second'], 'fixing')) return null;
      record({ n: 2, of: 2 });
      return { kind: 'claimed', tracked, remediation };
    }
    const next = twoApprovers ? 'awaiting_second' : 'fixing';
    if (!services.findings.transition(request.findingId, ['open', 'fix_failed'], next)) return null;
    record({ n: 1, of: twoApprovers ? 2 : 1 });
    if (!twoApprovers) return { kind: 'claimed', tracked, remediation };
    // The card's "1 of 2" commits with the approval: a crash in between cannot leave it asking for a first.
    const at = services.clock.now().toISOString();
    return { kind: 'first_of_two', tracked, card: queueCardUpdate(services, tracked, { kind: 'awaiting_second', by: request.user, at, diff: diffShownOnCard(services, tracked.finding.id) }) };
  });
  if (outcome) return outcome;
  const last = approvals().at(-1);
  const now = services.findings.get(request.findingId);
  return { kind: 'already_handled', status: now?.status ?? tracked.status, by: last?.actor ?? null, at: last?.at ?? null };
}

/** Plan, apply, verify, update the card, write back to Security Hub; every step is evidence. */
export async function runApprovedFix(
  services: Services,
  claim: Extract<Claim, { kind: 'claimed' }>,
  user: Person,
): Promise<void> {
  const { tracked, remediation } = claim;
  const { finding } = tracked;
  const at = services.clock.now().toISOString();
  // An outcome, the card update showing it and (when it ends the fix) Security Hub's update commit together,
  // then go out in that order: a crash between them cannot leave the card or the console behind.
  const settle = async (to: FindingStatus, state: CardState, securityHub?: { status: 'RESOLVED' | 'NOTIFIED'; note: string }) => {
    const key = services.atomically(() => {
      services.findings.transition(finding.id, ['fixing'], to);
      if (securityHub) services.writeback.queue(finding, securityHub.status, securityHub.note);
      return queueCardUpdate(services, tracked, state);
    });
    await deliverCardUpdate(services, key);
    if (securityHub) await services.writeback.deliver(finding.id);
  };
  let plan: Plan | null = null;
  let step: ApiCall | null = null;
  try {
    const aws = services.awsFor(finding.account);
    plan = await remediation.plan(finding, aws, remediationOptions(services, remediation.id));
    services.evidence.append('fix.planned', finding.id, botActor, { ...plan });
    const shown = diffShownOnCard(services, finding.id);
    if (!plan.alreadyCompliant && shown !== null && shown !== plan.diff) {
      // The resource changed since the card was posted: never apply a change nobody saw.
      services.evidence.append('fix.replanned', finding.id, botActor, { shownDiff: shown, newDiff: plan.diff });
      await settle('open', { kind: 'open', diff: plan.diff, planError: null });
      // A member of a group card has no card of its own to show the new diff on; the group flow tells the approver.
      if (tracked.card) {
        await services.slack.ephemeral(
          tracked.card.channel,
          user.id,
          'Nothing was changed: the resource changed since this card was posted. The card now shows the new diff; review it and approve again.',
        );
      }
      return;
    }
    if (plan.alreadyCompliant) {
      await settle('fixed', { kind: 'already_compliant', by: user, at, diff: plan.diff }, {
        status: 'RESOLVED',
        note: `soc2-bot: already compliant when checked after approval by ${user.name ?? user.id}; nothing changed.`,
      });
      return;
    }
    await updateFindingCard(services, tracked, { kind: 'fixing', by: user, at, diff: plan.diff });
    step = plan.calls[0] ?? null;
    await remediation.apply(plan, aws);
    services.evidence.append('fix.applied', finding.id, { type: 'aws', id: finding.account, name: null }, {
      remediation: remediation.id,
      calls: plan.calls,
      result: 'ok',
    });
    step = null;
    const verification = await remediation.verify(plan, aws);
    services.evidence.append(verification.ok ? 'fix.verified' : 'fix.failed', finding.id, botActor, {
      step: 'verify',
      ...verification,
    });
    if (!verification.ok) {
      await failed(`the change was made but verification failed: ${verification.detail}`, false);
      return;
    }
    await settle('fixed', { kind: 'fixed', by: user, at, diff: plan.diff, verification: verification.detail, undoable: remediation.undo !== undefined }, {
      status: 'RESOLVED',
      note: `soc2-bot: ${remediation.id} applied after approval by ${user.name ?? user.id}; verified: ${verification.detail}.`,
    });
  } catch (error) {
    const reason = error instanceof ManualOnlyError ? `nothing was changed: ${error.reason}` : explainAwsError(error, step, remediation.permissions);
    await failed(reason, true, error);
  }

  async function failed(reason: string, record: boolean, error?: unknown): Promise<void> {
    if (record) {
      services.evidence.append('fix.failed', finding.id, botActor, {
        step: plan === null ? 'plan' : step ? 'apply' : 'verify',
        call: step,
        error: error instanceof Error ? { name: error.name, message: error.message } : String(error),
        explanation: reason,
      });
    }
    await settle('fix_failed', { kind: 'fix_failed', by: user, at, diff: plan?.diff ?? null, error: reason }, { status: 'NOTIFIED', note: `soc2-bot: fix failed: ${reason}` });
  }
}

/**
 * Queues the card's new look in the outbox; inside `services.atomically` it commits with the
 * state change it shows. Returns the outbox key to deliver after commit (null: no card).
 * `card.updated` evidence is appended when Slack takes the update, so it says what the card shows.
 */
export function queueCardUpdate(services: Services, tracked: TrackedFinding, state: CardState): string | null {
  if (!tracked.card) return null;
  const { channel, ts } = tracked.card;
  return services.outbox.enqueue({
    method: 'chat.update',
    channel,
    ts,
    card: buildFindingCard(tracked, state),
    evidence: { kind: 'card.updated', findingId: tracked.finding.id, data: { channel, ts, state: state.kind, diff: state.diff } },
  });
}

/** Replaces the card in place, now or (Slack down) from the outbox later; never lost, never out of order. */
export async function updateFindingCard(services: Services, tracked: TrackedFinding, state: CardState): Promise<void> {
  await deliverCardUpdate(services, queueCardUpdate(services, tracked, state));
}

/** Sends what `queueCardUpdate` queued, once the transaction it was queued in has committed. */
export async function deliverCardUpdate(services: Services, key: string | null): Promise<void> {
  if (key) await services.outbox.deliver(key);
}

/** The diff the card currently shows, from the evidence of what was posted or last updated. */
export function diffShownOnCard(services: Services, findingId: string): string | null {
  const last = services.evidence
    .forFinding(findingId)
    .filter((e) => e.kind === 'card.posted' || e.kind === 'card.updated')
    .at(-1);
  const diff = last?.data['diff'];
  return typeof diff === 'string' ? diff : null;
}
