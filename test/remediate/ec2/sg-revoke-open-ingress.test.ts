import { beforeEach, describe, expect, it } from 'vitest';
import type { Finding } from '../../../src/domain/finding.js';
import { sgRevokeOpenIngress } from '../../../src/remediate/ec2/sg-revoke-open-ingress.js';
import { Ec2Service, type RuleSeed, type SecurityGroupState } from '../../../src/sim/ec2-service.js';
import { makeFinding } from '../../helpers/findings.js';
import { useSimulatedAws } from '../../helpers/sim-aws.js';

const { sim, clients } = useSimulatedAws();
let ec2: Ec2Service;
beforeEach(() => {
  ec2 = new Ec2Service({ accountId: sim.aws.accountId });
  sim.aws.register(ec2);
});

function findingFor(groupId: string, control: string): Finding {
  return makeFinding({
    control,
    resource: { type: 'AwsEc2SecurityGroup', id: `arn:aws:ec2:us-east-1:111111111111:security-group/${groupId}`, region: 'us-east-1', tags: {} },
  });
}

const openSsh: RuleSeed = { protocol: 'tcp', fromPort: 22, toPort: 22, cidrIpv4: '0.0.0.0/0', description: 'ssh' };
const corporateSsh: RuleSeed = { protocol: 'tcp', fromPort: 22, toPort: 22, cidrIpv4: '10.0.0.0/8' };
const openHttps: RuleSeed = { protocol: 'tcp', fromPort: 443, toPort: 443, cidrIpv4: '0.0.0.0/0' };
const allOut: RuleSeed = { protocol: '-1', cidrIpv4: '0.0.0.0/0' };

function addGroup(ingress: RuleSeed[], egress: RuleSeed[] = [allOut]): string {
  return ec2.addSecurityGroup({ groupId: 'sg-0a1b2c3d4e5f60718', groupName: 'web', ingress, egress });
}

/** Rule ids are EC2's to assign (a re-authorized rule gets a new one) and order carries no meaning. */
function comparable(group: SecurityGroupState | undefined) {
  if (!group) return undefined;
  const canonical = (rule: object) => JSON.stringify(rule, Object.keys(rule).sort());
  const rules = group.rules.map(({ ruleId: _id, ...rule }) => rule).sort((a, b) => canonical(a).localeCompare(canonical(b)));
  return { ...group, rules };
}

function ingressOf(groupId: string) {
  return (ec2.securityGroup(groupId)?.rules ?? []).filter((r) => !r.isEgress).map(({ ruleId: _id, ...rule }) => rule);
}

const writes = () => sim.aws.calls.filter((c) => c.service === 'ec2' && /^(Authorize|Revoke)/.test(c.operation));

describe('sg-revoke-open-ingress', () => {
  it('EC2.13: revokes only the world-open SSH rule, keeping restricted SSH and open HTTPS (plan, apply, verify, undo)', async () => {
    const groupId = addGroup([openSsh, corporateSsh, openHttps]);
    const [openSshRule] = ec2.securityGroup(groupId)?.rules ?? [];
    const finding = findingFor(groupId, 'EC2.13');

    const plan = await sgRevokeOpenIngress.plan(finding, clients);
    expect(plan.alreadyCompliant).toBe(false);
    expect(plan.resourceId).toBe(groupId);
    expect(plan.diff.split('\n')).toEqual([
      `--- ${groupId} (web) inbound rules (now)`,
      `+++ ${groupId} (web) inbound rules (after fix)`,
      `- ${groupId} tcp 22 from 0.0.0.0/0 "ssh"`,
      `  ${groupId} tcp 22 from 10.0.0.0/8`,
      `  ${groupId} tcp 443 from 0.0.0.0/0`,
    ]);
    expect(plan.calls).toEqual([
      { service: 'ec2', operation: 'RevokeSecurityGroupIngress', input: { GroupId: groupId, SecurityGroupRuleIds: [openSshRule?.ruleId] } },
    ]);
    expect(writes()).toEqual([]);

    const beforeApply = ec2.securityGroup(groupId);
    await sgRevokeOpenIngress.apply(plan, clients);
    expect(ingressOf(groupId)).toEqual([
      { isEgress: false, protocol: 'tcp', fromPort: 22, toPort: 22, cidrIpv4: '10.0.0.0/8' },
      { isEgress: false, protocol: 'tcp', fromPort: 443, toPort: 443, cidrIpv4: '0.0.0.0/0' },
    ]);
    expect(ec2.securityGroup(groupId)?.rules.filter((r) => r.isEgress)).toEqual(beforeApply?.rules.filter((r) => r.isEgress));

    const verification = await sgRevokeOpenIngress.verify(plan, clients);
    expect(verification.ok).toBe(true);
    expect(verification.detail).toContain('EC2.13');

    await sgRevokeOpenIngress.undo?.(plan, clients);
    expect(comparable(ec2.securityGroup(groupId))).toEqual(comparable(beforeApply));
    expect(sim.aws.callsTo('ec2', 'AuthorizeSecurityGroupIngress').at(-1)?.input).toEqual({
      GroupId: groupId,
      IpPermissions: [{ IpProtocol: 'tcp', FromPort: 22, ToPort: 22, IpRanges: [{ CidrIp: '0.0.0.0/0', Description: 'ssh' }] }],
    });
  });

  it('EC2.14: revokes world RDP over IPv4 or IPv6, wide port ranges and all-traffic rules, never group references or prefix lists', async () => {
    const other = ec2.addSecurityGroup({ groupName: 'bastion' });
    const groupId = addGroup([
      { protocol: 'tcp', fromPort: 3389, toPort: 3389, cidrIpv6: '::/0' },
      { protocol: 'tcp', fromPort: 0, toPort: 65535, cidrIpv4: '0.0.0.0/0' },
      { protocol: '-1', cidrIpv6: '::/0' },
      { protocol: 'tcp', fromPort: 3389, toPort: 3389, referencedGroupId: other, referencedUserId: '111111111111' },
      { protocol: 'tcp', fromPort: 3389, toPort: 3389, prefixListId: 'pl-0123456789abcdef0' },
      { protocol: 'udp', fromPort: 3389, toPort: 3389, cidrIpv4: '0.0.0.0/0' },
    ]);
    const plan = await sgRevokeOpenIngress.plan(findingFor(groupId, 'EC2.14'), clients);
    expect(plan.diff.split('\n').slice(2)).toEqual([
      `- ${groupId} tcp 3389 from ::/0`,
      `- ${groupId} tcp 0-65535 from 0.0.0.0/0`,
      `- ${groupId} all traffic from ::/0`,
      `  ${groupId} tcp 3389 from ${other}`,
      `  ${groupId} tcp 3389 from pl-0123456789abcdef0`,
      `  ${groupId} udp 3389 from 0.0.0.0/0`,
    ]);
    const beforeApply = ec2.securityGroup(groupId);
    await sgRevokeOpenIngress.apply(plan, clients);
    expect(ingressOf(groupId).map((r) => r.referencedGroupId ?? r.prefixListId ?? `${r.protocol} ${r.cidrIpv4 ?? r.cidrIpv6}`)).toEqual([
      other,
      'pl-0123456789abcdef0',
      'udp 0.0.0.0/0',
    ]);
    expect((await sgRevokeOpenIngress.verify(plan, clients)).ok).toBe(true);
    await sgRevokeOpenIngress.undo?.(plan, clients);
    expect(comparable(ec2.securityGroup(groupId))).toEqual(comparable(beforeApply));
  });

  it('EC2.18: keeps world access to authorized ports (80 and 443 by default, or the policy list), revokes the rest', async () => {
    const groupId = addGroup([
      { protocol: 'tcp', fromPort: 80, toPort: 80, cidrIpv4: '0.0.0.0/0' },
      openHttps,
      { protocol: 'tcp', fromPort: 8443, toPort: 8443, cidrIpv6: '::/0' },
      { protocol: 'tcp', fromPort: 80, toPort: 443, cidrIpv4: '0.0.0.0/0' },
      { protocol: 'udp', fromPort: 53, toPort: 53, cidrIpv4: '0.0.0.0/0' },
      { protocol: 'icmp', fromPort: 8, toPort: -1, cidrIpv4: '0.0.0.0/0' },
    ]);
    const finding = findingFor(groupId, 'EC2.18');
    const byDefault = await sgRevokeOpenIngress.plan(finding, clients);
    expect(byDefault.diff.split('\n').filter((l) => l.startsWith('- '))).toEqual([
      `- ${groupId} tcp 8443 from ::/0`,
      `- ${groupId} tcp 80-443 from 0.0.0.0/0`,
      `- ${groupId} udp 53 from 0.0.0.0/0`,
    ]);
    const withPolicy = await sgRevokeOpenIngress.plan(finding, clients, { authorizedPorts: [80, 443, 8443], authorizedUdpPorts: [53] });
    expect(withPolicy.diff.split('\n').filter((l) => l.startsWith('- '))).toEqual([`- ${groupId} tcp 80-443 from 0.0.0.0/0`]);
    expect(withPolicy.before).toMatchObject({ control: 'EC2.18', authorizedPorts: [80, 443, 8443], authorizedUdpPorts: [53] });
    await sgRevokeOpenIngress.apply(withPolicy, clients);
    const verification = await sgRevokeOpenIngress.verify(withPolicy, clients);
    expect(verification.ok).toBe(true);
    expect(ingressOf(groupId)).toHaveLength(5);
  });

  it('EC2.19: revokes world rules on high-risk ports only', async () => {
    const groupId = addGroup([
      { protocol: 'tcp', fromPort: 3306, toPort: 3306, cidrIpv4: '0.0.0.0/0' },
      { protocol: 'tcp', fromPort: 5000, toPort: 5010, cidrIpv6: '::/0' },
      { protocol: 'tcp', fromPort: 6379, toPort: 6379, cidrIpv4: '0.0.0.0/0' },
      { protocol: 'tcp', fromPort: 9200, toPort: 9200, cidrIpv4: '172.16.0.0/12' },
      openHttps,
    ]);
    const plan = await sgRevokeOpenIngress.plan(findingFor(groupId, 'EC2.19'), clients);
    expect(plan.diff.split('\n').slice(2)).toEqual([
      `- ${groupId} tcp 3306 from 0.0.0.0/0`,
      `- ${groupId} tcp 5000-5010 from ::/0`,
      `  ${groupId} tcp 6379 from 0.0.0.0/0`,
      `  ${groupId} tcp 9200 from 172.16.0.0/12`,
      `  ${groupId} tcp 443 from 0.0.0.0/0`,
    ]);
  });

  it('EC2.53 takes only the IPv4 world rule and EC2.54 only the IPv6 one', async () => {
    const groupId = addGroup([openSsh, { protocol: 'tcp', fromPort: 22, toPort: 22, cidrIpv6: '::/0' }, { protocol: 'udp', fromPort: 3389, toPort: 3389, cidrIpv4: '0.0.0.0/0' }]);
    const v4 = await sgRevokeOpenIngress.plan(findingFor(groupId, 'EC2.53'), clients);
    expect(v4.diff.split('\n').filter((l) => l.startsWith('- '))).toEqual([`- ${groupId} tcp 22 from 0.0.0.0/0 "ssh"`, `- ${groupId} udp 3389 from 0.0.0.0/0`]);
    const v6 = await sgRevokeOpenIngress.plan(findingFor(groupId, 'EC2.54'), clients);
    expect(v6.diff.split('\n').filter((l) => l.startsWith('- '))).toEqual([`- ${groupId} tcp 22 from ::/0`]);
  });

  it('re-grants revoked ports to the policy CIDRs first, skipping ones the group already has, and undo removes exactly those', async () => {
    const groupId = addGroup([openSsh, { protocol: 'tcp', fromPort: 22, toPort: 22, cidrIpv6: '::/0', description: 'ssh v6' }, corporateSsh]);
    const finding = findingFor(groupId, 'EC2.13');
    const plan = await sgRevokeOpenIngress.plan(finding, clients, { replacementCidrs: ['10.0.0.0/8', '192.0.2.0/24', '2001:db8::/32'] });
    expect(plan.diff.split('\n').slice(2)).toEqual([
      `- ${groupId} tcp 22 from 0.0.0.0/0 "ssh"`,
      `- ${groupId} tcp 22 from ::/0 "ssh v6"`,
      `  ${groupId} tcp 22 from 10.0.0.0/8`,
      `+ ${groupId} tcp 22 from 192.0.2.0/24 "ssh"`,
      `+ ${groupId} tcp 22 from 2001:db8::/32 "ssh"`,
    ]);
    expect(plan.calls.map((c) => c.operation)).toEqual(['AuthorizeSecurityGroupIngress', 'RevokeSecurityGroupIngress']);
    expect(plan.calls[0]?.input).toEqual({
      GroupId: groupId,
      IpPermissions: [
        { IpProtocol: 'tcp', FromPort: 22, ToPort: 22, IpRanges: [{ CidrIp: '192.0.2.0/24', Description: 'ssh' }] },
        { IpProtocol: 'tcp', FromPort: 22, ToPort: 22, Ipv6Ranges: [{ CidrIpv6: '2001:db8::/32', Description: 'ssh' }] },
      ],
    });

    const beforeApply = ec2.securityGroup(groupId);
    await sgRevokeOpenIngress.apply(plan, clients);
    expect(ingressOf(groupId).map((r) => r.cidrIpv4 ?? r.cidrIpv6)).toEqual(['10.0.0.0/8', '192.0.2.0/24', '2001:db8::/32']);
    expect((await sgRevokeOpenIngress.verify(plan, clients)).ok).toBe(true);

    await sgRevokeOpenIngress.undo?.(plan, clients);
    expect(comparable(ec2.securityGroup(groupId))).toEqual(comparable(beforeApply));
  });

  it('says "already compliant" and plans no call when nothing is open to the world', async () => {
    const groupId = addGroup([corporateSsh, openHttps]);
    const plan = await sgRevokeOpenIngress.plan(findingFor(groupId, 'EC2.13'), clients);
    expect(plan.alreadyCompliant).toBe(true);
    expect(plan.calls).toEqual([]);
    expect(plan.diff).not.toMatch(/^[-+] /m);
    await sgRevokeOpenIngress.apply(plan, clients);
    expect(writes()).toEqual([]);
  });

  it('fails verification while a world-open rule is still there', async () => {
    const groupId = addGroup([openSsh]);
    const plan = await sgRevokeOpenIngress.plan(findingFor(groupId, 'EC2.13'), clients);
    const verification = await sgRevokeOpenIngress.verify(plan, clients);
    expect(verification.ok).toBe(false);
    expect(verification.detail).toBe(`still open: ${groupId} tcp 22 from 0.0.0.0/0 "ssh"`);
  });

  it('surfaces a deleted group and a refused call as the SDK names them', async () => {
    const groupId = addGroup([openSsh]);
    const finding = findingFor(groupId, 'EC2.13');
    const plan = await sgRevokeOpenIngress.plan(finding, clients);

    sim.aws.failNext('ec2', 'RevokeSecurityGroupIngress', { status: 403, code: 'UnauthorizedOperation', message: 'You are not authorized to perform this operation.' });
    await expect(sgRevokeOpenIngress.apply(plan, clients)).rejects.toMatchObject({ name: 'UnauthorizedOperation' });
    expect(ingressOf(groupId)).toHaveLength(1);

    sim.aws.failNext('ec2', 'DescribeSecurityGroups', { status: 403, code: 'UnauthorizedOperation' });
    await expect(sgRevokeOpenIngress.plan(finding, clients)).rejects.toMatchObject({ name: 'UnauthorizedOperation' });

    ec2.deleteSecurityGroup(groupId);
    await expect(sgRevokeOpenIngress.plan(finding, clients)).rejects.toMatchObject({ name: 'InvalidGroup.NotFound' });
    await expect(sgRevokeOpenIngress.apply(plan, clients)).rejects.toMatchObject({ name: 'InvalidGroup.NotFound' });
  });

  it('validates policy options and names the bad one', async () => {
    const groupId = addGroup([openSsh]);
    const finding = findingFor(groupId, 'EC2.13');
    await expect(sgRevokeOpenIngress.plan(finding, clients, { replacementCidrs: ['0.0.0.0/0'] })).rejects.toThrow(/replacementCidrs\.0 must not be open to the world/);
    await expect(sgRevokeOpenIngress.plan(finding, clients, { replacementCidrs: ['10.0.0/8'] })).rejects.toThrow(/replacementCidrs\.0 must be an IPv4 or IPv6 CIDR/);
    await expect(sgRevokeOpenIngress.plan(finding, clients, { authorizedPorts: ['https'] })).rejects.toThrow(/option authorizedPorts\.0/);
  });

  it('refuses findings it does not answer and resources that are not security groups', async () => {
    const groupId = addGroup([openSsh]);
    await expect(sgRevokeOpenIngress.plan(findingFor(groupId, 'EC2.2'), clients)).rejects.toThrow(/this finding's control is EC2.2/);
    const notAGroup = makeFinding({ control: 'EC2.13', resource: { type: 'AwsEc2Instance', id: 'arn:aws:ec2:us-east-1:111111111111:instance/i-0123456789abcdef0', region: 'us-east-1', tags: {} } });
    await expect(sgRevokeOpenIngress.plan(notAGroup, clients)).rejects.toThrow(/does not name an EC2 security group/);
    expect(sim.aws.calls).toEqual([]);
  });

  it('applies only the calls a plan may hold, on the plan\'s own group', async () => {
    const groupId = addGroup([openSsh]);
    const plan = await sgRevokeOpenIngress.plan(findingFor(groupId, 'EC2.13'), clients);
    const otherGroup = { ...plan, calls: plan.calls.map((c) => ({ ...c, input: { ...c.input, GroupId: 'sg-0fffffffffffffff0' } })) };
    await expect(sgRevokeOpenIngress.apply(otherGroup, clients)).rejects.toThrow(/targets sg-0fffffffffffffff0/);
    const egress = { ...plan, calls: plan.calls.map((c) => ({ ...c, operation: 'RevokeSecurityGroupEgress' })) };
    await expect(sgRevokeOpenIngress.apply(egress, clients)).rejects.toThrow(/unexpected call ec2:RevokeSecurityGroupEgress/);
    expect(writes()).toEqual([]);
  });
});
