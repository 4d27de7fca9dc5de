import { z } from 'zod';
import type { Finding } from '../../domain/finding.js';
import { awsSdk } from '../aws-clients.js';
import { renderDiff } from '../diff.js';
import type { AwsClients, Plan, Remediation, Verification } from '../remediation.js';
import { findingBucket, plannedInputs, recordedBefore } from './s3-block-public-access.js';

/** `Unversioned` is S3's own word for a bucket whose versioning was never set (GetBucketVersioning has no Status). */
const stateSchema = z.object({ Status: z.enum(['Unversioned', 'Enabled', 'Suspended']) });
type VersioningState = z.infer<typeof stateSchema>;

const UNDO_NOTE =
  '# undo suspends versioning: S3 cannot make a bucket unversioned again, and object versions created meanwhile are kept';

async function readVersioning(aws: AwsClients, region: string, Bucket: string): Promise<VersioningState> {
  const out = await aws.s3(region).send(new (awsSdk.s3().GetBucketVersioningCommand)({ Bucket }));
  return { Status: out.Status ?? 'Unversioned' };
}

/** Turns on bucket versioning (S3.14). */
export const s3Versioning: Remediation = {
  id: 's3-versioning',
  controls: ['S3.14'],
  cisRules: [],
  resourceType: 'AwsS3Bucket',
  mode: 'autopilot',
  // Reversible only as far as S3 allows: undo suspends versioning (see UNDO_NOTE).
  reversible: true,
  permissions: ['s3:GetBucketVersioning', 's3:PutBucketVersioning'],

  async plan(finding: Finding, aws: AwsClients): Promise<Plan> {
    const { bucket, region } = findingBucket(finding);
    const before = await readVersioning(aws, region, bucket);
    const alreadyCompliant = before.Status === 'Enabled';
    const after: VersioningState = { Status: 'Enabled' };
    return {
      remediationId: this.id,
      findingId: finding.id,
      resourceId: bucket,
      region,
      before,
      after,
      diff: [renderDiff(`s3://${bucket} versioning`, before, after), ...(alreadyCompliant ? [] : [UNDO_NOTE])].join('\n'),
      alreadyCompliant,
      calls: alreadyCompliant
        ? []
        : [{ service: 's3', operation: 'PutBucketVersioning', input: { Bucket: bucket, VersioningConfiguration: { Status: 'Enabled' } } }],
    };
  },

  async apply(plan: Plan, aws: AwsClients): Promise<void> {
    const schema = z.object({ Bucket: z.literal(plan.resourceId), VersioningConfiguration: z.object({ Status: z.literal('Enabled') }) });
    for (const input of plannedInputs(plan, 's3', 'PutBucketVersioning', schema)) {
      await aws.s3(plan.region).send(new (awsSdk.s3().PutBucketVersioningCommand)(input));
    }
  },

  async verify(plan: Plan, aws: AwsClients): Promise<Verification> {
    const observed = await readVersioning(aws, plan.region, plan.resourceId);
    return {
      ok: observed.Status === 'Enabled',
      observed,
      detail: `versioning reads back as ${observed.Status}`,
    };
  },

  /** Unversioned and Suspended both come back as Suspended, the closest state S3 allows. */
  async undo(plan: Plan, aws: AwsClients): Promise<void> {
    if (plan.calls.length === 0) return;
    recordedBefore(plan, stateSchema);
    await aws.s3(plan.region).send(
      new (awsSdk.s3().PutBucketVersioningCommand)({ Bucket: plan.resourceId, VersioningConfiguration: { Status: 'Suspended' } }),
    );
  },
};
