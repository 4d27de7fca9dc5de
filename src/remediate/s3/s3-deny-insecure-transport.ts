import { z } from 'zod';
import type { Finding } from '../../domain/finding.js';
import { awsSdk } from '../aws-clients.js';
import type { AwsClients, Plan, Remediation, Verification } from '../remediation.js';
import { findingBucket, plannedInputs, recordedBefore, unlessMissing } from './s3-block-public-access.js';

const SID = 'DenyInsecureTransport';

/** The policy document exactly as S3 returned it; null: the bucket has no policy. */
const stateSchema = z.object({ Policy: z.string().nullable() });
type PolicyState = z.infer<typeof stateSchema>;

/** Only `Statement` is interpreted; every other member is carried over untouched, in its order. */
const documentSchema = z.record(z.string(), z.unknown());
type PolicyDocument = z.infer<typeof documentSchema>;
const statementsSchema = z.union([z.array(z.unknown()), z.record(z.string(), z.unknown()).transform((one) => [one])]);

const oneOrMany = z.union([z.string(), z.array(z.string())]).transform((v) => (Array.isArray(v) ? v : [v]));
const conditionValue = z.union([z.string(), z.boolean(), z.array(z.union([z.string(), z.boolean()]))]);
const denyStatement = z.looseObject({
  Effect: z.literal('Deny'),
  Principal: z.union([z.literal('*'), z.looseObject({ AWS: oneOrMany })]),
  Action: oneOrMany,
  Resource: oneOrMany,
  Condition: z.record(z.string(), z.record(z.string(), conditionValue)),
});

/** Bucket ARNs carry the partition, which follows from the Region. */
function bucketArn(region: string, bucket: string): string {
  const partition = region.startsWith('cn-') ? 'aws-cn' : region.startsWith('us-gov-') ? 'aws-us-gov' : 'aws';
  return `arn:${partition}:s3:::${bucket}`;
}

function parseDocument(policy: string, bucket: string): { document: PolicyDocument; statements: unknown[] } {
  let json: unknown;
  try {
    json = JSON.parse(policy);
  } catch {
    throw new Error(`the policy of s3://${bucket} is not valid JSON`);
  }
  const document = documentSchema.safeParse(json);
  const statements = statementsSchema.safeParse(document.data?.['Statement']);
  if (!document.success || !statements.success) throw new Error(`the policy of s3://${bucket} has no Statement list`);
  return { document: document.data, statements: statements.data };
}

/** IAM resource globbing: `*` matches any run of characters, `?` one. */
function globMatches(pattern: string, value: string): boolean {
  const source = pattern.replace(/[.+^${}()|[\]\\]/g, '\\$&').replace(/\*/g, '.*').replace(/\?/g, '.');
  return new RegExp(`^${source}$`).test(value);
}

/** A statement that denies every S3 action on the bucket and its objects to anyone not using TLS. */
function deniesInsecureTransport(statement: unknown, arn: string): boolean {
  const parsed = denyStatement.safeParse(statement);
  if (!parsed.success) return false;
  const { Principal, Action, Resource, Condition } = parsed.data;
  const everyone = Principal === '*' || Principal.AWS.includes('*');
  const allActions = Action.some((action) => action === '*' || action.toLowerCase() === 's3:*');
  const covers = (target: string) => Resource.some((pattern) => globMatches(pattern, target));
  const insecure = Object.entries(Condition['Bool'] ?? {}).some(
    ([key, value]) => key.toLowerCase() === 'aws:securetransport' && [value].flat().some((v) => String(v) === 'false'),
  );
  return everyone && allActions && covers(arn) && covers(`${arn}/*`) && insecure;
}

function compliant(state: PolicyState, bucket: string, arn: string): boolean {
  return state.Policy !== null && parseDocument(state.Policy, bucket).statements.some((s) => deniesInsecureTransport(s, arn));
}

/** Lines only in `before` get `-`, lines only in `after` get `+`, the common head and tail are context. */
function lineDiff(title: string, before: string[], after: string[]): string {
  let head = 0;
  while (head < before.length && head < after.length && before[head] === after[head]) head += 1;
  let tail = 0;
  const sameFromEnd = (n: number) => before[before.length - 1 - n] === after[after.length - 1 - n];
  while (tail < before.length - head && tail < after.length - head && sameFromEnd(tail)) tail += 1;
  return [
    `--- ${title} (now${before.length === 0 ? ': no policy' : ''})`,
    `+++ ${title} (after fix)`,
    ...before.slice(0, head).map((line) => `  ${line}`),
    ...before.slice(head, before.length - tail).map((line) => `- ${line}`),
    ...after.slice(head, after.length - tail).map((line) => `+ ${line}`),
    ...after.slice(after.length - tail).map((line) => `  ${line}`),
  ].join('\n');
}

const pretty = (document: unknown) => JSON.stringify(document, null, 2).split('\n');

async function readPolicy(aws: AwsClients, region: string, Bucket: string): Promise<PolicyState> {
  const out = await unlessMissing(aws.s3(region).send(new (awsSdk.s3().GetBucketPolicyCommand)({ Bucket })), 'NoSuchBucketPolicy');
  return { Policy: out?.Policy ?? null };
}

/** Adds a deny-non-TLS statement to the bucket policy, leaving every other statement as it was (S3.5). */
export const s3DenyInsecureTransport: Remediation = {
  id: 's3-deny-insecure-transport',
  controls: ['S3.5'],
  cisRules: [],
  resourceType: 'AwsS3Bucket',
  mode: 'copilot',
  reversible: true,
  permissions: ['s3:DeleteBucketPolicy', 's3:GetBucketPolicy', 's3:PutBucketPolicy'],

  async plan(finding: Finding, aws: AwsClients): Promise<Plan> {
    const { bucket, region } = findingBucket(finding);
    const arn = bucketArn(region, bucket);
    const before = await readPolicy(aws, region, bucket);
    const title = `s3://${bucket} bucket policy`;
    const plan = { remediationId: this.id, findingId: finding.id, resourceId: bucket, region, before };
    const { document, statements } =
      before.Policy === null ? { document: { Version: '2012-10-17' }, statements: [] } : parseDocument(before.Policy, bucket);
    const current = before.Policy === null ? [] : pretty(document);
    if (statements.some((s) => deniesInsecureTransport(s, arn))) {
      return { ...plan, after: before, diff: lineDiff(title, current, current), alreadyCompliant: true, calls: [] };
    }
    if (statements.some((s) => z.looseObject({ Sid: z.literal(SID) }).safeParse(s).success)) {
      // Sids must be unique, and a statement by this name that does not do the job needs a person to look at it.
      throw new Error(`s3://${bucket} already has a statement "${SID}" that does not deny non-TLS access to the whole bucket; review the policy by hand`);
    }
    const statement = {
      Sid: SID,
      Effect: 'Deny',
      Principal: '*',
      Action: 's3:*',
      Resource: [arn, `${arn}/*`],
      Condition: { Bool: { 'aws:SecureTransport': 'false' } },
    };
    const merged = { ...document, Statement: [...statements, statement] };
    const policy = JSON.stringify(merged);
    return {
      ...plan,
      after: { Policy: policy },
      diff: lineDiff(title, current, pretty(merged)),
      alreadyCompliant: false,
      calls: [{ service: 's3', operation: 'PutBucketPolicy', input: { Bucket: bucket, Policy: policy } }],
    };
  },

  async apply(plan: Plan, aws: AwsClients): Promise<void> {
    const schema = z.object({ Bucket: z.literal(plan.resourceId), Policy: z.string().min(1) });
    for (const input of plannedInputs(plan, 's3', 'PutBucketPolicy', schema)) {
      await aws.s3(plan.region).send(new (awsSdk.s3().PutBucketPolicyCommand)(input));
    }
  },

  async verify(plan: Plan, aws: AwsClients): Promise<Verification> {
    const observed = await readPolicy(aws, plan.region, plan.resourceId);
    const ok = compliant(observed, plan.resourceId, bucketArn(plan.region, plan.resourceId));
    return {
      ok,
      observed,
      detail: ok ? 'the bucket policy denies every S3 action without TLS' : 'no statement in the bucket policy denies S3 access without TLS',
    };
  },

  async undo(plan: Plan, aws: AwsClients): Promise<void> {
    if (plan.calls.length === 0) return;
    const { Policy } = recordedBefore(plan, stateSchema);
    const s3 = aws.s3(plan.region);
    if (Policy === null) await s3.send(new (awsSdk.s3().DeleteBucketPolicyCommand)({ Bucket: plan.resourceId }));
    else await s3.send(new (awsSdk.s3().PutBucketPolicyCommand)({ Bucket: plan.resourceId, Policy }));
  },
};
