import { WebAPIHTTPError, WebAPIPlatformError, WebAPIRateLimitedError, WebAPIRequestError } from '@slack/web-api';
import { describe, expect, it } from 'vitest';
import { retryDelayMs } from '../../src/app/retry-delay.js';
import { classifySlackFailure } from '../../src/slack/outbox.js';

describe('retryDelayMs', () => {
  it('waits exactly what Retry-After says', () => {
    expect(retryDelayMs(7, 30, () => 0.5)).toBe(30_000);
  });

  it('doubles from 5 s with jitter between half and all of the step, capped at 5 minutes', () => {
    expect([1, 2, 3].map((n) => retryDelayMs(n, null, () => 0))).toEqual([2_500, 5_000, 10_000]);
    expect([1, 2, 3].map((n) => retryDelayMs(n, null, () => 1))).toEqual([5_000, 10_000, 20_000]);
    expect(retryDelayMs(30, null, () => 1)).toBe(300_000);
    expect(retryDelayMs(30, null, () => 0)).toBe(150_000);
  });
});

describe('classifySlackFailure', () => {
  it('retries what may work later: 429, 5xx, timeouts, Slack-side ok:false', () => {
    expect(classifySlackFailure(new WebAPIRateLimitedError(42))).toMatchObject({ retry: true, retryAfterSeconds: 42 });
    expect(classifySlackFailure(new WebAPIHTTPError(503, 'Service Unavailable', {}))).toMatchObject({ retry: true, retryAfterSeconds: null });
    const timeout = new DOMException('The operation was aborted due to timeout', 'TimeoutError');
    expect(classifySlackFailure(new WebAPIRequestError(timeout))).toMatchObject({ retry: true, reason: timeout.message });
    expect(classifySlackFailure(new WebAPIPlatformError({ ok: false, error: 'internal_error' }))).toMatchObject({ retry: true });
    expect(classifySlackFailure(new Error('Retry header did not contain a valid timeout'))).toMatchObject({ retry: true });
  });

  it('gives up on what Slack will never accept', () => {
    expect(classifySlackFailure(new WebAPIPlatformError({ ok: false, error: 'message_not_found' }))).toEqual({ retry: false, reason: 'message_not_found' });
    expect(classifySlackFailure(new WebAPIPlatformError({ ok: false, error: 'invalid_blocks' }))).toEqual({ retry: false, reason: 'invalid_blocks' });
    expect(classifySlackFailure(new WebAPIHTTPError(404, 'Not Found', {}))).toEqual({ retry: false, reason: 'HTTP 404' });
  });
});
