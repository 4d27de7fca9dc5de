import type { Services } from '../app/services.js';
import { botActor } from '../evidence/evidence-log.js';
import { currentCardState } from '../decisions/card-state.js';
import { deliverCardUpdate, queueCardUpdate, updateFindingCard } from './approve-fix.js';
import { explainAwsError } from './explain-aws-error.js';
import { remediationById } from './registry.js';
import { remediationOptions } from './remediation-options.js';

/**
 * After a crash, a finding left in `fixing` may or may not have been changed. It is
 * never applied again blindly: the live state is read, and the fix is recorded as
 * verified when the control now holds, or as failed (open again) when it does not,
 * and Security Hub is told as after any fix. Cards left showing a fix in progress are
 * redrawn from the state recorded.
 */
export async function recoverInterruptedFixes(services: Services): Promise<number> {
  const interrupted = services.findings.inStatus('fixing');
  for (const tracked of interrupted) {
    const remediation = tracked.triage.remediation ? remediationById(tracked.triage.remediation) : undefined;
    let outcome: { fixed: boolean; detail: string };
    try {
      if (!remediation) throw new Error(`remediation ${tracked.triage.remediation ?? '(none)'} is not known`);
      const plan = await remediation.plan(tracked.finding, services.awsFor(tracked.finding.account), remediationOptions(services, remediation.id));
      outcome = plan.alreadyCompliant
        ? { fixed: true, detail: 'the interrupted fix had taken effect: the resource meets the control (checked after a restart)' }
        : { fixed: false, detail: 'a restart interrupted the fix before it took effect; nothing was applied again. Approve again to retry.' };
    } catch (error) {
      outcome = { fixed: false, detail: `a restart interrupted the fix and the state could not be read: ${explainAwsError(error, null, remediation?.permissions ?? [])}` };
    }
    // The outcome, its evidence and the card update showing it commit together (false: another process settled it).
    const cardKey = services.atomically((): string | null | false => {
      if (!services.findings.transition(tracked.finding.id, ['fixing'], outcome.fixed ? 'fixed' : 'fix_failed')) return false;
      if (outcome.fixed) {
        services.evidence.append('fix.verified', tracked.finding.id, botActor, { step: 'verify', ok: true, observed: {}, detail: outcome.detail });
      } else {
        services.evidence.append('fix.failed', tracked.finding.id, botActor, { step: 'apply', explanation: outcome.detail });
      }
      services.writeback.queue(
        tracked.finding,
        outcome.fixed ? 'RESOLVED' : 'NOTIFIED',
        outcome.fixed ? `soc2-bot: ${tracked.triage.remediation ?? 'fix'} verified: ${outcome.detail}.` : `soc2-bot: fix failed: ${outcome.detail}`,
      );
      const now = services.findings.get(tracked.finding.id);
      return now ? queueCardUpdate(services, now, currentCardState(services, now)) : null;
    });
    if (cardKey === false) continue;
    await deliverCardUpdate(services, cardKey);
    await services.writeback.deliver(tracked.finding.id);
    services.log.warn({ findingId: tracked.finding.id, fixed: outcome.fixed }, 'recovered a fix interrupted by a restart');
  }
  // A crash after a fix settled but before its card was redrawn leaves the card saying "applying now".
  const staleCards = services.findings.cardsLeftFixing();
  for (const tracked of staleCards) await updateFindingCard(services, tracked, currentCardState(services, tracked));
  return interrupted.length + staleCards.length;
}
