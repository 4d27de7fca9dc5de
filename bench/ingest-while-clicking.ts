/**
 * Issue 7 under load: a Security Hub poll returning BENCH_FINDINGS (100,000) new findings while
 * clicks arrive; every click must still be acknowledged within Slack's 3 seconds.
 *
 * The bot runs as `soc2-bot start` in a child process (test/helpers/bot-process.ts); the
 * simulated AWS and Slack are served from this process and page GetFindings 100 at a time, as
 * Security Hub does. The start-up scan posts a few cards; then the poll is put in Security Hub,
 * `/soc2 scan` starts it, and a worker thread sends one correctly signed request every
 * BENCH_INTERVAL_MS (50): Approve on the existing cards, with a `/soc2 status` every
 * BENCH_STATUS_EVERY (10th) request. Clicks go on through the poll (every page read and stored)
 * and the first BENCH_DELIVERY_MS (10,000) ms of the card delivery that follows in the same
 * scan (a plan read from AWS and a card for each new finding: that outlasts any bench, so the bot
 * is then killed). The bot's per-minute delivery job runs meanwhile, as in production. Prints JSON: ack latency (p50/p99/max) overall and per phase, the poll's duration
 * and findings stored per second; exits 1 when a click was not acknowledged with 200 in under
 * 3 s or a polled finding was not stored.
 */
import Database from 'better-sqlite3';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Worker } from 'node:worker_threads';
import { z } from 'zod';
import { buildControlFinding } from '../src/sim/aws-account.js';
import { blockActionsBody, signSlackRequest, slashCommandBody } from '../src/sim/signed-request.js';
import { actionIds } from '../src/slack/cards.js';
import { startBotProcess, startSimulatedWorld } from '../test/helpers/bot-process.js';
import type { AckSample, StreamedRequest } from '../test/helpers/click-stream.js';
import { pollOfFindings, slackAckDeadlineMs } from '../test/helpers/large-poll.js';

const total = Number(process.env.BENCH_FINDINGS ?? 100_000);
const intervalMs = Number(process.env.BENCH_INTERVAL_MS ?? 50);
const statusEvery = Number(process.env.BENCH_STATUS_EVERY ?? 10);
const deliveryMs = Number(process.env.BENCH_DELIVERY_MS ?? 10_000);
const cardCount = 10;
const channel = 'C0BENCH0001';

function percentile(sorted: number[], p: number): number {
  return sorted[Math.min(sorted.length - 1, Math.ceil((p / 100) * sorted.length) - 1)] ?? Number.NaN;
}

function latency(samples: readonly AckSample[]) {
  const sorted = samples.map((s) => s.ms).sort((a, b) => a - b);
  return { clicks: samples.length, p50: +percentile(sorted, 50).toFixed(1), p99: +percentile(sorted, 99).toFixed(1), max: +(sorted.at(-1) ?? 0).toFixed(1) };
}

const world = await startSimulatedWorld();
const databasePath = join(mkdtempSync(join(tmpdir(), 'soc2-bot-bench-ingest-clicks-')), 'bench.sqlite');
// Cards to click: public buckets, one account each so each gets a card of its own.
const carded: string[] = [];
for (let i = 0; i < cardCount; i++) {
  world.aws.addBucket(`clicked-bucket-${i}`, { region: 'us-east-1', publicAccessBlock: null });
  const asff = buildControlFinding({
    control: 'S3.8',
    resourceId: `arn:aws:s3:::clicked-bucket-${i}`,
    accountId: String(210000000000 + i),
    updatedAt: new Date(Date.parse('2026-01-01T00:00:00.000Z') + i * 60_000).toISOString(),
  });
  world.aws.addFinding(asff);
  carded.push(asff.Id!);
}
const bot = await startBotProcess(world, { databasePath, channel });
try {
  await bot.logged((line) => line.msg === 'scan finished');
  const cards = world.slack.messages(channel);
  if (cards.length !== cardCount) throw new Error(`expected ${cardCount} cards from the start-up scan, saw ${cards.length}`);
  for (const asff of pollOfFindings(total, '2026-02-01T00:00:00.000Z')) world.aws.addFinding(asff);

  const user = { id: 'U0BENCH0001', name: 'engineer' };
  const approvals: StreamedRequest[] = cards
    // The newest card's finding is the poll cursor, so the next poll reads it again; a fix changes it
    // in Security Hub mid-poll, and the simulated paging (by offset) would then skip a finding.
    .filter((card) => !JSON.stringify(card.blocks).includes(carded.at(-1)!))
    .map((card) => ({
      kind: 'approve',
      body: blockActionsBody({
        actionId: actionIds.approve,
        value: carded.find((id) => JSON.stringify(card.blocks).includes(id)) ?? '',
        channel,
        messageTs: card.ts,
        user,
        responseUrl: world.slack.responseUrlFor(channel, card.ts),
      }),
    }));
  const status: StreamedRequest = {
    kind: 'status',
    body: slashCommandBody({ command: '/soc2', text: 'status', user, channel, responseUrl: world.slack.responseUrlFor(channel, 'status') }),
  };
  const requests = Array.from({ length: approvals.length * statusEvery }, (_, i) => (i % statusEvery === statusEvery - 1 ? status : approvals[i % approvals.length]!));

  // The poll is read when the fake answers the last GetFindings page (no NextToken); delivery follows.
  let pages = 0;
  let pollReadAt = 0;
  let pollRead: () => void = () => undefined;
  const delivering = new Promise<void>((resolve) => (pollRead = resolve));
  world.fake.hook(async ({ stage, request, response }) => {
    const url = new URL(request.url);
    if (stage !== 'answered' || !url.hostname.startsWith('securityhub.') || url.pathname !== '/findings' || !response) return;
    pages += 1;
    const page = z.looseObject({ NextToken: z.string().optional() }).parse(await response.json());
    if (!page.NextToken) {
      pollReadAt = Date.now();
      pollRead();
    }
  });

  const worker = new Worker(new URL('./tsx-worker.mjs', import.meta.url), {
    workerData: { entry: new URL('./click-stream-worker.ts', import.meta.url).href, url: bot.url, signingSecret: world.signingSecret, intervalMs, requests },
  });
  const samples = new Promise<AckSample[]>((resolve, reject) => {
    worker.once('message', (value: AckSample[]) => resolve(value));
    worker.once('error', reject);
  });
  const scanBody = slashCommandBody({ command: '/soc2', text: 'scan', user, channel, responseUrl: world.slack.responseUrlFor(channel, 'scan') });
  const before = new Set(bot.log);
  const scanStartedAt = Date.now();
  const scanAck = await fetch(bot.url, { method: 'POST', body: scanBody, headers: { ...signSlackRequest(world.signingSecret, scanBody) } });
  if (scanAck.status !== 200) throw new Error(`/soc2 scan was answered ${scanAck.status}`);
  const finished = bot.logged((line) => line.msg === 'scan finished' && !before.has(line));
  await Promise.race([finished, delivering.then(() => new Promise((resolve) => setTimeout(resolve, deliveryMs)))]);
  const stoppedAt = Date.now();
  worker.postMessage('stop');
  const acks = await samples;
  await worker.terminate();
  await bot.kill('SIGKILL');

  const db = new Database(databasePath, { readonly: true });
  const stored = db.prepare("SELECT count(*) FROM findings WHERE account LIKE '3%'").pluck().get() as number;
  db.close();
  const pollMs = (pollReadAt || stoppedAt) - scanStartedAt;
  const late = acks.filter((a) => a.status !== 200 || a.ms >= slackAckDeadlineMs);
  const report = {
    findings: total,
    pages,
    stored,
    pollMs,
    findingsStoredPerSecond: Math.round(stored / (pollMs / 1000)),
    deliveryWatchedMs: pollReadAt ? stoppedAt - pollReadAt : 0,
    cardsPosted: world.slack.messages(channel).length - cardCount,
    ackMs: {
      all: latency(acks),
      duringPoll: latency(acks.filter((a) => a.sentAt < (pollReadAt || stoppedAt))),
      duringDelivery: latency(acks.filter((a) => pollReadAt && a.sentAt >= pollReadAt)),
      approve: latency(acks.filter((a) => a.kind === 'approve')),
      status: latency(acks.filter((a) => a.kind === 'status')),
    },
    late: late.length,
  };
  console.log(JSON.stringify(report, null, 2));
  if (late.length > 0) {
    console.error(`FAIL: ${late.length} of ${acks.length} requests not acknowledged with 200 within ${slackAckDeadlineMs} ms; first:`, late.slice(0, 5));
    process.exitCode = 1;
  }
  if (stored !== total) {
    console.error(`FAIL: ${total} findings polled, ${stored} stored`);
    process.exitCode = 1;
  }
} finally {
  await bot.kill('SIGKILL');
  await world.close();
}
