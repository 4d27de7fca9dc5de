import type { App } from '@slack/bolt';
import type { BackgroundWork } from '../../app/background-work.js';
import type { Services } from '../../app/services.js';
import type { Person } from '../../domain/person.js';
import type { DecisionReply } from '../../decisions/exception.js';
import { parseButtonClick } from '../interaction.js';

export interface CardClick {
  findingId: string;
  channel: string;
  messageTs: string;
  user: Person;
}

/**
 * A card button whose decision runs after the acknowledgement and whose outcome is
 * told to the clicker alone (Grant exception, Mark done, Undo).
 */
export function registerDecisionButton(
  app: App,
  services: Services,
  background: BackgroundWork,
  actionId: string,
  decide: (services: Services, click: CardClick) => Promise<DecisionReply>,
): void {
  app.action(actionId, async ({ ack, body }) => {
    await ack();
    const click = parseButtonClick(body);
    if ('error' in click) {
      services.log.warn({ actionId, error: click.error }, 'button click with an unexpected payload ignored');
      return;
    }
    background.run(async () => {
      const reply = await decide(services, { findingId: click.value, channel: click.channel, messageTs: click.messageTs, user: click.user });
      await services.slack.ephemeral(click.channel, click.user.id, reply.told);
    });
  });
}
