import type { EncryptionType, ServerSideEncryption } from '@aws-sdk/client-s3';
import { z } from 'zod';
import type { Finding } from '../../domain/finding.js';
import { awsSdk } from '../aws-clients.js';
import { renderDiff } from '../diff.js';
import type { AwsClients, Plan, Remediation, RemediationOptions, Verification } from '../remediation.js';
import { findingBucket, plannedInputs, recordedBefore, unlessMissing } from './s3-block-public-access.js';

// The SDK's enums as literals, so reading this module loads no SDK: each value maps to itself,
// and the mapped type makes the compiler flag a value an SDK update adds or removes.
const sseAlgorithms = { AES256: 'AES256', 'aws:backup': 'aws:backup', 'aws:fsx': 'aws:fsx', 'aws:kms': 'aws:kms', 'aws:kms:dsse': 'aws:kms:dsse' } as const satisfies {
  [V in ServerSideEncryption]: V;
};
const encryptionTypes = { NONE: 'NONE', 'SSE-C': 'SSE-C' } as const satisfies { [V in EncryptionType]: V };

const ruleSchema = z.object({
  ApplyServerSideEncryptionByDefault: z
    .object({ SSEAlgorithm: z.enum(sseAlgorithms), KMSMasterKeyID: z.string().min(1).optional() })
    .optional(),
  BucketKeyEnabled: z.boolean().optional(),
  BlockedEncryptionTypes: z.object({ EncryptionType: z.array(z.enum(encryptionTypes)).optional() }).optional(),
});
const configSchema = z.object({ Rules: z.array(ruleSchema) });
type Configuration = z.infer<typeof configSchema>;
type Rule = z.infer<typeof ruleSchema>;

/** null: the bucket has no default encryption (only buckets from before 2023 can be in that state). */
const stateSchema = z.object({ ServerSideEncryptionConfiguration: configSchema.nullable() });
type EncryptionState = z.infer<typeof stateSchema>;

const optionsSchema = z.object({
  /** When set, the policy demands SSE-KMS: this key becomes the default, with an S3 Bucket Key to cut KMS calls. */
  kmsKeyId: z.string().min(1).optional(),
});

const KMS_ALGORITHMS: readonly string[] = [sseAlgorithms['aws:kms'], sseAlgorithms['aws:kms:dsse']];

async function readEncryption(aws: AwsClients, region: string, Bucket: string): Promise<EncryptionState> {
  const out = await unlessMissing(
    aws.s3(region).send(new (awsSdk.s3().GetBucketEncryptionCommand)({ Bucket })),
    'ServerSideEncryptionConfigurationNotFoundError',
  );
  return { ServerSideEncryptionConfiguration: out ? configSchema.parse(out.ServerSideEncryptionConfiguration ?? { Rules: [] }) : null };
}

/** Any default encryption meets S3.4; a policy that names a KMS key accepts only KMS (any key: the owner's choice is kept). */
function meetsPolicy(state: EncryptionState, requireKms: boolean): boolean {
  const algorithms = (state.ServerSideEncryptionConfiguration?.Rules ?? []).map((r) => r.ApplyServerSideEncryptionByDefault?.SSEAlgorithm);
  return algorithms.some((algorithm) => algorithm !== undefined && (!requireKms || KMS_ALGORITHMS.includes(algorithm)));
}

function targetRule(kmsKeyId: string | undefined, current: Rule | undefined): Rule {
  // Blocked encryption types are a separate owner decision; a narrow fix keeps them.
  const kept = current?.BlockedEncryptionTypes ? { BlockedEncryptionTypes: current.BlockedEncryptionTypes } : {};
  return kmsKeyId === undefined
    ? { ApplyServerSideEncryptionByDefault: { SSEAlgorithm: sseAlgorithms.AES256 }, ...kept }
    : { ApplyServerSideEncryptionByDefault: { SSEAlgorithm: sseAlgorithms['aws:kms'], KMSMasterKeyID: kmsKeyId }, BucketKeyEnabled: true, ...kept };
}

/** The diff's flat view of the (first) rule. */
function summary(config: Configuration | null): Record<string, string | boolean> {
  const rule = config?.Rules[0];
  const byDefault = rule?.ApplyServerSideEncryptionByDefault;
  if (!byDefault) return { SSEAlgorithm: 'none (no default encryption)' };
  return {
    SSEAlgorithm: byDefault.SSEAlgorithm,
    ...(byDefault.KMSMasterKeyID === undefined ? {} : { KMSMasterKeyID: byDefault.KMSMasterKeyID }),
    ...(rule.BucketKeyEnabled === undefined ? {} : { BucketKeyEnabled: rule.BucketKeyEnabled }),
  };
}

function parseOptions(options: RemediationOptions): z.infer<typeof optionsSchema> {
  const parsed = optionsSchema.safeParse(options);
  if (!parsed.success) throw new Error(`s3-default-encryption options: ${z.prettifyError(parsed.error)}`);
  return parsed.data;
}

/** Sets bucket default encryption to SSE-S3, or SSE-KMS with the key the policy names (S3.4). */
export const s3DefaultEncryption: Remediation = {
  id: 's3-default-encryption',
  controls: ['S3.4'],
  cisRules: [],
  resourceType: 'AwsS3Bucket',
  mode: 'autopilot',
  reversible: true,
  // IAM names the bucket encryption actions after the configuration; Delete (undo) is authorised by Put.
  permissions: ['s3:GetEncryptionConfiguration', 's3:PutEncryptionConfiguration'],

  async plan(finding: Finding, aws: AwsClients, options: RemediationOptions = {}): Promise<Plan> {
    const { kmsKeyId } = parseOptions(options);
    const { bucket, region } = findingBucket(finding);
    const before = await readEncryption(aws, region, bucket);
    const alreadyCompliant = meetsPolicy(before, kmsKeyId !== undefined);
    const target: Configuration = { Rules: [targetRule(kmsKeyId, before.ServerSideEncryptionConfiguration?.Rules[0])] };
    const after: EncryptionState = alreadyCompliant ? before : { ServerSideEncryptionConfiguration: target };
    const diff = renderDiff(
      `s3://${bucket} default encryption`,
      summary(before.ServerSideEncryptionConfiguration),
      summary(after.ServerSideEncryptionConfiguration),
    );
    const undoNote =
      !alreadyCompliant && before.ServerSideEncryptionConfiguration === null
        ? '\n# undo: S3 cannot leave a bucket without default encryption; undo deletes the configuration, which S3 resets to SSE-S3 (AES256)'
        : '';
    return {
      remediationId: this.id,
      findingId: finding.id,
      resourceId: bucket,
      region,
      before,
      after,
      diff: diff + undoNote,
      alreadyCompliant,
      calls: alreadyCompliant
        ? []
        : [{ service: 's3', operation: 'PutBucketEncryption', input: { Bucket: bucket, ServerSideEncryptionConfiguration: target } }],
    };
  },

  async apply(plan: Plan, aws: AwsClients): Promise<void> {
    const schema = z.object({ Bucket: z.literal(plan.resourceId), ServerSideEncryptionConfiguration: configSchema });
    for (const input of plannedInputs(plan, 's3', 'PutBucketEncryption', schema)) {
      await aws.s3(plan.region).send(new (awsSdk.s3().PutBucketEncryptionCommand)(input));
    }
  },

  async verify(plan: Plan, aws: AwsClients): Promise<Verification> {
    const observed = await readEncryption(aws, plan.region, plan.resourceId);
    // The state the plan aimed at says whether only KMS will do.
    const wanted = stateSchema.safeParse(plan.after);
    const requireKms = wanted.success && meetsPolicy(wanted.data, true);
    const ok = meetsPolicy(observed, requireKms);
    const reads = `default encryption reads back as ${String(summary(observed.ServerSideEncryptionConfiguration)['SSEAlgorithm'])}`;
    return { ok, observed, detail: ok ? reads : `${reads}, expected ${requireKms ? 'SSE-KMS' : 'any default encryption'}` };
  },

  async undo(plan: Plan, aws: AwsClients): Promise<void> {
    if (plan.calls.length === 0) return;
    const before = recordedBefore(plan, stateSchema).ServerSideEncryptionConfiguration;
    const s3 = aws.s3(plan.region);
    if (before) await s3.send(new (awsSdk.s3().PutBucketEncryptionCommand)({ Bucket: plan.resourceId, ServerSideEncryptionConfiguration: before }));
    else await s3.send(new (awsSdk.s3().DeleteBucketEncryptionCommand)({ Bucket: plan.resourceId }));
  },
};
