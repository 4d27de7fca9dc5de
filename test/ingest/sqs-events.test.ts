import { SQSClient } from '@aws-sdk/client-sqs';
import { mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Writable } from 'node:stream';
import { fileURLToPath } from 'node:url';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { createLogger } from '../../src/app/logger.js';
import type { Finding } from '../../src/domain/finding.js';
import { PollHealth } from '../../src/ingest/poll-health.js';
import { SqsEventConsumer, type SqsEventsOptions } from '../../src/ingest/sqs-events.js';
import { recordFindings } from '../../src/route/deliver-cards.js';
import { startOfflineBot, type OfflineBot } from '../../src/sim/offline-bot.js';
import { SqsService } from '../../src/sim/sqs-service.js';

const fixtures = fileURLToPath(new URL('../fixtures/', import.meta.url));
const fixture = (path: string) => readFileSync(join(fixtures, path), 'utf8');
const securityHubEvent = fixture('eventbridge/EC2.7-securityhub-findings-imported.json');
const configEvent = fixture('config/IAM.2-config-rules-compliance-change-securityhub-rule.json');

let offline: OfflineBot;
let sqs: SQSClient;
let queue: SqsService;
let simNow: number;
let logLines: { level: number; msg: string; messageId?: string }[];
let storeFails: boolean;

function consumer(options: Partial<SqsEventsOptions> & { queue?: string } = {}): SqsEventConsumer {
  const log = createLogger(
    'debug',
    new Writable({
      write(chunk: Buffer, _encoding, done) {
        logLines.push(JSON.parse(chunk.toString()) as { level: number; msg: string });
        done();
      },
    }),
  );
  return new SqsEventConsumer({
    client: sqs,
    queueUrl: queue.queueUrl(options.queue ?? 'events'),
    store: (findings: Finding[]) => {
      // The message must still be queued while its findings are stored.
      expect(queue.messages(options.queue ?? 'events').length).toBeGreaterThan(0);
      if (storeFails) throw new Error('SQLITE_BUSY: database is locked');
      return recordFindings(offline.bot.services, findings);
    },
    log,
    maxReceives: 3,
    waitTimeSeconds: 20,
    ...options,
  });
}

beforeEach(async () => {
  offline = await startOfflineBot({
    databasePath: join(mkdtempSync(join(tmpdir(), 'soc2-bot-sqs-')), 'evidence.sqlite'),
    routing: { fallbackChannel: 'C0SECURITY01', tagKeys: ['owner'], owners: {}, accounts: {} },
    log: createLogger('silent'),
    awsMaxAttempts: 1,
  });
  simNow = Date.parse('2026-11-25T12:00:00.000Z');
  queue = new SqsService({ accountId: offline.aws.accountId, now: () => new Date(simNow), longPollCapMs: 100 });
  offline.aws.register(queue);
  queue.addQueue('events-dlq');
  queue.addQueue('events', { visibilityTimeoutSeconds: 60, redrive: { deadLetterQueue: 'events-dlq', maxReceiveCount: 3 } });
  queue.addQueue('no-redrive', { visibilityTimeoutSeconds: 60 });
  sqs = new SQSClient({ region: 'us-east-1', credentials: { accessKeyId: 'AKIDSIMULATED', secretAccessKey: 'simulated' }, maxAttempts: 1 });
  logLines = [];
  storeFails = false;
});

afterEach(async () => {
  sqs.destroy();
  await offline.close();
});

describe('SQS real-time path', () => {
  it('long-polls, stores every finding, then deletes the messages', async () => {
    queue.send('events', securityHubEvent);
    queue.send('events', configEvent);
    const report = await consumer().receiveOnce();
    expect(report).toEqual({ received: 2, deleted: 2, findings: 2, poison: 0, retried: 0 });
    expect(queue.messages('events')).toEqual([]);
    const receive = offline.aws.callsTo('sqs', 'ReceiveMessage')[0]?.input;
    expect(receive).toMatchObject({ WaitTimeSeconds: 20, MaxNumberOfMessages: 10, MessageSystemAttributeNames: ['ApproximateReceiveCount'] });
    const stored = offline.bot.db.prepare('SELECT control FROM findings ORDER BY control').pluck().all();
    expect(stored).toEqual(['EC2.7', 'IAM.2']);
  });

  it('does not delete a message whose findings could not be stored; it is stored when it comes back', async () => {
    queue.send('events', securityHubEvent);
    storeFails = true;
    expect(await consumer().receiveOnce()).toMatchObject({ received: 1, deleted: 0, retried: 1 });
    expect(offline.aws.callsTo('sqs', 'DeleteMessageBatch')).toEqual([]);
    expect(queue.messages('events')).toHaveLength(1);
    expect(logLines.filter((l) => l.level === 40).map((l) => l.msg)).toEqual(['could not store the findings of an SQS message; it will be received again']);

    storeFails = false;
    simNow += 61_000;
    expect(await consumer().receiveOnce()).toMatchObject({ received: 1, deleted: 1, findings: 1 });
    expect(queue.messages('events')).toEqual([]);
    expect(offline.bot.db.prepare('SELECT COUNT(*) FROM findings').pluck().get()).toBe(1);
  });

  it('leaves poison messages to the redrive policy with one log line each, and never loops on them', async () => {
    queue.send('events', 'this is not JSON');
    queue.send('events', JSON.stringify({ 'detail-type': 'Security Hub Insight Results', source: 'aws.securityhub', detail: {} }));
    queue.send('events', securityHubEvent);
    const events = consumer();
    const reports = [];
    // Poison comes straight back (visibility reset to 0) until SQS moves it: a bounded number of receives.
    for (let i = 0; i < 5 && queue.messages('events').length > 0; i++) reports.push(await events.receiveOnce());
    expect(reports.map((r) => r.poison)).toEqual([2, 2, 2, 0]);
    expect(reports[0]).toMatchObject({ deleted: 1, findings: 1 });
    expect(queue.messages('events')).toEqual([]);
    expect(queue.messages('events-dlq').map((m) => m.body.slice(0, 16))).toEqual(['this is not JSON', '{"detail-type":"']);
    const warnings = logLines.filter((l) => l.level === 40);
    expect(warnings).toHaveLength(2);
    expect(warnings[0]).toMatchObject({
      msg: "poison SQS message (not a finding): left for the queue's redrive policy to move to the dead-letter queue",
      reason: expect.stringMatching(/^invalid JSON/),
      receives: 1,
      maxReceives: 3,
    });
    expect(warnings[1]).toMatchObject({ reason: 'not a recognisable finding: saw a Security Hub Insight Results event from aws.securityhub' });
  });

  it('deletes a poison message that outlives maxReceives on a queue without a redrive policy', async () => {
    queue.send('no-redrive', '{"Findings": "nope"}');
    const events = consumer({ queue: 'no-redrive' });
    for (let i = 0; i < 4; i++) await events.receiveOnce();
    expect(queue.messages('no-redrive')).toEqual([]);
    const errors = logLines.filter((l) => l.level === 50);
    expect(errors).toEqual([
      expect.objectContaining({ msg: 'poison SQS message outlived its maxReceiveCount: the queue has no redrive policy; deleting it so it cannot loop', receives: 4 }),
    ]);
  });

  it('runs until aborted, stopping a long poll in progress at once', async () => {
    // A sim that holds an empty long poll for a minute, as SQS holds one for 20 seconds.
    queue = new SqsService({ accountId: offline.aws.accountId, now: () => new Date(simNow), longPollCapMs: 60_000 });
    offline.aws.register(queue);
    queue.addQueue('events');
    queue.send('events', securityHubEvent);
    const health = new PollHealth({ now: () => new Date(simNow) });
    const controller = new AbortController();
    const running = consumer({ health }).run(controller.signal);
    await expect.poll(() => queue.messages('events').length, { timeout: 5000 }).toBe(0);
    await expect.poll(() => offline.aws.callsTo('sqs', 'ReceiveMessage').length).toBe(2);
    const stopping = Date.now();
    controller.abort();
    await running;
    expect(Date.now() - stopping).toBeLessThan(2000);
    expect(logLines.at(-1)?.msg).toBe('SQS consumer stopped');
    expect(health.lastPoll(`sqs:${queue.queueUrl('events')}`)).toMatchObject({ lastError: null, consecutiveFailures: 0 });
  });
});
