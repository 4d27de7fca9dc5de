import { describe, expect, it } from 'vitest';
import { bucketName, s3BlockPublicAccess } from '../../src/remediate/s3-block-public-access.js';
import { makeFinding } from '../helpers/findings.js';
import { useSimulatedAws } from '../helpers/sim-aws.js';

const { sim, clients } = useSimulatedAws();
const finding = makeFinding({ resource: { type: 'AwsS3Bucket', id: 'arn:aws:s3:::customer-exports', region: 'us-east-1', tags: {} } });
const allTrue = { BlockPublicAcls: true, IgnorePublicAcls: true, BlockPublicPolicy: true, RestrictPublicBuckets: true };

describe('s3-block-public-access', () => {
  it('plans from the live state: a bucket with no Public Access Block has all four settings off', async () => {
    sim.aws.addBucket('customer-exports', { publicAccessBlock: null });
    const plan = await s3BlockPublicAccess.plan(finding, clients);
    expect(plan.alreadyCompliant).toBe(false);
    expect(plan.before).toEqual({ BlockPublicAcls: false, IgnorePublicAcls: false, BlockPublicPolicy: false, RestrictPublicBuckets: false });
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

  it('reads bucket names from ARNs and refuses what is not a bucket', () => {
    expect(bucketName('arn:aws:s3:::logs.example.com')).toBe('logs.example.com');
    expect(bucketName('plain-bucket')).toBe('plain-bucket');
    expect(() => bucketName('AWS::::Account:111111111111')).toThrow(/does not name an S3 bucket/);
  });
});
