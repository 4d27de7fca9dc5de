/**
 * Ingestion at scale: normalises, triages and stores BENCH_FINDINGS (100,000) synthetic
 * findings in pages of 100, as a Security Hub poll delivers them, into a real database file
 * (migrations, WAL, synchronous=FULL), then reads them all again as every later poll does
 * (all "unchanged"). Each finding is a copy of one of the real samples in test/fixtures/asff with
 * its own id, resource, account and time. Prints JSON: findings per second for the pipeline
 * (generation excluded) and time per stage, for each pass, and peak RSS.
 *
 * BENCH_STORE picks how a page is stored:
 *   per-finding  recordFindings as the bot calls it today: each finding and its evidence event
 *                commit separately (two fsyncs per finding);
 *   per-page     the same call inside services.atomically: one transaction, one fsync, per page.
 * Run each in its own process (peak RSS is per process), e.g.
 *   BENCH_STORE=per-page npx tsx bench/ingest.ts
 * BENCH_CACHE_MB sets SQLite's page cache (default 2 MB) to see what a larger one would buy.
 */
import { mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { performance } from 'node:perf_hooks';
import { fileURLToPath } from 'node:url';
import { createLogger } from '../src/app/logger.js';
import type { Finding } from '../src/domain/finding.js';
import { normalize } from '../src/ingest/normalize.js';
import { recordFindings } from '../src/route/deliver-cards.js';
import { startOfflineBot } from '../src/sim/offline-bot.js';

const total = Number(process.env.BENCH_FINDINGS ?? 100_000);
const store = process.env.BENCH_STORE ?? 'per-page';
if (store !== 'per-page' && store !== 'per-finding') throw new Error('BENCH_STORE is per-page or per-finding');
const pageSize = 100;
const accounts = Array.from({ length: 20 }, (_, i) => String(100000000000 + i * 7919));

type Asff = Record<string, unknown> & { Id: string; Resources: (Record<string, unknown> & { Id: string })[] };

/** Every ASFF finding in the real samples (bare, array or GetFindings response). */
function templates(): Asff[] {
  const dir = fileURLToPath(new URL('../test/fixtures/asff/', import.meta.url));
  return readdirSync(dir)
    .filter((name) => name.endsWith('.json'))
    .flatMap((name) => {
      const value: unknown = JSON.parse(readFileSync(join(dir, name), 'utf8'));
      if (Array.isArray(value)) return value as Asff[];
      const record = value as { Findings?: Asff[] };
      return record.Findings ?? [value as Asff];
    });
}

/** Page `n` of synthetic findings: sample copies made unique by id, resource, account and time. */
function syntheticPage(samples: readonly Asff[], n: number): Asff[] {
  const page: Asff[] = [];
  for (let i = n * pageSize; i < Math.min(total, (n + 1) * pageSize); i++) {
    const sample = samples[i % samples.length];
    if (!sample) throw new Error('no samples');
    const copy = structuredClone(sample);
    const updatedAt = new Date(Date.parse('2026-11-01T00:00:00.000Z') + i * 1000).toISOString();
    copy.Id = `${sample.Id}/bench/${i}`;
    copy['AwsAccountId'] = accounts[i % accounts.length];
    copy['UpdatedAt'] = updatedAt;
    copy.Resources = copy.Resources.map((r, k) => (k === 0 ? { ...r, Id: `${r.Id}-${i}` } : r));
    page.push(copy);
  }
  return page;
}

const dir = mkdtempSync(join(tmpdir(), 'soc2-bot-bench-ingest-'));
// The real bot wiring (simulated Slack and AWS stay idle: nothing here posts or calls out).
const offline = await startOfflineBot({
  databasePath: join(dir, 'bench.sqlite'),
  routing: { fallbackChannel: 'C0BENCH0001', tagKeys: ['owner'], owners: {}, accounts: {} },
  log: createLogger('silent'),
});
const bot = offline.bot;
if (process.env.BENCH_CACHE_MB) bot.db.pragma(`cache_size = -${Number(process.env.BENCH_CACHE_MB) * 1024}`);
try {
  const services = bot.services;
  const samples = templates();
  /** One pass over every page; the second pass re-reads the same findings, as each later poll does. */
  const pass = () => {
    const timings = { generate: 0, normalize: 0, store: 0, cpu: 0 };
    const outcome = { new: 0, recurred: 0, updated: 0, unchanged: 0 };
    for (let n = 0; n * pageSize < total; n++) {
      let t = performance.now();
      const raw = syntheticPage(samples, n);
      timings.generate += performance.now() - t;

      const cpu = process.cpuUsage();
      t = performance.now();
      // The GetFindings response shape: one call per page, as the poller makes it.
      const findings: Finding[] = normalize({ Findings: raw });
      timings.normalize += performance.now() - t;

      t = performance.now();
      // canonical() first: recordFindings as it will be once the lead adds the cross-source dedup line.
      const canonical = findings.map((f) => services.findings.canonical(f));
      const summary = store === 'per-page' ? services.atomically(() => recordFindings(services, canonical)) : recordFindings(services, canonical);
      timings.store += performance.now() - t;
      const used = process.cpuUsage(cpu);
      timings.cpu += (used.user + used.system) / 1000;
      for (const [kind, count] of Object.entries(summary)) outcome[kind as keyof typeof outcome] += count;
    }
    const pipelineMs = timings.normalize + timings.store;
    return {
      findingsPerSecond: Math.round(total / (pipelineMs / 1000)),
      // On a shared machine wall time includes waiting for a core; CPU time does not.
      findingsPerCpuSecond: Math.round(total / (timings.cpu / 1000)),
      ms: { normalize: Math.round(timings.normalize), triageAndStore: Math.round(timings.store), generateExcluded: Math.round(timings.generate) },
      outcome,
    };
  };
  const first = pass();
  const again = pass();
  console.log(
    JSON.stringify(
      {
        findings: total,
        store,
        cacheMb: Number(process.env.BENCH_CACHE_MB ?? 2),
        samples: samples.length,
        first,
        again,
        peakRssMb: Math.round(process.resourceUsage().maxRSS / 1024),
        rows: {
          findings: bot.db.prepare('SELECT COUNT(*) FROM findings').pluck().get(),
          evidenceEvents: bot.db.prepare('SELECT COUNT(*) FROM evidence_events').pluck().get(),
        },
      },
      null,
      2,
    ),
  );
} finally {
  await offline.close();
  rmSync(dir, { recursive: true, force: true });
}
