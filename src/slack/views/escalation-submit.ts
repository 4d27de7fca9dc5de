import type { App } from '@slack/bolt';
import type { BackgroundWork } from '../../app/background-work.js';
import type { Services } from '../../app/services.js';
import { escalate } from '../../decisions/escalate.js';
import { escalationCallbackId, escalationReasonBlock } from '../modals/escalation-modal.js';
import { decodeCardRef, parseViewSubmission } from '../modals/modal-input.js';

export function registerEscalationSubmit(app: App, services: Services, background: BackgroundWork): void {
  app.view(escalationCallbackId, async ({ ack, body }) => {
    const submission = parseViewSubmission(body);
    const ref = 'error' in submission ? null : decodeCardRef(submission.metadata);
    const reason = 'error' in submission ? '' : (submission.values[escalationReasonBlock] ?? '').trim();
    if ('error' in submission || !ref) {
      await ack({ response_action: 'errors', errors: { [escalationReasonBlock]: 'This escalation no longer matches a finding soc2-bot knows.' } });
      return;
    }
    if (reason.length < 5) {
      await ack({ response_action: 'errors', errors: { [escalationReasonBlock]: 'Say in a few words why this needs escalating.' } });
      return;
    }
    await ack();
    background.run(async () => {
      const reply = await escalate(services, ref, submission.user, reason);
      await services.slack.ephemeral(ref.channel, submission.user.id, reply.told);
    });
  });
}
