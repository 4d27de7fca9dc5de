import type { App } from '@slack/bolt';
import type { Services } from '../../app/services.js';
import { actionIds } from '../cards.js';
import { buildEscalationModal } from '../modals/escalation-modal.js';
import { registerModalButton } from './open-modal.js';

/** Escalate asks why in a short modal; the submission does the rest. */
export function registerEscalate(app: App, services: Services): void {
  registerModalButton(app, services, actionIds.escalate, (ref, tracked) => buildEscalationModal(ref, tracked.finding.title));
}
