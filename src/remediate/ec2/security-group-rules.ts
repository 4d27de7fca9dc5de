/**
 * Security-group rules as the security-group remediations see them: read one group's
 * rules by id (DescribeSecurityGroupRules), render them for a diff, turn them back into
 * IpPermissions to restore them, and run the revoke/authorize calls a plan lists.
 */
import type { EC2Client, IpPermission, SecurityGroup, SecurityGroupRule } from '@aws-sdk/client-ec2';
import { z } from 'zod';
import { awsSdk } from '../aws-clients.js';
import type { ApiCall } from '../remediation.js';

/** A rule without its id: what EC2 compares to decide two rules are the same (plus a description). */
export const ruleSpecSchema = z.object({
  isEgress: z.boolean(),
  /** tcp, udp, icmp, icmpv6, -1 (all traffic) or another protocol number. */
  protocol: z.string(),
  /** -1 when the protocol has no ports. */
  fromPort: z.number().int(),
  toPort: z.number().int(),
  cidrIpv4: z.string().optional(),
  cidrIpv6: z.string().optional(),
  prefixListId: z.string().optional(),
  referencedGroupId: z.string().optional(),
  referencedUserId: z.string().optional(),
  description: z.string().optional(),
});
export type RuleSpec = z.infer<typeof ruleSpecSchema>;

export const ruleSchema = ruleSpecSchema.extend({ ruleId: z.string() });
export type Rule = z.infer<typeof ruleSchema>;

/** `arn:aws:ec2:<region>:<account>:security-group/sg-...` or a bare group id. */
export function securityGroupId(resourceId: string): string {
  const id = resourceId.startsWith('arn:') ? (/^arn:[^:]+:ec2:[^:]*:[^:]*:security-group\/(.+)$/.exec(resourceId)?.[1] ?? '') : resourceId;
  if (!/^sg-[0-9a-f]{8,17}$/.test(id)) throw new Error(`"${resourceId}" does not name an EC2 security group`);
  return id;
}

/** The group itself; EC2 answers InvalidGroup.NotFound for a group that no longer exists. */
export async function describeGroup(ec2: EC2Client, groupId: string): Promise<SecurityGroup> {
  const out = await ec2.send(new (awsSdk.ec2().DescribeSecurityGroupsCommand)({ GroupIds: [groupId] }));
  const group = out.SecurityGroups?.find((g) => g.GroupId === groupId);
  if (!group) throw new Error(`DescribeSecurityGroups did not return ${groupId}`);
  return group;
}

/** Every rule of the group, both directions, with the ids that revoke exactly them. */
export async function readRules(ec2: EC2Client, groupId: string): Promise<Rule[]> {
  const rules: Rule[] = [];
  let token: string | undefined;
  do {
    const out = await ec2.send(
      new (awsSdk.ec2().DescribeSecurityGroupRulesCommand)({ Filters: [{ Name: 'group-id', Values: [groupId] }], NextToken: token }),
    );
    rules.push(...(out.SecurityGroupRules ?? []).filter((r) => r.GroupId === groupId).map(fromSdk));
    token = out.NextToken;
  } while (token);
  return rules;
}

const PROTOCOL_NAMES: Readonly<Record<string, string>> = { '6': 'tcp', '17': 'udp', '1': 'icmp', '58': 'icmpv6' };

function fromSdk(rule: SecurityGroupRule): Rule {
  if (!rule.SecurityGroupRuleId || rule.IsEgress === undefined || !rule.IpProtocol) {
    throw new Error(`DescribeSecurityGroupRules returned an incomplete rule: ${JSON.stringify(rule)}`);
  }
  const protocol = Object.hasOwn(PROTOCOL_NAMES, rule.IpProtocol) ? (PROTOCOL_NAMES[rule.IpProtocol] ?? rule.IpProtocol) : rule.IpProtocol;
  const optional = (key: keyof RuleSpec, value: string | undefined) => (value === undefined ? {} : { [key]: value });
  return {
    ruleId: rule.SecurityGroupRuleId,
    isEgress: rule.IsEgress,
    protocol,
    fromPort: rule.FromPort ?? -1,
    toPort: rule.ToPort ?? -1,
    ...optional('cidrIpv4', rule.CidrIpv4),
    ...optional('cidrIpv6', rule.CidrIpv6),
    ...optional('prefixListId', rule.PrefixListId),
    ...optional('referencedGroupId', rule.ReferencedGroupInfo?.GroupId),
    ...optional('referencedUserId', rule.ReferencedGroupInfo?.UserId),
    ...optional('description', rule.Description),
  };
}

/** The rule without its id (the schema drops unknown keys). */
export function withoutId(rule: RuleSpec): RuleSpec {
  return ruleSpecSchema.parse(rule);
}

export function sourceOf(rule: RuleSpec): string {
  return rule.cidrIpv4 ?? rule.cidrIpv6 ?? rule.prefixListId ?? rule.referencedGroupId ?? '(no source)';
}

/** Same key, same rule to EC2 (a second one is InvalidPermission.Duplicate); the description does not count. */
export function ruleKey(rule: RuleSpec): string {
  return [rule.isEgress ? 'egress' : 'ingress', rule.protocol, rule.fromPort, rule.toPort, sourceOf(rule)].join('|');
}

function portsText(rule: RuleSpec): string {
  if (rule.protocol === '-1') return 'all traffic';
  if (rule.protocol === 'icmp' || rule.protocol === 'icmpv6') {
    return rule.fromPort === -1 ? `${rule.protocol} all` : `${rule.protocol} type ${rule.fromPort}${rule.toPort === -1 ? '' : ` code ${rule.toPort}`}`;
  }
  if (rule.fromPort === -1) return `protocol ${rule.protocol}`;
  return `${rule.protocol} ${rule.fromPort === rule.toPort ? rule.fromPort : `${rule.fromPort}-${rule.toPort}`}`;
}

/** One diff line: `sg-… tcp 22 from 0.0.0.0/0 "ssh"`, `sg-… egress all traffic to 0.0.0.0/0`. */
export function ruleText(groupId: string, rule: RuleSpec): string {
  const direction = rule.isEgress ? ' egress' : '';
  const description = rule.description ? ` ${JSON.stringify(rule.description)}` : '';
  return `${groupId}${direction} ${portsText(rule)} ${rule.isEgress ? 'to' : 'from'} ${sourceOf(rule)}${description}`;
}

/** The IpPermission that authorizes exactly this rule again, description included. */
export function toIpPermission(rule: RuleSpec): IpPermission {
  const described = rule.description === undefined ? {} : { Description: rule.description };
  const hasPorts = ['tcp', 'udp', 'icmp', 'icmpv6'].includes(rule.protocol);
  const permission: IpPermission = {
    IpProtocol: rule.protocol,
    ...(hasPorts ? { FromPort: rule.fromPort, ToPort: rule.toPort } : {}),
  };
  if (rule.cidrIpv4 !== undefined) permission.IpRanges = [{ CidrIp: rule.cidrIpv4, ...described }];
  else if (rule.cidrIpv6 !== undefined) permission.Ipv6Ranges = [{ CidrIpv6: rule.cidrIpv6, ...described }];
  else if (rule.prefixListId !== undefined) permission.PrefixListIds = [{ PrefixListId: rule.prefixListId, ...described }];
  else if (rule.referencedGroupId !== undefined) {
    const owner = rule.referencedUserId === undefined ? {} : { UserId: rule.referencedUserId };
    permission.UserIdGroupPairs = [{ GroupId: rule.referencedGroupId, ...owner, ...described }];
  }
  return permission;
}

export type SecurityGroupOperation =
  | 'RevokeSecurityGroupIngress'
  | 'RevokeSecurityGroupEgress'
  | 'AuthorizeSecurityGroupIngress'
  | 'AuthorizeSecurityGroupEgress';

export interface SecurityGroupCall extends ApiCall {
  operation: SecurityGroupOperation;
}

const described = { Description: z.string().optional() };
const ipPermissionSchema = z.object({
  IpProtocol: z.string(),
  FromPort: z.number().int().optional(),
  ToPort: z.number().int().optional(),
  IpRanges: z.array(z.object({ CidrIp: z.string(), ...described })).optional(),
  Ipv6Ranges: z.array(z.object({ CidrIpv6: z.string(), ...described })).optional(),
  PrefixListIds: z.array(z.object({ PrefixListId: z.string(), ...described })).optional(),
  UserIdGroupPairs: z.array(z.object({ GroupId: z.string(), UserId: z.string().optional(), ...described })).optional(),
});
const byRuleIds = z.object({ GroupId: z.string(), SecurityGroupRuleIds: z.array(z.string()).min(1) });
const byPermissions = z.object({ GroupId: z.string(), IpPermissions: z.array(ipPermissionSchema).min(1) });

/** An ApiCall revoking these rules by id (so exactly these go), or null when there are none. */
export function revokeCall(groupId: string, rules: readonly Rule[], isEgress: boolean): SecurityGroupCall | null {
  const ids = rules.filter((r) => r.isEgress === isEgress).map((r) => r.ruleId);
  if (ids.length === 0) return null;
  const operation: SecurityGroupOperation = isEgress ? 'RevokeSecurityGroupEgress' : 'RevokeSecurityGroupIngress';
  return { service: 'ec2', operation, input: { GroupId: groupId, SecurityGroupRuleIds: ids } };
}

/** An ApiCall authorizing these rules, or null when there are none. */
export function authorizeCall(groupId: string, rules: readonly RuleSpec[], isEgress: boolean): SecurityGroupCall | null {
  const permissions = rules.filter((r) => r.isEgress === isEgress).map(toIpPermission);
  if (permissions.length === 0) return null;
  const operation: SecurityGroupOperation = isEgress ? 'AuthorizeSecurityGroupEgress' : 'AuthorizeSecurityGroupIngress';
  return { service: 'ec2', operation, input: { GroupId: groupId, IpPermissions: permissions } };
}

/**
 * Sends one planned call. Plans may come back from storage, so the call is re-validated:
 * only the operations this remediation plans, and only on the plan's own group.
 */
export async function sendSecurityGroupCall(
  ec2: EC2Client,
  groupId: string,
  call: ApiCall,
  allowed: readonly SecurityGroupOperation[],
): Promise<void> {
  const operation = allowed.find((op) => op === call.operation);
  if (call.service !== 'ec2' || operation === undefined) throw new Error(`unexpected call ${call.service}:${call.operation} in plan`);
  const target = z.object({ GroupId: z.string() }).parse(call.input).GroupId;
  if (target !== groupId) throw new Error(`plan call ${operation} targets ${target}, not ${groupId}`);
  switch (operation) {
    case 'RevokeSecurityGroupIngress':
      await ec2.send(new (awsSdk.ec2().RevokeSecurityGroupIngressCommand)(byRuleIds.parse(call.input)));
      return;
    case 'RevokeSecurityGroupEgress':
      await ec2.send(new (awsSdk.ec2().RevokeSecurityGroupEgressCommand)(byRuleIds.parse(call.input)));
      return;
    case 'AuthorizeSecurityGroupIngress':
      await ec2.send(new (awsSdk.ec2().AuthorizeSecurityGroupIngressCommand)(byPermissions.parse(call.input)));
      return;
    case 'AuthorizeSecurityGroupEgress':
      await ec2.send(new (awsSdk.ec2().AuthorizeSecurityGroupEgressCommand)(byPermissions.parse(call.input)));
      return;
  }
}

/**
 * Undo's half that puts rules back: authorizes those of `wanted` the group lacks now
 * (one already back would be InvalidPermission.Duplicate), in both directions.
 */
export async function restoreRules(ec2: EC2Client, groupId: string, wanted: readonly RuleSpec[], current: readonly Rule[]): Promise<void> {
  const present = new Set(current.map(ruleKey));
  const missing = wanted.filter((r) => !present.has(ruleKey(r)));
  for (const isEgress of [false, true]) {
    const call = authorizeCall(groupId, missing, isEgress);
    if (call) await sendSecurityGroupCall(ec2, groupId, call, [call.operation]);
  }
}

/** Revokes these rules by id, both directions. */
export async function revokeRules(ec2: EC2Client, groupId: string, rules: readonly Rule[]): Promise<void> {
  for (const isEgress of [false, true]) {
    const call = revokeCall(groupId, rules, isEgress);
    if (call) await sendSecurityGroupCall(ec2, groupId, call, [call.operation]);
  }
}
