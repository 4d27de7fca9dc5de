import { z } from 'zod';
import type { Finding } from '../../domain/finding.js';
import { applyIamPlan } from './iam-calls.js';
import {
  clockOption,
  daysSince,
  deactivateKeyCall,
  listAccessKeys,
  maskKeyId,
  olderThan,
  parseOptions,
  reactivateKeys,
  resolveIamUser,
  stillActive,
  type AccessKeyState,
} from './iam-user.js';
import { renderListDiff } from '../list-diff.js';
import type { AwsClients, Plan, Remediation, RemediationOptions, Verification } from '../remediation.js';

const options = z.object({
  maxAgeDays: z.number().int().positive().default(90),
  now: clockOption,
});

/**
 * Deactivates (never deletes) a user's active access keys older than the rotation limit
 * (IAM.3, CIS 1.4), so undo can set them Active again. A finding that names one key
 * narrows the fix to that key.
 */
export const iamDeactivateOldAccessKeys: Remediation = {
  id: 'iam-deactivate-old-access-keys',
  controls: ['IAM.3'],
  cisRules: ['1.4'],
  resourceType: 'AwsIamUser',
  mode: 'copilot',
  reversible: true,
  // GetAccessKeyLastUsed and ListUsers resolve findings that name a key or a user id.
  permissions: ['iam:GetAccessKeyLastUsed', 'iam:ListAccessKeys', 'iam:ListUsers', 'iam:UpdateAccessKey'],

  async plan(finding: Finding, aws: AwsClients, policyOptions?: RemediationOptions): Promise<Plan> {
    const { maxAgeDays, now } = parseOptions(options, policyOptions);
    const region = finding.resource.region || finding.region;
    const target = await resolveIamUser(aws, region, finding.resource.id);
    const keys = await listAccessKeys(aws, region, target.userName);
    const stale = new Set(
      keys
        .filter((k) => k.Status === 'Active' && olderThan(k.CreateDate, maxAgeDays, now))
        .filter((k) => target.accessKeyId === undefined || k.AccessKeyId === target.accessKeyId)
        .map((k) => k.AccessKeyId),
    );
    const after = keys.map((k): AccessKeyState => (stale.has(k.AccessKeyId) ? { ...k, Status: 'Inactive' } : k));
    const line = (k: AccessKeyState) => `access key ${maskKeyId(k.AccessKeyId)} (${daysSince(k.CreateDate, now)} days old): ${k.Status}`;
    const diff = [
      renderListDiff(`IAM user ${target.userName} access keys (rotation limit ${maxAgeDays} days)`, keys.map(line), after.map(line)),
      ...(stale.size > 0
        ? ['Keys are deactivated, not deleted: undo sets them Active again. Whatever still uses them fails until it gets a new key.']
        : []),
    ].join('\n');
    return {
      remediationId: this.id,
      findingId: finding.id,
      resourceId: target.userName,
      region,
      before: { UserName: target.userName, AccessKeys: keys },
      after: { UserName: target.userName, AccessKeys: after },
      diff,
      alreadyCompliant: stale.size === 0,
      calls: [...stale].map((id) => deactivateKeyCall(target.userName, id)),
    };
  },

  apply: applyIamPlan(['UpdateAccessKey']),

  async verify(plan: Plan, aws: AwsClients): Promise<Verification> {
    const keys = await listAccessKeys(aws, plan.region, plan.resourceId);
    const active = stillActive(plan, keys);
    return {
      ok: active.length === 0,
      observed: { UserName: plan.resourceId, AccessKeys: keys },
      detail:
        active.length === 0
          ? 'every access key past the rotation limit reads back Inactive'
          : `still Active: ${active.map(maskKeyId).join(', ')}`,
    };
  },

  undo: reactivateKeys,
};
