import { describe, expect, it } from 'vitest';
import { s3DefaultEncryption } from '../../../src/remediate/s3/s3-default-encryption.js';
import { makeFinding } from '../../helpers/findings.js';
import { useSimulatedAws } from '../../helpers/sim-aws.js';

const { sim, clients } = useSimulatedAws();
const finding = makeFinding({ control: 'S3.4', resource: { type: 'AwsS3Bucket', id: 'arn:aws:s3:::legacy-reports', region: 'us-east-1', tags: {} } });
const key = 'arn:aws:kms:us-east-1:111111111111:key/0f6e2c1a-1111-2222-3333-444455556666';

describe('s3-default-encryption', () => {
  it('plans SSE-S3 for a bucket with no default encryption, and says what undo can and cannot do', async () => {
    sim.aws.addBucket('legacy-reports', { encryption: null });
    const plan = await s3DefaultEncryption.plan(finding, clients);
    expect(plan.alreadyCompliant).toBe(false);
    expect(plan.before).toEqual({ ServerSideEncryptionConfiguration: null });
    expect(plan.diff.split('\n')).toEqual([
      '--- s3://legacy-reports default encryption (now)',
      '+++ s3://legacy-reports default encryption (after fix)',
      '- SSEAlgorithm: none (no default encryption)',
      '+ SSEAlgorithm: AES256',
      '# undo: S3 cannot leave a bucket without default encryption; undo deletes the configuration, which S3 resets to SSE-S3 (AES256)',
    ]);
    expect(plan.calls).toEqual([
      {
        service: 's3',
        operation: 'PutBucketEncryption',
        input: { Bucket: 'legacy-reports', ServerSideEncryptionConfiguration: { Rules: [{ ApplyServerSideEncryptionByDefault: { SSEAlgorithm: 'AES256' } }] } },
      },
    ]);
    expect(sim.aws.calls.map((c) => c.operation)).toEqual(['GetBucketEncryption']);
  });

  it('applies, verifies by reading back, and undo deletes the configuration (S3 then reports SSE-S3)', async () => {
    sim.aws.addBucket('legacy-reports', { encryption: null });
    const plan = await s3DefaultEncryption.plan(finding, clients);
    expect((await s3DefaultEncryption.verify(plan, clients)).ok).toBe(false);
    await s3DefaultEncryption.apply(plan, clients);
    expect(sim.aws.bucket('legacy-reports')?.encryption).toEqual({ SSEAlgorithm: 'AES256', BucketKeyEnabled: false });
    expect(await s3DefaultEncryption.verify(plan, clients)).toMatchObject({ ok: true, detail: 'default encryption reads back as AES256' });
    await s3DefaultEncryption.undo?.(plan, clients);
    expect(sim.aws.callsTo('s3', 'DeleteBucketEncryption')).toHaveLength(1);
    expect(sim.aws.bucket('legacy-reports')?.encryption).toEqual({ SSEAlgorithm: 'AES256', BucketKeyEnabled: false });
  });

  it('is already compliant with any default encryption when the policy names no key', async () => {
    sim.aws.addBucket('legacy-reports'); // new buckets get SSE-S3
    const plan = await s3DefaultEncryption.plan(finding, clients);
    expect(plan).toMatchObject({ alreadyCompliant: true, calls: [] });
    expect(plan.diff).toContain('  SSEAlgorithm: AES256');
    await s3DefaultEncryption.apply(plan, clients);
    await s3DefaultEncryption.undo?.(plan, clients);
    expect(sim.aws.calls.map((c) => c.operation)).toEqual(['GetBucketEncryption']);
  });

  it('moves SSE-S3 to the policy key with a Bucket Key, keeps blocked encryption types, and undo restores exactly', async () => {
    sim.aws.addBucket('legacy-reports', { encryption: { SSEAlgorithm: 'AES256', BucketKeyEnabled: false, BlockedEncryptionTypes: ['SSE-C'] } });
    const before = sim.aws.bucket('legacy-reports');
    const plan = await s3DefaultEncryption.plan(finding, clients, { kmsKeyId: key });
    expect(plan.diff.split('\n')).toEqual([
      '--- s3://legacy-reports default encryption (now)',
      '+++ s3://legacy-reports default encryption (after fix)',
      '- SSEAlgorithm: AES256',
      '+ SSEAlgorithm: aws:kms',
      '- BucketKeyEnabled: false',
      '+ BucketKeyEnabled: true',
      `+ KMSMasterKeyID: ${key}`,
    ]);
    await s3DefaultEncryption.apply(plan, clients);
    expect(sim.aws.bucket('legacy-reports')?.encryption).toEqual({
      SSEAlgorithm: 'aws:kms',
      KMSMasterKeyID: key,
      BucketKeyEnabled: true,
      BlockedEncryptionTypes: ['SSE-C'],
    });
    expect((await s3DefaultEncryption.verify(plan, clients)).ok).toBe(true);
    await s3DefaultEncryption.undo?.(JSON.parse(JSON.stringify(plan)), clients);
    expect(sim.aws.bucket('legacy-reports')).toEqual(before);
  });

  it('leaves a bucket that already uses a KMS key alone, even another key', async () => {
    sim.aws.addBucket('legacy-reports', { encryption: { SSEAlgorithm: 'aws:kms', KMSMasterKeyID: 'alias/team-key', BucketKeyEnabled: true } });
    const plan = await s3DefaultEncryption.plan(finding, clients, { kmsKeyId: key });
    expect(plan).toMatchObject({ alreadyCompliant: true, calls: [] });
  });

  it('rejects a malformed kmsKeyId option, naming it', async () => {
    sim.aws.addBucket('legacy-reports', { encryption: null });
    await expect(s3DefaultEncryption.plan(finding, clients, { kmsKeyId: 42 })).rejects.toThrow(/kmsKeyId/);
    expect(sim.aws.calls).toHaveLength(0);
  });

  it('surfaces AccessDenied and NoSuchBucket by name', async () => {
    await expect(s3DefaultEncryption.plan(finding, clients)).rejects.toMatchObject({ name: 'NoSuchBucket' });
    sim.aws.addBucket('legacy-reports', { encryption: null });
    const plan = await s3DefaultEncryption.plan(finding, clients);
    sim.aws.failNext('s3', 'PutBucketEncryption', { status: 403, code: 'AccessDenied', message: 'Access Denied' });
    await expect(s3DefaultEncryption.apply(plan, clients)).rejects.toMatchObject({ name: 'AccessDenied' });
    expect(sim.aws.bucket('legacy-reports')?.encryption).toBeNull();
  });
});
