import { describe, expect, it } from 'vitest';
import { bucketName, s3BlockPublicAccess } from '../../../src/remediate/s3/s3-block-public-access.js';
import { makeFinding } from '../../helpers/findings.js';
import { useSimulatedAws } from '../../helpers/sim-aws.js';

const { sim, clients } = useSimulatedAws();
const finding = makeFinding({ resource: { type: 'AwsS3Bucket', id: 'arn:aws:s3:::customer-exports', region: 'us-east-1', tags: {} } });
const allTrue = { BlockPublicAcls: true, IgnorePublicAcls: true, BlockPublicPolicy: true, RestrictPublicBuckets: true };

describe('s3-block-public-access', () => {
  it('plans from the live state: a bucket with no Public Access Block has all four settings off', async () => {
    sim.aws.addBucket('customer-exports', { publicAccessBlock: null });
    const plan = await s3BlockPublicAccess.plan(finding, clients);
    expect(plan.alreadyCompliant).toBe(false);
    expect(plan.before).toEqual({ Configured: false, BlockPublicAcls: false, IgnorePublicAcls: false, BlockPublicPolicy: false, RestrictPublicBuckets: false });
    expect(plan.after).toEqual(allTrue);
    expect(plan.diff.split('\n')).toEqual([
      '--- s3://customer-exports Public Access Block (now)',
      '+++ s3://customer-exports Public Access Block (after fix)',
      '- BlockPublicAcls: false',
      '+ BlockPublicAcls: true',
      '- IgnorePublicAcls: false',
      '+ IgnorePublicAcls: true',
      '- BlockPublicPolicy: false',
      '+ BlockPublicPolicy: true',
      '- RestrictPublicBuckets: false',
      '+ RestrictPublicBuckets: true',
    ]);
    // Planning only reads.
    expect(sim.aws.callsTo('s3', 'PutPublicAccessBlock')).toHaveLength(0);
  });

  it('applies exactly the planned call and verifies by reading back', async () => {
    sim.aws.addBucket('customer-exports', {
      publicAccessBlock: { BlockPublicAcls: true, IgnorePublicAcls: false, BlockPublicPolicy: true, RestrictPublicBuckets: false },
    });
    const plan = await s3BlockPublicAccess.plan(finding, clients);
    expect(plan.diff).toContain('  BlockPublicAcls: true'); // unchanged settings shown for context
    await s3BlockPublicAccess.apply(plan, clients);
    expect(sim.aws.bucket('customer-exports')?.publicAccessBlock).toEqual(allTrue);
    expect(sim.aws.callsTo('s3', 'PutPublicAccessBlock')).toHaveLength(1);
    const verification = await s3BlockPublicAccess.verify(plan, clients);
    expect(verification).toMatchObject({ ok: true, observed: allTrue });
  });

  it('says "already compliant" and plans no call when every setting is on', async () => {
    sim.aws.addBucket('customer-exports', { publicAccessBlock: allTrue });
    const plan = await s3BlockPublicAccess.plan(finding, clients);
    expect(plan.alreadyCompliant).toBe(true);
    expect(plan.calls).toEqual([]);
    await s3BlockPublicAccess.apply(plan, clients);
    expect(sim.aws.callsTo('s3', 'PutPublicAccessBlock')).toHaveLength(0);
  });

  it('fails verification when the settings did not stick', async () => {
    sim.aws.addBucket('customer-exports', { publicAccessBlock: null });
    const plan = await s3BlockPublicAccess.plan(finding, clients);
    const verification = await s3BlockPublicAccess.verify(plan, clients);
    expect(verification.ok).toBe(false);
    expect(verification.detail).toContain('still off: BlockPublicAcls');
  });

  it('surfaces AWS errors from the read as the SDK names them', async () => {
    await expect(s3BlockPublicAccess.plan(finding, clients)).rejects.toMatchObject({ name: 'NoSuchBucket' });
  });

  it('undo deletes the configuration when the bucket had none, so S3 answers exactly as before', async () => {
    sim.aws.addBucket('customer-exports', { publicAccessBlock: null });
    const plan = await s3BlockPublicAccess.plan(finding, clients);
    await s3BlockPublicAccess.apply(plan, clients);
    await s3BlockPublicAccess.undo?.(plan, clients);
    expect(sim.aws.bucket('customer-exports')?.publicAccessBlock).toBeNull();
    expect(sim.aws.callsTo('s3', 'DeletePublicAccessBlock')).toHaveLength(1);
  });

  it('undo puts back a partial configuration setting by setting, from a plan read back from the evidence log', async () => {
    const partial = { BlockPublicAcls: true, IgnorePublicAcls: false, BlockPublicPolicy: true, RestrictPublicBuckets: false };
    sim.aws.addBucket('customer-exports', { publicAccessBlock: partial });
    const before = sim.aws.bucket('customer-exports');
    const plan = await s3BlockPublicAccess.plan(finding, clients);
    await s3BlockPublicAccess.apply(plan, clients);
    await s3BlockPublicAccess.undo?.(JSON.parse(JSON.stringify(plan)), clients);
    expect(sim.aws.bucket('customer-exports')).toEqual(before);
  });

  it('undo of an already-compliant plan makes no call', async () => {
    sim.aws.addBucket('customer-exports', { publicAccessBlock: allTrue });
    const plan = await s3BlockPublicAccess.plan(finding, clients);
    await s3BlockPublicAccess.undo?.(plan, clients);
    expect(sim.aws.calls.map((c) => c.operation)).toEqual(['GetPublicAccessBlock']);
  });

  it('surfaces AccessDenied from the write by name and changes nothing', async () => {
    sim.aws.addBucket('customer-exports', { publicAccessBlock: null });
    const plan = await s3BlockPublicAccess.plan(finding, clients);
    sim.aws.failNext('s3', 'PutPublicAccessBlock', { status: 403, code: 'AccessDenied', message: 'Access Denied' });
    await expect(s3BlockPublicAccess.apply(plan, clients)).rejects.toMatchObject({ name: 'AccessDenied' });
    expect(sim.aws.bucket('customer-exports')?.publicAccessBlock).toBeNull();
  });

  it('apply refuses a plan whose calls are not the ones this remediation makes', async () => {
    sim.aws.addBucket('customer-exports', { publicAccessBlock: null });
    const plan = await s3BlockPublicAccess.plan(finding, clients);
    const tampered = { ...plan, calls: [{ service: 's3', operation: 'DeleteBucket', input: { Bucket: 'customer-exports' } }] };
    await expect(s3BlockPublicAccess.apply(tampered, clients)).rejects.toThrow(/unexpected call s3:DeleteBucket/);
    const elsewhere = { ...plan, calls: plan.calls.map((c) => ({ ...c, input: { ...c.input, Bucket: 'other-bucket' } })) };
    await expect(s3BlockPublicAccess.apply(elsewhere, clients)).rejects.toThrow(/Bucket must be customer-exports/);
    expect(sim.aws.callsTo('s3', 'PutPublicAccessBlock')).toHaveLength(0);
  });

  it('reads bucket names from ARNs and refuses what is not a bucket', () => {
    expect(bucketName('arn:aws:s3:::logs.example.com')).toBe('logs.example.com');
    expect(bucketName('plain-bucket')).toBe('plain-bucket');
    expect(() => bucketName('AWS::::Account:111111111111')).toThrow(/does not name an S3 bucket/);
  });
});
