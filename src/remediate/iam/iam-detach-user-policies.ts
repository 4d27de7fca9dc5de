import type { Finding } from '../../domain/finding.js';
import { awsSdk } from '../aws-clients.js';
import { applyIamPlan, iamCall, sendIamCalls } from './iam-calls.js';
import { resolveIamUser } from './iam-user.js';
import { renderListDiff } from '../list-diff.js';
import { ManualOnlyError } from '../manual-only-error.js';
import type { AwsClients, Plan, Remediation, Verification } from '../remediation.js';

interface AttachedPolicy {
  PolicyName: string;
  PolicyArn: string;
}

interface UserPolicies {
  UserName: string;
  AttachedPolicies: AttachedPolicy[];
  InlinePolicies: string[];
}

async function readUserPolicies(aws: AwsClients, region: string, userName: string): Promise<UserPolicies> {
  const client = aws.iam(region);
  const attached: AttachedPolicy[] = [];
  for await (const page of awsSdk.iam().paginateListAttachedUserPolicies({ client }, { UserName: userName })) {
    for (const p of page.AttachedPolicies ?? []) if (p.PolicyArn) attached.push({ PolicyName: p.PolicyName ?? p.PolicyArn, PolicyArn: p.PolicyArn });
  }
  const inline: string[] = [];
  for await (const page of awsSdk.iam().paginateListUserPolicies({ client }, { UserName: userName })) inline.push(...(page.PolicyNames ?? []));
  return { UserName: userName, AttachedPolicies: attached, InlinePolicies: inline };
}

/** Group name → ARNs of the managed policies attached to it, for every group the user is in. */
async function groupPolicies(aws: AwsClients, region: string, userName: string): Promise<Map<string, Set<string>>> {
  const client = aws.iam(region);
  const groups = new Map<string, Set<string>>();
  for await (const page of awsSdk.iam().paginateListGroupsForUser({ client }, { UserName: userName })) {
    for (const group of page.Groups ?? []) if (group.GroupName) groups.set(group.GroupName, new Set());
  }
  for (const [groupName, arns] of groups) {
    for await (const page of awsSdk.iam().paginateListAttachedGroupPolicies({ client }, { GroupName: groupName })) {
      for (const p of page.AttachedPolicies ?? []) if (p.PolicyArn) arns.add(p.PolicyArn);
    }
  }
  return groups;
}

function suggestion(userName: string, policy: AttachedPolicy, groups: Map<string, Set<string>>): string {
  const holder = [...groups].find(([, arns]) => arns.has(policy.PolicyArn))?.[0];
  return holder
    ? `${policy.PolicyName}: ${userName} keeps it through the group ${holder}.`
    : `${policy.PolicyName}: no group of ${userName} grants it; suggested: create a group for ${policy.PolicyName} and add ${userName} to it, ` +
        `or ${userName} loses these permissions.`;
}

const attachedLine = (p: AttachedPolicy) => `managed policy ${p.PolicyName} (${p.PolicyArn})`;
const inlineLine = (name: string) => `inline policy ${name} (not touched)`;

/**
 * Detaches managed policies attached directly to a user (IAM.2, CIS 1.16), suggesting the
 * group that should grant each one instead. Inline policies are listed, never touched:
 * moving them is a person's job. Undo re-attaches exactly what was detached.
 */
export const iamDetachUserPolicies: Remediation = {
  id: 'iam-detach-user-policies',
  controls: ['IAM.2'],
  cisRules: ['1.16'],
  resourceType: 'AwsIamUser',
  mode: 'copilot',
  reversible: true,
  permissions: [
    'iam:AttachUserPolicy',
    'iam:DetachUserPolicy',
    'iam:GetAccessKeyLastUsed',
    'iam:ListAttachedGroupPolicies',
    'iam:ListAttachedUserPolicies',
    'iam:ListGroupsForUser',
    'iam:ListUserPolicies',
    'iam:ListUsers',
  ],

  async plan(finding: Finding, aws: AwsClients): Promise<Plan> {
    const region = finding.resource.region || finding.region;
    const { userName } = await resolveIamUser(aws, region, finding.resource.id);
    const before = await readUserPolicies(aws, region, userName);
    const after: UserPolicies = { ...before, AttachedPolicies: [] };
    const groups = before.AttachedPolicies.length > 0 ? await groupPolicies(aws, region, userName) : new Map<string, Set<string>>();
    const notes = [
      ...before.AttachedPolicies.map((p) => suggestion(userName, p, groups)),
      ...(before.InlinePolicies.length > 0
        ? [`Inline policies stay as they are: move ${before.InlinePolicies.join(', ')} into a group policy by hand; IAM.2 fails until then.`]
        : []),
    ];
    const diff = [
      renderListDiff(
        `IAM user ${userName} policies`,
        [...before.AttachedPolicies.map(attachedLine), ...before.InlinePolicies.map(inlineLine)],
        after.InlinePolicies.map(inlineLine),
      ),
      ...notes,
    ].join('\n');
    const plan: Plan = {
      remediationId: this.id,
      findingId: finding.id,
      resourceId: userName,
      region,
      before: { ...before },
      after: { ...after },
      diff,
      alreadyCompliant: before.AttachedPolicies.length === 0 && before.InlinePolicies.length === 0,
      calls: before.AttachedPolicies.map((p) => iamCall('DetachUserPolicy', { UserName: userName, PolicyArn: p.PolicyArn })),
    };
    if (plan.calls.length === 0 && !plan.alreadyCompliant) {
      throw new ManualOnlyError(`${userName} has only inline policies, which the bot does not move.`, plan);
    }
    return plan;
  },

  apply: applyIamPlan(['DetachUserPolicy']),

  async verify(plan: Plan, aws: AwsClients): Promise<Verification> {
    const observed = await readUserPolicies(aws, plan.region, plan.resourceId);
    const problems = [
      ...(observed.AttachedPolicies.length > 0 ? [`still attached: ${observed.AttachedPolicies.map((p) => p.PolicyName).join(', ')}`] : []),
      ...(observed.InlinePolicies.length > 0 ? [`inline policies remain (manual): ${observed.InlinePolicies.join(', ')}`] : []),
    ];
    return {
      ok: problems.length === 0,
      observed: { ...observed },
      detail: problems.length === 0 ? 'no policy is attached to the user directly' : problems.join('; '),
    };
  },

  async undo(plan: Plan, aws: AwsClients): Promise<void> {
    const calls = plan.calls.filter((call) => call.operation === 'DetachUserPolicy').map((call) => iamCall('AttachUserPolicy', call.input));
    await sendIamCalls(aws, plan.region, calls, ['AttachUserPolicy']);
  },
};
