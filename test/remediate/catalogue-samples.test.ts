import { existsSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { makeFinding } from '../helpers/findings.js';
import { corpusSamplesDir, fixableSamples, fixtureSamplesDir, simulatedAccount, useSampleAccounts, type Sample } from '../helpers/sample-fixes.js';
import { seedFromFindings } from '../../src/sim/seed-from-findings.js';

/**
 * Every failing sample whose control has a remediation, and the remediation that answers
 * it. A sample that stops being fixable, or a new one, fails the test until listed here.
 */
const FIXTURES_COVERED: Record<string, string> = {
  'CloudTrail.1-cis-2.1-all-regions-failed.json': 'cloudtrail-enable-logging',
  'CloudTrail.1-not-enabled-failed.json': 'cloudtrail-enable-logging',
  'CloudTrail.2-fsbp-docs-sample.json': 'cloudtrail-kms-encryption',
  'CloudTrail.2-trail-not-encrypted-failed.json': 'cloudtrail-kms-encryption',
  'EC2.13-cis-4.1-ssh-open-to-world-failed.json': 'sg-revoke-open-ingress',
  'EC2.14-cis-4.2-rdp-open-to-world-failed.json': 'sg-revoke-open-ingress',
  'EC2.7-ebs-default-encryption-failed.json': 'ebs-encryption-by-default',
  'IAM.3-access-key-not-rotated-failed.json': 'iam-deactivate-old-access-keys',
  'IAM.3-cis-1.4-access-key-not-rotated-failed.json': 'iam-deactivate-old-access-keys',
  'IAM.8-cis-1.3-unused-credentials-failed.json': 'iam-disable-unused-credentials',
  'IAM.8-unused-credentials-failed.json': 'iam-disable-unused-credentials',
  'IAM.8-unused-credentials-no-resource-details.json': 'iam-disable-unused-credentials',
  'RDS.2-public-db-instance-failed.json': 'rds-disable-public-access',
  'S3.1-account-block-public-access-failed.json': 's3-account-block-public-access',
  'S3.4-server-side-encryption-failed.json': 's3-default-encryption',
  'S3.8-bucket-level-public-access-block-failed.json': 's3-block-public-access',
};

/** The corpus holds the fixtures plus samples whose licence kept them out of the repository. */
const CORPUS_COVERED: Record<string, string> = {
  ...FIXTURES_COVERED,
  'EC2.18-consolidated-ssh-unauthorized-port-getfindings.json': 'sg-revoke-open-ingress',
};

const runSampleFix = useSampleAccounts();

function coverage(samples: readonly Sample[]): Record<string, string> {
  return Object.fromEntries(samples.map((s) => [s.label, s.remediation.id]));
}

/** Seeded from the sample alone, the fix plans real calls, applies them and verifies. */
async function expectFixed(sample: Sample): Promise<void> {
  const { seed, plan, verification } = await runSampleFix(sample);
  expect(seed.skipped).toEqual([]);
  expect(seed.seeded).toHaveLength(1);
  expect(plan.alreadyCompliant).toBe(false);
  expect(plan.calls.length).toBeGreaterThan(0);
  expect(verification).toMatchObject({ ok: true });
}

describe('catalogue against the licensed sample findings (test/fixtures/asff)', () => {
  const samples = fixableSamples(fixtureSamplesDir);

  it('covers exactly the listed samples', () => {
    expect(coverage(samples)).toEqual(FIXTURES_COVERED);
  });

  it.each(samples.map((s) => [s.label, s] as const))('%s: plans, applies and verifies a fix', async (_label, sample) => {
    await expectFixed(sample);
  });
});

describe.skipIf(!existsSync(corpusSamplesDir))('catalogue against the full sample corpus (../shared/corpus/asff)', () => {
  const samples = existsSync(corpusSamplesDir) ? fixableSamples(corpusSamplesDir) : [];

  it('covers exactly the listed samples', () => {
    expect(coverage(samples)).toEqual(CORPUS_COVERED);
  });

  it.each(samples.map((s) => [s.label, s] as const))('%s: plans, applies and verifies a fix', async (_label, sample) => {
    await expectFixed(sample);
  });
});

describe('seedFromFindings', () => {
  it('skips, with the reason, what it cannot honestly seed', () => {
    const { aws, services } = simulatedAccount('111111111111');
    const bucket = { type: 'AwsS3Bucket', id: 'arn:aws:s3:::example', region: 'us-east-1', tags: {} };
    const findings = [
      makeFinding({ id: 'other-account', control: 'S3.8', account: '123456789012', resource: bucket }),
      makeFinding({ id: 'passed', control: 'S3.8', compliance: 'PASSED', resource: bucket }),
      makeFinding({ id: 'manual', control: 'IAM.9', resource: { type: 'AwsAccount', id: 'AWS::::Account:111111111111', region: 'us-east-1', tags: {} } }),
      makeFinding({ id: 'first', control: 'S3.8', resource: bucket }),
      makeFinding({ id: 'again', control: 'S3.8', resource: bucket }),
      makeFinding({ id: 'key-only', control: 'IAM.3', resource: { type: 'AwsIamAccessKey', id: 'AKIAIOSFODNN7EXAMPLE', region: 'us-east-1', tags: {} } }),
    ];
    const report = seedFromFindings(aws, services, findings);
    expect(report.seeded).toEqual([
      { findingId: 'first', control: 'S3.8', region: 'us-east-1', created: 's3://example (us-east-1): no bucket-level Public Access Block' },
    ]);
    expect(report.skipped.map((s) => [s.findingId, s.reason])).toEqual([
      ['other-account', 'other account: skipped (123456789012; the simulated account is 111111111111)'],
      ['passed', 'not failing (compliance PASSED)'],
      ['manual', 'IAM.9 has manual guidance only'],
      ['again', 'same control and resource as finding first: already seeded'],
      ['key-only', 'the finding names an access key, not its user: the sim cannot tell whose key it is'],
    ]);
  });

  it('puts findings on the same resource together rather than replacing one with the other', () => {
    const { aws, services } = simulatedAccount('111111111111');
    const bucket = { type: 'AwsS3Bucket', id: 'arn:aws:s3:::shared', region: 'eu-west-1', tags: {} };
    const group = { type: 'AwsEc2SecurityGroup', id: 'sg-0123456789abcdef0', region: 'us-east-1', tags: {} };
    seedFromFindings(aws, services, [
      makeFinding({ id: 's3.8', control: 'S3.8', resource: bucket }),
      makeFinding({ id: 's3.4', control: 'S3.4', resource: bucket }),
      makeFinding({ id: 'ec2.13', control: 'EC2.13', resource: group }),
      makeFinding({ id: 'ec2.14', control: 'EC2.14', resource: group }),
    ]);
    expect(aws.bucket('shared')).toMatchObject({ region: 'eu-west-1', publicAccessBlock: null, encryption: null });
    const ingress = services.ec2.securityGroup('sg-0123456789abcdef0')?.rules.filter((r) => !r.isEgress);
    expect(ingress?.map((r) => `${r.protocol} ${r.fromPort} ${r.cidrIpv4 ?? ''}`)).toEqual(['tcp 443 10.0.0.0/8', 'tcp 22 0.0.0.0/0', 'tcp 3389 0.0.0.0/0']);
  });
});
