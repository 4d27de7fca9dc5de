import type { Services } from '../app/services.js';
import type { Person } from '../domain/person.js';
import { botActor, type Actor, type EvidenceEvent } from '../evidence/evidence-log.js';
import type { TrackedFinding } from '../evidence/findings-repo.js';
import { deliverCardUpdate, diffShownOnCard, queueCardUpdate } from '../remediate/approve-fix.js';
import { deliverCards } from '../route/deliver-cards.js';
import { resolveRoute } from '../route/routing.js';
import type { ExceptionFacts } from '../slack/cards.js';
import type { ExceptionRequest } from '../slack/modals/exception-modal.js';
import { checkApprover } from './approvers.js';
import { cardTarget } from './card-target.js';
import { securityHubStillFails } from './recheck.js';

const asActor = (person: Person): Actor => ({ type: 'slack_user', id: person.id, name: person.name });
const openStates = ['open', 'fix_failed', 'awaiting_second'] as const;

/** The outcome told to the person who acted (ephemerally). */
export interface DecisionReply {
  told: string;
}

async function isApprover(services: Services, tracked: TrackedFinding, user: string) {
  const owner = resolveRoute(tracked.finding, services.routing).owner;
  return checkApprover(user, services.policy, owner, (group) => services.slack.usergroupMembers(group));
}

function facts(request: { justification: string; expiresAt: string; compensatingControl: string | null }): ExceptionFacts {
  return { justification: request.justification, expiresAt: request.expiresAt, compensatingControl: request.compensatingControl };
}

/**
 * The card of a granted exception and Security Hub's suppression (with the justification), queued
 * in the transaction that grants it; returns the card's outbox key.
 */
function queueGranted(services: Services, tracked: TrackedFinding, requester: Person, approver: Person, exception: ExceptionFacts): string | null {
  services.writeback.queue(
    tracked.finding,
    'SUPPRESSED',
    `soc2-bot: exception until ${exception.expiresAt.slice(0, 10)} granted by ${approver.name ?? approver.id}: ${exception.justification}`,
  );
  return queueCardUpdate(services, services.findings.get(tracked.finding.id) ?? tracked, {
    kind: 'excepted',
    by: requester,
    grantedBy: approver,
    at: services.clock.now().toISOString(),
    diff: diffShownOnCard(services, tracked.finding.id),
    exception,
  });
}

/**
 * A submitted Exception modal. An approver's own request is granted at once unless
 * the policy asks for separation of duties; otherwise it waits for an approver.
 */
export async function submitException(
  services: Services,
  ref: { findingId: string; channel: string; ts: string },
  requester: Person,
  request: ExceptionRequest,
): Promise<DecisionReply> {
  const target = cardTarget(services, ref.findingId, ref.channel, ref.ts);
  if (target.kind !== 'found') return { told: 'This exception request does not match a card soc2-bot knows; nothing was recorded.' };
  const { tracked } = target;
  const grantNow = !services.policy.exceptions.separationOfDuties && (await isApprover(services, tracked, requester.id)).allowed;
  const exception = facts(request);
  // The decision, its evidence and the card update showing it commit together (false: nothing decided).
  const cardKey = services.atomically((): string | null | false => {
    if (!services.findings.transition(tracked.finding.id, [...openStates], grantNow ? 'excepted' : 'exception_requested')) return false;
    services.evidence.append('exception.requested', tracked.finding.id, asActor(requester), { ...exception, approver: request.approver });
    if (grantNow) {
      services.evidence.append('exception.granted', tracked.finding.id, asActor(requester), { requestedBy: requester.id, ...exception });
      services.findings.setExceptionExpiry(tracked.finding.id, exception.expiresAt);
      return queueGranted(services, tracked, requester, requester, exception);
    }
    return queueCardUpdate(services, services.findings.get(tracked.finding.id) ?? tracked, {
      kind: 'exception_requested',
      by: requester,
      at: services.clock.now().toISOString(),
      diff: diffShownOnCard(services, tracked.finding.id),
      exception,
      approver: request.approver,
    });
  });
  if (cardKey === false) {
    const now = services.findings.get(tracked.finding.id);
    return { told: `Nothing was recorded: this finding is ${now?.status.replace(/_/g, ' ') ?? 'gone'} now.` };
  }
  await deliverCardUpdate(services, cardKey);
  if (grantNow) {
    await services.writeback.deliver(tracked.finding.id);
    return { told: `Exception granted until ${exception.expiresAt.slice(0, 10)}.` };
  }
  return { told: request.approver ? `Exception requested; <@${request.approver}> must grant it.` : 'Exception requested; an approver must grant it.' };
}

/** The last exception request on a finding, as recorded. */
function lastRequest(services: Services, findingId: string): EvidenceEvent | undefined {
  return services.evidence.forFinding(findingId).filter((e) => e.kind === 'exception.requested').at(-1);
}

/** "Grant exception" on a card that waits for one. */
export async function grantRequestedException(
  services: Services,
  click: { findingId: string; channel: string; messageTs: string; user: Person },
): Promise<DecisionReply> {
  const target = cardTarget(services, click.findingId, click.channel, click.messageTs);
  if (target.kind !== 'found' || target.tracked.status !== 'exception_requested') {
    return { told: 'There is no exception request waiting on this card.' };
  }
  const { tracked } = target;
  const requested = lastRequest(services, tracked.finding.id);
  if (!requested) return { told: 'There is no exception request waiting on this card.' };
  const data = requested.data as { justification: string; expiresAt: string; compensatingControl: string | null; approver: string | null };
  const refuse = (reason: string) => {
    services.evidence.append('approval.refused', tracked.finding.id, asActor(click.user), { action: 'grant_exception', reason });
    return { told: reason };
  };
  if (services.policy.exceptions.separationOfDuties && requested.actor.id === click.user.id) {
    return refuse('Separation of duties: you requested this exception, so someone else must grant it.');
  }
  if (data.approver && data.approver !== click.user.id) return refuse(`This request names <@${data.approver}> as its approver.`);
  const verdict = await isApprover(services, tracked, click.user.id);
  if (!verdict.allowed) return refuse(`You cannot grant exceptions for this finding. Approvers: ${verdict.who}.`);
  const exception = facts(data);
  const requester: Person = { id: requested.actor.id, name: requested.actor.name };
  const cardKey = services.atomically((): string | null | false => {
    if (!services.findings.transition(tracked.finding.id, ['exception_requested'], 'excepted')) return false;
    services.evidence.append('exception.granted', tracked.finding.id, asActor(click.user), { requestedBy: requested.actor.id, ...exception });
    services.findings.setExceptionExpiry(tracked.finding.id, exception.expiresAt);
    return queueGranted(services, tracked, requester, click.user, exception);
  });
  if (cardKey === false) return { told: 'Someone else already acted on this request.' };
  await deliverCardUpdate(services, cardKey);
  await services.writeback.deliver(tracked.finding.id);
  return { told: `Exception granted until ${exception.expiresAt.slice(0, 10)}.` };
}

/**
 * Re-evaluates every exception that has run out: still failing means a fresh card in
 * the owner's channel, linked to the old one; fixed meanwhile means closed with evidence.
 */
export async function expireExceptions(services: Services): Promise<number> {
  const expired = services.findings.expiredExceptions(services.clock.now());
  for (const tracked of expired) {
    const failing = await securityHubStillFails(services, tracked);
    const at = services.clock.now().toISOString();
    const expiresAt = tracked.exceptionExpiresAt ?? at;
    const cardKey = services.atomically((): string | null | false => {
      if (!services.findings.transition(tracked.finding.id, ['excepted'], failing ? 'open' : 'resolved_at_source')) return false;
      services.evidence.append('exception.expired', tracked.finding.id, botActor, { expiresAt, stillFailing: failing, previousCard: tracked.card });
      services.findings.setExceptionExpiry(tracked.finding.id, null);
      if (failing) services.writeback.queue(tracked.finding, 'NOTIFIED', `soc2-bot: exception expired ${expiresAt.slice(0, 10)}; the control still fails.`);
      return queueCardUpdate(services, tracked, { kind: 'exception_expired', at, diff: null, stillFailing: failing });
    });
    if (cardKey === false) continue;
    await deliverCardUpdate(services, cardKey);
    if (!failing) continue;
    services.findings.reopenForNewCard(tracked.finding.id);
    await services.writeback.deliver(tracked.finding.id);
  }
  if (expired.length > 0) await linkFreshCards(services, expired);
  return expired.length;
}

async function linkFreshCards(services: Services, expired: TrackedFinding[]): Promise<void> {
  await deliverCards(services);
  for (const old of expired) {
    const fresh = services.findings.get(old.finding.id);
    if (!old.card || !fresh?.card || fresh.card.ts === old.card.ts) continue;
    const link = await services.slack.permalink(old.card.channel, old.card.ts);
    await services.outbox.send({
      method: 'chat.postMessage',
      channel: fresh.card.channel,
      threadTs: fresh.card.ts,
      text: `The exception on this finding expired ${old.exceptionExpiresAt?.slice(0, 10) ?? ''} and it still fails. Previous card: ${link}`,
    });
  }
}
