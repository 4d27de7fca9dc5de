/**
 * What the CloudTrail remediations share: naming a trail from a finding, reading it,
 * running the planned CloudTrail calls (validated, since a plan may come back from
 * storage), and policy option parsing.
 */
import type { Trail } from '@aws-sdk/client-cloudtrail';
import { z } from 'zod';
import type { Finding } from '../../domain/finding.js';
import { awsSdk } from '../aws-clients.js';
import type { ApiCall, AwsClients, RemediationOptions } from '../remediation.js';

const TRAIL_ARN = /^arn:aws[a-z-]*:cloudtrail:([a-z0-9-]+):\d{12}:trail\/(.+)$/;
const TRAIL_NAME = /^[A-Za-z0-9](?:[A-Za-z0-9]|[._-](?![._-])){1,126}[A-Za-z0-9]$/;

export const trailNameSchema = z.string().regex(TRAIL_NAME, 'must be a CloudTrail trail name (3-128 letters, digits, . _ -)');

/** A key id, key ARN, alias name or alias ARN: the forms CloudTrail's KmsKeyId accepts. */
export const kmsKeyIdSchema = z
  .string()
  .regex(
    /^(?:alias\/[A-Za-z0-9/_-]+|arn:aws[a-z-]*:kms:[a-z0-9-]+:\d{12}:(?:key|alias)\/[A-Za-z0-9/_-]+|(?:mrk-)?[0-9a-f-]{32,36})$/,
    'must be a KMS key id, key ARN, alias name or alias ARN',
  );

/** Policy options (flat) through zod; the error names the offending option. */
export function parseOptions<T extends z.ZodType>(remediationId: string, schema: T, options: RemediationOptions | undefined): z.output<T> {
  const result = schema.safeParse(options ?? {});
  if (result.success) return result.data;
  const issue = result.error.issues[0];
  const option = String(issue?.path[0] ?? '');
  throw options?.[option] === undefined
    ? missingOption(remediationId, option)
    : new Error(`${remediationId}: option "${option}" ${issue?.message ?? 'is invalid'}`);
}

export function missingOption(remediationId: string, option: string): Error {
  return new Error(`${remediationId} needs the option "${option}"`);
}

/** The trail a finding names, and the Region to ask: an ARN carries the trail's home Region. */
export function trailOf(finding: Finding): { trail: string; region: string } {
  const id = finding.resource.id;
  const fallbackRegion = finding.resource.region || finding.region;
  if (id.startsWith('arn:')) {
    const match = TRAIL_ARN.exec(id);
    if (!match?.[1] || !match[2]) throw new Error(`"${id}" does not name a CloudTrail trail`);
    return { trail: id, region: match[1] };
  }
  if (!TRAIL_NAME.test(id)) throw new Error(`"${id}" does not name a CloudTrail trail`);
  return { trail: id, region: fallbackRegion };
}

export interface TrailWithHome extends Trail {
  Name: string;
  TrailARN: string;
  HomeRegion: string;
}

/** A trail as CloudTrail returned it, with the identity every remediation relies on. */
export function requireTrailIdentity(trail: Trail | undefined, asked: string): TrailWithHome {
  const { Name, TrailARN, HomeRegion } = trail ?? {};
  if (!Name || !TrailARN || !HomeRegion) throw new Error(`CloudTrail returned no name, ARN or home Region for trail ${asked}`);
  return { ...trail, Name, TrailARN, HomeRegion };
}

/** GetTrail, so a trail that is gone surfaces as CloudTrail's own TrailNotFoundException. */
export async function getTrail(aws: AwsClients, region: string, trail: string): Promise<TrailWithHome> {
  const out = await aws.cloudTrail(region).send(new (awsSdk.cloudTrail().GetTrailCommand)({ Name: trail }));
  return requireTrailIdentity(out.Trail, trail);
}

export async function isLogging(aws: AwsClients, region: string, trailArn: string): Promise<boolean> {
  const out = await aws.cloudTrail(region).send(new (awsSdk.cloudTrail().GetTrailStatusCommand)({ Name: trailArn }));
  return out.IsLogging === true;
}

// ---- planned calls ----------------------------------------------------------------

export type CloudTrailOperation = 'CreateTrail' | 'UpdateTrail' | 'StartLogging' | 'StopLogging' | 'DeleteTrail';

const nameInput = z.strictObject({ Name: z.string().min(1) });
const createTrailInput = z.strictObject({
  Name: trailNameSchema,
  S3BucketName: z.string().min(3),
  IsMultiRegionTrail: z.boolean(),
  IncludeGlobalServiceEvents: z.boolean(),
  EnableLogFileValidation: z.boolean(),
  KmsKeyId: kmsKeyIdSchema.optional(),
});
// KmsKeyId "" is CloudTrail's documented way to stop SSE-KMS encryption (undo).
const updateTrailInput = z.strictObject({
  Name: z.string().min(1),
  EnableLogFileValidation: z.boolean().optional(),
  KmsKeyId: z.union([kmsKeyIdSchema, z.literal('')]).optional(),
});

export function cloudTrailCall(operation: CloudTrailOperation, input: Record<string, unknown>): ApiCall {
  return { service: 'cloudtrail', operation, input };
}

/** Makes one planned call, refusing anything outside `allowed` or with an input that does not validate. */
export async function runCloudTrailCall(aws: AwsClients, region: string, call: ApiCall, allowed: readonly CloudTrailOperation[]): Promise<void> {
  const operation = call.service === 'cloudtrail' ? allowed.find((op) => op === call.operation) : undefined;
  if (!operation) throw new Error(`unexpected call ${call.service}:${call.operation} in plan`);
  const client = aws.cloudTrail(region);
  switch (operation) {
    case 'CreateTrail':
      await client.send(new (awsSdk.cloudTrail().CreateTrailCommand)(createTrailInput.parse(call.input)));
      return;
    case 'UpdateTrail':
      await client.send(new (awsSdk.cloudTrail().UpdateTrailCommand)(updateTrailInput.parse(call.input)));
      return;
    case 'StartLogging':
      await client.send(new (awsSdk.cloudTrail().StartLoggingCommand)(nameInput.parse(call.input)));
      return;
    case 'StopLogging':
      await client.send(new (awsSdk.cloudTrail().StopLoggingCommand)(nameInput.parse(call.input)));
      return;
    case 'DeleteTrail':
      await client.send(new (awsSdk.cloudTrail().DeleteTrailCommand)(nameInput.parse(call.input)));
      return;
  }
}
