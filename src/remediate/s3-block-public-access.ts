import {
  GetPublicAccessBlockCommand,
  PutPublicAccessBlockCommand,
  type PublicAccessBlockConfiguration,
} from '@aws-sdk/client-s3';
import type { Finding } from '../domain/finding.js';
import { renderDiff } from './diff.js';
import type { AwsClients, Plan, Remediation } from './remediation.js';

const settings = ['BlockPublicAcls', 'IgnorePublicAcls', 'BlockPublicPolicy', 'RestrictPublicBuckets'] as const;
type Settings = Record<(typeof settings)[number], boolean>;

const target: Settings = {
  BlockPublicAcls: true,
  IgnorePublicAcls: true,
  BlockPublicPolicy: true,
  RestrictPublicBuckets: true,
};

/** `arn:aws:s3:::name` or a bare bucket name. */
export function bucketName(resourceId: string): string {
  const name = resourceId.startsWith('arn:') ? resourceId.split(':').slice(5).join(':') : resourceId;
  if (!/^[a-z0-9][a-z0-9.-]{1,61}[a-z0-9]$/.test(name)) {
    throw new Error(`"${resourceId}" does not name an S3 bucket`);
  }
  return name;
}

async function readSettings(aws: AwsClients, region: string, bucket: string): Promise<Settings> {
  try {
    const out = await aws.s3(region).send(new GetPublicAccessBlockCommand({ Bucket: bucket }));
    const config: PublicAccessBlockConfiguration = out.PublicAccessBlockConfiguration ?? {};
    return {
      BlockPublicAcls: config.BlockPublicAcls === true,
      IgnorePublicAcls: config.IgnorePublicAcls === true,
      BlockPublicPolicy: config.BlockPublicPolicy === true,
      RestrictPublicBuckets: config.RestrictPublicBuckets === true,
    };
  } catch (error) {
    // A bucket that never had a Public Access Block has every protection off.
    if (error instanceof Error && error.name === 'NoSuchPublicAccessBlockConfiguration') {
      return { BlockPublicAcls: false, IgnorePublicAcls: false, BlockPublicPolicy: false, RestrictPublicBuckets: false };
    }
    throw error;
  }
}

/** Turns on all four bucket-level Block Public Access settings (S3.2, S3.3, S3.8). */
export const s3BlockPublicAccess: Remediation = {
  id: 's3-block-public-access',
  controls: ['S3.2', 'S3.3', 'S3.8'],
  cisRules: [],
  resourceType: 'AwsS3Bucket',
  mode: 'copilot',
  reversible: true,
  // S3's IAM action names differ from its API operation names (GetPublicAccessBlock).
  permissions: ['s3:GetBucketPublicAccessBlock', 's3:PutBucketPublicAccessBlock'],

  async plan(finding: Finding, aws: AwsClients): Promise<Plan> {
    const bucket = bucketName(finding.resource.id);
    const region = finding.resource.region || finding.region;
    const before = await readSettings(aws, region, bucket);
    const alreadyCompliant = settings.every((key) => before[key]);
    return {
      remediationId: this.id,
      findingId: finding.id,
      resourceId: bucket,
      region,
      before,
      after: target,
      diff: renderDiff(`s3://${bucket} Public Access Block`, before, target),
      alreadyCompliant,
      calls: alreadyCompliant
        ? []
        : [{ service: 's3', operation: 'PutPublicAccessBlock', input: { Bucket: bucket, PublicAccessBlockConfiguration: target } }],
    };
  },

  async apply(plan: Plan, aws: AwsClients): Promise<void> {
    for (const call of plan.calls) {
      if (call.operation !== 'PutPublicAccessBlock') throw new Error(`unexpected call ${call.operation} in plan`);
      await aws.s3(plan.region).send(
        new PutPublicAccessBlockCommand({ Bucket: plan.resourceId, PublicAccessBlockConfiguration: target }),
      );
    }
  },

  async verify(plan: Plan, aws: AwsClients) {
    const observed = await readSettings(aws, plan.region, plan.resourceId);
    const off = settings.filter((key) => !observed[key]);
    return {
      ok: off.length === 0,
      observed,
      detail: off.length === 0 ? 'all four Block Public Access settings read back as true' : `still off: ${off.join(', ')}`,
    };
  },
};
