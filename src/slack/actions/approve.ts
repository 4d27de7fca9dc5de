import type { App } from '@slack/bolt';
import type { BackgroundWork } from '../../app/background-work.js';
import type { Services } from '../../app/services.js';
import { checkApprover, needsSecondApprover } from '../../decisions/approvers.js';
import type { Actor } from '../../evidence/evidence-log.js';
import type { FindingStatus } from '../../evidence/findings-repo.js';
import { claimApproval, deliverCardUpdate, runApprovedFix } from '../../remediate/approve-fix.js';
import { resolveRoute } from '../../route/routing.js';
import { actionIds } from '../cards.js';
import { parseButtonClick, type ButtonClick } from '../interaction.js';

const statusWords: Record<FindingStatus, string> = {
  open: 'is open',
  awaiting_second: 'is waiting for a second approval',
  fixing: 'is being fixed',
  fixed: 'was fixed',
  fix_failed: 'failed to fix',
  exception_requested: 'has an exception request pending',
  excepted: 'has an exception',
  resolved_at_source: 'was resolved in Security Hub',
  no_action: 'needs no action',
};

function actorText(actor: Actor | null): string {
  if (!actor) return 'someone';
  return actor.type === 'slack_user' ? `<@${actor.id}>` : actor.id;
}

/**
 * Approve: answer Slack at once, then check the approver, record the decision
 * durably and fix in the background. The acknowledgement never waits on AWS, nor on
 * a disk write: the evidence of a click commits after its ack, with the rest of the burst.
 */
export function registerApprove(app: App, services: Services, background: BackgroundWork): void {
  app.action(actionIds.approve, async ({ ack, body }) => {
    await ack();
    const click = parseButtonClick(body);
    if ('error' in click) {
      services.log.warn({ error: click.error }, 'approve click with an unexpected payload ignored');
      return;
    }
    background.run(() => handleApprove(services, background, click));
  });
}

async function handleApprove(services: Services, background: BackgroundWork, click: ButtonClick): Promise<void> {
  const user: Actor = { type: 'slack_user', id: click.user.id, name: click.user.name };
  const tell = (text: string) => services.slack.ephemeral(click.channel, click.user.id, text);
  const ignored = async (outcome: string, text: string) => {
    // A click that changed nothing is still evidence: who tried what, and why it was refused; on disk before the reply.
    await services.atomicallySoon(() =>
      services.evidence.append('click.ignored', outcome === 'unknown_finding' ? null : click.value, user, {
        action: 'approve',
        outcome,
        card: { channel: click.channel, ts: click.messageTs },
        told: text,
      }),
    );
    await tell(text);
  };

  const tracked = services.findings.get(click.value);
  if (tracked) {
    const owner = resolveRoute(tracked.finding, services.routing).owner;
    const verdict = await checkApprover(click.user.id, services.policy, owner, (group) => services.slack.usergroupMembers(group));
    if (!verdict.allowed) {
      const text = `You cannot approve this fix. Approvers for it: ${verdict.who}.`;
      await services.atomicallySoon(() =>
        services.evidence.append('approval.refused', tracked.finding.id, user, { action: 'approve', reason: `not an approver; approvers: ${verdict.who}` }),
      );
      await tell(text);
      return;
    }
  }
  const twoApprovers = tracked !== null && needsSecondApprover(services.policy, tracked);
  const claim = await claimApproval(services, { findingId: click.value, user: click.user, channel: click.channel, messageTs: click.messageTs }, twoApprovers);
  switch (claim.kind) {
    case 'claimed':
      background.run(() => runApprovedFix(services, claim, click.user));
      return;
    case 'first_of_two':
      await deliverCardUpdate(services, claim.card);
      return;
    case 'same_approver':
      return ignored('same_approver', `You already approved this at ${claim.at}; four-eyes needs a second, different approver.`);
    case 'already_handled':
      return ignored(
        'already_handled',
        `Nothing to do: this finding ${statusWords[claim.status]}; ${actorText(claim.by)} approved it${claim.at ? ` at ${claim.at}` : ''}.`,
      );
    case 'not_this_card':
      services.log.warn({ findingId: click.value, channel: click.channel, ts: click.messageTs }, "approve click did not match the finding's card");
      return ignored('not_this_card', 'This button does not belong to the card it was clicked on; nothing was done.');
    case 'unknown_finding':
      return ignored('unknown_finding', 'soc2-bot does not know this finding (was the database reset?); nothing was done.');
    case 'no_remediation':
      return ignored('no_remediation', 'There is no automatic fix for this finding; use Exception or Escalate.');
  }
}
