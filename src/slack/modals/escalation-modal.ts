import type { types } from '@slack/bolt';
import { escapeMrkdwn, truncate } from '../escape.js';
import { encodeCardRef, type CardRef } from './modal-input.js';

export const escalationCallbackId = 'soc2_escalation_submit';
export const escalationReasonBlock = 'reason';

/** A short modal: escalating is a decision, so it records why. */
export function buildEscalationModal(ref: CardRef, title: string): types.ModalView {
  return {
    type: 'modal',
    callback_id: escalationCallbackId,
    private_metadata: encodeCardRef(ref),
    title: { type: 'plain_text', text: 'Escalate' },
    submit: { type: 'plain_text', text: 'Escalate' },
    close: { type: 'plain_text', text: 'Cancel' },
    blocks: [
      { type: 'section', text: { type: 'mrkdwn', text: truncate(`*${escapeMrkdwn(title)}*\nRaises the severity one step and pages the on-call group.`, 3000) } },
      {
        type: 'input',
        block_id: escalationReasonBlock,
        label: { type: 'plain_text', text: 'Why escalate?' },
        element: { type: 'plain_text_input', action_id: 'value', multiline: true, min_length: 5, max_length: 1000 },
      },
    ],
  };
}
