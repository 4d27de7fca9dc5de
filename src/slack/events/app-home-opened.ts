import type { App } from '@slack/bolt';
import { z } from 'zod';
import type { BackgroundWork } from '../../app/background-work.js';
import type { Services } from '../../app/services.js';
import { homeFor } from '../home.js';

/** The fields of the event relied on, checked rather than assumed. */
const homeOpenedSchema = z.object({
  user: z.string().regex(/^[UW][A-Z0-9]+$/),
  tab: z.enum(['home', 'messages']).optional(),
});

/** Each opening of the Home tab publishes a fresh view for that user: no stale counts, no refresh job. */
export function registerAppHomeOpened(app: App, services: Services, background: BackgroundWork): void {
  app.event('app_home_opened', async ({ event, client }) => {
    const opened = homeOpenedSchema.safeParse(event);
    if (!opened.success) {
      services.log.warn({ issues: opened.error.issues.map((i) => i.message) }, 'app_home_opened with an unexpected payload ignored');
      return;
    }
    if (opened.data.tab === 'messages') return;
    const user = opened.data.user;
    background.run(async () => {
      await client.views.publish({ user_id: user, view: await homeFor(services, user) });
    });
  });
}
