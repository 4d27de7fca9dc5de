import { describe, expect, it } from 'vitest';
import { botActor } from '../../src/evidence/evidence-log.js';
import { checkLifecycleEvent, type LifecycleKind } from '../../src/evidence/lifecycle-events.js';

const check = (kind: LifecycleKind, data: unknown) => checkLifecycleEvent({ seq: 7, at: '2026-11-02T10:00:00.000Z', kind, findingId: 'f-1', actor: botActor, data });
const problem = (kind: LifecycleKind, data: unknown) => {
  const checked = check(kind, data);
  return checked.ok ? null : checked.problem;
};

const sighting = {
  finding: { title: 'Bucket is public', control: 'S3.8', account: '111111111111', region: 'us-east-1', resource: { type: 'AwsS3Bucket', id: 'arn:aws:s3:::b', tags: { owner: 'x' } }, description: 'long' },
  triage: { severity: 'sev1', mode: 'copilot', dueAt: null, tsc: ['CC6.1'], reason: 'rule' },
  route: { channel: 'C1', owner: null, via: 'tag' },
};

describe('payload parsers', () => {
  it('keep only the fields the projection reads, in the order they are declared', () => {
    const calls = [{ input: { Bucket: 'b' }, operation: 'PutPublicAccessBlock', service: 's3', extra: 1 }];
    const checked = check('fix.applied', { calls, remediation: 's3-block-public-access', result: 'ok' });
    expect(checked.ok).toBe(true);
    if (!checked.ok) return;
    // Stored canonical JSON sorts keys; the export shows calls as service, operation, input.
    expect(JSON.stringify(checked.event.data)).toBe('{"remediation":"s3-block-public-access","calls":[{"service":"s3","operation":"PutPublicAccessBlock","input":{"Bucket":"b"}}]}');
    const seen = check('finding.detected', sighting);
    expect(seen.ok && seen.event.data).toEqual({
      finding: { title: 'Bucket is public', control: 'S3.8', account: '111111111111', region: 'us-east-1', resource: { type: 'AwsS3Bucket', id: 'arn:aws:s3:::b' } },
      triage: { severity: 'sev1', mode: 'copilot', dueAt: null, tsc: ['CC6.1'] },
      route: { channel: 'C1', owner: null },
    });
  });

  it('accept optional fields absent, and check them when present', () => {
    expect(check('decision.approved', { remediation: 'r' })).toMatchObject({ ok: true, event: { data: { remediation: 'r' } } });
    expect(check('decision.approved', { remediation: 'r', approval: { n: 1, of: 2 } })).toMatchObject({ ok: true, event: { data: { approval: { n: 1, of: 2 } } } });
    expect(problem('decision.approved', { remediation: 'r', approval: { n: '1', of: 2 } })).toBe('approval.n: expected number, received string');
    expect(check('fix.failed', { step: 'apply', error: 'AccessDenied' })).toMatchObject({ ok: true });
    expect(check('fix.failed', { step: 'apply', error: { name: 'AccessDenied', message: 'no' } })).toMatchObject({ ok: true });
    expect(problem('fix.failed', { step: 'apply', error: 42 })).toBe('error: expected { name, message } | string, received number');
  });

  it('name the first field that does not fit, with its path', () => {
    expect(problem('fix.verified', { detail: 42 })).toBe('observed: expected object, received undefined');
    expect(problem('fix.verified', { observed: {}, detail: 42 })).toBe('detail: expected string, received number');
    expect(problem('finding.detected', { ...sighting, finding: { ...sighting.finding, resource: { type: 'AwsS3Bucket', id: null } } })).toBe(
      'finding.resource.id: expected string, received null',
    );
    expect(problem('finding.detected', { ...sighting, triage: { ...sighting.triage, severity: 'critical' } })).toBe(
      'triage.severity: expected sev1 | sev2 | sev3 | none, received string',
    );
    expect(problem('finding.detected', { ...sighting, triage: { ...sighting.triage, tsc: ['CC6.1', 6.6] } })).toBe('triage.tsc.1: expected string, received number');
    expect(problem('fix.applied', { remediation: 'r', calls: [{ service: 's3', input: {} }] })).toBe('calls.0.operation: expected string, received undefined');
    expect(problem('fix.planned', [])).toBe('data: expected object, received array');
    expect(problem('exception.expired', { expiresAt: '2027-01-01', stillFailing: 'yes' })).toBe('stillFailing: expected boolean, received string');
  });
});
