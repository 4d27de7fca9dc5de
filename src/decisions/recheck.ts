import { GetFindingsCommand } from '@aws-sdk/client-securityhub';
import type { Services } from '../app/services.js';
import type { Person } from '../domain/person.js';
import type { TrackedFinding } from '../evidence/findings-repo.js';
import { deliverCardUpdate, queueCardUpdate } from '../remediate/approve-fix.js';
import { cardTarget } from './card-target.js';
import type { DecisionReply } from './exception.js';

/** Asks Security Hub whether the finding still fails: the one source that knows for every control. */
export async function securityHubStillFails(services: Services, tracked: TrackedFinding): Promise<boolean> {
  const out = await services.aws.securityHub(services.securityHubRegion).send(
    new GetFindingsCommand({
      Filters: {
        Id: [{ Value: tracked.finding.id, Comparison: 'EQUALS' }],
        ProductArn: [{ Value: tracked.finding.productArn, Comparison: 'EQUALS' }],
      },
      MaxResults: 1,
    }),
  );
  const current = out.Findings?.[0];
  if (!current) return false;
  return current.RecordState !== 'ARCHIVED' && current.Compliance?.Status !== 'PASSED';
}

/**
 * "Mark done" on a card a person had to act on: re-check, and close the card only when
 * Security Hub agrees. Either way the click is evidence.
 */
export async function markDone(
  services: Services,
  click: { findingId: string; channel: string; messageTs: string; user: Person },
): Promise<DecisionReply> {
  const target = cardTarget(services, click.findingId, click.channel, click.messageTs);
  if (target.kind !== 'found') return { told: 'This button does not belong to a card soc2-bot knows; nothing was done.' };
  const { tracked } = target;
  const actor = { type: 'slack_user' as const, id: click.user.id, name: click.user.name };
  const failing = await securityHubStillFails(services, tracked);
  if (failing) {
    services.evidence.append('click.ignored', tracked.finding.id, actor, {
      action: 'mark_done',
      outcome: 'still_failing',
      card: { channel: click.channel, ts: click.messageTs },
      told: 'Security Hub still reports it failing',
    });
    return {
      told: 'Security Hub still reports this control failing. Its checks run periodically (up to 24 h for some); the card closes itself when the finding passes.',
    };
  }
  // The close, its evidence and the card update showing it commit together (false: someone else acted).
  const cardKey = services.atomically((): string | null | false => {
    if (!services.findings.transition(tracked.finding.id, ['open', 'fix_failed'], 'resolved_at_source')) return false;
    services.evidence.append('finding.resolved_at_source', tracked.finding.id, actor, {
      compliance: 'PASSED',
      recordState: 'ACTIVE',
      workflow: null,
    });
    return queueCardUpdate(services, tracked, { kind: 'resolved_at_source', at: services.clock.now().toISOString(), diff: null });
  });
  if (cardKey === false) return { told: 'Someone already acted on this finding.' };
  await deliverCardUpdate(services, cardKey);
  return { told: 'Re-checked: Security Hub reports it passing. Closed.' };
}
