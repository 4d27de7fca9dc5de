import type { SecurityHubClient } from '@aws-sdk/client-securityhub';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { createLogger } from '../../src/app/logger.js';
import { PollHealth } from '../../src/ingest/poll-health.js';
import { pollSecurityHub } from '../../src/ingest/securityhub-poller.js';
import type { SimulatedAws } from '../../src/sim/aws-account.js';
import { buildControlFinding } from '../../src/sim/aws-account.js';
import { startOfflineBot, type OfflineBot } from '../../src/sim/offline-bot.js';
import { allPages } from '../helpers/all-pages.js';
const account = '111111111111';
const now = new Date('2026-11-25T12:00:00.000Z');

/** Informational findings of a control without a rule: triaged "no action", so no cards to post. */
function seed(aws: SimulatedAws, count: number): void {
  for (let i = 0; i < count; i++) {
    const updatedAt = new Date(Date.parse('2026-11-01T00:00:00.000Z') + i * 60_000).toISOString();
    aws.addFinding(buildControlFinding({ control: 'Custom.1', severity: 'INFORMATIONAL', resourceId: `arn:aws:s3:::bucket-${i}`, accountId: account, updatedAt }));
  }
}

let offline: OfflineBot;

beforeEach(async () => {
  offline = await startOfflineBot({
    databasePath: join(mkdtempSync(join(tmpdir(), 'soc2-bot-throttle-')), 'evidence.sqlite'),
    routing: { fallbackChannel: 'C0SECURITY01', tagKeys: ['owner'], owners: {}, accounts: {} },
    log: createLogger('silent'),
    // One retry: a single throttle is survived, two in a row exhaust the attempts.
    awsMaxAttempts: 2,
    clock: { now: () => now },
  });
});

afterEach(async () => {
  await offline.close();
});

/** Security Hub throttles the call after the first page: the middle of paging. */
function throttleAfterFirstPage(client: SecurityHubClient, aws: SimulatedAws, times = 1): void {
  let pages = 0;
  client.middlewareStack.add(
    (next) => async (args) => {
      const out = await next(args);
      pages += 1;
      if (pages === 1) for (let i = 0; i < times; i++) aws.throttleNext('securityhub', 'GetFindings');
      return out;
    },
    { step: 'initialize', name: 'throttleAfterFirstPage' },
  );
}

describe('Security Hub poll under throttling', () => {
  it('survives a ThrottlingException in the middle of paging: the SDK backs off and retries that page', async () => {
    seed(offline.aws, 250);
    const client = offline.bot.services.aws.securityHub('us-east-1');
    throttleAfterFirstPage(client, offline.aws);
    const pages = await allPages(pollSecurityHub(client, null, now));
    expect(pages).toHaveLength(3);
    expect(new Set(pages.flatMap((page) => page.findings.map((f) => f.id))).size).toBe(250);
    const calls = offline.aws.callsTo('securityhub', 'GetFindings');
    expect(calls.map((c) => c.failedWith ?? 'ok')).toEqual(['ok', 'ThrottlingException', 'ok', 'ok']);
    // The retry asked for the same page again.
    expect(calls[2]?.input).toEqual(calls[1]?.input);
  });
});

describe('Security Hub scan when retries run out', () => {
  it('keeps the cursor, so the next scan resumes from it and re-reads the pages stored before the failure unchanged; /readyz sees the failure', async () => {
    const bot = offline.bot;
    const health = new PollHealth({ now: () => now });
    const source = 'securityhub:us-east-1';
    const cursor = () => bot.db.prepare('SELECT updated_after FROM poll_cursors WHERE source = ?').pluck().get(source);
    seed(offline.aws, 250);
    throttleAfterFirstPage(bot.services.aws.securityHub('us-east-1'), offline.aws, 2);

    await expect(health.track(source, () => bot.scan())).rejects.toMatchObject({ name: 'ThrottlingException' });
    expect(cursor()).toBeUndefined();
    // Pages are stored as they arrive: the first one was, before the second failed.
    expect(bot.db.prepare('SELECT COUNT(*) FROM findings').pluck().get()).toBe(100);
    expect(health.lastPoll(source)).toMatchObject({ lastSuccessAt: null, consecutiveFailures: 1, lastError: 'ThrottlingException: Rate exceeded' });
    expect(health.ready([source], 15 * 60_000)).toEqual({ ok: false, stale: [source] });

    const report = await health.track(source, () => bot.scan());
    expect(report).toMatchObject({ new: 150, unchanged: 100, pages: 3, cardsPosted: 0 });
    // One detection each: re-reading the first page added no evidence.
    expect(bot.db.prepare("SELECT COUNT(*) FROM evidence_events WHERE kind = 'finding.detected'").pluck().get()).toBe(250);
    expect(cursor()).toBe('2026-11-01T04:09:00.000Z');
    expect(health.ready([source], 15 * 60_000)).toEqual({ ok: true, stale: [] });

    // From the cursor on, only what changed since is read.
    offline.aws.addFinding(
      buildControlFinding({ control: 'Custom.1', severity: 'INFORMATIONAL', resourceId: 'arn:aws:s3:::late', accountId: account, updatedAt: '2026-11-02T00:00:00.000Z' }),
    );
    expect(await bot.scan()).toMatchObject({ new: 1, pages: 1 });
  });
});
