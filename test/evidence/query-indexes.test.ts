import { copyFileSync, mkdirSync, mkdtempSync, readdirSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import type { Finding } from '../../src/domain/finding.js';
import type { Triage } from '../../src/domain/triage.js';
import { defaultMigrationsDir, migrate, openDatabase, type Db } from '../../src/evidence/database.js';
import { botActor, EvidenceLog } from '../../src/evidence/evidence-log.js';
import { FindingsRepo } from '../../src/evidence/findings-repo.js';
import { StatusQuery, type StatusScope } from '../../src/evidence/status-query.js';
import { verifyChain } from '../../src/evidence/verify-chain.js';
import type { Route } from '../../src/route/routing.js';
import { makeFinding, makeTriage } from '../helpers/findings.js';

// The partial evidence indexes left after migration 010 and the WHERE each holds: a query uses one
// only when it repeats it.
const partialIndexes = {
  evidence_events_openings: "kind IN ('finding.detected', 'finding.recurred')",
  evidence_events_exceptions: "kind IN ('exception.granted', 'exception.expired')",
  evidence_events_markers:
    "kind IN ('finding.detected', 'finding.recurred', 'exception.expired', 'fix.verified', 'exception.granted', 'finding.resolved_at_source')",
} as const;

const ana = { type: 'slack_user', id: 'U0ANA00001', name: 'ana' } as const;
const now = new Date('2026-11-25T12:00:00.000Z');
const scopes: StatusScope[] = [
  { kind: 'all' },
  { kind: 'severity', severity: 'sev1' },
  { kind: 'account', account: '111111111111' },
  { kind: 'team', team: 'platform', channel: 'C0PLATFORM01' },
];

type Store = (db: Db, finding: Finding, triage: Triage, route: Route, at: Date) => void;

const storeNow: Store = (db, finding, triage, route, at) => void new FindingsRepo(db).record(finding, triage, route, at);

/** A first sighting as the bot stored it before migration 009: no title column. */
const storeBefore009: Store = (db, finding, triage, route, at) => {
  db.prepare(`INSERT INTO findings (id, product_arn, control, account, region, resource_type, resource_id, first_seen_at, last_seen_at,
      source_updated_at, severity, mode, remediation, due_at, tsc, reason, channel, status, finding_json)
    VALUES (@id, @productArn, @control, @account, @region, @type, @resourceId, @at, @at, @updatedAt, @severity, @mode, @remediation,
      @dueAt, @tsc, @reason, @channel, 'open', @json)`)
    .run({ ...finding, ...triage, type: finding.resource.type, resourceId: finding.resource.id, at: at.toISOString(),
      tsc: JSON.stringify(triage.tsc), channel: route.channel, json: JSON.stringify(finding) });
};

/** Three findings: one fixed, one excepted, one still open; every kind the indexes hold. */
function writeHistory(db: Db, store: Store = storeNow): void {
  let at = new Date('2026-11-20T08:00:00.000Z');
  const evidence = new EvidenceLog(db, { now: () => at });
  const findings = new FindingsRepo(db);
  for (const id of ['fixed', 'excepted', 'open']) {
    const finding = makeFinding({ id, title: `${id} bucket`, control: 'S3.8' });
    const triage = makeTriage({ severity: 'sev1', dueAt: '2026-11-21T08:00:00.000Z' });
    const route = { channel: 'C0PLATFORM01', owner: null, via: 'fallback' as const };
    store(db, finding, triage, route, at);
    evidence.append('finding.detected', id, botActor, { finding, triage, route });
  }
  at = new Date('2026-11-20T10:00:00.000Z');
  evidence.append('decision.approved', 'fixed', ana, { decision: 'approve', remediation: 's3-block-public-access', card: { channel: 'C0PLATFORM01', ts: '1.1' }, approval: { n: 1, of: 1 } });
  evidence.append('fix.verified', 'fixed', botActor, { step: 'verify', ok: true, observed: {}, detail: 'all four settings on' });
  findings.transition('fixed', ['open'], 'fixed');
  evidence.append('exception.granted', 'excepted', ana, {
    requestedBy: 'U0BEN00001',
    justification: 'vendor needs read access until migration',
    expiresAt: '2026-12-31T00:00:00.000Z',
    compensatingControl: null,
  });
  findings.transition('excepted', ['open'], 'excepted');
}

let dir: string;
beforeEach(() => {
  dir = mkdtempSync(join(tmpdir(), 'soc2-bot-idx-'));
});
const opened: Db[] = [];
afterEach(() => opened.splice(0).forEach((db) => db.close()));

/** A database the bot left at an older migration: `keep` names the migration files it had, then written to. */
function olderDatabase(name: string, keep: RegExp, store: Store = storeBefore009): Db {
  const migrations = join(dir, `${name}-migrations`);
  mkdirSync(migrations);
  for (const file of readdirSync(defaultMigrationsDir).filter((file) => keep.test(file))) {
    copyFileSync(join(defaultMigrationsDir, file), join(migrations, file));
  }
  const db = openDatabase(join(dir, `${name}.sqlite`));
  opened.push(db);
  migrate(db, migrations);
  writeHistory(db, store);
  return db;
}

/** The shipped migration files from `version` on, as migrate() names those it applies. */
const shippedFrom = (version: number) =>
  readdirSync(defaultMigrationsDir)
    .filter((file) => file.endsWith('.sql') && Number(file.slice(0, 3)) >= version)
    .sort();

function freshDatabase(): Db {
  const db = openDatabase(join(dir, `fresh-${opened.length}.sqlite`));
  opened.push(db);
  migrate(db);
  return db;
}

describe('migration 006 query indexes', () => {
  it('are built from the evidence and findings stored before it, and answer as on a new database', () => {
    // A database as the bot left it before 006: migrated up to 005, then written to.
    const old = olderDatabase('before-006', /^00[1-5]_.*\.sql$/);
    expect(migrate(old)).toContain('006_query_indexes.sql');

    const fresh = freshDatabase();
    writeHistory(fresh);
    for (const scope of scopes) {
      expect(new StatusQuery(old).snapshot(scope, now)).toEqual(new StatusQuery(fresh).snapshot(scope, now));
    }
    const snapshot = new StatusQuery(old).snapshot({ kind: 'all' }, now);
    expect(snapshot.open.map((f) => [f.id, f.title])).toEqual([['open', 'open bucket']]);
    expect(snapshot.mttr).toEqual({ fixes: 1, meanMs: 2 * 3_600_000 });
    expect(new StatusQuery(old).activeExceptions({ kind: 'all' }, now).map((e) => [e.findingId, e.title, e.grantedBy.id])).toEqual([
      ['excepted', 'excepted bucket', ana.id],
    ]);

    // Each partial index holds exactly the rows of its kinds, the older ones included.
    for (const [index, where] of Object.entries(partialIndexes)) {
      const indexed = old.prepare(`SELECT seq FROM evidence_events INDEXED BY ${index} WHERE ${where} ORDER BY seq`).pluck().all();
      const scanned = old.prepare(`SELECT seq FROM evidence_events NOT INDEXED WHERE ${where} ORDER BY seq`).pluck().all();
      expect(indexed.length).toBeGreaterThan(0);
      expect(indexed).toEqual(scanned);
    }
  });

  it('leave a finding out of the open-findings index once it is no longer open', () => {
    const db = freshDatabase();
    writeHistory(db);
    const openIds = () => db.prepare("SELECT id FROM findings INDEXED BY findings_open WHERE status IN ('open', 'awaiting_second', 'fixing', 'fix_failed', 'exception_requested') ORDER BY id").pluck().all();
    expect(openIds()).toEqual(['open']);
    new FindingsRepo(db).transition('open', ['open'], 'fixed');
    expect(openIds()).toEqual([]);
    expect(new StatusQuery(db).openFindings({ kind: 'all' })).toEqual([]);
  });

  it('let every status query read through indexes only: no full scan of evidence or findings', () => {
    const db = freshDatabase();
    writeHistory(db);
    const plans: string[] = [];
    const prepare = db.prepare.bind(db);
    db.prepare = ((sql: string) => {
      const params = { since: '', severity: '', account: '', channel: '', endingBy: '' };
      plans.push(...(prepare(`EXPLAIN QUERY PLAN ${sql}`).all(params) as { detail: string }[]).map((r) => r.detail));
      return prepare(sql);
    }) as typeof db.prepare;
    try {
      const status = new StatusQuery(db);
      for (const scope of scopes) {
        status.snapshot(scope, now);
        status.activeExceptions(scope, now); // `/soc2 exceptions`: every one, not only those ending soon
      }
    } finally {
      db.prepare = prepare;
    }
    expect(plans.length).toBeGreaterThan(10);
    expect(plans.filter((p) => /^SCAN /.test(p) && !/USING COVERING INDEX/.test(p))).toEqual([]);
    // Open findings come out of their index already in the order the answer lists them.
    expect(plans.filter((p) => /TEMP B-TREE/.test(p))).toEqual([]);
  });
});

describe('migration 009 stored title', () => {
  it('gives rows stored before it their title, rebuilds the indexes on it and answers as on a new database', () => {
    const old = olderDatabase('before-009', /^00[1-8]_.*\.sql$/);
    expect(migrate(old)).toEqual(shippedFrom(9));
    expect(old.prepare('SELECT id, title FROM findings ORDER BY id').all()).toEqual([
      { id: 'excepted', title: 'excepted bucket' },
      { id: 'fixed', title: 'fixed bucket' },
      { id: 'open', title: 'open bucket' },
    ]);
    const fresh = freshDatabase();
    writeHistory(fresh);
    for (const scope of scopes) {
      expect(new StatusQuery(old).snapshot(scope, now)).toEqual(new StatusQuery(fresh).snapshot(scope, now));
      expect(new StatusQuery(old).activeExceptions(scope, now)).toEqual(new StatusQuery(fresh).activeExceptions(scope, now));
    }
    // No index parses a finding's JSON on each write any more.
    const indexes = old.prepare("SELECT name, sql FROM sqlite_master WHERE type = 'index' AND tbl_name = 'findings' AND sql IS NOT NULL").all() as { name: string; sql: string }[];
    expect(indexes.filter((index) => index.sql.includes('finding_json'))).toEqual([]);
    expect(indexes.filter((index) => /\btitle\b/.test(index.sql)).map((index) => index.name).sort()).toEqual(['findings_open', 'findings_summary']);
  });

  it('keeps the stored title as the source updates it, and hands back the finding an update replaced', () => {
    const db = freshDatabase();
    const findings = new FindingsRepo(db);
    const triage = makeTriage({ severity: 'sev1' });
    const route = { channel: 'C0PLATFORM01', owner: null, via: 'fallback' as const };
    const first = makeFinding({ id: 'renamed', title: 'old title' });
    expect(findings.record(first, triage, route, now)).toEqual({ outcome: 'new' });
    expect(findings.record(first, triage, route, now)).toEqual({ outcome: 'unchanged' });
    const renamed = { ...first, title: 'new title', updatedAt: '2026-11-25T08:00:00.000Z' };
    expect(findings.record(renamed, triage, route, now)).toEqual({ outcome: 'updated', before: first });
    expect(new StatusQuery(db).openFindings({ kind: 'all' }).map((f) => [f.id, f.title])).toEqual([['renamed', 'new title']]);
    expect(db.prepare("SELECT title FROM findings INDEXED BY findings_summary WHERE id = 'renamed'").pluck().get()).toBe('new title');
  });
});

describe('migration 010 evidence write cost', () => {
  it('rebuilds the evidence table row for row: the chain verifies as before, still append-only, hash no longer unique', () => {
    const old = olderDatabase('before-010', /^00\d_.*\.sql$/, storeNow);
    const rowsBefore = old.prepare('SELECT * FROM evidence_events ORDER BY seq').all();
    const verifiedBefore = verifyChain(old, null);
    expect(migrate(old)).toEqual(shippedFrom(10));

    expect(old.prepare('SELECT * FROM evidence_events ORDER BY seq').all()).toEqual(rowsBefore);
    expect(verifyChain(old, null)).toEqual(verifiedBefore);
    expect(() => old.exec("UPDATE evidence_events SET actor_name = 'mallory' WHERE seq = 1")).toThrow(/append-only/);
    expect(() => old.exec('DELETE FROM evidence_events WHERE seq = 1')).toThrow(/append-only/);
    const indexes = old
      .prepare("SELECT name FROM sqlite_master WHERE type = 'index' AND tbl_name = 'evidence_events' ORDER BY name")
      .pluck()
      .all();
    expect(indexes).toEqual([
      'evidence_events_at_finding',
      'evidence_events_exceptions',
      'evidence_events_finding',
      'evidence_events_kind_at_finding',
      'evidence_events_markers',
      'evidence_events_openings',
    ]);

    // Appending goes on from where the chain was, and answers match a database that never had the old table.
    new EvidenceLog(old, { now: () => now }).append('card.posted', 'open', botActor, { channel: 'C0PLATFORM01', ts: '2.2', diff: null, planError: null });
    expect(verifyChain(old, null).checked).toBe(rowsBefore.length + 1);
    const fresh = freshDatabase();
    writeHistory(fresh);
    for (const scope of scopes) {
      expect(new StatusQuery(old).snapshot(scope, now)).toEqual(new StatusQuery(fresh).snapshot(scope, now));
      expect(new StatusQuery(old).activeExceptions(scope, now)).toEqual(new StatusQuery(fresh).activeExceptions(scope, now));
    }
  });
});
