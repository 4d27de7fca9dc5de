import { z } from 'zod';
import type { Finding, FindingResource } from '../domain/finding.js';
import { timestampSchema } from './asff-schema.js';
import { InputProblem } from './finding-parse-error.js';
import { severityFromGuardDuty } from './severity.js';

/**
 * A native "GuardDuty Finding" EventBridge event (GuardDuty's own format, not ASFF).
 * Only the fields the bot maps are typed; the rest pass through unread.
 */
const text = (max: number) => z.string().max(max, `longer than ${max} characters`);
const nonEmpty = (max: number) => text(max).min(1, 'empty');

const tagListSchema = z.array(z.looseObject({ key: text(512), value: text(2048) })).max(1000, 'more than 1000 tags');

export const guardDutyDetailSchema = z.looseObject({
  accountId: nonEmpty(64),
  region: nonEmpty(64),
  partition: text(32).optional(),
  arn: nonEmpty(2048),
  type: nonEmpty(256),
  title: text(1024).optional(),
  description: text(8192).optional(),
  severity: z.number().min(0).max(10),
  createdAt: timestampSchema,
  updatedAt: timestampSchema,
  resource: z.looseObject({
    resourceType: nonEmpty(128),
    instanceDetails: z.looseObject({ instanceId: nonEmpty(128).optional(), tags: tagListSchema.optional() }).optional(),
    accessKeyDetails: z.looseObject({ accessKeyId: text(128).optional(), userName: text(256).optional() }).optional(),
    s3BucketDetails: z
      .array(z.looseObject({ arn: text(2048).optional(), name: text(256).optional(), tags: tagListSchema.optional() }))
      .max(1000)
      .optional(),
  }),
  service: z.looseObject({ eventFirstSeen: timestampSchema.optional(), archived: z.boolean().optional() }).optional(),
});

export type GuardDutyDetail = z.infer<typeof guardDutyDetailSchema>;

/** Maps a schema-valid GuardDuty event detail to a Finding; throws InputProblem naming a missing field. */
export function guardDutyToFinding(detail: GuardDutyDetail): Finding {
  const partition = detail.partition !== undefined && /^aws(?:-[a-z]+)*$/.test(detail.partition) ? detail.partition : 'aws';
  return {
    id: detail.arn,
    productArn: `arn:${partition}:securityhub:${detail.region}::product/aws/guardduty`,
    productName: 'GuardDuty',
    control: null,
    controlSource: null,
    // GuardDuty has no generator; its finding type ("Recon:EC2/PortProbeUnprotectedPort") plays that role.
    generatorId: detail.type,
    title: detail.title?.trim() ? detail.title : detail.type,
    description: detail.description ?? '',
    // detail.accountId is the account the finding is about; the envelope's `account` can differ.
    account: detail.accountId,
    region: detail.region,
    resource: resourceOf(detail),
    severity: severityFromGuardDuty(detail.severity),
    compliance: null,
    recordState: detail.service?.archived === true ? 'ARCHIVED' : 'ACTIVE',
    workflow: null,
    firstSeenAt: new Date(detail.service?.eventFirstSeen ?? detail.createdAt).toISOString(),
    updatedAt: new Date(detail.updatedAt).toISOString(),
  };
}

function resourceOf(detail: GuardDutyDetail): FindingResource {
  const { resource, region } = detail;
  switch (resource.resourceType) {
    case 'Instance': {
      const instanceId = resource.instanceDetails?.instanceId;
      if (instanceId === undefined) throw new InputProblem('detail.resource.instanceDetails.instanceId: missing');
      return { type: 'AwsEc2Instance', id: instanceId, region, tags: tagsOf(resource.instanceDetails?.tags) };
    }
    case 'AccessKey': {
      const key = resource.accessKeyDetails;
      return { type: 'AwsIamAccessKey', id: key?.accessKeyId || key?.userName || 'unknown', region, tags: {} };
    }
    case 'S3Bucket': {
      const bucket = resource.s3BucketDetails?.[0];
      return { type: 'AwsS3Bucket', id: bucket?.arn || bucket?.name || 'unknown', region, tags: tagsOf(bucket?.tags) };
    }
    default:
      // Other resource kinds (EKS, ECS, Lambda, RDS...) have no single id field; keep the kind.
      return { type: 'Other', id: resource.resourceType, region, tags: {} };
  }
}

function tagsOf(tags: readonly { key: string; value: string }[] | undefined): Record<string, string> {
  return Object.fromEntries((tags ?? []).map((t) => [t.key, t.value]));
}

