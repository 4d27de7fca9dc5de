import type { NoSuchEntityException } from '@aws-sdk/client-iam';
import { z } from 'zod';
import { awsSdk } from '../aws-clients.js';
import { iamCall, sendIamCalls } from './iam-calls.js';
import type { AwsClients, Plan, RemediationOptions } from '../remediation.js';

const USER_NAME = /^[\w+=,.@-]{1,64}$/;
const ACCESS_KEY_ID = /^A[KS]IA[A-Z0-9]{12,124}$/;
const USER_ID = /^AIDA[A-Z0-9]{12,124}$/;
const USER_ARN = /^arn:aws[a-z-]*:iam::\d{12}:user\/(?:[^/]+\/)*([^/]+)$/;
const DAY_MS = 86_400_000;

/** What a finding's resource id names: a user by name or unique id, or one of its access keys. */
export type IamUserReference = { userName: string } | { userId: string } | { accessKeyId: string };

/** `arn:aws:iam::<account>:user/<path/>name`, a bare user name, a user id (AIDA...) or an access key id (AKIA...). */
export function iamUserReference(resourceId: string): IamUserReference {
  const id = resourceId.startsWith('arn:') ? USER_ARN.exec(resourceId)?.[1] : resourceId;
  if (id !== undefined) {
    if (ACCESS_KEY_ID.test(id)) return { accessKeyId: id };
    if (USER_ID.test(id)) return { userId: id };
    if (USER_NAME.test(id)) return { userName: id };
  }
  throw new Error(`"${resourceId}" does not name an IAM user or access key`);
}

export interface IamUserTarget {
  userName: string;
  /** Set when the finding named one access key: only that key is in scope. */
  accessKeyId?: string;
}

/** Finds the user a finding is about; a user or key that no longer exists is NoSuchEntityException. */
export async function resolveIamUser(aws: AwsClients, region: string, resourceId: string): Promise<IamUserTarget> {
  const reference = iamUserReference(resourceId);
  const client = aws.iam(region);
  if ('userName' in reference) return { userName: reference.userName };
  if ('accessKeyId' in reference) {
    // The only IAM call that maps a key id to its user.
    const out = await client.send(new (awsSdk.iam().GetAccessKeyLastUsedCommand)({ AccessKeyId: reference.accessKeyId }));
    if (!out.UserName) throw gone(`no IAM user owns the access key ${maskKeyId(reference.accessKeyId)}`);
    return { userName: out.UserName, accessKeyId: reference.accessKeyId };
  }
  // AWS Config names users by unique id; only ListUsers maps it back to a name.
  for await (const page of awsSdk.iam().paginateListUsers({ client }, {})) {
    const user = (page.Users ?? []).find((u) => u.UserId === reference.userId);
    if (user?.UserName) return { userName: user.UserName };
  }
  throw gone(`no IAM user has the id ${reference.userId}`);
}

function gone(message: string): NoSuchEntityException {
  return new (awsSdk.iam().NoSuchEntityException)({ message, $metadata: {} });
}

export interface AccessKeyState {
  AccessKeyId: string;
  Status: string;
  CreateDate: string;
}

export async function listAccessKeys(aws: AwsClients, region: string, userName: string): Promise<AccessKeyState[]> {
  const keys: AccessKeyState[] = [];
  for await (const page of awsSdk.iam().paginateListAccessKeys({ client: aws.iam(region) }, { UserName: userName })) {
    for (const key of page.AccessKeyMetadata ?? []) {
      if (!key.AccessKeyId) continue;
      keys.push({ AccessKeyId: key.AccessKeyId, Status: key.Status ?? 'Unknown', CreateDate: isoDate(key.CreateDate) });
    }
  }
  return keys;
}

/** Only the last four characters: enough to tell keys apart on a card, not enough to use. */
export function maskKeyId(accessKeyId: string): string {
  return `${'*'.repeat(Math.max(0, accessKeyId.length - 4))}${accessKeyId.slice(-4)}`;
}

export function isoDate(date: Date | undefined): string {
  return date ? date.toISOString() : '';
}

/** Whole days from `since` (ISO) to `now`. */
export function daysSince(since: string, now: Date): number {
  return Math.floor((now.getTime() - Date.parse(since)) / DAY_MS);
}

/** True when `since` lies more than `days` days before `now`. */
export function olderThan(since: string, days: number, now: Date): boolean {
  return now.getTime() - Date.parse(since) > days * DAY_MS;
}

/** `options.now` (ISO 8601) when a caller fixes the clock, else the current time. */
export const clockOption = z.iso
  .datetime({ offset: true })
  .optional()
  .transform((now) => (now === undefined ? new Date() : new Date(now)));

export function deactivateKeyCall(userName: string, accessKeyId: string) {
  return iamCall('UpdateAccessKey', { UserName: userName, AccessKeyId: accessKeyId, Status: 'Inactive' });
}

/** The key ids a plan deactivates. */
export function plannedDeactivations(plan: Plan): string[] {
  return plan.calls
    .filter((call) => call.operation === 'UpdateAccessKey')
    .map((call) => z.object({ AccessKeyId: z.string() }).parse(call.input).AccessKeyId);
}

/** Undo for key deactivation: the same keys, set Active again. */
export async function reactivateKeys(plan: Plan, aws: AwsClients): Promise<void> {
  const calls = plannedDeactivations(plan).map((id) =>
    iamCall('UpdateAccessKey', { UserName: plan.resourceId, AccessKeyId: id, Status: 'Active' }),
  );
  await sendIamCalls(aws, plan.region, calls, ['UpdateAccessKey']);
}

/** The planned-inactive keys that read back Active (a key deleted since is no longer a risk). */
export function stillActive(plan: Plan, observed: readonly AccessKeyState[]): string[] {
  const active = new Set(observed.filter((k) => k.Status === 'Active').map((k) => k.AccessKeyId));
  return plannedDeactivations(plan).filter((id) => active.has(id));
}

/** Policy options checked with zod; a bad one is an Error that names it. */
export function parseOptions<S extends z.ZodType>(schema: S, options: RemediationOptions | undefined): z.output<S> {
  const parsed = schema.safeParse(options ?? {});
  if (!parsed.success) {
    const issue = parsed.error.issues[0];
    throw new Error(`invalid option ${issue?.path.join('.') || '(options)'}: ${issue?.message ?? 'invalid'}`);
  }
  return parsed.data;
}
