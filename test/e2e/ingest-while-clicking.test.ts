/**
 * Issue 7: a large Security Hub poll while clicks arrive. The bot runs as `soc2-bot start` in
 * a child process; while `/soc2 scan` reads and stores every page, a signed Approve or
 * `/soc2 status` arrives every 50 ms, and each must be acknowledged within Slack's 3 seconds.
 * Latency is measured from this process, which also serves the fakes: their work only adds to
 * it, so the bound holds for the bot with room to spare. The full 100,000-finding run, through
 * the card delivery that follows, is `bench/ingest-while-clicking.ts`.
 */
import Database from 'better-sqlite3';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { setImmediate as nextTurn } from 'node:timers/promises';
import { afterEach, expect, it } from 'vitest';
import { createLogger } from '../../src/app/logger.js';
import { normalize } from '../../src/ingest/normalize.js';
import { recordFindings } from '../../src/route/deliver-cards.js';
import { buildControlFinding } from '../../src/sim/aws-account.js';
import { blockActionsBody, signSlackRequest, slashCommandBody } from '../../src/sim/signed-request.js';
import { startOfflineBot } from '../../src/sim/offline-bot.js';
import { actionIds } from '../../src/slack/cards.js';
import { startBotProcess, startSimulatedWorld, type BotProcess, type SimulatedWorld } from '../helpers/bot-process.js';
import { startClickStream } from '../helpers/click-stream.js';
import { pollOfFindings, slackAckDeadlineMs } from '../helpers/large-poll.js';

/** What CI affords on two shared cores (about 10k findings stored per minute of the run there); the bench polls 100,000. */
const pollSize = 10_000;
const channel = 'C0PLATFORM01';

let world: SimulatedWorld | null = null;
let bot: BotProcess | null = null;

afterEach(async () => {
  await bot?.kill('SIGKILL');
  await world?.close();
  bot = null;
  world = null;
});

it(`acknowledges every click within 3 s while a poll of ${pollSize} findings is stored, and stores them all`, async () => {
  world = await startSimulatedWorld();
  const databasePath = join(mkdtempSync(join(tmpdir(), 'soc2-bot-ingest-clicks-')), 'bot.sqlite');
  // Two cards to click, older than the poll; the newer one is the poll cursor and read again, so it is
  // not approved (a fix would change it in Security Hub mid-poll and shift the simulated paging).
  const buckets = ['clicked-a', 'cursor-b'];
  const findings = buckets.map((bucket, i) => {
    world!.aws.addBucket(bucket, { region: 'us-east-1', publicAccessBlock: null });
    const asff = buildControlFinding({ control: 'S3.8', resourceId: `arn:aws:s3:::${bucket}`, accountId: String(210000000000 + i), updatedAt: `2026-01-0${i + 1}T00:00:00.000Z` });
    world!.aws.addFinding(asff);
    return asff.Id!;
  });
  bot = await startBotProcess(world, { databasePath, channel });
  await bot.logged((line) => line.msg === 'scan finished');
  const card = world.slack.messages(channel).find((message) => JSON.stringify(message.blocks).includes(findings[0]!));
  expect(card).toBeDefined();
  for (const asff of pollOfFindings(pollSize, '2026-02-01T00:00:00.000Z')) world.aws.addFinding(asff);

  let lastPageRead: () => void = () => undefined;
  const pollRead = new Promise<void>((resolve) => (lastPageRead = resolve));
  world.fake.hook(async ({ stage, request, response }) => {
    if (stage !== 'answered' || !response || new URL(request.url).pathname !== '/findings' || !request.url.includes('securityhub')) return;
    const page = (await response.json()) as { NextToken?: string };
    if (!page.NextToken) lastPageRead();
  });

  const user = { id: 'U0ANA00001', name: 'ana' };
  const approve = { kind: 'approve', body: blockActionsBody({ actionId: actionIds.approve, value: findings[0]!, channel, messageTs: card!.ts, user, responseUrl: world.slack.responseUrlFor(channel, card!.ts) }) };
  const status = { kind: 'status', body: slashCommandBody({ command: '/soc2', text: 'status', user, channel, responseUrl: world.slack.responseUrlFor(channel, 'status') }) };
  const stream = startClickStream({ url: bot.url, signingSecret: world.signingSecret, intervalMs: 50, requests: [approve, approve, approve, status] });
  const scan = slashCommandBody({ command: '/soc2', text: 'scan', user, channel, responseUrl: world.slack.responseUrlFor(channel, 'scan') });
  const scanAck = await fetch(bot.url, { method: 'POST', body: scan, headers: { ...signSlackRequest(world.signingSecret, scan) } });
  expect(scanAck.status).toBe(200);
  await pollRead;

  // The last page is stored just after it is read: wait for the rows, then stop clicking.
  const db = new Database(databasePath, { readonly: true });
  const stored = () => db.prepare("SELECT count(*) FROM findings WHERE account LIKE '3%'").pluck().get() as number;
  try {
    await expect.poll(stored, { timeout: 10_000, interval: 100 }).toBe(pollSize);
    expect(db.prepare("SELECT count(*) FROM evidence_events WHERE kind = 'finding.detected'").pluck().get()).toBe(pollSize + buckets.length);
  } finally {
    db.close();
  }
  const acks = await stream.stop();

  expect(acks.length).toBeGreaterThan(20);
  expect(acks.filter((a) => a.status !== 200)).toEqual([]);
  expect(acks.filter((a) => a.ms >= slackAckDeadlineMs)).toEqual([]);
  // The clicks were acted on, not only acknowledged: the approved bucket was fixed.
  await expect.poll(() => world!.aws.bucket('clicked-a')?.publicAccessBlock?.BlockPublicPolicy, { timeout: 10_000 }).toBe(true);
}, 120_000);

it('stores a large array (a Config scan, an SQS message) in batches, letting the event loop run between them', async () => {
  const offline = await startOfflineBot({
    databasePath: join(mkdtempSync(join(tmpdir(), 'soc2-bot-batches-')), 'bot.sqlite'),
    routing: { fallbackChannel: channel, tagKeys: [], owners: {}, accounts: {} },
    log: createLogger('silent'),
  });
  try {
    const findings = normalize(pollOfFindings(1_200, '2026-02-01T00:00:00.000Z'));
    // Counts the event loop's turns while the findings are stored: a click waits for at most one batch.
    let turns = 0;
    let storing = true;
    const counting = (async () => {
      while (storing) {
        await nextTurn();
        turns += 1;
      }
    })();
    const summary = await recordFindings(offline.bot.services, findings);
    storing = false;
    await counting;
    expect(summary.new).toBe(1_200);
    expect(offline.bot.db.prepare('SELECT count(*) FROM findings').pluck().get()).toBe(1_200);
    // 500 per transaction: three batches, so the loop ran between the first and second, and the second and third.
    expect(turns).toBeGreaterThanOrEqual(2);
  } finally {
    await offline.close();
  }
});
