import type { App } from '@slack/bolt';
import type { BackgroundWork } from '../../app/background-work.js';
import type { Services } from '../../app/services.js';
import { grantRequestedException } from '../../decisions/exception.js';
import { actionIds } from '../cards.js';
import { buildExceptionModal } from '../modals/exception-modal.js';
import { registerDecisionButton } from './decision-button.js';
import { registerModalButton } from './open-modal.js';

/** Exception opens the request modal; Grant exception decides a waiting request. */
export function registerException(app: App, services: Services, background: BackgroundWork): void {
  registerModalButton(app, services, actionIds.exception, (ref, tracked) =>
    buildExceptionModal(ref, tracked.finding.title, tracked.triage.severity, services.policy, services.clock.now()),
  );
  registerDecisionButton(app, services, background, actionIds.grantException, grantRequestedException);
}
