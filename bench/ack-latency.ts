/**
 * `npm run bench`: how fast the real Bolt HTTP receiver acknowledges a burst of
 * correctly signed Approve clicks while fixes run, and whether each finding is
 * fixed exactly once. Prints p50/p99/max acknowledgement latency in milliseconds.
 */
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { performance } from 'node:perf_hooks';
import { Worker } from 'node:worker_threads';
import { createLogger } from '../src/app/logger.js';
import { actionIds } from '../src/slack/cards.js';
import { buildControlFinding } from '../src/sim/aws-account.js';
import { startOfflineBot } from '../src/sim/offline-bot.js';
import { blockActionsBody, signSlackRequest } from '../src/sim/signed-request.js';

const findings = Number(process.env.BENCH_FINDINGS ?? 20);
const clicksPerCard = Number(process.env.BENCH_CLICKS_PER_CARD ?? 10);
const channel = 'C0BENCH0001';

function percentile(sorted: number[], p: number): number {
  return sorted[Math.min(sorted.length - 1, Math.ceil((p / 100) * sorted.length) - 1)] ?? Number.NaN;
}

const offline = await startOfflineBot({
  databasePath: join(mkdtempSync(join(tmpdir(), 'soc2-bot-bench-')), 'bench.sqlite'),
  routing: { fallbackChannel: channel, tagKeys: ['owner'], owners: {}, accounts: {} },
  log: createLogger('silent'),
});
try {
  const ids: string[] = [];
  for (let i = 0; i < findings; i++) {
    offline.aws.addBucket(`bench-bucket-${i}`, { region: 'us-east-1', publicAccessBlock: null });
    const asff = buildControlFinding({ control: 'S3.8', resourceId: `arn:aws:s3:::bench-bucket-${i}`, accountId: '111111111111' });
    offline.aws.addFinding(asff);
    ids.push(asff.Id!);
  }
  await offline.bot.scan();
  const cards = offline.slack.messages(channel);
  const clicks = cards.flatMap((card, i) =>
    Array.from({ length: clicksPerCard }, (_, n) => ({
      actionId: actionIds.approve,
      value: ids.find((id) => JSON.stringify(card.blocks).includes(id)) ?? '',
      channel,
      messageTs: card.ts,
      user: { id: `U0BENCH${String(i * clicksPerCard + n).padStart(4, '0')}`, name: `engineer-${n}` },
    })),
  );
  const requests = clicks.map((click) => {
    const body = blockActionsBody(click);
    return { body, headers: { ...signSlackRequest(offline.signingSecret, body) } };
  });
  // A running bot is warm: one click first, so lazy module loading is not counted as latency.
  await offline.click({ ...clicks[0]!, actionId: actionIds.escalate });
  await offline.bot.background.idle();
  const started = performance.now();
  // The burst comes from another thread, as from outside: the bot's event loop only serves.
  const results = await new Promise<{ status: number; ms: number }[]>((resolve, reject) => {
    const worker = new Worker(new URL('./click-burst-worker.mjs', import.meta.url), { workerData: { url: offline.url, requests } });
    worker.once('message', resolve);
    worker.once('error', reject);
  });
  const refused = results.filter((r) => r.status !== 200);
  if (refused.length) throw new Error(`${refused.length} clicks were not acknowledged with 200`);
  const latencies = results.map((r) => r.ms);
  const wall = performance.now() - started;
  await offline.bot.background.idle();
  const sorted = [...latencies].sort((a, b) => a - b);
  const fixes = offline.aws.callsTo('s3', 'PutPublicAccessBlock').length;
  const report = {
    clicks: clicks.length,
    acknowledged: latencies.length,
    ackMs: { p50: +percentile(sorted, 50).toFixed(1), p99: +percentile(sorted, 99).toFixed(1), max: +(sorted.at(-1) ?? 0).toFixed(1) },
    burstWallMs: +wall.toFixed(1),
    fixesExpected: findings,
    fixesApplied: fixes,
  };
  console.log(JSON.stringify(report, null, 2));
  if (fixes !== findings) {
    console.error(`expected exactly ${findings} fixes, saw ${fixes}`);
    process.exitCode = 1;
  }
} finally {
  await offline.close();
}
