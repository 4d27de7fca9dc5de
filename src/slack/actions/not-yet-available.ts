import type { App } from '@slack/bolt';
import type { BackgroundWork } from '../../app/background-work.js';
import type { Services } from '../../app/services.js';
import { actionIds } from '../cards.js';
import { parseButtonClick } from '../interaction.js';

/** Exception and Escalate are on the card already; until their flows exist, clicking says so plainly. */
export function registerNotYetAvailable(app: App, services: Services, background: BackgroundWork): void {
  const names = { [actionIds.exception]: 'Exception', [actionIds.escalate]: 'Escalate' };
  for (const [actionId, name] of Object.entries(names)) {
    app.action(actionId, async ({ ack, body }) => {
      await ack();
      const click = parseButtonClick(body);
      if ('error' in click) return;
      background.run(() =>
        services.slack.ephemeral(
          click.channel,
          click.user.id,
          `${name} is not available in this version of soc2-bot yet. Approve the fix, fix it by hand, or ask the security team.`,
        ),
      );
    });
  }
}
