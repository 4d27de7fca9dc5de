import type { App } from '@slack/bolt';
import type { Services } from '../../app/services.js';
import { actionIds } from '../cards.js';
import { parseButtonClick } from '../interaction.js';

const escapeRegExp = (text: string) => text.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');

/**
 * Matches every action id except the bot's own buttons (cards and group cards). Bolt runs
 * every listener that matches, so a catch-all would acknowledge known clicks a second time.
 */
export const unknownActionId = new RegExp(`^(?!(?:${Object.values(actionIds).map(escapeRegExp).join('|')})$)`);

/**
 * A click on a button the bot does not know (a card from an older version, or a crafted
 * payload). Unanswered, Bolt would reply 404 after 3 seconds and Slack would show the user an
 * error; it is acknowledged at once, acted on in no way, logged and recorded as evidence.
 */
export function registerUnknownAction(app: App, services: Services): void {
  app.action({ type: 'block_actions', action_id: unknownActionId }, async ({ ack, body }) => {
    await ack();
    const click = parseButtonClick(body);
    if ('error' in click) {
      services.log.warn({ error: click.error }, 'click on an unknown action with an unexpected payload ignored');
      return;
    }
    services.log.warn({ actionId: click.actionId, user: click.user.id, channel: click.channel, ts: click.messageTs }, 'click on an action soc2-bot does not know ignored');
    // Nothing is said to the clicker: the bot has nothing to say about a button it never made.
    services.evidence.append('click.ignored', null, { type: 'slack_user', id: click.user.id, name: click.user.name }, {
      action: click.actionId,
      outcome: 'unknown_action',
      card: { channel: click.channel, ts: click.messageTs },
      told: '',
    });
  });
}
