import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import type { Finding } from '../../src/domain/finding.js';
import type { Triage } from '../../src/domain/triage.js';
import { migrate, openDatabase, type Db } from '../../src/evidence/database.js';
import { botActor, EvidenceLog } from '../../src/evidence/evidence-log.js';
import { FindingsRepo } from '../../src/evidence/findings-repo.js';
import { StatusQuery } from '../../src/evidence/status-query.js';
import { makeFinding, makeTriage } from '../helpers/findings.js';

let db: Db;
let now: Date;
let findings: FindingsRepo;
let evidence: EvidenceLog;
let status: StatusQuery;

const hours = (n: number) => n * 60 * 60 * 1000;
const ana = { type: 'slack_user', id: 'U0ANA00001', name: 'ana' } as const;

function seen(id: string, finding: Partial<Finding>, triage: Partial<Triage>, channel = 'C0PLATFORM01'): Finding {
  const full = makeFinding({ id, ...finding });
  const decided = makeTriage(triage);
  const route = { channel, owner: null, via: 'fallback' as const };
  const { outcome } = findings.record(full, decided, route, now);
  evidence.append(outcome === 'recurred' ? 'finding.recurred' : 'finding.detected', id, botActor, { finding: full, triage: decided, route });
  return full;
}

function verified(id: string): void {
  evidence.append('fix.verified', id, botActor, { step: 'verify', ok: true, observed: {}, detail: 'all four settings on' });
}

function grant(id: string, expiresAt: string, justification = 'vendor needs read access until migration'): void {
  evidence.append('exception.granted', id, ana, { requestedBy: 'U0BEN00001', justification, expiresAt, compensatingControl: null });
}

beforeEach(() => {
  db = openDatabase(':memory:');
  migrate(db);
  now = new Date('2026-11-25T12:00:00.000Z');
  const clock = { now: () => now };
  findings = new FindingsRepo(db);
  evidence = new EvidenceLog(db, clock);
  status = new StatusQuery(db);
});

afterEach(() => db.close());

describe('open findings', () => {
  beforeEach(() => {
    seen('f-sev2', { control: 'S3.4', title: 'S3.4 encryption' }, { severity: 'sev2', dueAt: '2026-12-08T00:00:00.000Z' });
    seen('f-sev1-late', { control: 'S3.8' }, { severity: 'sev1', dueAt: '2026-11-21T08:00:00.000Z' });
    seen('f-sev1-soon', { control: 'S3.2', account: '222222222222' }, { severity: 'sev1', dueAt: '2026-11-26T08:00:00.000Z' }, 'C0DATA00001');
    seen('f-sev3', { control: 'S3.9' }, { severity: 'sev3', dueAt: '2027-02-01T00:00:00.000Z' });
    seen('f-fixed', { control: 'S3.8' }, { severity: 'sev1' });
    findings.transition('f-fixed', ['open'], 'fixed');
    seen('f-none', { control: 'S3.2', compliance: 'PASSED' }, { severity: 'none', dueAt: null });
    findings.transition('f-sev2', ['open'], 'fixing');
  });

  it('lists open, being fixed and failed findings, most severe first and earliest deadline first', () => {
    const open = status.openFindings({ kind: 'all' });
    expect(open.map((f) => f.id)).toEqual(['f-sev1-late', 'f-sev1-soon', 'f-sev2', 'f-sev3']);
    expect(open[2]).toMatchObject({ status: 'fixing', control: 'S3.4', title: 'S3.4 encryption', channel: 'C0PLATFORM01' });
  });

  it('filters by severity, account and team channel', () => {
    expect(status.openFindings({ kind: 'severity', severity: 'sev1' }).map((f) => f.id)).toEqual(['f-sev1-late', 'f-sev1-soon']);
    expect(status.openFindings({ kind: 'account', account: '222222222222' }).map((f) => f.id)).toEqual(['f-sev1-soon']);
    expect(status.openFindings({ kind: 'team', team: 'data', channel: 'C0DATA00001' }).map((f) => f.id)).toEqual(['f-sev1-soon']);
  });
});

describe('MTTR', () => {
  it('averages first sighting to verified fix over the last 30 days, by scope', () => {
    seen('a', {}, { severity: 'sev1' });
    seen('b', { account: '222222222222' }, { severity: 'sev2' });
    now = new Date(now.getTime() + hours(3));
    verified('a');
    now = new Date(now.getTime() + hours(2));
    verified('b');
    expect(status.mttr({ kind: 'all' }, now)).toEqual({ fixes: 2, meanMs: hours(4) });
    expect(status.mttr({ kind: 'account', account: '222222222222' }, now)).toEqual({ fixes: 1, meanMs: hours(5) });
    expect(status.mttr({ kind: 'all' }, new Date(now.getTime() + hours(31 * 24)))).toEqual({ fixes: 0, meanMs: null });
  });

  it('measures a recurred finding from its recurrence, not from the first sighting', () => {
    seen('a', { updatedAt: '2026-11-24T08:00:00.000Z' }, { severity: 'sev1' });
    now = new Date(now.getTime() + hours(10));
    verified('a');
    findings.transition('a', ['open'], 'fixed');
    now = new Date(now.getTime() + hours(100));
    seen('a', { updatedAt: '2026-11-30T08:00:00.000Z' }, { severity: 'sev1' });
    now = new Date(now.getTime() + hours(1));
    verified('a');
    expect(status.mttr({ kind: 'all' }, now)).toEqual({ fixes: 2, meanMs: hours(5.5) });
  });
});

describe('active exceptions', () => {
  it('keeps the latest grant per finding until it expires or an expiry is recorded, soonest first', () => {
    seen('later', {}, {});
    seen('sooner', {}, {});
    seen('ran-out', {}, {});
    seen('ended', {}, {});
    seen('regranted', {}, {});
    grant('later', '2027-01-10T00:00:00.000Z');
    grant('sooner', '2026-12-01T00:00:00.000Z', 'waiting for the vendor');
    grant('ran-out', '2026-11-20T00:00:00.000Z');
    grant('ended', '2027-01-01T00:00:00.000Z');
    evidence.append('exception.expired', 'ended', botActor, { expiresAt: '2027-01-01T00:00:00.000Z', stillFailing: true, previousCard: null });
    grant('regranted', '2026-11-26T00:00:00.000Z');
    grant('regranted', '2026-12-20T00:00:00.000Z', 'extended');

    const active = status.activeExceptions({ kind: 'all' }, now);
    expect(active.map((e) => e.findingId)).toEqual(['sooner', 'regranted', 'later']);
    expect(active[0]).toMatchObject({
      justification: 'waiting for the vendor',
      expiresAt: '2026-12-01T00:00:00.000Z',
      requestedBy: 'U0BEN00001',
      grantedBy: { id: ana.id, name: ana.name },
      channel: 'C0PLATFORM01',
    });
    expect(active[1]?.justification).toBe('extended');
  });

  it('answers a snapshot with open findings, MTTR and the exceptions ending within 14 days together', () => {
    seen('a', {}, {});
    seen('b', {}, {});
    seen('c', {}, {});
    grant('a', '2026-12-01T00:00:00.000Z');
    grant('b', '2026-12-09T12:00:00.000Z'); // exactly 14 days from now
    grant('c', '2026-12-09T12:00:00.001Z');
    const snapshot = status.snapshot({ kind: 'all' }, now);
    expect(snapshot.open).toHaveLength(3);
    expect(snapshot.mttr).toEqual({ fixes: 0, meanMs: null });
    expect(snapshot.exceptions.map((e) => e.findingId)).toEqual(['a', 'b']);
    expect(status.activeExceptions({ kind: 'all' }, now).map((e) => e.findingId)).toEqual(['a', 'b', 'c']);
  });
});
