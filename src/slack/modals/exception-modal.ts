import type { types } from '@slack/bolt';
import { addDays, differenceInCalendarDays, isValid, parseISO } from 'date-fns';
import type { Policy } from '../../config/policy.js';
import type { Severity } from '../../domain/triage.js';
import { escapeMrkdwn, truncate } from '../escape.js';
import { encodeCardRef, type CardRef } from './modal-input.js';

export const exceptionCallbackId = 'soc2_exception_submit';
export const exceptionBlocks = {
  justification: 'justification',
  expiry: 'expiry',
  compensating: 'compensating_control',
  approver: 'approver',
} as const;

/** The UTC calendar day (exception expiries are whole UTC days). */
const utcDay = (date: Date) => date.toISOString().slice(0, 10);

/** The longest exception the policy allows for this severity, in days. */
export function maxExceptionDays(policy: Policy, severity: Severity): number {
  return severity === 'none' ? policy.exceptions.maxDays.sev3 : policy.exceptions.maxDays[severity];
}

/** The Exception modal: why, until when, what compensates, and (with separation of duties) who approves. */
export function buildExceptionModal(ref: CardRef, title: string, severity: Severity, policy: Policy, now: Date): types.ModalView {
  const maxDays = maxExceptionDays(policy, severity);
  const blocks: types.KnownBlock[] = [
    { type: 'section', text: { type: 'mrkdwn', text: truncate(`*${escapeMrkdwn(title)}*\nLongest exception allowed for this severity: ${maxDays} days.`, 3000) } },
    {
      type: 'input',
      block_id: exceptionBlocks.justification,
      label: { type: 'plain_text', text: 'Justification' },
      hint: { type: 'plain_text', text: 'Why this cannot be fixed now, in at least one full sentence. Auditors read this.' },
      element: { type: 'plain_text_input', action_id: 'value', multiline: true, min_length: 20, max_length: 2000 },
    },
    {
      type: 'input',
      block_id: exceptionBlocks.expiry,
      label: { type: 'plain_text', text: 'Exception expires on' },
      element: { type: 'datepicker', action_id: 'value', initial_date: utcDay(addDays(now, Math.min(maxDays, 7))) },
    },
    {
      type: 'input',
      block_id: exceptionBlocks.compensating,
      optional: true,
      label: { type: 'plain_text', text: 'Compensating control' },
      element: { type: 'plain_text_input', action_id: 'value', max_length: 1000 },
    },
  ];
  if (policy.exceptions.separationOfDuties) {
    blocks.push({
      type: 'input',
      block_id: exceptionBlocks.approver,
      label: { type: 'plain_text', text: 'Approver (not you)' },
      element: { type: 'users_select', action_id: 'value' },
    });
  }
  return {
    type: 'modal',
    callback_id: exceptionCallbackId,
    private_metadata: encodeCardRef(ref),
    title: { type: 'plain_text', text: 'Request an exception' },
    submit: { type: 'plain_text', text: 'Submit' },
    close: { type: 'plain_text', text: 'Cancel' },
    blocks,
  };
}

export interface ExceptionRequest {
  justification: string;
  /** End of the expiry day, UTC, ISO 8601. */
  expiresAt: string;
  compensatingControl: string | null;
  approver: string | null;
}

/**
 * Checks a submitted Exception modal. Returns field errors keyed by block id (shown
 * inside the modal by `response_action: errors`) or the request.
 */
export function validateExceptionRequest(
  values: Record<string, string | null>,
  requester: string,
  severity: Severity,
  policy: Policy,
  now: Date,
): { errors: Record<string, string> } | { request: ExceptionRequest } {
  const errors: Record<string, string> = {};
  const justification = (values[exceptionBlocks.justification] ?? '').trim();
  if (justification.length < 20 || !/[a-z]{2,}\s+[a-z]{2,}.*[a-z]{2,}/i.test(justification)) {
    errors[exceptionBlocks.justification] = 'Write at least one full sentence (20 characters or more) saying why.';
  }
  const maxDays = maxExceptionDays(policy, severity);
  const expiryText = values[exceptionBlocks.expiry] ?? '';
  const expiry = parseISO(expiryText);
  if (!/^\d{4}-\d{2}-\d{2}$/.test(expiryText) || !isValid(expiry)) {
    errors[exceptionBlocks.expiry] = 'Pick an expiry date.';
  } else {
    const days = differenceInCalendarDays(expiry, parseISO(utcDay(now)));
    if (days < 1) errors[exceptionBlocks.expiry] = 'The expiry must be after today.';
    else if (days > maxDays) errors[exceptionBlocks.expiry] = `At most ${maxDays} days for this severity: pick ${utcDay(addDays(now, maxDays))} or earlier.`;
  }
  const approver = values[exceptionBlocks.approver] ?? null;
  if (policy.exceptions.separationOfDuties) {
    if (!approver) errors[exceptionBlocks.approver] = 'Pick who approves this exception.';
    else if (approver === requester) errors[exceptionBlocks.approver] = 'Separation of duties: someone other than you must approve.';
  }
  if (Object.keys(errors).length > 0) return { errors };
  const compensating = (values[exceptionBlocks.compensating] ?? '').trim();
  return {
    request: {
      justification,
      expiresAt: `${expiryText}T23:59:59.000Z`,
      compensatingControl: compensating === '' ? null : compensating,
      approver,
    },
  };
}
