import type { App } from '@slack/bolt';
import type { BackgroundWork } from '../../app/background-work.js';
import type { Services } from '../../app/services.js';
import { claimApproval, runApprovedFix } from '../../remediate/approve-fix.js';
import { actionIds } from '../cards.js';
import { parseButtonClick } from '../interaction.js';

const statusWords = {
  open: 'is open',
  fixing: 'is being fixed',
  fixed: 'was fixed',
  fix_failed: 'failed to fix',
  no_action: 'needs no action',
} as const;

/**
 * Approve: record the decision durably, answer Slack at once, fix in the background.
 * Slack gets its acknowledgement within milliseconds whatever AWS does.
 */
export function registerApprove(app: App, services: Services, background: BackgroundWork): void {
  app.action(actionIds.approve, async ({ ack, body }) => {
    const click = parseButtonClick(body);
    if ('error' in click) {
      await ack();
      services.log.warn({ error: click.error }, 'approve click with an unexpected payload ignored');
      return;
    }
    const claim = claimApproval(services, {
      findingId: click.value,
      user: click.user,
      channel: click.channel,
      messageTs: click.messageTs,
    });
    await ack();
    const tell = (text: string) => {
      // A click that changed nothing is still evidence: who tried what, and why it was refused.
      services.evidence.append('click.ignored', claim.kind === 'unknown_finding' ? null : click.value, {
        type: 'slack_user',
        id: click.user.id,
        name: click.user.name,
      }, { action: 'approve', outcome: claim.kind, card: { channel: click.channel, ts: click.messageTs }, told: text });
      background.run(() => services.slack.ephemeral(click.channel, click.user.id, text));
    };
    switch (claim.kind) {
      case 'claimed':
        background.run(() => runApprovedFix(services, claim, click.user));
        return;
      case 'already_handled': {
        const who = claim.by ? (claim.by.type === 'slack_user' ? `<@${claim.by.id}>` : claim.by.id) : 'someone';
        const when = claim.at ? ` at ${claim.at}` : '';
        tell(`Nothing to do: this finding ${statusWords[claim.status]}; ${who} approved it${when}.`);
        return;
      }
      case 'not_this_card':
        services.log.warn({ findingId: click.value, channel: click.channel, ts: click.messageTs }, 'approve click did not match the finding\'s card');
        tell('This button does not belong to the card it was clicked on; nothing was done.');
        return;
      case 'unknown_finding':
        tell('soc2-bot does not know this finding (was the database reset?); nothing was done.');
        return;
      case 'no_remediation':
        tell('There is no automatic fix for this finding; use Exception or Escalate.');
        return;
    }
  });
}
