import type { App } from '@slack/bolt';
import type { BackgroundWork } from '../../app/background-work.js';
import type { Services } from '../../app/services.js';
import { undoFix } from '../../decisions/undo.js';
import { actionIds } from '../cards.js';
import { parseButtonClick } from '../interaction.js';

/** Undo on a fixed card (autopilot FYI cards above all): same approver rules as Approve. */
export function registerUndo(app: App, services: Services, background: BackgroundWork): void {
  app.action(actionIds.undo, async ({ ack, body }) => {
    await ack();
    const click = parseButtonClick(body);
    if ('error' in click) return;
    background.run(async () => {
      const reply = await undoFix(services, { findingId: click.value, channel: click.channel, messageTs: click.messageTs, user: click.user });
      await services.slack.ephemeral(click.channel, click.user.id, reply.told);
    });
  });
}
