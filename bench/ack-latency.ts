/**
 * `npm run bench`: how fast the real Bolt HTTP receiver acknowledges a burst of
 * correctly signed Approve clicks while fixes run, and whether each finding is
 * fixed exactly once. Prints p50/p99/max acknowledgement latency in milliseconds.
 * The bot runs as `soc2-bot start` in a child process; the simulated AWS and Slack it
 * calls are served from this process, so their work is not counted in the bot's latency.
 */
import { mkdtempSync } from 'node:fs';
import { availableParallelism, loadavg, tmpdir } from 'node:os';
import { join } from 'node:path';
import { performance } from 'node:perf_hooks';
import { Worker } from 'node:worker_threads';
import { actionIds } from '../src/slack/cards.js';
import { buildControlFinding } from '../src/sim/aws-account.js';
import { blockActionsBody, signSlackRequest } from '../src/sim/signed-request.js';
import { startBotProcess, startSimulatedWorld } from '../test/helpers/bot-process.js';

const findings = Number(process.env.BENCH_FINDINGS ?? 20);
const clicksPerCard = Number(process.env.BENCH_CLICKS_PER_CARD ?? 10);
const channel = 'C0BENCH0001';

function percentile(sorted: number[], p: number): number {
  return sorted[Math.min(sorted.length - 1, Math.ceil((p / 100) * sorted.length) - 1)] ?? Number.NaN;
}

const world = await startSimulatedWorld();
const ids: string[] = [];
for (let i = 0; i < findings; i++) {
  world.aws.addBucket(`bench-bucket-${i}`, { region: 'us-east-1', publicAccessBlock: null });
  // One account per finding: the same fix in one account would share a grouped card, and this measures one card each.
  const asff = buildControlFinding({ control: 'S3.8', resourceId: `arn:aws:s3:::bench-bucket-${i}`, accountId: String(111111111111 + i) });
  world.aws.addFinding(asff);
  ids.push(asff.Id!);
}
const bot = await startBotProcess(world, { databasePath: join(mkdtempSync(join(tmpdir(), 'soc2-bot-bench-')), 'bench.sqlite'), channel });
try {
  // The start-up scan posts the cards.
  await bot.logged((line) => line.msg === 'scan finished');
  const cards = world.slack.messages(channel);
  if (cards.length !== findings) throw new Error(`expected one card per finding (${findings}), the scan posted ${cards.length}`);
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
    return { body, headers: { ...signSlackRequest(world.signingSecret, body) } };
  });
  // A running bot is warm: one click first, so lazy module loading is not counted as latency.
  const modalOpened = world.fake.next(({ stage, request }) => stage === 'answered' && request.url.endsWith('/views.open'));
  await bot.click({ ...clicks[0]!, actionId: actionIds.escalate });
  await modalOpened;
  const loadBefore = loadavg()[0] ?? 0;
  const started = performance.now();
  // The burst comes from another thread, as from outside: neither the bot nor the fakes share its event loop.
  const results = await new Promise<{ status: number; ms: number }[]>((resolve, reject) => {
    const worker = new Worker(new URL('./click-burst-worker.mjs', import.meta.url), { workerData: { url: bot.url, requests } });
    worker.once('message', resolve);
    worker.once('error', reject);
  });
  const refused = results.filter((r) => r.status !== 200);
  if (refused.length) throw new Error(`${refused.length} clicks were not acknowledged with 200`);
  const latencies = results.map((r) => r.ms);
  const wall = performance.now() - started;
  // SIGTERM lets every fix in flight finish before the bot exits: then the count is final.
  const exit = await bot.kill('SIGTERM');
  if (exit.code !== 0) throw new Error(`the bot exited with ${exit.code ?? exit.signal}:\n${exit.stderr}`);
  const sorted = [...latencies].sort((a, b) => a - b);
  const fixes = world.aws.callsTo('s3', 'PutPublicAccessBlock').length;
  const report = {
    clicks: clicks.length,
    acknowledged: latencies.length,
    ackMs: { p50: +percentile(sorted, 50).toFixed(1), p99: +percentile(sorted, 99).toFixed(1), max: +(sorted.at(-1) ?? 0).toFixed(1) },
    burstWallMs: +wall.toFixed(1),
    fixesExpected: findings,
    fixesApplied: fixes,
    // Latency on a shared machine says little without how busy it was (one-minute load average, CPUs).
    machine: { loadAvg1m: { before: +loadBefore.toFixed(2), after: +(loadavg()[0] ?? 0).toFixed(2) }, cpus: availableParallelism() },
  };
  console.log(JSON.stringify(report, null, 2));
  if (fixes !== findings) {
    console.error(`expected exactly ${findings} fixes, saw ${fixes}`);
    process.exitCode = 1;
  }
} finally {
  await bot.kill('SIGKILL');
  await world.close();
}
