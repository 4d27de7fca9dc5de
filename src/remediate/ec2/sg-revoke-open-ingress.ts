import { z } from 'zod';
import type { Finding } from '../../domain/finding.js';
import { renderListDiff } from '../list-diff.js';
import type { AwsClients, Plan, Remediation, RemediationOptions, State } from '../remediation.js';
import {
  authorizeCall,
  describeGroup,
  readRules,
  restoreRules,
  revokeCall,
  revokeRules,
  ruleKey,
  ruleSchema,
  ruleSpecSchema,
  ruleText,
  securityGroupId,
  sendSecurityGroupCall,
  withoutId,
  type Rule,
  type RuleSpec,
  type SecurityGroupCall,
} from './security-group-rules.js';

/** EC2.19's list of high-risk ports (Security Hub control reference). */
const HIGH_RISK_PORTS = [20, 21, 22, 23, 25, 110, 135, 143, 445, 1433, 1434, 3000, 3306, 3389, 4333, 5000, 5432, 5500, 5601, 8080, 8088, 8888, 9200, 9300];
const REMOTE_ADMIN_PORTS = [22, 3389];

type Family = 'ipv4' | 'ipv6';

/**
 * What a control counts as open: which world range(s), which protocols, and which
 * ports. Protocol -1 (all traffic) from those ranges always counts: it covers every port.
 */
interface Exposure {
  families: readonly Family[];
  protocols: readonly ('tcp' | 'udp')[];
  /** Whether the rule's port range exposes something the control forbids. */
  exposes(protocol: 'tcp' | 'udp', from: number, to: number, authorized: Authorized): boolean;
}

interface Authorized {
  tcp: readonly number[];
  udp: readonly number[];
}

const covers = (ports: readonly number[]) => (_protocol: 'tcp' | 'udp', from: number, to: number) =>
  ports.some((port) => from <= port && port <= to);

/** Some port in the range is not authorized for that protocol. */
function notAuthorized(protocol: 'tcp' | 'udp', from: number, to: number, authorized: Authorized): boolean {
  const allowedInRange = new Set(authorized[protocol].filter((port) => from <= port && port <= to));
  return allowedInRange.size < to - from + 1;
}

const EXPOSURES: Readonly<Record<string, Exposure>> = {
  'EC2.13': { families: ['ipv4', 'ipv6'], protocols: ['tcp'], exposes: covers([22]) },
  'EC2.14': { families: ['ipv4', 'ipv6'], protocols: ['tcp'], exposes: covers([3389]) },
  'EC2.18': { families: ['ipv4', 'ipv6'], protocols: ['tcp', 'udp'], exposes: notAuthorized },
  'EC2.19': { families: ['ipv4', 'ipv6'], protocols: ['tcp', 'udp'], exposes: covers(HIGH_RISK_PORTS) },
  // CIS: remote administration over TCP, UDP or all protocols; EC2.53 is the IPv4 half, EC2.54 the IPv6 half.
  'EC2.53': { families: ['ipv4'], protocols: ['tcp', 'udp'], exposes: covers(REMOTE_ADMIN_PORTS) },
  'EC2.54': { families: ['ipv6'], protocols: ['tcp', 'udp'], exposes: covers(REMOTE_ADMIN_PORTS) },
};

function worldFamily(rule: RuleSpec): Family | null {
  if (rule.cidrIpv4 !== undefined && rule.cidrIpv4.endsWith('/0')) return 'ipv4';
  if (rule.cidrIpv6 !== undefined && rule.cidrIpv6.endsWith('/0')) return 'ipv6';
  return null;
}

/** Only ingress from the world range(s) the control names; restricted CIDRs, groups and prefix lists never. */
function offends(rule: RuleSpec, exposure: Exposure, authorized: Authorized): boolean {
  const family = worldFamily(rule);
  if (rule.isEgress || family === null || !exposure.families.includes(family)) return false;
  if (rule.protocol === '-1') return true;
  const protocol = exposure.protocols.find((p) => p === rule.protocol);
  return protocol !== undefined && exposure.exposes(protocol, rule.fromPort, rule.toPort, authorized);
}

const port = z.number().int().min(0).max(65535);
const IPV4_CIDR = /^(25[0-5]|2[0-4]\d|1?\d?\d)(\.(25[0-5]|2[0-4]\d|1?\d?\d)){3}\/([0-9]|[12]\d|3[0-2])$/;
const IPV6_CIDR = /^[0-9a-fA-F:]*:[0-9a-fA-F:]*\/(\d|[1-9]\d|1[01]\d|12[0-8])$/;
const replacementCidr = z
  .string()
  .refine((cidr) => IPV4_CIDR.test(cidr) || IPV6_CIDR.test(cidr), 'must be an IPv4 or IPv6 CIDR such as 10.20.0.0/16')
  .refine((cidr) => !cidr.endsWith('/0'), 'must not be open to the world (/0)');

const optionsSchema = z.object({
  /** EC2.18's authorizedTcpPorts: world-open TCP ports that are allowed. */
  authorizedPorts: z.array(port).default([80, 443]),
  /** EC2.18's authorizedUdpPorts (none unless the policy says so). */
  authorizedUdpPorts: z.array(port).default([]),
  /** The team's documented ranges: each revoked rule is re-granted to these instead of the world. */
  replacementCidrs: z.array(replacementCidr).default([]),
});

function parseOptions(options: RemediationOptions | undefined): z.output<typeof optionsSchema> {
  const result = optionsSchema.safeParse(options ?? {});
  if (result.success) return result.data;
  const issue = result.error.issues[0];
  throw new Error(`sg-revoke-open-ingress: option ${issue?.path.join('.') ?? '?'} ${issue?.message ?? 'is invalid'}`);
}

const stateSchema = z.object({
  groupId: z.string(),
  groupName: z.string(),
  control: z.string(),
  authorizedPorts: z.array(port).optional(),
  authorizedUdpPorts: z.array(port).optional(),
  /** Ingress rules; in `after`, rules the fix adds have no id yet. */
  ingress: z.array(ruleSpecSchema.extend({ ruleId: z.string().optional() })),
});
const beforeSchema = stateSchema.extend({ ingress: z.array(ruleSchema) });

function exposureFor(control: string | null): Exposure {
  const exposure = control !== null && Object.hasOwn(EXPOSURES, control) ? EXPOSURES[control] : undefined;
  if (!exposure) {
    throw new Error(`sg-revoke-open-ingress answers ${Object.keys(EXPOSURES).join(', ')}; this finding's control is ${control ?? 'unknown'}`);
  }
  return exposure;
}

function authorizedOf(state: z.output<typeof stateSchema>): Authorized {
  return { tcp: state.authorizedPorts ?? [], udp: state.authorizedUdpPorts ?? [] };
}

/** The offending ingress rules' replacements: same protocol and ports, from the team's ranges, minus any the group already has. */
function replacementsFor(offending: readonly Rule[], cidrs: readonly string[], existing: readonly Rule[]): RuleSpec[] {
  const taken = new Set(existing.map(ruleKey));
  const added: RuleSpec[] = [];
  for (const rule of offending) {
    for (const cidr of cidrs) {
      const { cidrIpv4: _v4, cidrIpv6: _v6, ...rest } = withoutId(rule);
      const replacement: RuleSpec = { ...rest, ...(cidr.includes(':') ? { cidrIpv6: cidr } : { cidrIpv4: cidr }) };
      if (taken.has(ruleKey(replacement))) continue;
      taken.add(ruleKey(replacement));
      added.push(replacement);
    }
  }
  return added;
}

/**
 * Revokes only the ingress rules that open the control's ports to the world (0.0.0.0/0
 * or ::/0, as the control names), by rule id, optionally re-granting the same ports to
 * the team's documented CIDRs. Restricted rules, group references and prefix lists stay.
 */
export const sgRevokeOpenIngress: Remediation = {
  id: 'sg-revoke-open-ingress',
  controls: Object.keys(EXPOSURES),
  cisRules: ['4.1', '4.2'],
  resourceType: 'AwsEc2SecurityGroup',
  mode: 'copilot',
  reversible: true,
  permissions: [
    'ec2:DescribeSecurityGroups',
    'ec2:DescribeSecurityGroupRules',
    'ec2:RevokeSecurityGroupIngress',
    'ec2:AuthorizeSecurityGroupIngress',
  ],

  async plan(finding: Finding, aws: AwsClients, options?: RemediationOptions): Promise<Plan> {
    const exposure = exposureFor(finding.control);
    const control = finding.control ?? '';
    const { authorizedPorts, authorizedUdpPorts, replacementCidrs } = parseOptions(options);
    const groupId = securityGroupId(finding.resource.id);
    const region = finding.resource.region || finding.region;
    const ec2 = aws.ec2(region);
    const group = await describeGroup(ec2, groupId);
    const ingress = (await readRules(ec2, groupId)).filter((r) => !r.isEgress);
    const authorized = { tcp: authorizedPorts, udp: authorizedUdpPorts };
    const offending = ingress.filter((r) => offends(r, exposure, authorized));
    const replacements = replacementsFor(offending, replacementCidrs, ingress);
    const header = {
      groupId,
      groupName: group.GroupName ?? groupId,
      control,
      ...(control === 'EC2.18' ? { authorizedPorts, authorizedUdpPorts } : {}),
    };
    const gone = new Set(offending.map((r) => r.ruleId));
    const kept = ingress.filter((r) => !gone.has(r.ruleId));
    const before: State = { ...header, ingress };
    const after: State = { ...header, ingress: [...kept, ...replacements] };
    // Grant the replacements before revoking, so the team never loses access in between.
    const calls = [authorizeCall(groupId, replacements, false), revokeCall(groupId, offending, false)].filter(
      (call): call is SecurityGroupCall => call !== null,
    );
    return {
      remediationId: this.id,
      findingId: finding.id,
      resourceId: groupId,
      region,
      before,
      after,
      diff: renderListDiff(
        `${groupId} (${header.groupName}) inbound rules`,
        ingress.map((r) => ruleText(groupId, r)),
        [...kept, ...replacements].map((r) => ruleText(groupId, r)),
      ),
      alreadyCompliant: offending.length === 0,
      calls,
    };
  },

  async apply(plan: Plan, aws: AwsClients): Promise<void> {
    const ec2 = aws.ec2(plan.region);
    for (const call of plan.calls) {
      await sendSecurityGroupCall(ec2, plan.resourceId, call, ['AuthorizeSecurityGroupIngress', 'RevokeSecurityGroupIngress']);
    }
  },

  async verify(plan: Plan, aws: AwsClients) {
    const before = beforeSchema.parse(plan.before);
    const exposure = exposureFor(before.control);
    const ingress = (await readRules(aws.ec2(plan.region), plan.resourceId)).filter((r) => !r.isEgress);
    const open = ingress.filter((r) => offends(r, exposure, authorizedOf(before)));
    return {
      ok: open.length === 0,
      observed: { ...plan.after, ingress },
      detail:
        open.length === 0
          ? `no inbound rule of ${plan.resourceId} is open to the world on the ports ${before.control} forbids`
          : `still open: ${open.map((r) => ruleText(plan.resourceId, r)).join('; ')}`,
    };
  },

  /** Re-grants exactly what was revoked (protocol, ports, CIDR, description) and revokes the replacements it added. */
  async undo(plan: Plan, aws: AwsClients): Promise<void> {
    const before = beforeSchema.parse(plan.before);
    const after = stateSchema.parse(plan.after);
    const ec2 = aws.ec2(plan.region);
    const keptIds = new Set(after.ingress.map((r) => r.ruleId));
    const revoked = before.ingress.filter((r) => !keptIds.has(r.ruleId));
    const addedKeys = new Set(after.ingress.filter((r) => r.ruleId === undefined).map(ruleKey));
    const current = await readRules(ec2, plan.resourceId);
    await restoreRules(ec2, plan.resourceId, revoked.map(withoutId), current);
    await revokeRules(ec2, plan.resourceId, current.filter((r) => addedKeys.has(ruleKey(r))));
  },
};
