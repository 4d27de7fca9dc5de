import { describe, expect, expectTypeOf, it } from 'vitest';
import type { EvidenceData } from '../../src/evidence/event-data.js';
import { botActor, type Actor } from '../../src/evidence/evidence-log.js';
import {
  cyclesInWindow,
  isoWeek,
  isoWeeksOf,
  projectLifecycles,
  slaBreached,
  summarize,
  type FindingLifecycle,
  type LifecycleEvent,
  type LifecycleKind,
} from '../../src/evidence/lifecycle.js';
import type { LifecycleData } from '../../src/evidence/lifecycle-events.js';

const ana: Actor = { type: 'slack_user', id: 'U0ANA00001', name: 'ana' };
const ben: Actor = { type: 'slack_user', id: 'U0BEN00001', name: 'ben' };
const plan = {
  remediationId: 's3-block-public-access',
  before: { BlockPublicAcls: false },
  after: { BlockPublicAcls: true },
  diff: '- BlockPublicAcls: false\n+ BlockPublicAcls: true',
  alreadyCompliant: false,
  calls: [{ service: 's3', operation: 'PutPublicAccessBlock', input: { Bucket: 'b' } }],
};

/** Builds events for one finding in seq order. */
function history(findingId = 'f-1') {
  const events: LifecycleEvent[] = [];
  const add = <K extends LifecycleKind>(kind: K, at: string, data: LifecycleData<K>, actor: Actor = botActor) => {
    events.push({ seq: events.length + 1, at, kind, findingId, actor, data } as LifecycleEvent);
    return api;
  };
  const sighting = (severity: 'sev1' | 'sev2' | 'sev3' | 'none', dueAt: string | null, tsc = ['CC6.1']) => ({
    finding: { title: 'Bucket is public', control: 'S3.8', account: '111111111111', region: 'us-east-1', resource: { type: 'AwsS3Bucket', id: 'arn:aws:s3:::b' } },
    triage: { severity, mode: 'copilot' as const, dueAt, tsc },
    route: { channel: 'C1', owner: 'platform' },
  });
  const api = {
    events,
    detected: (at: string, severity: 'sev1' | 'sev2' | 'sev3' = 'sev1', dueAt = '2026-11-03T00:00:00.000Z') => add('finding.detected', at, sighting(severity, dueAt)),
    recurred: (at: string, dueAt = '2026-11-20T00:00:00.000Z') => add('finding.recurred', at, sighting('sev1', dueAt)),
    passing: (at: string) => add('finding.updated', at, sighting('none', null)),
    approved: (at: string, by: Actor = ana) => add('decision.approved', at, { remediation: 's3-block-public-access' }, by),
    planned: (at: string, alreadyCompliant = false) => add('fix.planned', at, { ...plan, alreadyCompliant }),
    applied: (at: string) => add('fix.applied', at, { remediation: 's3-block-public-access', calls: plan.calls }, { type: 'aws', id: '111111111111', name: null }),
    verified: (at: string) => add('fix.verified', at, { observed: { BlockPublicAcls: true }, detail: 'read back true' }),
    failed: (at: string) => add('fix.failed', at, { step: 'apply', error: { name: 'AccessDenied', message: 'Access Denied' } }),
    fixed: (at: string) => api.planned(at).applied(at).verified(at),
    add,
  };
  return api;
}

const only = (lifecycles: FindingLifecycle[]) => {
  expect(lifecycles).toHaveLength(1);
  return lifecycles[0]!;
};

describe('projectLifecycles', () => {
  it('follows a finding from detection through approval to a verified fix', () => {
    const f = only(projectLifecycles(history().detected('2026-11-02T10:00:00.000Z').approved('2026-11-02T11:00:00.000Z').fixed('2026-11-02T16:00:00.000Z').events));
    expect(f).toMatchObject({ findingId: 'f-1', title: 'Bucket is public', control: 'S3.8', tsc: ['CC6.1'], owner: 'platform', channel: 'C1' });
    const [cycle] = f.cycles;
    expect(cycle).toMatchObject({ openedBy: 'detected', severity: 'sev1', outcome: 'fixed', closedBy: 'fix', closedAt: '2026-11-02T16:00:00.000Z', timeToRemediateMs: 6 * 3_600_000 });
    expect(cycle?.decisions).toEqual([{ at: '2026-11-02T11:00:00.000Z', kind: 'approved', actor: ana, detail: 'approved s3-block-public-access' }]);
    expect(cycle?.fixes[0]?.steps.map((s) => s.step)).toEqual(['planned', 'applied', 'verified']);
    expect(cycle?.fixes[0]?.appliedCalls).toEqual(plan.calls);
  });

  it('counts a fix with no human decision as auto-fixed', () => {
    const f = only(projectLifecycles(history().detected('2026-11-02T10:00:00.000Z').fixed('2026-11-02T10:05:00.000Z').events));
    expect(f.cycles[0]?.outcome).toBe('auto_fixed');
  });

  it('treats a granted exception as excepted, not remediated, and reopens it when it expires still failing', () => {
    const h = history()
      .detected('2026-11-02T10:00:00.000Z')
      .add('exception.requested', '2026-11-02T11:00:00.000Z', { justification: 'vendor', expiresAt: '2026-11-10T00:00:00.000Z', compensatingControl: null }, ana)
      .add('exception.granted', '2026-11-02T12:00:00.000Z', { requestedBy: ana.id, justification: 'vendor', expiresAt: '2026-11-10T00:00:00.000Z', compensatingControl: 'WAF' }, ben);
    const excepted = only(projectLifecycles(h.events)).cycles[0];
    expect(excepted).toMatchObject({ outcome: 'excepted', closedBy: 'exception', timeToRemediateMs: null });
    expect(excepted?.exception).toMatchObject({ requestedBy: ana.id, grantedBy: ben, justification: 'vendor', compensatingControl: 'WAF', expiredAt: null });
    expect(excepted?.decisions.map((d) => d.kind)).toEqual(['exception_requested', 'exception_granted']);

    h.add('exception.expired', '2026-11-10T00:00:00.000Z', { expiresAt: '2026-11-10T00:00:00.000Z', stillFailing: true });
    const reopened = only(projectLifecycles(h.events)).cycles[0];
    expect(reopened).toMatchObject({ outcome: 'open', closedAt: null });
    expect(reopened?.exception?.expiredAt).toBe('2026-11-10T00:00:00.000Z');
  });

  it('marks a failed fix as failed until a retry succeeds', () => {
    const h = history().detected('2026-11-02T10:00:00.000Z').approved('2026-11-02T10:10:00.000Z').planned('2026-11-02T10:10:01.000Z').failed('2026-11-02T10:10:02.000Z');
    const failed = only(projectLifecycles(h.events)).cycles[0];
    expect(failed?.outcome).toBe('failed');
    expect(failed?.fixes[0]?.steps.at(-1)?.detail).toBe('apply failed: AccessDenied: Access Denied');
    h.approved('2026-11-02T12:00:00.000Z').fixed('2026-11-02T12:00:05.000Z');
    const retried = only(projectLifecycles(h.events)).cycles[0];
    expect(retried).toMatchObject({ outcome: 'fixed', timeToRemediateMs: 2 * 3_600_000 + 5000 });
    expect(retried?.fixes.map((a) => a.result)).toEqual(['failed', 'verified']);
  });

  it('records a failure before any plan as an attempt of its own', () => {
    const h = history().detected('2026-11-02T10:00:00.000Z').add('fix.failed', '2026-11-02T10:01:00.000Z', { step: 'plan', explanation: 'bucket not found' });
    const attempt = only(projectLifecycles(h.events)).cycles[0]?.fixes[0];
    expect(attempt).toMatchObject({ plan: null, result: 'failed' });
    expect(attempt?.steps[0]?.detail).toBe('plan failed: bucket not found');
  });

  it('closes a cycle found already compliant after approval', () => {
    const h = history().detected('2026-11-02T10:00:00.000Z').approved('2026-11-02T11:00:00.000Z').planned('2026-11-02T11:00:01.000Z', true);
    expect(only(projectLifecycles(h.events)).cycles[0]).toMatchObject({ outcome: 'fixed', closedBy: 'fix', closedAt: '2026-11-02T11:00:01.000Z' });
  });

  it('starts a new cycle on recurrence and counts it', () => {
    const h = history().detected('2026-10-01T00:00:00.000Z').approved('2026-10-01T01:00:00.000Z').fixed('2026-10-01T02:00:00.000Z').recurred('2026-11-15T00:00:00.000Z');
    const f = only(projectLifecycles(h.events));
    expect(f.cycles.map((c) => [c.openedBy, c.outcome])).toEqual([['detected', 'fixed'], ['recurred', 'open']]);
    expect(f.recurredAt).toEqual(['2026-11-15T00:00:00.000Z']);
  });

  it('closes a cycle as fixed when Security Hub reports the control passing', () => {
    const f = only(projectLifecycles(history().detected('2026-11-02T10:00:00.000Z').passing('2026-11-03T10:00:00.000Z').events));
    expect(f.cycles[0]).toMatchObject({ outcome: 'fixed', closedBy: 'source', timeToRemediateMs: 24 * 3_600_000 });
  });

  it('raises the severity on escalation and keeps it over later updates', () => {
    const h = history()
      .detected('2026-11-02T10:00:00.000Z', 'sev3', '2027-01-31T00:00:00.000Z')
      .add('escalation.raised', '2026-11-03T10:00:00.000Z', { from: 'sev3', to: 'sev1', reason: 'customer data' }, ana)
      .add('finding.updated', '2026-11-04T10:00:00.000Z', {
        finding: { title: 'Bucket is public', control: 'S3.8', account: '1', region: 'us-east-1', resource: { type: 'AwsS3Bucket', id: 'b' } },
        triage: { severity: 'sev3', mode: 'copilot', dueAt: '2027-01-31T00:00:00.000Z', tsc: ['CC6.1'] },
        route: { channel: 'C1', owner: null },
      });
    const cycle = only(projectLifecycles(h.events)).cycles[0];
    expect(cycle?.severity).toBe('sev1');
    expect(cycle?.decisions[0]).toMatchObject({ kind: 'escalated', actor: ana, detail: 'escalated sev3 → sev1: customer data' });
  });

  it('leaves out findings that never needed action, and events before any sighting', () => {
    const h = history().approved('2026-11-01T00:00:00.000Z').passing('2026-11-02T00:00:00.000Z');
    expect(projectLifecycles(h.events)).toEqual([]);
  });
});

describe('summarize', () => {
  const novemberWindow = { start: '2026-11-01T00:00:00.000Z', end: '2026-12-01T00:00:00.000Z' };

  it('counts outcomes, MTTR against SLA, breaches, recurrences and weeks inside the window only', () => {
    const events = [
      // sev1 fixed in 6 h, within its due date
      ...history('a').detected('2026-11-02T10:00:00.000Z', 'sev1', '2026-11-03T10:00:00.000Z').approved('2026-11-02T11:00:00.000Z').fixed('2026-11-02T16:00:00.000Z').events,
      // sev1 fixed in 36 h, 12 h after its due date
      ...history('b').detected('2026-11-05T00:00:00.000Z', 'sev1', '2026-11-06T00:00:00.000Z').approved('2026-11-06T11:00:00.000Z').fixed('2026-11-06T12:00:00.000Z').events,
      // sev2 open since October, past due at the window's end
      ...history('c').detected('2026-10-20T00:00:00.000Z', 'sev2', '2026-11-03T00:00:00.000Z').events,
      // fixed in October, recurred and fixed again in 2 h in November
      ...history('d').detected('2026-10-01T00:00:00.000Z').approved('2026-10-01T00:30:00.000Z').fixed('2026-10-01T01:00:00.000Z').recurred('2026-11-15T00:00:00.000Z').approved('2026-11-15T01:00:00.000Z').fixed('2026-11-15T02:00:00.000Z').events,
      // detected and fixed in October: outside the window
      ...history('e').detected('2026-10-01T00:00:00.000Z').approved('2026-10-01T00:30:00.000Z').fixed('2026-10-01T01:00:00.000Z').events,
    ];
    const lifecycles = projectLifecycles(events);
    const summary = summarize(lifecycles, novemberWindow);
    expect(summary.findings).toBe(4);
    expect(summary.byOutcome).toEqual({ fixed: 3, auto_fixed: 0, excepted: 0, open: 1, failed: 0 });
    expect(summary.bySeverity.sev1).toEqual({ fixed: 3, auto_fixed: 0, excepted: 0, open: 0, failed: 0 });
    expect(summary.bySeverity.sev2).toEqual({ fixed: 0, auto_fixed: 0, excepted: 0, open: 1, failed: 0 });
    expect(summary.mttr.sev1).toEqual({ remediated: 3, meanHours: (6 + 36 + 2) / 3, slaHours: 24, withinSla: true });
    expect(summary.mttr.sev2).toEqual({ remediated: 0, meanHours: null, slaHours: 336, withinSla: null });
    expect(summary.mttr.sev3.slaHours).toBe(2160);
    expect(summary.slaBreaches).toEqual({ fixedLate: 1, openPastDue: 1 });
    expect(summary.recurrences).toBe(1);
    expect(summary.weekly).toEqual([
      { week: '2026-W44', opened: 0, closed: 0 },
      { week: '2026-W45', opened: 2, closed: 2 },
      { week: '2026-W46', opened: 1, closed: 1 },
      { week: '2026-W47', opened: 0, closed: 0 },
      { week: '2026-W48', opened: 0, closed: 0 },
      { week: '2026-W49', opened: 0, closed: 0 },
    ]);
    const d = lifecycles.find((l) => l.findingId === 'd')!;
    expect(cyclesInWindow(d, novemberWindow).map((c) => c.openedBy)).toEqual(['recurred']);
  });

  it('does not count an exception as an SLA breach, and counts an open cycle only once it is past due', () => {
    const [excepted] = projectLifecycles(
      history()
        .detected('2026-11-02T00:00:00.000Z', 'sev1', '2026-11-03T00:00:00.000Z')
        .add('exception.granted', '2026-11-05T00:00:00.000Z', { requestedBy: ana.id, justification: 'j', expiresAt: '2027-01-01T00:00:00.000Z', compensatingControl: null }, ben).events,
    );
    expect(slaBreached(excepted!.cycles[0]!, novemberWindow.end)).toBe(false);
    const [open] = projectLifecycles(history().detected('2026-11-30T00:00:00.000Z', 'sev1', '2026-12-01T00:00:00.000Z').events);
    expect(slaBreached(open!.cycles[0]!, novemberWindow.end)).toBe(false);
    expect(slaBreached(open!.cycles[0]!, '2026-12-01T00:00:00.001Z')).toBe(true);
  });
});

describe('ISO weeks in UTC', () => {
  it('numbers weeks across year ends', () => {
    expect(isoWeek(new Date('2026-01-01T12:00:00Z'))).toBe('2026-W01'); // a Thursday
    expect(isoWeek(new Date('2027-01-01T00:00:00Z'))).toBe('2026-W53'); // a Friday
    expect(isoWeek(new Date('2024-12-30T00:00:00Z'))).toBe('2025-W01'); // a Monday
    expect(isoWeek(new Date('2026-11-29T23:59:59.999Z'))).toBe('2026-W48');
  });

  it('lists every week a window touches, including a last partial day', () => {
    expect(isoWeeksOf({ start: '2026-11-29T12:00:00.000Z', end: '2026-11-30T06:00:00.000Z' })).toEqual(['2026-W48', '2026-W49']);
  });
});

describe('payload schemas', () => {
  it('accept every shape the writers produce (event-data.ts), for every lifecycle kind', () => {
    // Compile-time: a payload a writer may write must always be readable by the projection.
    type Readable = { [K in LifecycleKind]: EvidenceData[K] extends LifecycleData<K> ? true : false };
    expectTypeOf<LifecycleKind>().toExtend<keyof EvidenceData>();
    expectTypeOf<Readable>().toEqualTypeOf<{ [K in LifecycleKind]: true }>();
  });
});
