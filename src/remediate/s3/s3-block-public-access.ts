import type { PublicAccessBlockConfiguration } from '@aws-sdk/client-s3';
import { z } from 'zod';
import type { Finding } from '../../domain/finding.js';
import { awsSdk } from '../aws-clients.js';
import { renderDiff } from '../diff.js';
import type { AwsClients, Plan, Remediation, Verification } from '../remediation.js';

// ---- helpers shared by the S3 remediations ---------------------------------------

/** `arn:aws:s3:::name` or a bare bucket name. */
export function bucketName(resourceId: string): string {
  const name = resourceId.startsWith('arn:') ? resourceId.split(':').slice(5).join(':') : resourceId;
  if (!/^[a-z0-9][a-z0-9.-]{1,61}[a-z0-9]$/.test(name)) {
    throw new Error(`"${resourceId}" does not name an S3 bucket`);
  }
  return name;
}

/** The bucket a finding is about and the Region whose endpoint serves it. */
export function findingBucket(finding: Finding): { bucket: string; region: string } {
  return { bucket: bucketName(finding.resource.id), region: finding.resource.region || finding.region };
}

/** The read's result, or null when it failed only because the configuration does not exist (S3's way of saying "none"). */
export async function unlessMissing<T>(read: Promise<T>, missingError: string): Promise<T | null> {
  try {
    return await read;
  } catch (error) {
    if (error instanceof Error && error.name === missingError) return null;
    throw error;
  }
}

/**
 * The inputs of the plan's calls, each checked to be the one operation the remediation makes
 * and well-formed; every call is checked before any is sent, so a bad plan changes nothing.
 */
export function plannedInputs<T>(plan: Plan, service: string, operation: string, schema: z.ZodType<T>): T[] {
  return plan.calls.map((call) => {
    if (call.service !== service || call.operation !== operation) {
      throw new Error(`unexpected call ${call.service}:${call.operation} in plan`);
    }
    const parsed = schema.safeParse(call.input);
    if (!parsed.success) throw new Error(`${operation} in plan has an invalid input: ${z.prettifyError(parsed.error)}`);
    return parsed.data;
  });
}

/** plan.before as plan recorded it; a plan read back from the evidence log is checked, not trusted. */
export function recordedBefore<T>(plan: Plan, schema: z.ZodType<T>): T {
  const parsed = schema.safeParse(plan.before);
  if (!parsed.success) throw new Error(`plan ${plan.remediationId} has an unreadable before-state: ${z.prettifyError(parsed.error)}`);
  return parsed.data;
}

// ---- Block Public Access, for any scope (bucket or account) ---------------------

const settings = ['BlockPublicAcls', 'IgnorePublicAcls', 'BlockPublicPolicy', 'RestrictPublicBuckets'] as const;

const settingsSchema = z.strictObject({
  BlockPublicAcls: z.boolean(),
  IgnorePublicAcls: z.boolean(),
  BlockPublicPolicy: z.boolean(),
  RestrictPublicBuckets: z.boolean(),
});
type Settings = z.infer<typeof settingsSchema>;

/** `Configured: false` records that there was no configuration at all, which undo restores by deleting. */
const stateSchema = settingsSchema.extend({ Configured: z.boolean() });
type PublicAccessBlockState = z.infer<typeof stateSchema>;

const target: Settings = {
  BlockPublicAcls: true,
  IgnorePublicAcls: true,
  BlockPublicPolicy: true,
  RestrictPublicBuckets: true,
};

/** Where a Public Access Block lives (a bucket, an account) and the calls that read and change it there. */
export interface PublicAccessBlockScope {
  service: string;
  /** The input field that names the scope. */
  idField: 'Bucket' | 'AccountId';
  locate(finding: Finding): { id: string; region: string };
  title(id: string): string;
  /** Throws NoSuchPublicAccessBlockConfiguration when there is none. */
  get(aws: AwsClients, region: string, id: string): Promise<PublicAccessBlockConfiguration | undefined>;
  put(aws: AwsClients, region: string, id: string, config: Settings): Promise<unknown>;
  remove(aws: AwsClients, region: string, id: string): Promise<unknown>;
}

type Identity = Pick<Remediation, 'id' | 'controls' | 'cisRules' | 'resourceType' | 'mode' | 'permissions'>;

function settingsOf(state: PublicAccessBlockState): Settings {
  const { Configured: _configured, ...rest } = state;
  return rest;
}

/** Turns on all four Block Public Access settings in one scope; undo restores the exact previous configuration. */
export function publicAccessBlockRemediation(identity: Identity, scope: PublicAccessBlockScope): Remediation {
  async function read(aws: AwsClients, region: string, id: string): Promise<PublicAccessBlockState> {
    const config = await unlessMissing(scope.get(aws, region, id), 'NoSuchPublicAccessBlockConfiguration');
    // S3 treats a setting left out of the configuration, or no configuration at all, as off.
    return {
      Configured: config !== null,
      BlockPublicAcls: config?.BlockPublicAcls === true,
      IgnorePublicAcls: config?.IgnorePublicAcls === true,
      BlockPublicPolicy: config?.BlockPublicPolicy === true,
      RestrictPublicBuckets: config?.RestrictPublicBuckets === true,
    };
  }
  const offIn = (state: PublicAccessBlockState) => settings.filter((key) => !state[key]);

  return {
    ...identity,
    reversible: true,

    async plan(finding: Finding, aws: AwsClients): Promise<Plan> {
      const { id, region } = scope.locate(finding);
      const before = await read(aws, region, id);
      const alreadyCompliant = offIn(before).length === 0;
      return {
        remediationId: identity.id,
        findingId: finding.id,
        resourceId: id,
        region,
        before,
        after: target,
        diff: renderDiff(scope.title(id), settingsOf(before), target),
        alreadyCompliant,
        calls: alreadyCompliant
          ? []
          : [{ service: scope.service, operation: 'PutPublicAccessBlock', input: { [scope.idField]: id, PublicAccessBlockConfiguration: target } }],
      };
    },

    async apply(plan: Plan, aws: AwsClients): Promise<void> {
      const schema = z
        .looseObject({ PublicAccessBlockConfiguration: settingsSchema })
        .refine((input) => input[scope.idField] === plan.resourceId, `${scope.idField} must be ${plan.resourceId}`);
      for (const input of plannedInputs(plan, scope.service, 'PutPublicAccessBlock', schema)) {
        await scope.put(aws, plan.region, plan.resourceId, input.PublicAccessBlockConfiguration);
      }
    },

    async verify(plan: Plan, aws: AwsClients): Promise<Verification> {
      const observed = await read(aws, plan.region, plan.resourceId);
      const off = offIn(observed);
      return {
        ok: off.length === 0,
        observed,
        detail: off.length === 0 ? 'all four Block Public Access settings read back as true' : `still off: ${off.join(', ')}`,
      };
    },

    async undo(plan: Plan, aws: AwsClients): Promise<void> {
      if (plan.calls.length === 0) return;
      const before = recordedBefore(plan, stateSchema);
      if (before.Configured) await scope.put(aws, plan.region, plan.resourceId, settingsOf(before));
      else await scope.remove(aws, plan.region, plan.resourceId);
    },
  };
}

/** Turns on all four bucket-level Block Public Access settings (S3.2, S3.3, S3.8). */
export const s3BlockPublicAccess: Remediation = publicAccessBlockRemediation(
  {
    id: 's3-block-public-access',
    controls: ['S3.2', 'S3.3', 'S3.8'],
    cisRules: [],
    resourceType: 'AwsS3Bucket',
    mode: 'copilot',
    // S3's IAM action names differ from its API operation names; DeletePublicAccessBlock (undo) needs the Put action.
    permissions: ['s3:GetBucketPublicAccessBlock', 's3:PutBucketPublicAccessBlock'],
  },
  {
    service: 's3',
    idField: 'Bucket',
    locate: (finding) => {
      const { bucket, region } = findingBucket(finding);
      return { id: bucket, region };
    },
    title: (bucket) => `s3://${bucket} Public Access Block`,
    get: async (aws, region, Bucket) =>
      (await aws.s3(region).send(new (awsSdk.s3().GetPublicAccessBlockCommand)({ Bucket }))).PublicAccessBlockConfiguration,
    put: (aws, region, Bucket, PublicAccessBlockConfiguration) =>
      aws.s3(region).send(new (awsSdk.s3().PutPublicAccessBlockCommand)({ Bucket, PublicAccessBlockConfiguration })),
    remove: (aws, region, Bucket) => aws.s3(region).send(new (awsSdk.s3().DeletePublicAccessBlockCommand)({ Bucket })),
  },
);
