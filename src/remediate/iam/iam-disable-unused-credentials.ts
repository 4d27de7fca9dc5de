import { z } from 'zod';
import type { Finding } from '../../domain/finding.js';
import { awsSdk } from '../aws-clients.js';
import { applyIamPlan, iamCall } from './iam-calls.js';
import {
  clockOption,
  daysSince,
  deactivateKeyCall,
  isoDate,
  listAccessKeys,
  maskKeyId,
  olderThan,
  parseOptions,
  reactivateKeys,
  resolveIamUser,
  stillActive,
} from './iam-user.js';
import { renderListDiff } from '../list-diff.js';
import { ManualOnlyError } from '../manual-only-error.js';
import type { AwsClients, Plan, Remediation, RemediationOptions, Verification } from '../remediation.js';

/** IAM.22 flags credentials unused for 45 days; IAM.8 (CIS 1.3) for 90. */
const DEFAULT_UNUSED_DAYS: Record<string, number> = { 'IAM.22': 45 };

const options = z.object({
  maxUnusedDays: z.number().int().positive().optional(),
  /** Deleting a console password cannot be undone, so it needs its own approval. */
  removeConsolePassword: z.boolean().default(false),
  now: clockOption,
});

interface KeyUse {
  AccessKeyId: string;
  Status: string;
  CreateDate: string;
  /** null: never used. */
  LastUsedDate: string | null;
}

interface ConsolePassword {
  CreateDate: string;
  /** null: never used. */
  LastUsedDate: string | null;
}

interface Credentials {
  UserName: string;
  AccessKeys: KeyUse[];
  ConsolePassword: ConsolePassword | null;
}

async function readCredentials(aws: AwsClients, region: string, userName: string): Promise<Credentials> {
  const client = aws.iam(region);
  const keys = await listAccessKeys(aws, region, userName);
  const AccessKeys = await Promise.all(
    keys.map(async (key): Promise<KeyUse> => {
      const out = await client.send(new (awsSdk.iam().GetAccessKeyLastUsedCommand)({ AccessKeyId: key.AccessKeyId }));
      return { ...key, LastUsedDate: out.AccessKeyLastUsed?.LastUsedDate?.toISOString() ?? null };
    }),
  );
  const { User } = await client.send(new (awsSdk.iam().GetUserCommand)({ UserName: userName }));
  return { UserName: userName, AccessKeys, ConsolePassword: await readConsolePassword(aws, region, userName, User?.PasswordLastUsed) };
}

async function readConsolePassword(aws: AwsClients, region: string, userName: string, lastUsed: Date | undefined): Promise<ConsolePassword | null> {
  try {
    const { LoginProfile } = await aws.iam(region).send(new (awsSdk.iam().GetLoginProfileCommand)({ UserName: userName }));
    return { CreateDate: isoDate(LoginProfile?.CreateDate), LastUsedDate: lastUsed?.toISOString() ?? null };
  } catch (error) {
    // The user exists (ListAccessKeys and GetUser answered), so this means "no console password".
    if (error instanceof Error && error.name === 'NoSuchEntityException') return null;
    throw error;
  }
}

/** A credential never used counts from its creation. */
function lastActivity(credential: { CreateDate: string; LastUsedDate: string | null }): string {
  return credential.LastUsedDate ?? credential.CreateDate;
}

function usage(credential: { CreateDate: string; LastUsedDate: string | null }, now: Date): string {
  return credential.LastUsedDate === null
    ? `never used, created ${daysSince(credential.CreateDate, now)} days ago`
    : `last used ${daysSince(credential.LastUsedDate, now)} days ago`;
}

/**
 * Deactivates access keys unused past the limit (IAM.8, CIS 1.3, IAM.22); a stale console
 * password is deleted only when the policy approves `removeConsolePassword`, otherwise it
 * is a manual step the plan spells out. Undo re-activates the keys; a deleted password
 * cannot come back (IAM never reveals it), which the plan says before approval.
 */
export const iamDisableUnusedCredentials: Remediation = {
  id: 'iam-disable-unused-credentials',
  controls: ['IAM.8', 'IAM.22'],
  cisRules: ['1.3'],
  resourceType: 'AwsIamUser',
  mode: 'copilot',
  reversible: true,
  permissions: [
    'iam:DeleteLoginProfile',
    'iam:GetAccessKeyLastUsed',
    'iam:GetLoginProfile',
    'iam:GetUser',
    'iam:ListAccessKeys',
    'iam:ListUsers',
    'iam:UpdateAccessKey',
  ],

  async plan(finding: Finding, aws: AwsClients, policyOptions?: RemediationOptions): Promise<Plan> {
    const opts = parseOptions(options, policyOptions);
    const now = opts.now;
    const limit = opts.maxUnusedDays ?? DEFAULT_UNUSED_DAYS[finding.control ?? ''] ?? 90;
    const region = finding.resource.region || finding.region;
    const target = await resolveIamUser(aws, region, finding.resource.id);
    const before = await readCredentials(aws, region, target.userName);

    const staleKeys = new Set(
      before.AccessKeys.filter(
        (k) =>
          k.Status === 'Active' &&
          olderThan(lastActivity(k), limit, now) &&
          (target.accessKeyId === undefined || k.AccessKeyId === target.accessKeyId),
      ).map((k) => k.AccessKeyId),
    );
    const password = before.ConsolePassword;
    const stalePassword = password !== null && target.accessKeyId === undefined && olderThan(lastActivity(password), limit, now);
    const deletePassword = stalePassword && opts.removeConsolePassword;
    // `after` is the state once the control holds: without approval the password still has to go, by hand.
    const after: Credentials = {
      ...before,
      AccessKeys: before.AccessKeys.map((k) => (staleKeys.has(k.AccessKeyId) ? { ...k, Status: 'Inactive' } : k)),
      ConsolePassword: stalePassword ? null : password,
    };

    const keyLine = (k: KeyUse) => `access key ${maskKeyId(k.AccessKeyId)} (${usage(k, now)}): ${k.Status}`;
    const passwordNow = password === null ? 'console password: none' : `console password (${usage(password, now)}): set`;
    const passwordAfter = !stalePassword
      ? passwordNow
      : deletePassword
        ? 'console password: deleted'
        : `${passwordNow} (manual step below)`;
    const notes = [
      ...(staleKeys.size > 0 ? ['Keys are deactivated, not deleted: undo sets them Active again.'] : []),
      ...(deletePassword
        ? [
            `The console password is deleted for good: undo does not restore it (IAM never reveals a password). ` +
              `To give ${target.userName} console access again, an administrator sets a new password (CreateLoginProfile).`,
          ]
        : []),
      ...(stalePassword && !deletePassword
        ? [
            `Manual step: the console password has not been used for more than ${limit} days. Remove it in the IAM console ` +
              `(Users > ${target.userName} > Security credentials > Console sign-in > Manage console access > Disable), or approve ` +
              `removeConsolePassword so the bot deletes it (this cannot be undone).`,
          ]
        : []),
    ];
    const diff = [
      renderListDiff(
        `IAM user ${target.userName} credentials unused for more than ${limit} days`,
        [...before.AccessKeys.map(keyLine), passwordNow],
        [...after.AccessKeys.map(keyLine), passwordAfter],
      ),
      ...notes,
    ].join('\n');

    const plan: Plan = {
      remediationId: this.id,
      findingId: finding.id,
      resourceId: target.userName,
      region,
      before: { ...before },
      after: { ...after },
      diff,
      alreadyCompliant: staleKeys.size === 0 && !stalePassword,
      calls: [
        ...[...staleKeys].map((id) => deactivateKeyCall(target.userName, id)),
        ...(deletePassword ? [iamCall('DeleteLoginProfile', { UserName: target.userName })] : []),
      ],
    };
    if (plan.calls.length === 0 && !plan.alreadyCompliant) {
      throw new ManualOnlyError('Only the console password is stale, and deleting it needs approval (removeConsolePassword).', plan);
    }
    return plan;
  },

  apply: applyIamPlan(['UpdateAccessKey', 'DeleteLoginProfile']),

  async verify(plan: Plan, aws: AwsClients): Promise<Verification> {
    const observed = await readCredentials(aws, plan.region, plan.resourceId);
    const active = stillActive(plan, observed.AccessKeys);
    const passwordMustGo = plan.before['ConsolePassword'] != null && plan.after['ConsolePassword'] === null;
    const passwordLeft = passwordMustGo && observed.ConsolePassword !== null;
    const problems = [
      ...(active.length > 0 ? [`still Active: ${active.map(maskKeyId).join(', ')}`] : []),
      ...(passwordLeft ? ['the unused console password is still set'] : []),
    ];
    return {
      ok: problems.length === 0,
      observed: { ...observed },
      detail: problems.length === 0 ? 'unused keys read back Inactive and no unused console password remains' : problems.join('; '),
    };
  },

  // Re-activates the keys only: a deleted console password cannot be restored (the plan says so).
  undo: reactivateKeys,
};
