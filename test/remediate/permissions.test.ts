import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { buildIamPolicy } from '../../src/remediate/bot-iam-policy.js';
import { remediations } from '../../src/remediate/registry.js';
import type { AwsCall } from '../../src/sim/aws-account.js';
import { fixableSamples, fixtureSamplesDir, useSampleAccounts, type Sample } from '../helpers/sample-fixes.js';

/**
 * S3's IAM actions are not named after its API operations, so every S3 and S3 Control
 * operation is listed; EC2, IAM, CloudTrail and RDS name theirs `<service>:<Operation>`.
 */
const S3_ACTIONS: Readonly<Record<string, Readonly<Record<string, string>>>> = {
  s3: {
    GetPublicAccessBlock: 's3:GetBucketPublicAccessBlock',
    PutPublicAccessBlock: 's3:PutBucketPublicAccessBlock',
    DeletePublicAccessBlock: 's3:PutBucketPublicAccessBlock',
    GetBucketEncryption: 's3:GetEncryptionConfiguration',
    PutBucketEncryption: 's3:PutEncryptionConfiguration',
    DeleteBucketEncryption: 's3:PutEncryptionConfiguration',
    GetBucketPolicy: 's3:GetBucketPolicy',
    PutBucketPolicy: 's3:PutBucketPolicy',
    DeleteBucketPolicy: 's3:DeleteBucketPolicy',
    GetBucketLogging: 's3:GetBucketLogging',
    PutBucketLogging: 's3:PutBucketLogging',
    GetBucketVersioning: 's3:GetBucketVersioning',
    PutBucketVersioning: 's3:PutBucketVersioning',
    GetBucketTagging: 's3:GetBucketTagging',
  },
  s3control: {
    GetPublicAccessBlock: 's3:GetAccountPublicAccessBlock',
    PutPublicAccessBlock: 's3:PutAccountPublicAccessBlock',
    DeletePublicAccessBlock: 's3:PutAccountPublicAccessBlock',
  },
};
const SAME_NAME_SERVICES = ['ec2', 'iam', 'cloudtrail', 'rds'];

/** The IAM action that authorises a recorded call, or a description of why there is none. */
function iamAction(call: AwsCall): string {
  const listed = S3_ACTIONS[call.service];
  if (listed) return listed[call.operation] ?? `(no IAM action mapped for ${call.service} ${call.operation}: add it to S3_ACTIONS)`;
  if (SAME_NAME_SERVICES.includes(call.service)) return `${call.service}:${call.operation}`;
  return `(unexpected ${call.service} call ${call.operation})`;
}

const runSampleFix = useSampleAccounts();
const samples = fixableSamples(fixtureSamplesDir);
/** The remediations the sample test exercises, each with every sample it answers. */
const byRemediation = new Map<string, Sample[]>();
for (const sample of samples) byRemediation.set(sample.remediation.id, [...(byRemediation.get(sample.remediation.id) ?? []), sample]);

describe('every AWS call a remediation makes is declared in its permissions', () => {
  it.each([...byRemediation.entries()])('%s', async (_id, group) => {
    for (const sample of group) {
      const { calls } = await runSampleFix(sample);
      const undeclared = Object.entries(calls).flatMap(([phase, made]) =>
        made.map((call) => ({ phase, call: `${call.service} ${call.operation}`, action: iamAction(call) })).filter((c) => !sample.remediation.permissions.includes(c.action)),
      );
      expect(undeclared, `${sample.label}: calls not covered by permissions [${sample.remediation.permissions.join(', ')}]`).toEqual([]);
      if (sample.remediation.undo) expect(calls.undo.length, `${sample.label}: undo made no call`).toBeGreaterThan(0);
    }
  });
});

describe('docs/iam-policy.json', () => {
  it('is exactly the policy the remediations declare (regenerate: node bin/soc2-bot.js iam-policy > docs/iam-policy.json)', () => {
    const shipped = readFileSync(fileURLToPath(new URL('../../docs/iam-policy.json', import.meta.url)), 'utf8');
    expect(shipped).toBe(`${JSON.stringify(buildIamPolicy(remediations), null, 2)}\n`);
  });
});
