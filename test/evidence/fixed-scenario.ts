/**
 * A month of evidence with known answers, written through the real EvidenceLog with a
 * controllable clock. Window: 2026-11-01 to 2026-11-30. What each finding is for:
 *   f1 sev1 fixed after approval in 6 h (CC6.1, CC6.6)
 *   f2 sev1 fixed after approval in 36 h, after its due date: an SLA breach (CC6.6)
 *   f3 sev2 fixed with no human decision in 30 min: auto-fixed (CC7.2)
 *   f4 sev2 excepted; its title is hostile HTML and its owner a spreadsheet formula (CC6.1)
 *   f5 sev3 detected in October, an approval refused at the window's first instant, still open past due (no criteria: unmapped)
 *   f6 sev1 fix failed, open past due (CC6.1)
 *   f7 sev2 fixed in October, recurred in the window, fixed again in 2 h (CC8.1)
 *   f8 sev1 detected at the window's last millisecond; its fix lands just outside: open (CC6.6)
 *   f9 detected just after the window: not in the export
 *   f10 detected and fixed in October: not in the export
 */
import type { Triage } from '../../src/domain/triage.js';
import { migrate, openDatabase } from '../../src/evidence/database.js';
import { botActor, EvidenceLog, type Actor } from '../../src/evidence/evidence-log.js';
import type { HeadSigner } from '../../src/evidence/head-signature.js';
import { makeFinding, makeTriage } from '../helpers/findings.js';

export const window = { from: '2026-11-01', to: '2026-11-30', start: '2026-11-01T00:00:00.000Z', end: '2026-12-01T00:00:00.000Z' };
export const ana: Actor = { type: 'slack_user', id: 'U0ANA00001', name: 'ana' };
export const ben: Actor = { type: 'slack_user', id: 'U0BEN00001', name: 'ben' };
export const hostileTitle = '<script>alert("owned")</script> & <img src=x onerror=alert(1)>';
const aws: Actor = { type: 'aws', id: '111111111111', name: null };
const card = { channel: 'C0PLATFORM01', ts: '1700000000.000100' };
const before = { BlockPublicAcls: false, IgnorePublicAcls: false, BlockPublicPolicy: false, RestrictPublicBuckets: false };
const after = { BlockPublicAcls: true, IgnorePublicAcls: true, BlockPublicPolicy: true, RestrictPublicBuckets: true };
const calls = [{ service: 's3', operation: 'PutPublicAccessBlock', input: { Bucket: 'customer-exports', PublicAccessBlockConfiguration: after } }];

export const id = (n: number) => `arn:aws:securityhub:us-east-1:111111111111:security-control/S3.8/finding/f${n}`;

/** Writes the scenario into a new database at `path` and returns how many events it holds. */
export function writeFixedScenario(path: string, signer: HeadSigner | null = null): number {
  const db = openDatabase(path);
  migrate(db);
  let now = new Date(0);
  const log = new EvidenceLog(db, { now: () => now }, signer);
  const at = (iso: string) => (now = new Date(iso));
  let count = 0;

  function detect(n: number, iso: string, triage: Partial<Triage>, extra: { title?: string; owner?: string; kind?: 'finding.detected' | 'finding.recurred' } = {}) {
    at(iso);
    const finding = makeFinding({ id: id(n), title: extra.title ?? `Bucket f${n} allows public access`, resource: { type: 'AwsS3Bucket', id: `arn:aws:s3:::bucket-f${n}`, region: 'us-east-1', tags: {} } });
    log.append(extra.kind ?? 'finding.detected', id(n), botActor, {
      finding,
      triage: makeTriage({ severity: 'sev1', mode: 'copilot', ...triage }),
      route: { channel: 'C0PLATFORM01', owner: extra.owner ?? 'platform', via: 'tag' },
    });
    count += 1;
  }
  function approve(n: number, iso: string, by: Actor = ana) {
    at(iso);
    log.append('decision.approved', id(n), by, { decision: 'approve', remediation: 's3-block-public-access', card, approval: { n: 1, of: 1 } });
    count += 1;
  }
  function fix(n: number, iso: string) {
    at(iso);
    log.append('fix.planned', id(n), botActor, { remediationId: 's3-block-public-access', findingId: id(n), resourceId: `bucket-f${n}`, region: 'us-east-1', before, after, diff: '- BlockPublicAcls: false\n+ BlockPublicAcls: true', alreadyCompliant: false, calls });
    log.append('fix.applied', id(n), aws, { remediation: 's3-block-public-access', calls, result: 'ok' });
    log.append('fix.verified', id(n), botActor, { step: 'verify', ok: true, observed: after, detail: 'all four settings read back true' });
    count += 3;
  }

  detect(1, '2026-11-02T10:00:00.000Z', { dueAt: '2026-11-03T10:00:00.000Z', tsc: ['CC6.1', 'CC6.6'] });
  at('2026-11-02T10:00:05.000Z');
  log.append('card.posted', id(1), botActor, { ...card, diff: null, planError: null });
  count += 1;
  approve(1, '2026-11-02T14:00:00.000Z');
  fix(1, '2026-11-02T16:00:00.000Z');

  detect(2, '2026-11-05T00:00:00.000Z', { dueAt: '2026-11-06T00:00:00.000Z', tsc: ['CC6.6'] });
  approve(2, '2026-11-06T12:00:00.000Z', ben);
  fix(2, '2026-11-06T12:00:00.000Z');

  detect(3, '2026-11-10T00:00:00.000Z', { severity: 'sev2', mode: 'autopilot', dueAt: '2026-11-24T00:00:00.000Z', tsc: ['CC7.2'] });
  fix(3, '2026-11-10T00:30:00.000Z');

  detect(4, '2026-11-12T09:00:00.000Z', { severity: 'sev2', dueAt: '2026-11-26T09:00:00.000Z', tsc: ['CC6.1'] }, { title: hostileTitle, owner: '=HYPERLINK("http://evil.example")' });
  at('2026-11-12T10:00:00.000Z');
  log.append('exception.requested', id(4), ana, { justification: 'partner feed needs public read until Q1', expiresAt: '2027-03-31T00:00:00.000Z', compensatingControl: 'CloudFront signed URLs', approver: null });
  at('2026-11-13T09:00:00.000Z');
  log.append('exception.granted', id(4), ben, { requestedBy: ana.id, justification: 'partner feed needs public read until Q1', expiresAt: '2027-03-31T00:00:00.000Z', compensatingControl: 'CloudFront signed URLs' });
  count += 2;

  detect(5, '2026-10-01T00:00:00.000Z', { severity: 'sev3', dueAt: '2026-11-20T00:00:00.000Z', tsc: [] });
  at('2026-11-01T00:00:00.000Z');
  log.append('approval.refused', id(5), ben, { action: 'approve', reason: 'ben is not an approver for this channel' });
  count += 1;

  detect(6, '2026-11-20T08:00:00.000Z', { dueAt: '2026-11-21T08:00:00.000Z', tsc: ['CC6.1'] });
  approve(6, '2026-11-20T09:00:00.000Z');
  at('2026-11-20T09:00:01.000Z');
  log.append('fix.failed', id(6), botActor, { step: 'apply', call: calls[0] ?? null, error: { name: 'AccessDenied', message: 'Access Denied' }, explanation: 'AccessDenied: the bot role lacks s3:PutBucketPublicAccessBlock' });
  count += 1;

  detect(7, '2026-10-10T00:00:00.000Z', { severity: 'sev2', dueAt: '2026-10-24T00:00:00.000Z', tsc: ['CC8.1'] });
  approve(7, '2026-10-10T01:00:00.000Z');
  fix(7, '2026-10-10T02:00:00.000Z');
  detect(7, '2026-11-15T00:00:00.000Z', { severity: 'sev2', dueAt: '2026-11-29T00:00:00.000Z', tsc: ['CC8.1'] }, { kind: 'finding.recurred' });
  approve(7, '2026-11-15T01:00:00.000Z');
  fix(7, '2026-11-15T02:00:00.000Z');

  detect(8, '2026-11-30T23:59:59.999Z', { dueAt: '2026-12-01T23:59:59.999Z', tsc: ['CC6.6'] });
  approve(8, '2026-12-01T00:00:00.000Z');
  fix(8, '2026-12-01T00:00:00.000Z');

  detect(9, '2026-12-01T00:00:00.000Z', { dueAt: '2026-12-02T00:00:00.000Z', tsc: ['CC6.1'] });

  detect(10, '2026-10-01T00:00:00.000Z', { dueAt: '2026-10-02T00:00:00.000Z', tsc: ['CC6.1'] });
  approve(10, '2026-10-01T05:00:00.000Z');
  fix(10, '2026-10-01T06:00:00.000Z');

  db.close();
  return count;
}
