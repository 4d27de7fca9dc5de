import Database from 'better-sqlite3';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { createLogger } from '../../src/app/logger.js';
import { createBot, type Bot } from '../../src/app/bot.js';
import { classifyWritebackFailure } from '../../src/remediate/security-hub-writeback.js';
import { actionIds } from '../../src/slack/cards.js';
import { buildControlFinding } from '../../src/sim/aws-account.js';
import { startOfflineBot, type OfflineBot } from '../../src/sim/offline-bot.js';

// Security Hub's workflow update after a fix goes through an outbox: an outage, a throttle or a
// restart delays it, never loses it; a refusal about the request itself is recorded, not retried.
const channel = 'C0PLATFORM01';
const routing = { fallbackChannel: channel, tagKeys: [], owners: {}, accounts: {} };
const ana = { id: 'U0ANA00001', name: 'ana' };
let now = new Date('2026-11-25T10:00:00.000Z');
const clock = { now: () => now };
let offline: OfflineBot | null = null;
let second: Bot | null = null;

afterEach(async () => {
  await second?.stop();
  second = null;
  await offline?.close();
  offline = null;
  now = new Date('2026-11-25T10:00:00.000Z');
});

/** A public bucket with its finding, carded; the Approve is clicked with Security Hub in `fault`. */
async function approveWhileSecurityHubFails(fault: { status: number; code: string; message: string }) {
  const databasePath = join(mkdtempSync(join(tmpdir(), 'soc2-bot-writeback-')), 'e.sqlite');
  const started = await startOfflineBot({ databasePath, routing, log: createLogger('silent'), awsMaxAttempts: 1, clock });
  offline = started;
  offline.aws.addBucket('customer-exports', { region: 'us-east-1', publicAccessBlock: null });
  const asff = buildControlFinding({ control: 'S3.8', resourceId: 'arn:aws:s3:::customer-exports', accountId: '111111111111' });
  offline.aws.addFinding(asff);
  await offline.bot.scan();
  const card = offline.slack.messages(channel)[0]!;
  offline.aws.failAlways('securityhub', 'BatchUpdateFindings', fault);
  await offline.click({ actionId: actionIds.approve, value: asff.Id!, channel, messageTs: card.ts, user: ana });
  await offline.bot.background.idle();
  return { databasePath, findingId: asff.Id!, card, offline: started };
}

const kinds = (bot: Bot, findingId: string) => bot.services.evidence.forFinding(findingId).map((e) => e.kind);
const serverError = { status: 500, code: 'InternalException', message: 'Internal service error' };

describe('Security Hub write-back', () => {
  it('keeps the update through an outage and sends it once Security Hub is back, after its backoff', async () => {
    const { findingId, card, offline } = await approveWhileSecurityHubFails(serverError);
    // The fix itself is done and shown; only the console is behind.
    expect(offline.aws.bucket('customer-exports')?.publicAccessBlock?.BlockPublicAcls).toBe(true);
    expect(JSON.stringify(offline.slack.message(channel, card.ts)!.blocks)).toContain('Fixed');
    expect(offline.aws.finding(findingId)?.Workflow?.Status).not.toBe('RESOLVED');
    const failed = offline.bot.services.evidence.forFinding(findingId).filter((e) => e.kind === 'securityhub.update_failed');
    expect(failed).toHaveLength(1);
    expect(failed[0]?.data).toMatchObject({ error: 'InternalException: Internal service error', retryAt: expect.any(String) });

    // Still down: each due attempt fails, and only the first failure was evidence.
    now = new Date(now.getTime() + 60_000);
    expect(await offline.bot.services.writeback.drain()).toBe(1);
    expect(kinds(offline.bot, findingId).filter((k) => k.startsWith('securityhub.'))).toEqual(['securityhub.update_failed']);
    const attemptsWhileDown = offline.aws.callsTo('securityhub', 'BatchUpdateFindings').length;
    expect(attemptsWhileDown).toBe(2);

    // Back, but the backoff has not passed: nothing is sent yet.
    offline.aws.clearFaults();
    expect(await offline.bot.services.writeback.drain()).toBe(1);
    expect(offline.aws.callsTo('securityhub', 'BatchUpdateFindings')).toHaveLength(attemptsWhileDown);

    now = new Date(now.getTime() + 10 * 60_000);
    expect(await offline.bot.services.writeback.drain()).toBe(0);
    expect(offline.aws.finding(findingId)?.Workflow?.Status).toBe('RESOLVED');
    expect(offline.aws.noteHistory(findingId).at(-1)?.Text).toContain('s3-block-public-access');
    expect(kinds(offline.bot, findingId).filter((k) => k.startsWith('securityhub.'))).toEqual(['securityhub.update_failed', 'securityhub.updated']);
    // Delivered once: later drains send nothing.
    expect(await offline.bot.services.writeback.drain()).toBe(0);
    expect(offline.aws.callsTo('securityhub', 'BatchUpdateFindings')).toHaveLength(attemptsWhileDown + 1);
  });

  it('records a refusal about the request itself and does not retry it', async () => {
    const { findingId, offline } = await approveWhileSecurityHubFails({ status: 403, code: 'AccessDeniedException', message: 'not authorized to perform securityhub:BatchUpdateFindings' });
    const failed = offline.bot.services.evidence.forFinding(findingId).filter((e) => e.kind === 'securityhub.update_failed');
    expect(failed).toHaveLength(1);
    expect(failed[0]?.data['retryAt']).toBeUndefined();
    expect(failed[0]?.data['error']).toMatch(/^AccessDeniedException/);
    offline.aws.clearFaults();
    now = new Date(now.getTime() + 60 * 60_000);
    expect(await offline.bot.services.writeback.drain()).toBe(0);
    expect(offline.aws.callsTo('securityhub', 'BatchUpdateFindings')).toHaveLength(1);
  });

  it('refuses a stored update that is not what the bot writes, instead of sending it or retrying it forever', async () => {
    const { databasePath, offline } = await approveWhileSecurityHubFails(serverError);
    const db = new Database(databasePath);
    db.prepare("UPDATE securityhub_outbox SET input = '{\"FindingIdentifiers\":' WHERE delivered_at IS NULL").run();
    db.close();
    offline.aws.clearFaults();
    now = new Date(now.getTime() + 10 * 60_000);
    const callsBefore = offline.aws.callsTo('securityhub', 'BatchUpdateFindings').length;
    expect(await offline.bot.services.writeback.drain()).toBe(0);
    expect(offline.aws.callsTo('securityhub', 'BatchUpdateFindings')).toHaveLength(callsBefore);
    const reader = new Database(databasePath, { readonly: true });
    expect(reader.prepare('SELECT last_error FROM securityhub_outbox WHERE failed_at IS NOT NULL').pluck().all()).toEqual(['unreadable outbox row']);
    reader.close();
  });

  it('leaves an unsent update in the database, where a bot starting on it (a restart, a second instance) sends it', async () => {
    const { databasePath, findingId, offline } = await approveWhileSecurityHubFails(serverError);
    expect(new Database(databasePath, { readonly: true }).prepare('SELECT count(*) FROM securityhub_outbox WHERE delivered_at IS NULL').pluck().get()).toBe(1);
    offline.aws.clearFaults();
    now = new Date(now.getTime() + 10 * 60_000);
    second = createBot({
      databasePath,
      slack: { botToken: offline.botToken, signingSecret: offline.signingSecret, apiUrl: offline.slack.baseUrl, retries: 0 },
      routing,
      securityHubRegion: 'us-east-1',
      aws: { credentials: { accessKeyId: 'AKIDSIMULATED', secretAccessKey: 'simulated' }, maxAttempts: 1 },
      clock,
      log: createLogger('silent'),
    });
    await second.start(0);
    await second.background.idle();
    expect(offline.aws.finding(findingId)?.Workflow?.Status).toBe('RESOLVED');
    expect(kinds(second, findingId).at(-1)).toBe('securityhub.updated');
  });
});

describe('classifyWritebackFailure', () => {
  const sdkError = (name: string, status?: number) => Object.assign(new Error('message'), { name, ...(status ? { $metadata: { httpStatusCode: status } } : {}) });
  it('retries throttling, server errors and calls that got no answer, and nothing else', () => {
    expect(classifyWritebackFailure(sdkError('ThrottlingException', 429)).retry).toBe(true);
    expect(classifyWritebackFailure(sdkError('TooManyRequestsException', 400)).retry).toBe(true);
    expect(classifyWritebackFailure(sdkError('InternalException', 500)).retry).toBe(true);
    expect(classifyWritebackFailure(sdkError('TimeoutError')).retry).toBe(true);
    expect(classifyWritebackFailure(sdkError('AccessDeniedException', 403)).retry).toBe(false);
    expect(classifyWritebackFailure(sdkError('InvalidInputException', 400))).toEqual({ retry: false, reason: 'InvalidInputException: message' });
  });
});
