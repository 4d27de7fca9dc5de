import { beforeEach, describe, expect, it } from 'vitest';
import type { Finding } from '../../../src/domain/finding.js';
import { ec2DefaultSgRemoveRules } from '../../../src/remediate/ec2/ec2-default-sg-remove-rules.js';
import { ManualOnlyError } from '../../../src/remediate/manual-only-error.js';
import { Ec2Service, type SecurityGroupState } from '../../../src/sim/ec2-service.js';
import { makeFinding } from '../../helpers/findings.js';
import { useSimulatedAws } from '../../helpers/sim-aws.js';

const { sim, clients } = useSimulatedAws();
let ec2: Ec2Service;
beforeEach(() => {
  ec2 = new Ec2Service({ accountId: sim.aws.accountId });
  sim.aws.register(ec2);
});

const GROUP = 'sg-0d3fa017d3fa017d3';
const VPC = 'vpc-0a1b2c3d4e5f60718';

function findingFor(groupId: string): Finding {
  return makeFinding({
    control: 'EC2.2',
    resource: { type: 'AwsEc2SecurityGroup', id: `arn:aws:ec2:us-east-1:111111111111:security-group/${groupId}`, region: 'us-east-1', tags: {} },
  });
}

/** A default group as EC2 creates it: all traffic from itself in, all traffic out (IPv4 and IPv6). */
function addDefaultGroup(): string {
  return ec2.addSecurityGroup({
    groupId: GROUP,
    groupName: 'default',
    vpcId: VPC,
    description: 'default VPC security group',
    ingress: [{ protocol: '-1', referencedGroupId: GROUP, referencedUserId: '111111111111' }],
    egress: [
      { protocol: '-1', cidrIpv4: '0.0.0.0/0' },
      { protocol: '-1', cidrIpv6: '::/0', description: 'v6 out' },
    ],
  });
}

/** Rule ids are EC2's to assign (a re-authorized rule gets a new one) and order carries no meaning. */
function comparable(group: SecurityGroupState | undefined) {
  if (!group) return undefined;
  const canonical = (rule: object) => JSON.stringify(rule, Object.keys(rule).sort());
  const rules = group.rules.map(({ ruleId: _id, ...rule }) => rule).sort((a, b) => canonical(a).localeCompare(canonical(b)));
  return { ...group, rules };
}

const writes = () => sim.aws.calls.filter((c) => c.service === 'ec2' && /^(Authorize|Revoke)/.test(c.operation));

describe('ec2-default-sg-remove-rules', () => {
  it('removes every inbound and outbound rule of an unused default group by id, and undo puts them all back', async () => {
    addDefaultGroup();
    const ruleIds = ec2.securityGroup(GROUP)?.rules.map((r) => r.ruleId) ?? [];
    const plan = await ec2DefaultSgRemoveRules.plan(findingFor(GROUP), clients);
    expect(plan.alreadyCompliant).toBe(false);
    expect(plan.diff.split('\n')).toEqual([
      `--- ${GROUP} (default, ${VPC}) rules (now)`,
      `+++ ${GROUP} (default, ${VPC}) rules (after fix)`,
      `- ${GROUP} all traffic from ${GROUP}`,
      `- ${GROUP} egress all traffic to 0.0.0.0/0`,
      `- ${GROUP} egress all traffic to ::/0 "v6 out"`,
    ]);
    expect(plan.calls).toEqual([
      { service: 'ec2', operation: 'RevokeSecurityGroupIngress', input: { GroupId: GROUP, SecurityGroupRuleIds: [ruleIds[0]] } },
      { service: 'ec2', operation: 'RevokeSecurityGroupEgress', input: { GroupId: GROUP, SecurityGroupRuleIds: [ruleIds[1], ruleIds[2]] } },
    ]);
    expect(sim.aws.callsTo('ec2', 'DescribeNetworkInterfaces')).toHaveLength(1);
    expect(writes()).toEqual([]);

    const beforeApply = ec2.securityGroup(GROUP);
    await ec2DefaultSgRemoveRules.apply(plan, clients);
    expect(ec2.securityGroup(GROUP)?.rules).toEqual([]);
    const verification = await ec2DefaultSgRemoveRules.verify(plan, clients);
    expect(verification).toMatchObject({ ok: true, observed: { groupId: GROUP, rules: [] } });

    await ec2DefaultSgRemoveRules.undo?.(plan, clients);
    expect(comparable(ec2.securityGroup(GROUP))).toEqual(comparable(beforeApply));
  });

  it('will not touch a default group that network interfaces use: manual only, no calls, state unchanged', async () => {
    addDefaultGroup();
    const eni = ec2.addNetworkInterface({ groupIds: [GROUP], instanceId: 'i-0123456789abcdef0' });
    const beforePlan = ec2.securityGroup(GROUP);
    const error = await ec2DefaultSgRemoveRules.plan(findingFor(GROUP), clients).then(
      () => null,
      (e: unknown) => e,
    );
    expect(error).toBeInstanceOf(ManualOnlyError);
    if (!(error instanceof ManualOnlyError)) return;
    expect(error.name).toBe('ManualOnlyError');
    expect(error.reason).toContain(`in use by ${eni}; needs a person (manual)`);
    expect(error.plan).toMatchObject({ calls: [], alreadyCompliant: false, resourceId: GROUP });
    expect(error.plan.before).toEqual(error.plan.after);
    expect(error.plan.diff.split('\n')).toEqual([
      `--- ${GROUP} (default, ${VPC}) rules (now)`,
      `+++ ${GROUP} (default, ${VPC}) rules (after fix)`,
      `  ${GROUP} all traffic from ${GROUP}`,
      `  ${GROUP} egress all traffic to 0.0.0.0/0`,
      `  ${GROUP} egress all traffic to ::/0 "v6 out"`,
      `! ${error.reason}`,
    ]);
    expect(writes()).toEqual([]);
    expect(ec2.securityGroup(GROUP)).toEqual(beforePlan);
  });

  it('says "already compliant" for a default group without rules, without asking who uses it', async () => {
    ec2.addSecurityGroup({ groupId: GROUP, groupName: 'default', vpcId: VPC });
    ec2.addNetworkInterface({ groupIds: [GROUP] });
    const plan = await ec2DefaultSgRemoveRules.plan(findingFor(GROUP), clients);
    expect(plan).toMatchObject({ alreadyCompliant: true, calls: [] });
    expect(sim.aws.callsTo('ec2', 'DescribeNetworkInterfaces')).toEqual([]);
    await ec2DefaultSgRemoveRules.apply(plan, clients);
    expect(writes()).toEqual([]);
  });

  it('refuses a group that is not a default group', async () => {
    const groupId = ec2.addSecurityGroup({ groupName: 'web', ingress: [{ protocol: 'tcp', fromPort: 443, toPort: 443, cidrIpv4: '0.0.0.0/0' }] });
    await expect(ec2DefaultSgRemoveRules.plan(findingFor(groupId), clients)).rejects.toThrow(/not a VPC's default security group/);
    expect(writes()).toEqual([]);
  });

  it('fails verification while rules remain', async () => {
    addDefaultGroup();
    const plan = await ec2DefaultSgRemoveRules.plan(findingFor(GROUP), clients);
    const verification = await ec2DefaultSgRemoveRules.verify(plan, clients);
    expect(verification.ok).toBe(false);
    expect(verification.detail).toContain(`still present: ${GROUP} all traffic from ${GROUP}`);
  });

  it('surfaces a deleted group and refused calls as the SDK names them', async () => {
    addDefaultGroup();
    const plan = await ec2DefaultSgRemoveRules.plan(findingFor(GROUP), clients);

    sim.aws.failNext('ec2', 'DescribeNetworkInterfaces', { status: 403, code: 'UnauthorizedOperation', message: 'You are not authorized to perform this operation.' });
    await expect(ec2DefaultSgRemoveRules.plan(findingFor(GROUP), clients)).rejects.toMatchObject({ name: 'UnauthorizedOperation' });

    sim.aws.failNext('ec2', 'RevokeSecurityGroupEgress', { status: 403, code: 'UnauthorizedOperation' });
    await expect(ec2DefaultSgRemoveRules.apply(plan, clients)).rejects.toMatchObject({ name: 'UnauthorizedOperation' });

    ec2.deleteSecurityGroup(GROUP);
    await expect(ec2DefaultSgRemoveRules.plan(findingFor(GROUP), clients)).rejects.toMatchObject({ name: 'InvalidGroup.NotFound' });
    await expect(ec2DefaultSgRemoveRules.undo?.(plan, clients)).rejects.toMatchObject({ name: 'InvalidGroup.NotFound' });
  });
});
