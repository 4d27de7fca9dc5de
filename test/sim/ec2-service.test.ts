import {
  AuthorizeSecurityGroupEgressCommand,
  AuthorizeSecurityGroupIngressCommand,
  DescribeInstancesCommand,
  DescribeNetworkInterfacesCommand,
  DescribeSecurityGroupRulesCommand,
  DescribeSecurityGroupsCommand,
  DescribeVpcsCommand,
  DisableEbsEncryptionByDefaultCommand,
  EnableEbsEncryptionByDefaultCommand,
  GetEbsEncryptionByDefaultCommand,
  ModifyInstanceMetadataOptionsCommand,
  type IpPermission,
  RevokeSecurityGroupEgressCommand,
  RevokeSecurityGroupIngressCommand,
} from '@aws-sdk/client-ec2';
import { beforeEach, describe, expect, it } from 'vitest';
import { Ec2Service } from '../../src/sim/ec2-service.js';
import { useSimulatedAws } from '../helpers/sim-aws.js';

const { sim, clients } = useSimulatedAws();
let ec2: Ec2Service;
beforeEach(() => {
  ec2 = new Ec2Service({ accountId: sim.aws.accountId });
  sim.aws.register(ec2);
});

const client = () => clients.ec2('us-east-1');

function seedWebGroup(): string {
  return ec2.addSecurityGroup({
    groupName: 'web',
    ingress: [
      { protocol: 'tcp', fromPort: 22, toPort: 22, cidrIpv4: '0.0.0.0/0', description: 'ssh' },
      { protocol: 'tcp', fromPort: 22, toPort: 22, cidrIpv4: '10.0.0.0/8' },
      { protocol: 'tcp', fromPort: 443, toPort: 443, cidrIpv6: '::/0' },
    ],
    egress: [{ protocol: '-1', cidrIpv4: '0.0.0.0/0' }],
  });
}

describe('simulated EC2: security groups', () => {
  it('describes a group with its rules grouped into IpPermissions, as the SDK parses them', async () => {
    const groupId = seedWebGroup();
    const out = await client().send(new DescribeSecurityGroupsCommand({ GroupIds: [groupId] }));
    expect(out.SecurityGroups).toHaveLength(1);
    const group = out.SecurityGroups?.[0];
    expect(group).toMatchObject({ GroupId: groupId, GroupName: 'web', OwnerId: '111111111111', VpcId: 'vpc-0a1b2c3d4e5f60718' });
    expect(group?.IpPermissions).toEqual([
      {
        IpProtocol: 'tcp',
        FromPort: 22,
        ToPort: 22,
        UserIdGroupPairs: [],
        IpRanges: [{ CidrIp: '0.0.0.0/0', Description: 'ssh' }, { CidrIp: '10.0.0.0/8' }],
        Ipv6Ranges: [],
        PrefixListIds: [],
      },
      { IpProtocol: 'tcp', FromPort: 443, ToPort: 443, UserIdGroupPairs: [], IpRanges: [], Ipv6Ranges: [{ CidrIpv6: '::/0' }], PrefixListIds: [] },
    ]);
    expect(group?.IpPermissionsEgress).toEqual([
      { IpProtocol: '-1', UserIdGroupPairs: [], IpRanges: [{ CidrIp: '0.0.0.0/0' }], Ipv6Ranges: [], PrefixListIds: [] },
    ]);
  });

  it('names a missing or malformed group the way EC2 does', async () => {
    await expect(client().send(new DescribeSecurityGroupsCommand({ GroupIds: ['sg-0123456789abcdef0'] }))).rejects.toMatchObject({
      name: 'InvalidGroup.NotFound',
      message: "The security group 'sg-0123456789abcdef0' does not exist",
      $metadata: { httpStatusCode: 400 },
    });
    await expect(client().send(new DescribeSecurityGroupsCommand({ GroupIds: ['web'] }))).rejects.toMatchObject({
      name: 'InvalidGroupId.Malformed',
    });
    // Groups live in one Region.
    const groupId = seedWebGroup();
    await expect(clients.ec2('eu-west-1').send(new DescribeSecurityGroupsCommand({ GroupIds: [groupId] }))).rejects.toMatchObject({
      name: 'InvalidGroup.NotFound',
    });
  });

  it('lists rules with ids by group-id filter, and pages them', async () => {
    const groupId = seedWebGroup();
    ec2.addSecurityGroup({ groupName: 'other', ingress: [{ protocol: 'tcp', fromPort: 80, toPort: 80, cidrIpv4: '0.0.0.0/0' }] });
    const out = await client().send(new DescribeSecurityGroupRulesCommand({ Filters: [{ Name: 'group-id', Values: [groupId] }] }));
    const rules = out.SecurityGroupRules ?? [];
    expect(rules.map((r) => r.SecurityGroupRuleId)).toEqual(ec2.securityGroup(groupId)?.rules.map((r) => r.ruleId));
    expect(rules[0]).toMatchObject({
      GroupId: groupId,
      GroupOwnerId: '111111111111',
      IsEgress: false,
      IpProtocol: 'tcp',
      FromPort: 22,
      ToPort: 22,
      CidrIpv4: '0.0.0.0/0',
      Description: 'ssh',
    });
    expect(rules[0]?.SecurityGroupRuleId).toMatch(/^sgr-[0-9a-f]{17}$/);
    expect(rules[3]).toMatchObject({ IsEgress: true, IpProtocol: '-1', FromPort: -1, ToPort: -1 });

    const first = await client().send(
      new DescribeSecurityGroupRulesCommand({ Filters: [{ Name: 'group-id', Values: [groupId] }], MaxResults: 5 }),
    );
    expect(first.NextToken).toBeUndefined();
    const bigGroup = ec2.addSecurityGroup({
      ingress: Array.from({ length: 7 }, (_, i) => ({ protocol: 'tcp', fromPort: 1000 + i, toPort: 1000 + i, cidrIpv4: '10.0.0.0/8' })),
    });
    const page1 = await client().send(new DescribeSecurityGroupRulesCommand({ Filters: [{ Name: 'group-id', Values: [bigGroup] }], MaxResults: 5 }));
    expect(page1.SecurityGroupRules).toHaveLength(5);
    const page2 = await client().send(
      new DescribeSecurityGroupRulesCommand({ Filters: [{ Name: 'group-id', Values: [bigGroup] }], MaxResults: 5, NextToken: page1.NextToken }),
    );
    expect(page2.SecurityGroupRules?.map((r) => r.FromPort)).toEqual([1005, 1006]);
    expect(page2.NextToken).toBeUndefined();
  });

  it('revokes exactly the rules named by id, and refuses an id that is not an inbound rule of the group', async () => {
    const groupId = seedWebGroup();
    const [openSsh, , , egress] = ec2.securityGroup(groupId)?.rules ?? [];
    const out = await client().send(new RevokeSecurityGroupIngressCommand({ GroupId: groupId, SecurityGroupRuleIds: [openSsh?.ruleId ?? ''] }));
    expect(out.Return).toBe(true);
    expect(out.RevokedSecurityGroupRules).toEqual([
      expect.objectContaining({ SecurityGroupRuleId: openSsh?.ruleId, GroupId: groupId, CidrIpv4: '0.0.0.0/0', FromPort: 22, Description: 'ssh' }),
    ]);
    expect(ec2.securityGroup(groupId)?.rules.map((r) => r.ruleId)).not.toContain(openSsh?.ruleId);
    expect(ec2.securityGroup(groupId)?.rules).toHaveLength(3);

    await expect(
      client().send(new RevokeSecurityGroupIngressCommand({ GroupId: groupId, SecurityGroupRuleIds: [egress?.ruleId ?? ''] })),
    ).rejects.toMatchObject({ name: 'InvalidSecurityGroupRuleId.NotFound' });
    expect(ec2.securityGroup(groupId)?.rules).toHaveLength(3);
  });

  it('revokes by IpPermissions and reports back the permissions that matched nothing', async () => {
    const groupId = seedWebGroup();
    const out = await client().send(
      new RevokeSecurityGroupEgressCommand({
        GroupId: groupId,
        IpPermissions: [
          { IpProtocol: '-1', IpRanges: [{ CidrIp: '0.0.0.0/0' }] },
          { IpProtocol: 'tcp', FromPort: 25, ToPort: 25, IpRanges: [{ CidrIp: '0.0.0.0/0' }] },
        ],
      }),
    );
    expect(out.RevokedSecurityGroupRules).toEqual([expect.objectContaining({ IsEgress: true, IpProtocol: '-1', CidrIpv4: '0.0.0.0/0' })]);
    expect(out.UnknownIpPermissions).toEqual([
      expect.objectContaining({ IpProtocol: 'tcp', FromPort: 25, ToPort: 25, IpRanges: [{ CidrIp: '0.0.0.0/0' }] }),
    ]);
    expect(ec2.securityGroup(groupId)?.rules.filter((r) => r.isEgress)).toEqual([]);
  });

  it('authorizes rules, returns their new ids, and rejects a duplicate as InvalidPermission.Duplicate', async () => {
    const groupId = seedWebGroup();
    const other = ec2.addSecurityGroup({ groupName: 'bastion' });
    const out = await client().send(
      new AuthorizeSecurityGroupIngressCommand({
        GroupId: groupId,
        IpPermissions: [
          { IpProtocol: 'tcp', FromPort: 22, ToPort: 22, IpRanges: [{ CidrIp: '192.0.2.0/24', Description: 'office' }] },
          { IpProtocol: '6', FromPort: 5432, ToPort: 5432, UserIdGroupPairs: [{ GroupId: other }] },
        ],
      }),
    );
    expect(out.Return).toBe(true);
    expect(out.SecurityGroupRules).toEqual([
      expect.objectContaining({ IsEgress: false, IpProtocol: 'tcp', FromPort: 22, CidrIpv4: '192.0.2.0/24', Description: 'office' }),
      expect.objectContaining({ IpProtocol: 'tcp', FromPort: 5432, ReferencedGroupInfo: { GroupId: other, UserId: '111111111111' } }),
    ]);
    const ids = out.SecurityGroupRules?.map((r) => r.SecurityGroupRuleId);
    expect(ec2.securityGroup(groupId)?.rules.slice(-2).map((r) => r.ruleId)).toEqual(ids);

    // The description does not make a rule different; nothing of the call is applied.
    const before = ec2.securityGroup(groupId);
    await expect(
      client().send(
        new AuthorizeSecurityGroupIngressCommand({
          GroupId: groupId,
          IpPermissions: [
            { IpProtocol: 'tcp', FromPort: 8080, ToPort: 8080, IpRanges: [{ CidrIp: '10.0.0.0/8' }] },
            { IpProtocol: 'tcp', FromPort: 22, ToPort: 22, IpRanges: [{ CidrIp: '0.0.0.0/0', Description: 'other words' }] },
          ],
        }),
      ),
    ).rejects.toMatchObject({ name: 'InvalidPermission.Duplicate', message: expect.stringContaining('peer: 0.0.0.0/0, TCP, from port: 22') });
    expect(ec2.securityGroup(groupId)).toEqual(before);

    await expect(
      client().send(new AuthorizeSecurityGroupEgressCommand({ GroupId: groupId, IpPermissions: [{ IpProtocol: '-1', IpRanges: [{ CidrIp: '0.0.0.0/0' }] }] })),
    ).rejects.toMatchObject({ name: 'InvalidPermission.Duplicate' });
  });

  it('validates permissions as EC2 does', async () => {
    const groupId = seedWebGroup();
    const authorize = (IpPermissions: IpPermission[]) =>
      client().send(new AuthorizeSecurityGroupIngressCommand({ GroupId: groupId, IpPermissions }));
    await expect(authorize([{ IpProtocol: 'tcp', FromPort: 22, ToPort: 22, IpRanges: [{ CidrIp: '10.0.0/8' }] }])).rejects.toMatchObject({
      name: 'InvalidParameterValue',
      message: 'CIDR block 10.0.0/8 is malformed',
    });
    await expect(authorize([{ IpProtocol: 'tcp', FromPort: 30, ToPort: 20, IpRanges: [{ CidrIp: '10.0.0.0/8' }] }])).rejects.toMatchObject({
      name: 'InvalidParameterValue',
    });
    await expect(authorize([{ IpProtocol: 'tcp', FromPort: 22, ToPort: 22, UserIdGroupPairs: [{ GroupId: 'sg-00000000000000bad' }] }])).rejects.toMatchObject({
      name: 'InvalidGroup.NotFound',
    });
    await expect(authorize([{ IpProtocol: 'tcp', FromPort: 22, ToPort: 22 }])).rejects.toMatchObject({ name: 'MissingParameter' });
  });

  it('refuses parameters it does not model (DryRun) instead of ignoring them', async () => {
    const groupId = seedWebGroup();
    const ruleId = ec2.securityGroup(groupId)?.rules[0]?.ruleId ?? '';
    await expect(
      client().send(new RevokeSecurityGroupIngressCommand({ GroupId: groupId, SecurityGroupRuleIds: [ruleId], DryRun: true })),
    ).rejects.toMatchObject({ name: 'NotImplemented', $metadata: { httpStatusCode: 501 } });
    expect(ec2.securityGroup(groupId)?.rules.map((r) => r.ruleId)).toContain(ruleId);
  });
});

describe('simulated EC2: network interfaces, instances, EBS', () => {
  it('finds network interfaces by group-id', async () => {
    const groupId = seedWebGroup();
    const unused = ec2.addSecurityGroup({ groupName: 'unused' });
    const eni = ec2.addNetworkInterface({ groupIds: [groupId], instanceId: 'i-0123456789abcdef0' });
    ec2.addNetworkInterface({ groupIds: [groupId], region: 'eu-west-1' });
    const using = await client().send(new DescribeNetworkInterfacesCommand({ Filters: [{ Name: 'group-id', Values: [groupId] }] }));
    expect(using.NetworkInterfaces?.map((n) => n.NetworkInterfaceId)).toEqual([eni]);
    expect(using.NetworkInterfaces?.[0]).toMatchObject({
      Status: 'in-use',
      Attachment: { InstanceId: 'i-0123456789abcdef0' },
      Groups: [{ GroupId: groupId, GroupName: 'web' }],
    });
    const none = await client().send(new DescribeNetworkInterfacesCommand({ Filters: [{ Name: 'group-id', Values: [unused] }] }));
    expect(none.NetworkInterfaces).toEqual([]);
  });

  it('describes and modifies instance metadata options', async () => {
    const id = ec2.addInstance({ metadataOptions: { httpPutResponseHopLimit: 2 } });
    const described = await client().send(new DescribeInstancesCommand({ InstanceIds: [id] }));
    expect(described.Reservations?.[0]?.Instances?.[0]).toMatchObject({
      InstanceId: id,
      State: { Code: 16, Name: 'running' },
      MetadataOptions: { State: 'applied', HttpTokens: 'optional', HttpEndpoint: 'enabled', HttpPutResponseHopLimit: 2 },
    });
    const modified = await client().send(new ModifyInstanceMetadataOptionsCommand({ InstanceId: id, HttpTokens: 'required' }));
    expect(modified).toMatchObject({ InstanceId: id, InstanceMetadataOptions: { State: 'pending', HttpTokens: 'required', HttpPutResponseHopLimit: 2 } });
    expect(ec2.instance(id)?.metadataOptions).toMatchObject({ httpTokens: 'required', httpEndpoint: 'enabled', httpPutResponseHopLimit: 2 });

    await expect(client().send(new ModifyInstanceMetadataOptionsCommand({ InstanceId: id, HttpPutResponseHopLimit: 65 }))).rejects.toMatchObject({
      name: 'InvalidParameterValue',
    });
    await expect(client().send(new DescribeInstancesCommand({ InstanceIds: ['i-0000000000000dead'] }))).rejects.toMatchObject({
      name: 'InvalidInstanceID.NotFound',
      message: "The instance ID 'i-0000000000000dead' does not exist",
    });
    await expect(
      client().send(new ModifyInstanceMetadataOptionsCommand({ InstanceId: 'i-0000000000000dead', HttpTokens: 'required' })),
    ).rejects.toMatchObject({ name: 'InvalidInstanceID.NotFound' });
  });

  it('keeps EBS encryption by default per Region', async () => {
    expect((await client().send(new GetEbsEncryptionByDefaultCommand({}))).EbsEncryptionByDefault).toBe(false);
    expect((await client().send(new EnableEbsEncryptionByDefaultCommand({}))).EbsEncryptionByDefault).toBe(true);
    expect(await client().send(new GetEbsEncryptionByDefaultCommand({}))).toMatchObject({ EbsEncryptionByDefault: true, SseType: 'sse-ebs' });
    expect(ec2.ebsEncryptionByDefault('us-east-1')).toBe(true);
    expect(ec2.ebsEncryptionByDefault('eu-west-1')).toBe(false);
    expect((await client().send(new DisableEbsEncryptionByDefaultCommand({}))).EbsEncryptionByDefault).toBe(false);
    expect(ec2.ebsEncryptionByDefault('us-east-1')).toBe(false);
  });

  it('records calls, fires injected faults in EC2 form, and refuses what it does not model', async () => {
    sim.aws.failNext('ec2', 'GetEbsEncryptionByDefault', { status: 403, code: 'UnauthorizedOperation', message: 'You are not authorized to perform this operation.' });
    await expect(client().send(new GetEbsEncryptionByDefaultCommand({}))).rejects.toMatchObject({
      name: 'UnauthorizedOperation',
      $metadata: { httpStatusCode: 403 },
    });
    await expect(client().send(new DescribeVpcsCommand({}))).rejects.toMatchObject({ name: 'NotImplemented', $metadata: { httpStatusCode: 501 } });
    expect(sim.aws.callsTo('ec2').map((c) => [c.operation, c.failedWith])).toEqual([
      ['GetEbsEncryptionByDefault', 'UnauthorizedOperation'],
      ['Unsupported', 'NotImplemented'],
    ]);
  });
});
