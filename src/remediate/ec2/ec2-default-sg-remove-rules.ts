import type { EC2Client } from '@aws-sdk/client-ec2';
import { z } from 'zod';
import type { Finding } from '../../domain/finding.js';
import { awsSdk } from '../aws-clients.js';
import { renderListDiff } from '../list-diff.js';
import { ManualOnlyError } from '../manual-only-error.js';
import type { AwsClients, Plan, Remediation } from '../remediation.js';
import {
  describeGroup,
  readRules,
  restoreRules,
  revokeCall,
  ruleSchema,
  ruleText,
  securityGroupId,
  sendSecurityGroupCall,
  withoutId,
  type SecurityGroupCall,
} from './security-group-rules.js';

const stateSchema = z.object({ groupId: z.string(), vpcId: z.string(), rules: z.array(ruleSchema) });

/** How many interface ids the card names before summarising the rest. */
const NAMED_INTERFACES = 5;

/**
 * Network interfaces using the group (enough to name on the card). EC2 may filter after
 * paging, so an empty page can still have a next one: keep going until pages run out.
 */
async function interfacesUsing(ec2: EC2Client, groupId: string): Promise<string[]> {
  const found: string[] = [];
  let token: string | undefined;
  do {
    const out = await ec2.send(
      new (awsSdk.ec2().DescribeNetworkInterfacesCommand)({ Filters: [{ Name: 'group-id', Values: [groupId] }], MaxResults: 100, NextToken: token }),
    );
    found.push(...(out.NetworkInterfaces ?? []).flatMap((eni) => (eni.NetworkInterfaceId ? [eni.NetworkInterfaceId] : [])));
    token = out.NextToken;
  } while (token && found.length <= NAMED_INTERFACES);
  return found;
}

/**
 * Empties a VPC's default security group (EC2.2, CIS 4.3): every inbound and outbound
 * rule goes, by rule id. When anything still uses the group, removing its rules would
 * cut that traffic, so the plan is manual-only (ManualOnlyError) and changes nothing.
 */
export const ec2DefaultSgRemoveRules: Remediation = {
  id: 'ec2-default-sg-remove-rules',
  controls: ['EC2.2'],
  cisRules: ['4.3'],
  resourceType: 'AwsEc2SecurityGroup',
  mode: 'copilot',
  reversible: true,
  permissions: [
    'ec2:DescribeSecurityGroups',
    'ec2:DescribeSecurityGroupRules',
    'ec2:DescribeNetworkInterfaces',
    'ec2:RevokeSecurityGroupIngress',
    'ec2:RevokeSecurityGroupEgress',
    'ec2:AuthorizeSecurityGroupIngress',
    'ec2:AuthorizeSecurityGroupEgress',
  ],

  async plan(finding: Finding, aws: AwsClients): Promise<Plan> {
    const groupId = securityGroupId(finding.resource.id);
    const region = finding.resource.region || finding.region;
    const ec2 = aws.ec2(region);
    const group = await describeGroup(ec2, groupId);
    // Narrow by design: never empty a group just because a finding pointed at it.
    if (group.GroupName !== 'default') {
      throw new Error(`${groupId} (${group.GroupName ?? 'unnamed'}) is not a VPC's default security group; EC2.2 applies only to those`);
    }
    const rules = await readRules(ec2, groupId);
    const vpcId = group.VpcId ?? '';
    const title = `${groupId} (default, ${vpcId}) rules`;
    const lines = rules.map((r) => ruleText(groupId, r));
    const base = {
      remediationId: this.id,
      findingId: finding.id,
      resourceId: groupId,
      region,
      before: { groupId, vpcId, rules },
    };
    if (rules.length === 0) {
      return { ...base, after: base.before, diff: renderListDiff(title, [], []), alreadyCompliant: true, calls: [] };
    }
    const users = await interfacesUsing(ec2, groupId);
    if (users.length > 0) {
      const named = users.slice(0, NAMED_INTERFACES).join(', ') + (users.length > NAMED_INTERFACES ? ' and more' : '');
      const reason = `${groupId} is in use by ${named}; needs a person (manual): move them to purpose-made groups, then remove these rules`;
      const plan: Plan = { ...base, after: base.before, diff: `${renderListDiff(title, lines, lines)}\n! ${reason}`, alreadyCompliant: false, calls: [] };
      throw new ManualOnlyError(reason, plan);
    }
    const calls = [revokeCall(groupId, rules, false), revokeCall(groupId, rules, true)].filter(
      (call): call is SecurityGroupCall => call !== null,
    );
    return {
      ...base,
      after: { groupId, vpcId, rules: [] },
      diff: renderListDiff(title, lines, []),
      alreadyCompliant: false,
      calls,
    };
  },

  async apply(plan: Plan, aws: AwsClients): Promise<void> {
    const ec2 = aws.ec2(plan.region);
    for (const call of plan.calls) {
      await sendSecurityGroupCall(ec2, plan.resourceId, call, ['RevokeSecurityGroupIngress', 'RevokeSecurityGroupEgress']);
    }
  },

  async verify(plan: Plan, aws: AwsClients) {
    const rules = await readRules(aws.ec2(plan.region), plan.resourceId);
    return {
      ok: rules.length === 0,
      observed: { ...plan.after, rules },
      detail:
        rules.length === 0
          ? `default security group ${plan.resourceId} has no inbound or outbound rules`
          : `still present: ${rules.map((r) => ruleText(plan.resourceId, r)).join('; ')}`,
    };
  },

  /** Re-authorizes every rule removed, description included. */
  async undo(plan: Plan, aws: AwsClients): Promise<void> {
    const before = stateSchema.parse(plan.before);
    const ec2 = aws.ec2(plan.region);
    const current = await readRules(ec2, plan.resourceId);
    await restoreRules(ec2, plan.resourceId, before.rules.map(withoutId), current);
  },
};
