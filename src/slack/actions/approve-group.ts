import type { App } from '@slack/bolt';
import type { BackgroundWork } from '../../app/background-work.js';
import type { Services } from '../../app/services.js';
import { approveGroup, splitGroup, type GroupClick } from '../../decisions/approve-group.js';
import { actionIds } from '../cards.js';
import { parseButtonClick } from '../interaction.js';

/**
 * The group card's buttons (their value is the group id): Approve all and One card each.
 * Answer Slack at once; the decision and the fixes run afterwards and the clicker alone is told.
 */
export function registerGroupButtons(app: App, services: Services, background: BackgroundWork): void {
  const listen = (actionId: string, decide: (services: Services, click: GroupClick) => Promise<string>) =>
    app.action(actionId, async ({ ack, body }) => {
      await ack();
      const click = parseButtonClick(body);
      if ('error' in click) {
        services.log.warn({ actionId, error: click.error }, 'group button click with an unexpected payload ignored');
        return;
      }
      background.run(async () => {
        const told = await decide(services, { groupId: click.value, channel: click.channel, messageTs: click.messageTs, user: click.user });
        await services.slack.ephemeral(click.channel, click.user.id, told);
      });
    });
  listen(actionIds.approveGroup, approveGroup);
  listen(actionIds.splitGroup, splitGroup);
}
