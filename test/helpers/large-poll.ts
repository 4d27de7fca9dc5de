/**
 * A large Security Hub poll for load tests (test/e2e/ingest-while-clicking.test.ts and
 * bench/ingest-while-clicking.ts): control findings as GetFindings returns them, each on its
 * own resource, spread over 500 accounts and a few controls the shipped rules triage differently.
 * None is fixed on autopilot: a fix writes back to Security Hub, and a finding changed while the
 * poll pages would shift the simulated paging (by offset) and skip one.
 */
import type { AwsSecurityFinding } from '@aws-sdk/client-securityhub';
import { buildControlFinding } from '../../src/sim/aws-account.js';

/** Slack shows an error to the clicker when the acknowledgement takes longer. */
export const slackAckDeadlineMs = 3000;

const controls = [
  { control: 'EC2.3', resourceType: 'AwsEc2Volume', resource: (account: string, n: string) => `arn:aws:ec2:us-east-1:${account}:volume/vol-${n}` },
  { control: 'S3.8', resourceType: 'AwsS3Bucket', resource: (_account: string, n: string) => `arn:aws:s3:::data-${n}` },
  { control: 'EC2.19', resourceType: 'AwsEc2SecurityGroup', resource: (account: string, n: string) => `arn:aws:ec2:us-east-1:${account}:security-group/sg-${n}` },
  { control: 'IAM.3', resourceType: 'AwsIamUser', resource: (account: string, n: string) => `arn:aws:iam::${account}:user/user-${n}` },
  { control: 'RDS.3', resourceType: 'AwsRdsDbInstance', resource: (account: string, n: string) => `arn:aws:rds:us-east-1:${account}:db:db-${n}` },
] as const;

/**
 * `count` distinct failing findings, updated one second apart from `updatedFrom` on. They carry
 * their resource's tags, as Security Hub's do for most resource types, so routing needs no
 * tag lookup per resource.
 */
export function pollOfFindings(count: number, updatedFrom: string): AwsSecurityFinding[] {
  const start = Date.parse(updatedFrom);
  return Array.from({ length: count }, (_, i) => {
    const kind = controls[i % controls.length]!;
    const account = String(300000000000 + (i % 500));
    const n = i.toString(16).padStart(17, '0');
    return buildControlFinding({
      control: kind.control,
      resourceType: kind.resourceType,
      resourceId: kind.resource(account, n),
      accountId: account,
      severity: i % 7 === 0 ? 'CRITICAL' : 'HIGH',
      updatedAt: new Date(start + i * 1000).toISOString(),
      tags: { team: `team-${i % 12}` },
    });
  });
}
