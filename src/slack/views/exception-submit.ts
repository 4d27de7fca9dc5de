import type { App } from '@slack/bolt';
import type { BackgroundWork } from '../../app/background-work.js';
import type { Services } from '../../app/services.js';
import { submitException } from '../../decisions/exception.js';
import { exceptionCallbackId, validateExceptionRequest } from '../modals/exception-modal.js';
import { decodeCardRef, parseViewSubmission } from '../modals/modal-input.js';

/** Bad input is answered inside the modal (`response_action: errors`), never by a silent close. */
export function registerExceptionSubmit(app: App, services: Services, background: BackgroundWork): void {
  app.view(exceptionCallbackId, async ({ ack, body }) => {
    const submission = parseViewSubmission(body);
    const ref = 'error' in submission ? null : decodeCardRef(submission.metadata);
    const tracked = ref ? services.findings.get(ref.findingId) : null;
    if ('error' in submission || !ref || !tracked) {
      await ack({ response_action: 'errors', errors: { justification: 'This request no longer matches a finding soc2-bot knows.' } });
      return;
    }
    const checked = validateExceptionRequest(submission.values, submission.user.id, tracked.triage.severity, services.policy, services.clock.now());
    if ('errors' in checked) {
      await ack({ response_action: 'errors', errors: checked.errors });
      return;
    }
    await ack();
    background.run(async () => {
      const reply = await submitException(services, ref, submission.user, checked.request);
      await services.slack.ephemeral(ref.channel, submission.user.id, reply.told);
    });
  });
}
