/**
 * Ingestion at scale (issue 5): normalises, triages and stores BENCH_FINDINGS (100,000)
 * synthetic findings in pages of 100, as a Security Hub poll delivers them, into a real
 * database file (migrations, WAL, synchronous=FULL), through recordFindings as the poller's
 * scan stores them (one transaction per 500 findings: five pages). Three passes, as the bot meets them:
 *   first      every finding new (a detection event each);
 *   again      the same records again, as every later poll reads them (all unchanged);
 *   update     every finding with a newer UpdatedAt (an update event each).
 * Each finding is a copy of one of the real samples in test/fixtures/asff with its own id,
 * resource, account and time. Prints JSON: findings per second of the pipeline (generating the
 * input excluded) in wall time and in CPU time (on a shared machine wall time includes waiting
 * for a core), time per stage, the process's peak RSS after the passes, and whether the evidence
 * chain still verifies. Targets: 10,000 findings/s or more, peak RSS under 300 MB.
 *
 * Only the ingest modules are loaded (no Slack app, no simulated AWS): a process that ingests
 * pays for what ingesting needs. BENCH_CACHE_MB sets SQLite's page cache (default 2 MB).
 */
import { mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { performance } from 'node:perf_hooks';
import { fileURLToPath } from 'node:url';
import { createLogger } from '../src/app/logger.js';
import type { Services } from '../src/app/services.js';
import type { Finding } from '../src/domain/finding.js';
import { defaultPolicy } from '../src/config/policy.js';
import { BackgroundCheckpointer } from '../src/evidence/checkpointer.js';
import { migrate, openDatabase } from '../src/evidence/database.js';
import { EvidenceLog } from '../src/evidence/evidence-log.js';
import { FindingsRepo } from '../src/evidence/findings-repo.js';
import { chainIsSound, verifyChain } from '../src/evidence/verify-chain.js';
import { normalize } from '../src/ingest/normalize.js';
import { findingsPerTransaction, recordFindings, type IngestSummary } from '../src/route/deliver-cards.js';

const total = Number(process.env.BENCH_FINDINGS ?? 100_000);
const pageSize = 100;
const accounts = Array.from({ length: 20 }, (_, i) => String(100000000000 + i * 7919));
const start = Date.parse('2026-11-01T00:00:00.000Z');

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

/** Page `n` of synthetic findings: sample copies made unique by id, resource, account and time (`version` days later). */
function syntheticPage(samples: readonly Asff[], n: number, version: number): Asff[] {
  const page: Asff[] = [];
  for (let i = n * pageSize; i < Math.min(total, (n + 1) * pageSize); i++) {
    const sample = samples[i % samples.length];
    if (!sample) throw new Error('no samples');
    const copy = structuredClone(sample);
    copy.Id = `${sample.Id}/bench/${i}`;
    copy['AwsAccountId'] = accounts[i % accounts.length];
    copy['UpdatedAt'] = new Date(start + version * 86_400_000 + i * 1000).toISOString();
    copy.Resources = copy.Resources.map((r, k) => (k === 0 ? { ...r, Id: `${r.Id}-${i}` } : r));
    page.push(copy);
  }
  return page;
}

const dir = mkdtempSync(join(tmpdir(), 'soc2-bot-bench-ingest-'));
const db = openDatabase(join(dir, 'bench.sqlite'));
migrate(db);
// As the bot runs (bot.ts): the log is copied into the file by a worker thread, not by the
// commits timed here. BENCH_INLINE_CHECKPOINTS=1 leaves it to the commits, for comparison.
const checkpointer = process.env.BENCH_INLINE_CHECKPOINTS ? null : new BackgroundCheckpointer(db, join(dir, 'bench.sqlite'), createLogger('warn'));
if (process.env.BENCH_CACHE_MB) db.pragma(`cache_size = -${Number(process.env.BENCH_CACHE_MB) * 1024}`);
const clock = { now: () => new Date('2026-11-20T00:00:00.000Z') };
// What recordFindings reaches; the Slack and AWS edges stay out of an ingest-only process.
const services = {
  clock,
  log: createLogger('silent'),
  findings: new FindingsRepo(db),
  evidence: new EvidenceLog(db, clock),
  policy: defaultPolicy,
  routing: { fallbackChannel: 'C0BENCH0001', tagKeys: ['owner'], owners: {}, accounts: {} },
  atomically: <T>(work: () => T): T => db.transaction(work).immediate(),
} as Partial<Services> as Services;

try {
  const samples = templates();
  /** One pass over every page, each normalised as the poller reads it and stored as the scan stores pages. */
  const pass = async (version: number) => {
    const timings = { generate: 0, normalize: 0, store: 0, cpu: 0 };
    const outcome: IngestSummary = { new: 0, recurred: 0, updated: 0, unchanged: 0, resolved: 0 };
    const read: Finding[] = [];
    for (let n = 0; n * pageSize < total; n++) {
      let t = performance.now();
      const raw = syntheticPage(samples, n, version);
      timings.generate += performance.now() - t;

      const cpu = process.cpuUsage();
      t = performance.now();
      // The GetFindings response shape: one call per page, as the poller makes it.
      const findings = normalize({ Findings: raw });
      timings.normalize += performance.now() - t;
      t = performance.now();
      read.push(...findings);
      // Stored a transaction's worth at a time, as the scan stores the pages it reads.
      const last = (n + 1) * pageSize >= total;
      const summary = read.length >= findingsPerTransaction || last ? await recordFindings(services, read.splice(0)) : null;
      timings.store += performance.now() - t;
      const used = process.cpuUsage(cpu);
      timings.cpu += (used.user + used.system) / 1000;
      if (summary) for (const kind of Object.keys(outcome) as (keyof IngestSummary)[]) outcome[kind] += summary[kind];
    }
    return {
      findingsPerSecond: Math.round(total / ((timings.normalize + timings.store) / 1000)),
      findingsPerCpuSecond: Math.round(total / (timings.cpu / 1000)),
      ms: { normalize: Math.round(timings.normalize), triageAndStore: Math.round(timings.store), generateExcluded: Math.round(timings.generate) },
      outcome,
    };
  };
  const first = await pass(0);
  const again = await pass(0);
  const update = await pass(1);
  const peakRssMb = Math.round(process.resourceUsage().maxRSS / 1024);
  console.log(
    JSON.stringify(
      {
        findings: total,
        cacheMb: Number(process.env.BENCH_CACHE_MB ?? 2),
        checkpoints: checkpointer ? 'background thread' : 'inline, in commits',
        samples: samples.length,
        first,
        again,
        update,
        peakRssMb,
        targets: { findingsPerSecond: 10_000, peakRssMb: 300 },
        rows: {
          findings: db.prepare('SELECT COUNT(*) FROM findings').pluck().get(),
          evidenceEvents: db.prepare('SELECT COUNT(*) FROM evidence_events').pluck().get(),
        },
        chainVerifies: chainIsSound(verifyChain(db, null)),
      },
      null,
      2,
    ),
  );
} finally {
  await checkpointer?.stop();
  db.close();
  rmSync(dir, { recursive: true, force: true });
}
