import { z } from 'zod';
import type { Services } from '../app/services.js';
import type { Person } from '../domain/person.js';
import { botActor } from '../evidence/evidence-log.js';
import { deliverCardUpdate, queueCardUpdate } from '../remediate/approve-fix.js';
import { explainAwsError } from '../remediate/explain-aws-error.js';
import { remediationById } from '../remediate/registry.js';
import type { Plan } from '../remediate/remediation.js';
import { resolveRoute } from '../route/routing.js';
import { checkApprover } from './approvers.js';
import { currentCardState } from './card-state.js';
import { cardTarget } from './card-target.js';
import type { DecisionReply } from './exception.js';

/** The applied plan, read back from the evidence; undo restores exactly its `before`. */
const recordedPlan = z.object({
  remediationId: z.string(),
  findingId: z.string(),
  resourceId: z.string(),
  region: z.string(),
  before: z.record(z.string(), z.unknown()),
  after: z.record(z.string(), z.unknown()),
  diff: z.string(),
  alreadyCompliant: z.boolean(),
  calls: z.array(z.object({ service: z.string(), operation: z.string(), input: z.record(z.string(), z.unknown()) })),
});

/**
 * Undo on a fixed card: the same people who may approve may undo. The claim is atomic
 * (fixed → fixing), so two clicks undo once; the finding is open again afterwards.
 */
export async function undoFix(
  services: Services,
  click: { findingId: string; channel: string; messageTs: string; user: Person },
): Promise<DecisionReply> {
  const target = cardTarget(services, click.findingId, click.channel, click.messageTs);
  if (target.kind !== 'found' || target.tracked.status !== 'fixed') return { told: 'There is no applied fix to undo on this card.' };
  const { tracked } = target;
  const remediation = tracked.triage.remediation ? remediationById(tracked.triage.remediation) : undefined;
  const undo = remediation?.undo;
  const lastPlan = services.evidence.forFinding(tracked.finding.id).filter((e) => e.kind === 'fix.planned').at(-1);
  const parsed = recordedPlan.safeParse(lastPlan?.data);
  if (!remediation || !undo || !parsed.success || parsed.data.alreadyCompliant) {
    return { told: 'This fix cannot be undone automatically (nothing was changed, or the remediation is not reversible).' };
  }
  const actor = { type: 'slack_user' as const, id: click.user.id, name: click.user.name };
  const verdict = await checkApprover(click.user.id, services.policy, resolveRoute(tracked.finding, services.routing).owner, (g) =>
    services.slack.usergroupMembers(g),
  );
  if (!verdict.allowed) {
    services.evidence.append('approval.refused', tracked.finding.id, actor, { action: 'undo', reason: `not an approver; approvers: ${verdict.who}` });
    return { told: `You cannot undo this fix. Approvers for it: ${verdict.who}.` };
  }
  const claimed = services.atomically(() => {
    if (!services.findings.transition(tracked.finding.id, ['fixed'], 'fixing')) return false;
    services.evidence.append('decision.undo', tracked.finding.id, actor, { remediation: remediation.id, card: { channel: click.channel, ts: click.messageTs } });
    return true;
  });
  if (!claimed) return { told: 'Someone else is already acting on this fix.' };
  const plan: Plan = parsed.data;
  try {
    await undo.call(remediation, plan, services.awsFor(tracked.finding.account));
  } catch (error) {
    const explanation = explainAwsError(error, null, remediation.permissions);
    // The failure, the way back to fixed and the card showing it commit together.
    const cardKey = services.atomically(() => {
      services.evidence.append('fix.failed', tracked.finding.id, botActor, {
        step: 'undo',
        error: error instanceof Error ? { name: error.name, message: error.message } : String(error),
        explanation,
      });
      services.findings.transition(tracked.finding.id, ['fixing'], 'fixed');
      return queueCardUpdate(services, tracked, currentCardState(services, { ...tracked, status: 'fixed' }));
    });
    await deliverCardUpdate(services, cardKey);
    return { told: `Undo failed; the fix is still in place. ${explanation}` };
  }
  const cardKey = services.atomically(() => {
    services.evidence.append('fix.undone', tracked.finding.id, actor, { remediation: remediation.id, restored: plan.before });
    services.findings.transition(tracked.finding.id, ['fixing'], 'open');
    services.writeback.queue(tracked.finding, 'NOTIFIED', `soc2-bot: fix ${remediation.id} undone by ${click.user.name ?? click.user.id}; the finding is open again.`);
    return queueCardUpdate(services, tracked, { kind: 'undone', by: click.user, at: services.clock.now().toISOString(), diff: plan.diff });
  });
  await deliverCardUpdate(services, cardKey);
  await services.writeback.deliver(tracked.finding.id);
  return { told: 'Undone: the previous state was restored. The finding is open again.' };
}
