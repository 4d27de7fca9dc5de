import type { LoggingEnabled } from '@aws-sdk/client-s3';
import { z } from 'zod';
import type { Finding } from '../../domain/finding.js';
import { awsSdk } from '../aws-clients.js';
import { renderDiff } from '../diff.js';
import type { AwsClients, Plan, Remediation, RemediationOptions, Verification } from '../remediation.js';
import { bucketName, findingBucket, plannedInputs, recordedBefore } from './s3-block-public-access.js';

const optionsSchema = z.object({
  logBucket: z.string({ error: 'logBucket (the bucket that receives server access logs) is required' }).min(1),
  logPrefix: z.string().optional(),
});

const targetSchema = z.object({ TargetBucket: z.string().min(1), TargetPrefix: z.string() });

/** The plan only ever changes a bucket that was not logging, so that is the one state undo restores. */
const undoableBefore = z.object({ LoggingEnabled: z.null() });

async function readLogging(aws: AwsClients, region: string, Bucket: string): Promise<{ LoggingEnabled: LoggingEnabled | null }> {
  const out = await aws.s3(region).send(new (awsSdk.s3().GetBucketLoggingCommand)({ Bucket }));
  return { LoggingEnabled: out.LoggingEnabled ?? null };
}

function summary(logging: LoggingEnabled | null): Record<string, string> {
  if (!logging) return { Logging: 'disabled' };
  return { Logging: 'enabled', TargetBucket: logging.TargetBucket ?? '', TargetPrefix: logging.TargetPrefix ?? '' };
}

function parseOptions(options: RemediationOptions, bucket: string): z.infer<typeof targetSchema> {
  const parsed = optionsSchema.safeParse(options);
  if (!parsed.success) throw new Error(`s3-access-logging options: ${z.prettifyError(parsed.error)}`);
  const logBucket = bucketName(parsed.data.logBucket);
  if (logBucket === bucket) {
    // A bucket logging into itself logs its own log deliveries, without end.
    throw new Error(`s3-access-logging: the log bucket must not be s3://${bucket} itself; name a separate logBucket`);
  }
  return { TargetBucket: logBucket, TargetPrefix: parsed.data.logPrefix ?? `${bucket}/` };
}

/** Turns on server access logging into the log bucket the policy names (S3.9). */
export const s3AccessLogging: Remediation = {
  id: 's3-access-logging',
  controls: ['S3.9'],
  cisRules: [],
  resourceType: 'AwsS3Bucket',
  mode: 'copilot',
  reversible: true,
  permissions: ['s3:GetBucketLogging', 's3:PutBucketLogging'],

  async plan(finding: Finding, aws: AwsClients, options: RemediationOptions = {}): Promise<Plan> {
    const { bucket, region } = findingBucket(finding);
    const target = parseOptions(options, bucket);
    const before = await readLogging(aws, region, bucket);
    // Logging that is already on meets the control wherever it goes; a narrow fix does not redirect it.
    const alreadyCompliant = before.LoggingEnabled !== null;
    const after = alreadyCompliant ? before : { LoggingEnabled: target };
    const title = `s3://${bucket} server access logging`;
    const note =
      `# the log bucket's policy must let logging.s3.amazonaws.com put objects under ${target.TargetPrefix}; ` +
      `this fix does not change s3://${target.TargetBucket}`;
    return {
      remediationId: this.id,
      findingId: finding.id,
      resourceId: bucket,
      region,
      before,
      after,
      diff: [renderDiff(title, summary(before.LoggingEnabled), summary(after.LoggingEnabled)), ...(alreadyCompliant ? [] : [note])].join('\n'),
      alreadyCompliant,
      calls: alreadyCompliant
        ? []
        : [{ service: 's3', operation: 'PutBucketLogging', input: { Bucket: bucket, BucketLoggingStatus: { LoggingEnabled: target } } }],
    };
  },

  async apply(plan: Plan, aws: AwsClients): Promise<void> {
    const schema = z.object({ Bucket: z.literal(plan.resourceId), BucketLoggingStatus: z.object({ LoggingEnabled: targetSchema }) });
    for (const input of plannedInputs(plan, 's3', 'PutBucketLogging', schema)) {
      await aws.s3(plan.region).send(new (awsSdk.s3().PutBucketLoggingCommand)(input));
    }
  },

  async verify(plan: Plan, aws: AwsClients): Promise<Verification> {
    const observed = await readLogging(aws, plan.region, plan.resourceId);
    const logging = observed.LoggingEnabled;
    return {
      ok: logging !== null,
      observed,
      detail: logging ? `access logs go to s3://${logging.TargetBucket ?? ''}/${logging.TargetPrefix ?? ''}` : 'server access logging reads back as disabled',
    };
  },

  async undo(plan: Plan, aws: AwsClients): Promise<void> {
    if (plan.calls.length === 0) return;
    recordedBefore(plan, undoableBefore);
    // An empty BucketLoggingStatus is how S3 turns logging off.
    await aws.s3(plan.region).send(new (awsSdk.s3().PutBucketLoggingCommand)({ Bucket: plan.resourceId, BucketLoggingStatus: {} }));
  },
};
