import { describe, expect, it } from 'vitest';
import { s3Versioning } from '../../../src/remediate/s3/s3-versioning.js';
import { makeFinding } from '../../helpers/findings.js';
import { useSimulatedAws } from '../../helpers/sim-aws.js';

const { sim, clients } = useSimulatedAws();
const finding = makeFinding({ control: 'S3.14' });
const undoNote = '# undo suspends versioning: S3 cannot make a bucket unversioned again, and object versions created meanwhile are kept';

describe('s3-versioning', () => {
  it('plans Enabled for a never-versioned bucket and is honest about undo', async () => {
    sim.aws.addBucket('customer-exports');
    const plan = await s3Versioning.plan(finding, clients);
    expect(plan).toMatchObject({ alreadyCompliant: false, before: { Status: 'Unversioned' }, after: { Status: 'Enabled' } });
    expect(plan.diff.split('\n')).toEqual([
      '--- s3://customer-exports versioning (now)',
      '+++ s3://customer-exports versioning (after fix)',
      '- Status: Unversioned',
      '+ Status: Enabled',
      undoNote,
    ]);
    expect(plan.calls).toEqual([
      { service: 's3', operation: 'PutBucketVersioning', input: { Bucket: 'customer-exports', VersioningConfiguration: { Status: 'Enabled' } } },
    ]);
  });

  it('applies and verifies; undo of a never-versioned bucket suspends, the closest state S3 allows', async () => {
    sim.aws.addBucket('customer-exports');
    const plan = await s3Versioning.plan(finding, clients);
    await s3Versioning.apply(plan, clients);
    expect(sim.aws.bucket('customer-exports')?.versioning).toBe('Enabled');
    expect(await s3Versioning.verify(plan, clients)).toMatchObject({ ok: true, detail: 'versioning reads back as Enabled' });
    await s3Versioning.undo?.(JSON.parse(JSON.stringify(plan)), clients);
    expect(sim.aws.bucket('customer-exports')?.versioning).toBe('Suspended');
  });

  it('undo of a suspended bucket restores it exactly', async () => {
    sim.aws.addBucket('customer-exports', { versioning: 'Suspended' });
    const before = sim.aws.bucket('customer-exports');
    const plan = await s3Versioning.plan(finding, clients);
    expect(plan.diff).toContain('- Status: Suspended');
    await s3Versioning.apply(plan, clients);
    await s3Versioning.undo?.(plan, clients);
    expect(sim.aws.bucket('customer-exports')).toEqual(before);
  });

  it('is already compliant when versioning is on', async () => {
    sim.aws.addBucket('customer-exports', { versioning: 'Enabled' });
    const plan = await s3Versioning.plan(finding, clients);
    expect(plan).toMatchObject({ alreadyCompliant: true, calls: [] });
    expect(plan.diff).not.toContain('# undo');
    await s3Versioning.apply(plan, clients);
    await s3Versioning.undo?.(plan, clients);
    expect(sim.aws.calls.map((c) => c.operation)).toEqual(['GetBucketVersioning']);
  });

  it('verify fails while versioning is not on', async () => {
    sim.aws.addBucket('customer-exports');
    const plan = await s3Versioning.plan(finding, clients);
    expect(await s3Versioning.verify(plan, clients)).toMatchObject({ ok: false, detail: 'versioning reads back as Unversioned' });
  });

  it('surfaces AccessDenied and NoSuchBucket by name', async () => {
    await expect(s3Versioning.plan(finding, clients)).rejects.toMatchObject({ name: 'NoSuchBucket' });
    sim.aws.addBucket('customer-exports');
    const plan = await s3Versioning.plan(finding, clients);
    sim.aws.failNext('s3', 'PutBucketVersioning', { status: 403, code: 'AccessDenied', message: 'Access Denied' });
    await expect(s3Versioning.apply(plan, clients)).rejects.toMatchObject({ name: 'AccessDenied' });
    expect(sim.aws.bucket('customer-exports')?.versioning).toBeNull();
  });
});
