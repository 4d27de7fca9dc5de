import { z } from 'zod';
import type { Finding } from '../../domain/finding.js';
import { awsSdk } from '../aws-clients.js';
import { renderDiff } from '../diff.js';
import { applyIamPlan, iamCall, passwordPolicySchema, sendIamCalls } from './iam-calls.js';
import type { AwsClients, Plan, Remediation, State, Verification } from '../remediation.js';

type PasswordPolicy = z.output<typeof passwordPolicySchema>;

/** CIS 1.5-1.11, stricter than IAM.7's defaults (length 8, all four character classes). */
const MIN_LENGTH = 14;
const MAX_AGE_DAYS = 90;
const REUSE_PREVENTION = 24;
const CHARACTER_CLASSES = ['RequireUppercaseCharacters', 'RequireLowercaseCharacters', 'RequireNumbers', 'RequireSymbols'] as const;

const ACCOUNT = /^(?:AWS::::Account:)?(\d{12})$/;

export function accountId(resourceId: string): string {
  const id = ACCOUNT.exec(resourceId)?.[1];
  if (!id) throw new Error(`"${resourceId}" does not name an AWS account (AWS::::Account:<12 digits>)`);
  return id;
}

async function readPolicy(aws: AwsClients, region: string): Promise<PasswordPolicy | null> {
  try {
    const { PasswordPolicy: p } = await aws.iam(region).send(new (awsSdk.iam().GetAccountPasswordPolicyCommand)({}));
    return passwordPolicySchema.parse({
      MinimumPasswordLength: p?.MinimumPasswordLength,
      RequireSymbols: p?.RequireSymbols ?? false,
      RequireNumbers: p?.RequireNumbers ?? false,
      RequireUppercaseCharacters: p?.RequireUppercaseCharacters ?? false,
      RequireLowercaseCharacters: p?.RequireLowercaseCharacters ?? false,
      AllowUsersToChangePassword: p?.AllowUsersToChangePassword ?? false,
      MaxPasswordAge: p?.MaxPasswordAge,
      PasswordReusePrevention: p?.PasswordReusePrevention,
      HardExpiry: p?.HardExpiry,
    });
  } catch (error) {
    // NoSuchEntity is how IAM says the account has no password policy (IAM's defaults apply).
    if (error instanceof Error && error.name === 'NoSuchEntityException') return null;
    throw error;
  }
}

/**
 * The compliant policy that keeps every stronger existing setting, and the settings the
 * control does not cover (who may change passwords, hard expiry) exactly as they are:
 * UpdateAccountPasswordPolicy resets every field it is not given.
 */
export function strengthen(current: PasswordPolicy | null): PasswordPolicy & { MaxPasswordAge: number } {
  return {
    MinimumPasswordLength: Math.max(current?.MinimumPasswordLength ?? 0, MIN_LENGTH),
    RequireSymbols: true,
    RequireNumbers: true,
    RequireUppercaseCharacters: true,
    RequireLowercaseCharacters: true,
    AllowUsersToChangePassword: current?.AllowUsersToChangePassword ?? false,
    // Absent means passwords never expire; a shorter age is stronger.
    MaxPasswordAge: Math.min(current?.MaxPasswordAge ?? MAX_AGE_DAYS, MAX_AGE_DAYS),
    PasswordReusePrevention: Math.max(current?.PasswordReusePrevention ?? 0, REUSE_PREVENTION),
    ...(current?.HardExpiry === undefined ? {} : { HardExpiry: current.HardExpiry }),
  };
}

function shortfalls(policy: PasswordPolicy | null): string[] {
  if (!policy) return ['no password policy'];
  return [
    ...(policy.MinimumPasswordLength < MIN_LENGTH ? [`MinimumPasswordLength ${policy.MinimumPasswordLength} < ${MIN_LENGTH}`] : []),
    ...CHARACTER_CLASSES.filter((key) => !policy[key]).map((key) => `${key} off`),
    ...(policy.MaxPasswordAge === undefined || policy.MaxPasswordAge > MAX_AGE_DAYS ? [`MaxPasswordAge not ${MAX_AGE_DAYS} days or less`] : []),
    ...((policy.PasswordReusePrevention ?? 0) < REUSE_PREVENTION ? [`PasswordReusePrevention below ${REUSE_PREVENTION}`] : []),
  ];
}

const FIELDS = passwordPolicySchema.keyof().options;

function display(policy: PasswordPolicy | null): Record<string, string | number | boolean> {
  return Object.fromEntries(FIELDS.map((key) => [key, policy?.[key] ?? 'not set']));
}

function asState(policy: PasswordPolicy | null): State {
  return { PasswordPolicy: policy };
}

/**
 * Sets a compliant account password policy (IAM.7): minimum length 14, all four
 * character classes, expiry at 90 days, 24 passwords remembered, never weakening a
 * stronger existing setting. Undo restores the old policy exactly, or deletes the
 * policy when there was none.
 */
export const iamPasswordPolicy: Remediation = {
  id: 'iam-password-policy',
  controls: ['IAM.7'],
  cisRules: [],
  resourceType: 'AwsAccount',
  mode: 'copilot',
  reversible: true,
  permissions: ['iam:DeleteAccountPasswordPolicy', 'iam:GetAccountPasswordPolicy', 'iam:UpdateAccountPasswordPolicy'],

  async plan(finding: Finding, aws: AwsClients): Promise<Plan> {
    const account = accountId(finding.resource.id);
    const region = finding.resource.region || finding.region;
    const before = await readPolicy(aws, region);
    const after = strengthen(before);
    const alreadyCompliant = shortfalls(before).length === 0;
    const title = `account ${account} IAM password policy${before ? '' : ' (none set: IAM defaults apply)'}`;
    const expiryTightened = (before?.MaxPasswordAge ?? Infinity) > after.MaxPasswordAge;
    return {
      remediationId: this.id,
      findingId: finding.id,
      resourceId: account,
      region,
      before: asState(before),
      after: asState(after),
      diff: [
        renderDiff(title, display(before), display(after)),
        ...(expiryTightened ? [`Passwords older than ${after.MaxPasswordAge} days must be changed at the next console sign-in.`] : []),
      ].join('\n'),
      alreadyCompliant,
      calls: alreadyCompliant ? [] : [iamCall('UpdateAccountPasswordPolicy', after)],
    };
  },

  apply: applyIamPlan(['UpdateAccountPasswordPolicy']),

  async verify(plan: Plan, aws: AwsClients): Promise<Verification> {
    const observed = await readPolicy(aws, plan.region);
    const missing = shortfalls(observed);
    return {
      ok: missing.length === 0,
      observed: asState(observed),
      detail: missing.length === 0 ? 'the account password policy reads back compliant' : `still weak: ${missing.join(', ')}`,
    };
  },

  async undo(plan: Plan, aws: AwsClients): Promise<void> {
    const previous = z.object({ PasswordPolicy: passwordPolicySchema.nullable() }).parse(plan.before).PasswordPolicy;
    const call = previous ? iamCall('UpdateAccountPasswordPolicy', previous) : iamCall('DeleteAccountPasswordPolicy', {});
    await sendIamCalls(aws, plan.region, [call], ['UpdateAccountPasswordPolicy', 'DeleteAccountPasswordPolicy']);
  },
};
