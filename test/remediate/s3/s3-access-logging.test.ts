import { describe, expect, it } from 'vitest';
import { s3AccessLogging } from '../../../src/remediate/s3/s3-access-logging.js';
import { makeFinding } from '../../helpers/findings.js';
import { useSimulatedAws } from '../../helpers/sim-aws.js';

const { sim, clients } = useSimulatedAws();
const finding = makeFinding({ control: 'S3.9' });
const options = { logBucket: 'org-access-logs' };

describe('s3-access-logging', () => {
  it('plans logging into the policy log bucket under <bucket>/ by default', async () => {
    sim.aws.addBucket('customer-exports');
    sim.aws.addBucket('org-access-logs');
    const plan = await s3AccessLogging.plan(finding, clients, options);
    expect(plan.before).toEqual({ LoggingEnabled: null });
    expect(plan.diff.split('\n')).toEqual([
      '--- s3://customer-exports server access logging (now)',
      '+++ s3://customer-exports server access logging (after fix)',
      '- Logging: disabled',
      '+ Logging: enabled',
      '+ TargetBucket: org-access-logs',
      '+ TargetPrefix: customer-exports/',
      "# the log bucket's policy must let logging.s3.amazonaws.com put objects under customer-exports/; this fix does not change s3://org-access-logs",
    ]);
    expect(plan.calls).toEqual([
      {
        service: 's3',
        operation: 'PutBucketLogging',
        input: { Bucket: 'customer-exports', BucketLoggingStatus: { LoggingEnabled: { TargetBucket: 'org-access-logs', TargetPrefix: 'customer-exports/' } } },
      },
    ]);
    expect(sim.aws.calls.map((c) => c.operation)).toEqual(['GetBucketLogging']);
  });

  it('applies, verifies, and undo turns logging off again exactly as before', async () => {
    sim.aws.addBucket('customer-exports');
    sim.aws.addBucket('org-access-logs');
    const before = sim.aws.bucket('customer-exports');
    const plan = await s3AccessLogging.plan(finding, clients, { ...options, logPrefix: 's3/customer-exports/' });
    expect((await s3AccessLogging.verify(plan, clients)).ok).toBe(false);
    await s3AccessLogging.apply(plan, clients);
    expect(sim.aws.bucket('customer-exports')?.logging).toEqual({ TargetBucket: 'org-access-logs', TargetPrefix: 's3/customer-exports/' });
    expect(await s3AccessLogging.verify(plan, clients)).toMatchObject({ ok: true, detail: 'access logs go to s3://org-access-logs/s3/customer-exports/' });
    await s3AccessLogging.undo?.(JSON.parse(JSON.stringify(plan)), clients);
    expect(sim.aws.bucket('customer-exports')).toEqual(before);
  });

  it('leaves logging that is already on alone, wherever it goes', async () => {
    sim.aws.addBucket('customer-exports', {
      logging: { TargetBucket: 'team-logs', TargetPrefix: '', TargetObjectKeyFormat: { PartitionedPrefix: { PartitionDateSource: 'EventTime' } } },
    });
    const plan = await s3AccessLogging.plan(finding, clients, options);
    expect(plan).toMatchObject({ alreadyCompliant: true, calls: [] });
    expect(plan.diff).toContain('  TargetBucket: team-logs');
    await s3AccessLogging.undo?.(plan, clients);
    expect(sim.aws.calls.map((c) => c.operation)).toEqual(['GetBucketLogging']);
  });

  it('requires the logBucket option and names it', async () => {
    sim.aws.addBucket('customer-exports');
    await expect(s3AccessLogging.plan(finding, clients, {})).rejects.toThrow(/logBucket/);
    await expect(s3AccessLogging.plan(finding, clients)).rejects.toThrow(/logBucket/);
    await expect(s3AccessLogging.plan(finding, clients, { logBucket: 'Not A Bucket' })).rejects.toThrow(/does not name an S3 bucket/);
    expect(sim.aws.calls).toHaveLength(0);
  });

  it('refuses to make a bucket log into itself', async () => {
    sim.aws.addBucket('customer-exports');
    await expect(s3AccessLogging.plan(finding, clients, { logBucket: 'arn:aws:s3:::customer-exports' })).rejects.toThrow(
      /must not be s3:\/\/customer-exports itself/,
    );
  });

  it('surfaces a missing log bucket, AccessDenied and NoSuchBucket as S3 names them', async () => {
    await expect(s3AccessLogging.plan(finding, clients, options)).rejects.toMatchObject({ name: 'NoSuchBucket' });
    sim.aws.addBucket('customer-exports');
    const plan = await s3AccessLogging.plan(finding, clients, options);
    await expect(s3AccessLogging.apply(plan, clients)).rejects.toMatchObject({ name: 'InvalidTargetBucketForLogging' });
    sim.aws.addBucket('org-access-logs');
    sim.aws.failNext('s3', 'PutBucketLogging', { status: 403, code: 'AccessDenied', message: 'Access Denied' });
    await expect(s3AccessLogging.apply(plan, clients)).rejects.toMatchObject({ name: 'AccessDenied' });
    expect(sim.aws.bucket('customer-exports')?.logging).toBeNull();
  });
});
