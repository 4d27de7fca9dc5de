import type { App } from '@slack/bolt';
import type { BackgroundWork } from '../../app/background-work.js';
import type { Services } from '../../app/services.js';
import { markDone } from '../../decisions/recheck.js';
import { actionIds } from '../cards.js';
import { parseButtonClick } from '../interaction.js';

/** Mark done: a person did what the card asked; the bot re-checks before closing. */
export function registerMarkDone(app: App, services: Services, background: BackgroundWork): void {
  app.action(actionIds.markDone, async ({ ack, body }) => {
    await ack();
    const click = parseButtonClick(body);
    if ('error' in click) return;
    background.run(async () => {
      const reply = await markDone(services, { findingId: click.value, channel: click.channel, messageTs: click.messageTs, user: click.user });
      await services.slack.ephemeral(click.channel, click.user.id, reply.told);
    });
  });
}
