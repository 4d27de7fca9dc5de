import type { App } from '@slack/bolt';
import type { types } from '@slack/bolt';
import type { Services } from '../../app/services.js';
import { cardTarget } from '../../decisions/card-target.js';
import type { TrackedFinding } from '../../evidence/findings-repo.js';
import { parseButtonClick } from '../interaction.js';
import type { CardRef } from '../modals/modal-input.js';

/**
 * A card button that opens a modal (Exception, Escalate). The trigger id is valid
 * for 3 seconds and once, so the modal opens right after the acknowledgement.
 */
export function registerModalButton(
  app: App,
  services: Services,
  actionId: string,
  build: (ref: CardRef, tracked: TrackedFinding) => types.ModalView,
): void {
  app.action(actionId, async ({ ack, body }) => {
    await ack();
    const click = parseButtonClick(body);
    if ('error' in click) {
      services.log.warn({ actionId, error: click.error }, 'button click with an unexpected payload ignored');
      return;
    }
    const target = cardTarget(services, click.value, click.channel, click.messageTs);
    if (target.kind !== 'found' || !click.triggerId) {
      await services.slack.ephemeral(click.channel, click.user.id, 'This button does not belong to a card soc2-bot knows; nothing was done.');
      return;
    }
    const ref = { findingId: click.value, channel: click.channel, ts: click.messageTs };
    await services.slack.openModal(click.triggerId, build(ref, target.tracked));
  });
}
