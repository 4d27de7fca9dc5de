/**
 * Simulated Amazon EC2 for the bot's security-group, instance-metadata and EBS-default
 * fixes and its owner-tag lookups: EC2's own query protocol (form-encoded
 * `Action=...&Version=2016-11-15`), its XML replies (`<XResponse xmlns=...><requestId>`,
 * lists as `<item>`), and its error envelope
 * (`<Response><Errors><Error><Code>`), so the real SDK v3 client parses results and names
 * errors exactly as against AWS.
 */
import { randomUUID } from 'node:crypto';
import type { IpPermission } from '@aws-sdk/client-ec2';
import { z } from 'zod';
import { ApiError, queryList, readQueryForm, unsupported, failing, xmlEscape, type AwsFault, type Routed, type SimService } from './aws-service.js';

export interface SecurityGroupRuleState {
  ruleId: string;
  isEgress: boolean;
  /** As EC2 stores it: tcp, udp, icmp, icmpv6, -1 (all traffic) or another protocol number. */
  protocol: string;
  /** -1 when the protocol has no ports. */
  fromPort: number;
  toPort: number;
  cidrIpv4?: string;
  cidrIpv6?: string;
  prefixListId?: string;
  referencedGroupId?: string;
  referencedUserId?: string;
  description?: string;
}

export interface SecurityGroupState {
  groupId: string;
  groupName: string;
  description: string;
  vpcId: string;
  ownerId: string;
  region: string;
  rules: SecurityGroupRuleState[];
}

/** A rule to seed: one source; ports may be left out for protocol -1. */
export type RuleSeed = Omit<SecurityGroupRuleState, 'ruleId' | 'isEgress' | 'fromPort' | 'toPort'> & { fromPort?: number; toPort?: number };

export interface SecurityGroupSeed {
  groupId?: string;
  groupName?: string;
  description?: string;
  vpcId?: string;
  region?: string;
  ingress?: RuleSeed[];
  egress?: RuleSeed[];
}

export interface NetworkInterfaceState {
  networkInterfaceId: string;
  region: string;
  groupIds: string[];
  vpcId: string;
  description: string;
  instanceId?: string;
}

export interface MetadataOptions {
  httpTokens: 'optional' | 'required';
  httpEndpoint: 'enabled' | 'disabled';
  httpPutResponseHopLimit: number;
  httpProtocolIpv6: 'enabled' | 'disabled';
  instanceMetadataTags: 'enabled' | 'disabled';
}

/** A tag set on any EC2 resource, by id. */
interface ResourceTagsState {
  region: string;
  tags: Record<string, string>;
}

export interface InstanceState {
  instanceId: string;
  region: string;
  metadataOptions: MetadataOptions;
}

const XMLNS = 'http://ec2.amazonaws.com/doc/2016-11-15/';
const DEFAULT_REGION = 'us-east-1';
const EC2_HOST = /^ec2(?:\.([a-z0-9-]+))?\.amazonaws\.com$/;
/** Form fields every action accepts; anything else (DryRun included) must be declared by the action. */
const COMMON_FIELDS = new Set(['Action', 'Version']);

type Form = Record<string, string>;

export class Ec2Service implements SimService {
  readonly name = 'ec2';
  private readonly accountId: string;
  private readonly groups = new Map<string, SecurityGroupState>();
  private readonly interfaces = new Map<string, NetworkInterfaceState>();
  private readonly instances = new Map<string, InstanceState>();
  private readonly resourceTags = new Map<string, ResourceTagsState>();
  /** Regions where EBS encryption by default is on (off everywhere unless enabled). */
  private readonly ebsDefaultOn = new Set<string>();
  private idCounter = 0;

  constructor(options: { accountId?: string } = {}) {
    this.accountId = options.accountId ?? '111122223333';
  }

  // ---- seeding and inspection -------------------------------------------------

  /** Adds a group with the given rules (each gets a fresh sgr- id); returns the group id. */
  addSecurityGroup(seed: SecurityGroupSeed = {}): string {
    const groupId = seed.groupId ?? this.newId('sg');
    const group: SecurityGroupState = {
      groupId,
      groupName: seed.groupName ?? groupId,
      description: seed.description ?? `${seed.groupName ?? groupId} security group`,
      vpcId: seed.vpcId ?? 'vpc-0a1b2c3d4e5f60718',
      ownerId: this.accountId,
      region: seed.region ?? DEFAULT_REGION,
      rules: [],
    };
    const seeded = (isEgress: boolean) => (rule: RuleSeed) =>
      this.newRule(
        normalizeSpec({ ...rule, isEgress, fromPort: rule.fromPort ?? -1, toPort: rule.toPort ?? -1 }),
      );
    group.rules = [...(seed.ingress ?? []).map(seeded(false)), ...(seed.egress ?? []).map(seeded(true))];
    this.groups.set(groupId, group);
    return groupId;
  }

  /** A copy of the group and its rules, or undefined when it does not exist. */
  securityGroup(groupId: string): SecurityGroupState | undefined {
    const group = this.groups.get(groupId);
    return group ? structuredClone(group) : undefined;
  }

  deleteSecurityGroup(groupId: string): void {
    this.groups.delete(groupId);
  }

  addNetworkInterface(seed: Partial<NetworkInterfaceState> & { groupIds: string[] }): string {
    const networkInterfaceId = seed.networkInterfaceId ?? this.newId('eni');
    this.interfaces.set(networkInterfaceId, {
      networkInterfaceId,
      region: seed.region ?? DEFAULT_REGION,
      groupIds: [...seed.groupIds],
      vpcId: seed.vpcId ?? 'vpc-0a1b2c3d4e5f60718',
      description: seed.description ?? '',
      ...(seed.instanceId ? { instanceId: seed.instanceId } : {}),
    });
    return networkInterfaceId;
  }

  /** Adds a running instance; metadata options default to what EC2 gives a new instance without IMDSv2 enforced. */
  addInstance(seed: { instanceId?: string; region?: string; metadataOptions?: Partial<MetadataOptions> } = {}): string {
    const instanceId = seed.instanceId ?? this.newId('i');
    this.instances.set(instanceId, {
      instanceId,
      region: seed.region ?? DEFAULT_REGION,
      metadataOptions: {
        httpTokens: 'optional',
        httpEndpoint: 'enabled',
        httpPutResponseHopLimit: 1,
        httpProtocolIpv6: 'disabled',
        instanceMetadataTags: 'disabled',
        ...seed.metadataOptions,
      },
    });
    return instanceId;
  }

  instance(instanceId: string): InstanceState | undefined {
    const found = this.instances.get(instanceId);
    return found ? structuredClone(found) : undefined;
  }

  /** Replaces the tags of any resource id (sg-, i-, vol-, ...); the resource itself need not be seeded. */
  tagResource(resourceId: string, tags: Record<string, string>, region = DEFAULT_REGION): void {
    this.resourceTags.set(resourceId, { region, tags: { ...tags } });
  }

  setEbsEncryptionByDefault(region: string, enabled: boolean): void {
    if (enabled) this.ebsDefaultOn.add(region);
    else this.ebsDefaultOn.delete(region);
  }

  ebsEncryptionByDefault(region: string): boolean {
    return this.ebsDefaultOn.has(region);
  }

  // ---- SimService -------------------------------------------------------------

  handles(hostname: string): boolean {
    return EC2_HOST.test(hostname);
  }

  regionOf(hostname: string): string {
    return EC2_HOST.exec(hostname)?.[1] ?? DEFAULT_REGION;
  }

  requestIdHeaders(requestId: string): Record<string, string> {
    return { 'x-amzn-requestid': requestId };
  }

  /** The SDK reads `Errors.Error.Code` (the root element is dropped) to name the exception. */
  errorReply(fault: AwsFault, requestId: string): Response {
    return new Response(
      `<?xml version="1.0" encoding="UTF-8"?>\n<Response><Errors><Error><Code>${xmlEscape(fault.code)}</Code>` +
        `<Message>${xmlEscape(fault.message ?? fault.code)}</Message></Error></Errors><RequestID>${requestId}</RequestID></Response>`,
      { status: fault.status, headers: { 'content-type': 'text/xml;charset=UTF-8', 'x-amzn-requestid': requestId } },
    );
  }

  async route(request: Request, region: string): Promise<Routed> {
    const form = await readQueryForm(request);
    const action = form['Action'] ?? '';
    switch (action) {
      case 'DescribeSecurityGroups':
        return this.routed(action, form, ['GroupId'], () => ({ GroupIds: scalarList(form, 'GroupId') }), (input) =>
          this.describeSecurityGroups(input.GroupIds, region),
        );
      case 'DescribeSecurityGroupRules':
        return this.routed(
          action,
          form,
          ['Filter', 'SecurityGroupRuleId', 'MaxResults', 'NextToken'],
          () => ({
            Filters: filters(form, ['group-id', 'security-group-rule-id']),
            SecurityGroupRuleIds: scalarList(form, 'SecurityGroupRuleId'),
            ...pageInput(form),
          }),
          (input) => this.describeSecurityGroupRules(input, region),
        );
      case 'RevokeSecurityGroupIngress':
      case 'RevokeSecurityGroupEgress': {
        const isEgress = action === 'RevokeSecurityGroupEgress';
        return this.routed(action, form, ['GroupId', 'SecurityGroupRuleId', 'IpPermissions'], () => revokeInput(form), (input) =>
          this.revoke(action, isEgress, input, region),
        );
      }
      case 'AuthorizeSecurityGroupIngress':
      case 'AuthorizeSecurityGroupEgress': {
        const isEgress = action === 'AuthorizeSecurityGroupEgress';
        return this.routed(
          action,
          form,
          ['GroupId', 'IpPermissions'],
          () => ({ GroupId: required(form, 'GroupId'), IpPermissions: ipPermissions(form) }),
          (input) => this.authorize(action, isEgress, input.GroupId, input.IpPermissions, region),
        );
      }
      case 'DescribeNetworkInterfaces':
        return this.routed(
          action,
          form,
          ['Filter', 'NetworkInterfaceId', 'MaxResults', 'NextToken'],
          () => ({ Filters: filters(form, ['group-id']), NetworkInterfaceIds: scalarList(form, 'NetworkInterfaceId'), ...pageInput(form) }),
          (input) => this.describeNetworkInterfaces(input, region),
        );
      case 'DescribeInstances':
        return this.routed(action, form, ['InstanceId'], () => ({ InstanceIds: scalarList(form, 'InstanceId') }), (input) =>
          this.describeInstances(input.InstanceIds, region),
        );
      case 'ModifyInstanceMetadataOptions':
        return this.routed(action, form, Object.keys(metadataOptionsInput.shape), () => parseFields(metadataOptionsInput, form), (input) =>
          this.modifyInstanceMetadataOptions(input, region),
        );
      case 'DescribeTags':
        return this.routed(action, form, ['Filter', 'MaxResults', 'NextToken'], () => ({ Filters: filters(form, ['resource-id']), ...pageInput(form) }), (input) =>
          this.describeTags(input, region),
        );
      case 'GetEbsEncryptionByDefault':
      case 'EnableEbsEncryptionByDefault':
      case 'DisableEbsEncryptionByDefault':
        return this.routed(action, form, [], () => ({}), () => this.ebsDefault(action, region));
      default:
        return unsupported(`EC2 Action=${action || '(none)'}`);
    }
  }

  /**
   * Parses the form (a bad parameter is recorded and fails with EC2's error) and refuses
   * parameters the sim does not model, so a test never passes on a silently ignored field.
   */
  private routed<I>(operation: string, form: Form, fields: readonly string[], parse: () => I, run: (input: I) => Response): Routed {
    const unknown = Object.keys(form).find((key) => !COMMON_FIELDS.has(key) && !fields.includes(key.split('.')[0] ?? ''));
    if (unknown !== undefined) return unsupported(`EC2 ${operation} parameter ${unknown}`);
    let input: I;
    try {
      input = parse();
    } catch (error) {
      if (error instanceof ApiError) return failing(operation, form, error);
      throw error;
    }
    return { operation, input, run: () => run(input) };
  }

  // ---- security groups ----------------------------------------------------------

  private group(groupId: string, region: string): SecurityGroupState {
    if (!/^sg-[0-9a-f]+$/.test(groupId)) throw ec2Error('InvalidGroupId.Malformed', `Invalid id: "${groupId}" (expecting "sg-...")`);
    const group = this.groups.get(groupId);
    if (!group || group.region !== region) throw ec2Error('InvalidGroup.NotFound', `The security group '${groupId}' does not exist`);
    return group;
  }

  private describeSecurityGroups(groupIds: string[], region: string): Response {
    const groups = groupIds.length > 0 ? groupIds.map((id) => this.group(id, region)) : [...this.groups.values()].filter((g) => g.region === region);
    return reply('DescribeSecurityGroups', set('securityGroupInfo', groups.map((g) => this.groupXml(g))));
  }

  private describeSecurityGroupRules(
    input: { Filters: Filter[]; SecurityGroupRuleIds: string[]; MaxResults?: number | undefined; NextToken?: string | undefined },
    region: string,
  ): Response {
    const wanted = (name: string) => input.Filters.filter((f) => f.Name === name).map((f) => f.Values);
    const rules = [...this.groups.values()]
      .filter((g) => g.region === region && wanted('group-id').every((values) => values.includes(g.groupId)))
      .flatMap((g) => g.rules.map((rule) => ({ group: g, rule })))
      .filter(({ rule }) => wanted('security-group-rule-id').every((values) => values.includes(rule.ruleId)))
      .filter(({ rule }) => input.SecurityGroupRuleIds.length === 0 || input.SecurityGroupRuleIds.includes(rule.ruleId));
    const missing = input.SecurityGroupRuleIds.find((id) => !rules.some(({ rule }) => rule.ruleId === id));
    if (missing !== undefined) throw ruleNotFound(missing);
    const { page, next } = paginate(rules, input);
    return reply(
      'DescribeSecurityGroupRules',
      set('securityGroupRuleSet', page.map(({ group, rule }) => this.ruleXml(group, rule))) + el('nextToken', next),
    );
  }

  private revoke(action: string, isEgress: boolean, input: RevokeInput, region: string): Response {
    const group = this.group(input.GroupId, region);
    let revoked: SecurityGroupRuleState[];
    const unknown: IpPermission[] = [];
    if (input.SecurityGroupRuleIds.length > 0) {
      // All or nothing: one id that is not a rule of this group in this direction fails the call.
      revoked = input.SecurityGroupRuleIds.map((id) => {
        const rule = group.rules.find((r) => r.ruleId === id && r.isEgress === isEgress);
        if (!rule) throw ruleNotFound(id);
        return rule;
      });
    } else {
      revoked = [];
      for (const permission of input.IpPermissions) {
        const specs = this.rulesOf(permission, isEgress, region);
        const matches = specs.map((spec) => group.rules.find((r) => ruleKey(r) === ruleKey(spec)));
        // EC2 revokes what matches and reports the rest back rather than failing.
        if (matches.some((m) => m === undefined)) unknown.push(permission);
        revoked.push(...matches.filter((m): m is SecurityGroupRuleState => m !== undefined));
      }
    }
    const gone = new Set(revoked.map((r) => r.ruleId));
    group.rules = group.rules.filter((r) => !gone.has(r.ruleId));
    return reply(
      action,
      el('return', true) +
        (unknown.length > 0 ? set('unknownIpPermissionSet', unknown.map((p) => permissionXml(sdkPermissionRules(p)))) : '') +
        set(
          'revokedSecurityGroupRuleSet',
          revoked.map(
            (r) =>
              el('securityGroupRuleId', r.ruleId) +
              el('groupId', group.groupId) +
              el('isEgress', r.isEgress) +
              ruleFieldsXml(r) +
              el('referencedGroupId', r.referencedGroupId),
          ),
        ),
    );
  }

  private authorize(action: string, isEgress: boolean, groupId: string, permissions: IpPermission[], region: string): Response {
    const group = this.group(groupId, region);
    if (permissions.length === 0) throw ec2Error('MissingParameter', 'The request must contain the parameter IpPermissions');
    const specs = permissions.flatMap((p) => this.rulesOf(p, isEgress, region));
    const taken = new Set(group.rules.map(ruleKey));
    for (const spec of specs) {
      if (taken.has(ruleKey(spec))) {
        const ports = spec.protocol === '-1' ? 'ALL' : `${spec.protocol.toUpperCase()}, from port: ${spec.fromPort}, to port: ${spec.toPort}`;
        throw ec2Error('InvalidPermission.Duplicate', `the specified rule "peer: ${sourceOf(spec)}, ${ports}, ALLOW" already exists`);
      }
      taken.add(ruleKey(spec));
    }
    const added = specs.map((spec) => this.newRule(spec));
    group.rules.push(...added);
    return reply(action, el('return', true) + set('securityGroupRuleSet', added.map((r) => this.ruleXml(group, r))));
  }

  /** One rule per source of an IpPermission, validated as EC2 does. */
  private rulesOf(permission: IpPermission, isEgress: boolean, region: string): Omit<SecurityGroupRuleState, 'ruleId'>[] {
    if (!permission.IpProtocol) throw ec2Error('MissingParameter', 'The request must contain the parameter ipProtocol');
    const protocol = normalizeProtocol(permission.IpProtocol);
    const [fromPort, toPort] = portsFor(protocol, permission.FromPort, permission.ToPort);
    const base = { isEgress, protocol, fromPort, toPort };
    const described = (d: string | undefined) => (d === undefined ? {} : { description: d });
    const rules = [
      ...(permission.IpRanges ?? []).map((r) => ({ ...base, cidrIpv4: cidr(r.CidrIp, 4), ...described(r.Description) })),
      ...(permission.Ipv6Ranges ?? []).map((r) => ({ ...base, cidrIpv6: cidr(r.CidrIpv6, 6), ...described(r.Description) })),
      ...(permission.PrefixListIds ?? []).map((p) => ({ ...base, prefixListId: p.PrefixListId ?? '', ...described(p.Description) })),
      ...(permission.UserIdGroupPairs ?? []).map((g) => {
        const referenced = this.group(g.GroupId ?? '', region);
        return { ...base, referencedGroupId: referenced.groupId, referencedUserId: g.UserId ?? referenced.ownerId, ...described(g.Description) };
      }),
    ];
    if (rules.length === 0) throw ec2Error('MissingParameter', 'The request must contain a source or destination (IpRanges, Ipv6Ranges, PrefixListIds or Groups)');
    return rules;
  }

  private newRule(spec: Omit<SecurityGroupRuleState, 'ruleId'>): SecurityGroupRuleState {
    return { ruleId: this.newId('sgr'), ...spec };
  }

  private newId(prefix: string): string {
    this.idCounter += 1;
    return `${prefix}-${this.idCounter.toString(16).padStart(17, '0')}`;
  }

  private groupXml(group: SecurityGroupState): string {
    const permissions = (isEgress: boolean) => groupPermissions(group.rules.filter((r) => r.isEgress === isEgress)).map(permissionXml);
    return (
      el('ownerId', group.ownerId) +
      el('groupId', group.groupId) +
      el('groupName', group.groupName) +
      el('groupDescription', group.description) +
      el('vpcId', group.vpcId) +
      set('ipPermissions', permissions(false)) +
      set('ipPermissionsEgress', permissions(true)) +
      el('securityGroupArn', `arn:aws:ec2:${group.region}:${group.ownerId}:security-group/${group.groupId}`)
    );
  }

  private ruleXml(group: SecurityGroupState, rule: SecurityGroupRuleState): string {
    return (
      el('securityGroupRuleId', rule.ruleId) +
      el('groupId', group.groupId) +
      el('groupOwnerId', group.ownerId) +
      el('isEgress', rule.isEgress) +
      ruleFieldsXml(rule) +
      (rule.referencedGroupId
        ? `<referencedGroupInfo>${el('groupId', rule.referencedGroupId)}${el('userId', rule.referencedUserId)}</referencedGroupInfo>`
        : '') +
      el('securityGroupRuleArn', `arn:aws:ec2:${group.region}:${group.ownerId}:security-group-rule/${rule.ruleId}`)
    );
  }

  // ---- network interfaces ---------------------------------------------------------

  private describeNetworkInterfaces(
    input: { Filters: Filter[]; NetworkInterfaceIds: string[]; MaxResults?: number | undefined; NextToken?: string | undefined },
    region: string,
  ): Response {
    const groupFilters = input.Filters.filter((f) => f.Name === 'group-id').map((f) => f.Values);
    const all = [...this.interfaces.values()].filter((eni) => eni.region === region);
    const missing = input.NetworkInterfaceIds.find((id) => !all.some((eni) => eni.networkInterfaceId === id));
    if (missing !== undefined) {
      throw ec2Error('InvalidNetworkInterfaceID.NotFound', `The networkInterface ID '${missing}' does not exist`);
    }
    const matching = all
      .filter((eni) => input.NetworkInterfaceIds.length === 0 || input.NetworkInterfaceIds.includes(eni.networkInterfaceId))
      .filter((eni) => groupFilters.every((values) => eni.groupIds.some((id) => values.includes(id))));
    const { page, next } = paginate(matching, input);
    return reply(
      'DescribeNetworkInterfaces',
      set(
        'networkInterfaceSet',
        page.map(
          (eni) =>
            el('networkInterfaceId', eni.networkInterfaceId) +
            el('vpcId', eni.vpcId) +
            el('description', eni.description) +
            el('ownerId', this.accountId) +
            el('status', eni.instanceId ? 'in-use' : 'available') +
            el('interfaceType', 'interface') +
            (eni.instanceId ? `<attachment>${el('instanceId', eni.instanceId)}${el('status', 'attached')}</attachment>` : '') +
            set(
              'groupSet',
              eni.groupIds.map((id) => el('groupId', id) + el('groupName', this.groups.get(id)?.groupName)),
            ),
        ),
      ) + el('nextToken', next),
    );
  }

  // ---- instances ------------------------------------------------------------------

  private instanceIn(instanceId: string, region: string): InstanceState {
    if (!/^i-[0-9a-f]+$/.test(instanceId)) throw ec2Error('InvalidInstanceID.Malformed', `Invalid id: "${instanceId}"`);
    const found = this.instances.get(instanceId);
    if (!found || found.region !== region) throw ec2Error('InvalidInstanceID.NotFound', `The instance ID '${instanceId}' does not exist`);
    return found;
  }

  private describeInstances(instanceIds: string[], region: string): Response {
    const found =
      instanceIds.length > 0 ? instanceIds.map((id) => this.instanceIn(id, region)) : [...this.instances.values()].filter((i) => i.region === region);
    return reply(
      'DescribeInstances',
      set(
        'reservationSet',
        found.map(
          (instance) =>
            el('reservationId', `r-${instance.instanceId.slice(2)}`) +
            el('ownerId', this.accountId) +
            set('groupSet', []) +
            set('instancesSet', [
              el('instanceId', instance.instanceId) +
                `<instanceState>${el('code', 16)}${el('name', 'running')}</instanceState>` +
                `<metadataOptions>${metadataXml(instance.metadataOptions, 'applied')}</metadataOptions>`,
            ]),
        ),
      ),
    );
  }

  private modifyInstanceMetadataOptions(input: z.output<typeof metadataOptionsInput>, region: string): Response {
    const instance = this.instanceIn(input.InstanceId, region);
    const options = instance.metadataOptions;
    if (input.HttpTokens) options.httpTokens = input.HttpTokens;
    if (input.HttpEndpoint) options.httpEndpoint = input.HttpEndpoint;
    if (input.HttpPutResponseHopLimit !== undefined) options.httpPutResponseHopLimit = input.HttpPutResponseHopLimit;
    if (input.HttpProtocolIpv6) options.httpProtocolIpv6 = input.HttpProtocolIpv6;
    if (input.InstanceMetadataTags) options.instanceMetadataTags = input.InstanceMetadataTags;
    // EC2 answers before the change reaches the instance; Describe shows it applied (the sim applies at once).
    return reply(
      'ModifyInstanceMetadataOptions',
      el('instanceId', instance.instanceId) + `<instanceMetadataOptions>${metadataXml(options, 'pending')}</instanceMetadataOptions>`,
    );
  }

  // ---- tags ---------------------------------------------------------------------------

  private describeTags(input: { Filters: Filter[]; MaxResults?: number | undefined; NextToken?: string | undefined }, region: string): Response {
    const wanted = input.Filters.map((f) => f.Values);
    const rows = [...this.resourceTags.entries()]
      .filter(([id, state]) => state.region === region && wanted.every((values) => values.includes(id)))
      .flatMap(([id, state]) => Object.entries(state.tags).map(([key, value]) => ({ id, key, value })));
    const { page, next } = paginate(rows, input);
    const items = page.map((r) => el('resourceId', r.id) + el('resourceType', resourceTypeOf(r.id)) + el('key', r.key) + el('value', r.value));
    return reply('DescribeTags', set('tagSet', items) + el('nextToken', next));
  }

  // ---- EBS encryption by default -----------------------------------------------------

  private ebsDefault(action: string, region: string): Response {
    if (action === 'EnableEbsEncryptionByDefault') this.ebsDefaultOn.add(region);
    if (action === 'DisableEbsEncryptionByDefault') this.ebsDefaultOn.delete(region);
    const on = this.ebsDefaultOn.has(region);
    return reply(action, el('ebsEncryptionByDefault', on) + (action === 'GetEbsEncryptionByDefault' ? el('sseType', 'sse-ebs') : ''));
  }
}

// ---- request parsing ------------------------------------------------------------------

interface Filter {
  Name: string;
  Values: string[];
}

interface RevokeInput {
  GroupId: string;
  SecurityGroupRuleIds: string[];
  IpPermissions: IpPermission[];
}

function ec2Error(code: string, message: string, status = 400): ApiError {
  return new ApiError({ status, code, message });
}

function required(fields: Form, name: string): string {
  const value = fields[name];
  if (value === undefined || value === '') throw ec2Error('MissingParameter', `The request must contain the parameter ${name}`);
  return value;
}

function integer(value: string | undefined, name: string): number | undefined {
  if (value === undefined) return undefined;
  if (!/^-?\d+$/.test(value)) throw ec2Error('InvalidParameterValue', `Invalid value '${value}' for ${name}`);
  return Number(value);
}

/** `Name.1=a&Name.2=b` -> ['a', 'b']. */
function scalarList(form: Form, name: string): string[] {
  return queryList(form, name).map((item) => item[''] ?? '');
}

function filters(form: Form, supported: readonly string[]): Filter[] {
  return queryList(form, 'Filter').map((item) => {
    const name = required(item, 'Name');
    if (!supported.includes(name)) throw ec2Error('InvalidParameterValue', `The filter '${name}' is invalid`);
    return { Name: name, Values: scalarList(item, 'Value') };
  });
}

function pageInput(form: Form): { MaxResults?: number; NextToken?: string } {
  const max = integer(form['MaxResults'], 'MaxResults');
  if (max !== undefined && (max < 5 || max > 1000)) {
    throw ec2Error('InvalidParameterValue', `Value ( ${max} ) for parameter maxResults is invalid. Expecting a value between 5 and 1000.`);
  }
  const token = form['NextToken'];
  return { ...(max === undefined ? {} : { MaxResults: max }), ...(token === undefined ? {} : { NextToken: token }) };
}

function paginate<T>(items: T[], input: { MaxResults?: number | undefined; NextToken?: string | undefined }): { page: T[]; next: string | undefined } {
  const offset = input.NextToken === undefined ? 0 : Number(Buffer.from(input.NextToken, 'base64url').toString('utf8'));
  if (!Number.isInteger(offset) || offset < 0) throw ec2Error('InvalidParameterValue', 'The token is invalid');
  if (input.MaxResults === undefined) return { page: items.slice(offset), next: undefined };
  const end = offset + input.MaxResults;
  return { page: items.slice(offset, end), next: end < items.length ? Buffer.from(String(end)).toString('base64url') : undefined };
}

function revokeInput(form: Form): RevokeInput {
  const input = { GroupId: required(form, 'GroupId'), SecurityGroupRuleIds: scalarList(form, 'SecurityGroupRuleId'), IpPermissions: ipPermissions(form) };
  const ways = [input.SecurityGroupRuleIds.length > 0, input.IpPermissions.length > 0].filter(Boolean).length;
  if (ways === 0) throw ec2Error('MissingParameter', 'Either SecurityGroupRuleIds or IpPermissions must be specified');
  if (ways === 2) throw ec2Error('InvalidParameterCombination', 'You may specify either SecurityGroupRuleIds or IpPermissions, not both');
  return input;
}

/** The IpPermissions list as the SDK sent it (EC2 spells UserIdGroupPairs `Groups`). */
function ipPermissions(form: Form): IpPermission[] {
  return queryList(form, 'IpPermissions').map((p) => {
    const described = (item: Form) => (item['Description'] === undefined ? {} : { Description: item['Description'] });
    const list = <T>(items: T[]) => (items.length > 0 ? items : undefined);
    const from = integer(p['FromPort'], 'FromPort');
    const to = integer(p['ToPort'], 'ToPort');
    const permission: IpPermission = {
      ...(p['IpProtocol'] === undefined ? {} : { IpProtocol: p['IpProtocol'] }),
      ...(from === undefined ? {} : { FromPort: from }),
      ...(to === undefined ? {} : { ToPort: to }),
    };
    const ranges = list(queryList(p, 'IpRanges').map((r) => ({ CidrIp: required(r, 'CidrIp'), ...described(r) })));
    const ipv6 = list(queryList(p, 'Ipv6Ranges').map((r) => ({ CidrIpv6: required(r, 'CidrIpv6'), ...described(r) })));
    const prefixLists = list(queryList(p, 'PrefixListIds').map((r) => ({ PrefixListId: required(r, 'PrefixListId'), ...described(r) })));
    const groups = list(
      queryList(p, 'Groups').map((g) => ({ GroupId: required(g, 'GroupId'), ...(g['UserId'] ? { UserId: g['UserId'] } : {}), ...described(g) })),
    );
    if (ranges) permission.IpRanges = ranges;
    if (ipv6) permission.Ipv6Ranges = ipv6;
    if (prefixLists) permission.PrefixListIds = prefixLists;
    if (groups) permission.UserIdGroupPairs = groups;
    return permission;
  });
}

const enabledDisabled = z.enum(['enabled', 'disabled']).optional();
const metadataOptionsInput = z.strictObject({
  InstanceId: z.string().min(1),
  HttpTokens: z.enum(['optional', 'required']).optional(),
  HttpEndpoint: enabledDisabled,
  HttpPutResponseHopLimit: z.coerce.number().int().min(1).max(64).optional(),
  HttpProtocolIpv6: enabledDisabled,
  InstanceMetadataTags: enabledDisabled,
});

/** Flat top-level parameters checked against a schema; a bad value is EC2's InvalidParameterValue. */
function parseFields<T extends z.ZodType>(schema: T, form: Form): z.output<T> {
  const fields = Object.fromEntries(Object.entries(form).filter(([key]) => !COMMON_FIELDS.has(key)));
  const result = schema.safeParse(fields);
  if (!result.success) {
    const issue = result.error.issues[0];
    const field = issue?.path.join('.') ?? 'request';
    if (issue?.code === 'invalid_type' && fields[field] === undefined) {
      throw ec2Error('MissingParameter', `The request must contain the parameter ${field}`);
    }
    throw ec2Error('InvalidParameterValue', `Invalid value '${fields[field] ?? ''}' for ${field}: ${issue?.message ?? 'invalid'}`);
  }
  return result.data;
}

/** EC2's resource type for an id, from its prefix. */
function resourceTypeOf(resourceId: string): string {
  const types: Readonly<Record<string, string>> = { sg: 'security-group', i: 'instance', vol: 'volume', vpc: 'vpc', eni: 'network-interface', subnet: 'subnet', snap: 'snapshot' };
  const prefix = resourceId.split('-')[0] ?? '';
  return (Object.hasOwn(types, prefix) ? types[prefix] : undefined) ?? prefix;
}

// ---- rule semantics -----------------------------------------------------------------------

const PROTOCOL_NAMES: Readonly<Record<string, string>> = { '6': 'tcp', '17': 'udp', '1': 'icmp', '58': 'icmpv6' };

function normalizeProtocol(protocol: string): string {
  const lower = protocol.toLowerCase();
  const named = Object.hasOwn(PROTOCOL_NAMES, lower) ? PROTOCOL_NAMES[lower] : undefined;
  if (named) return named;
  if (['tcp', 'udp', 'icmp', 'icmpv6', '-1'].includes(lower)) return lower;
  if (/^\d+$/.test(lower) && Number(lower) <= 255) return lower;
  throw ec2Error('InvalidParameterValue', `Invalid value '${protocol}' for IP protocol. Unknown protocol.`);
}

/** tcp/udp need a port range, icmp a type and code; every other protocol has no ports (-1). */
function portsFor(protocol: string, from: number | undefined, to: number | undefined): [number, number] {
  if (protocol === 'tcp' || protocol === 'udp') {
    if (from === undefined || to === undefined) throw ec2Error('MissingParameter', 'The request must contain the parameter FromPort and ToPort');
    if (from < 0 || to > 65535 || from > to) throw ec2Error('InvalidParameterValue', `Invalid value for portRange. Must be in [0, 65535] and ordered, got ${from}-${to}`);
    return [from, to];
  }
  if (protocol === 'icmp' || protocol === 'icmpv6') return [from ?? -1, to ?? -1];
  return [-1, -1];
}

function normalizeSpec(spec: Omit<SecurityGroupRuleState, 'ruleId'>): Omit<SecurityGroupRuleState, 'ruleId'> {
  const protocol = normalizeProtocol(spec.protocol);
  const [fromPort, toPort] = portsFor(protocol, spec.fromPort, spec.toPort);
  return { ...spec, protocol, fromPort, toPort };
}

const IPV4_CIDR = /^(\d{1,3})\.(\d{1,3})\.(\d{1,3})\.(\d{1,3})\/(\d{1,2})$/;

function cidr(value: string | undefined, family: 4 | 6): string {
  const text = value ?? '';
  const v4 = IPV4_CIDR.exec(text);
  const ok =
    family === 4
      ? v4 !== null && v4.slice(1, 5).every((o) => Number(o) <= 255) && Number(v4[5]) <= 32
      : /^[0-9a-f:]+\/(\d{1,3})$/i.test(text) && text.includes(':') && Number(text.split('/')[1]) <= 128;
  if (!ok) throw ec2Error('InvalidParameterValue', `CIDR block ${text} is malformed`);
  return text;
}

function sourceOf(rule: Omit<SecurityGroupRuleState, 'ruleId'>): string {
  return rule.cidrIpv4 ?? rule.cidrIpv6 ?? rule.prefixListId ?? rule.referencedGroupId ?? '';
}

/** What makes two rules the same rule to EC2: direction, protocol, ports and source (not the description). */
function ruleKey(rule: Omit<SecurityGroupRuleState, 'ruleId'>): string {
  return [rule.isEgress ? 'egress' : 'ingress', rule.protocol, rule.fromPort, rule.toPort, sourceOf(rule)].join('|');
}

/** Rules grouped into IpPermissions the way DescribeSecurityGroups presents them. */
function groupPermissions(rules: SecurityGroupRuleState[]): SecurityGroupRuleState[][] {
  const byPorts = new Map<string, SecurityGroupRuleState[]>();
  for (const rule of rules) {
    const key = `${rule.protocol}|${rule.fromPort}|${rule.toPort}`;
    byPorts.set(key, [...(byPorts.get(key) ?? []), rule]);
  }
  return [...byPorts.values()];
}

function sdkPermissionRules(permission: IpPermission): Omit<SecurityGroupRuleState, 'ruleId'>[] {
  const base = { isEgress: false, protocol: permission.IpProtocol ?? '', fromPort: permission.FromPort ?? -1, toPort: permission.ToPort ?? -1 };
  return [
    ...(permission.IpRanges ?? []).map((r) => ({ ...base, cidrIpv4: r.CidrIp ?? '' })),
    ...(permission.Ipv6Ranges ?? []).map((r) => ({ ...base, cidrIpv6: r.CidrIpv6 ?? '' })),
    ...(permission.PrefixListIds ?? []).map((p) => ({ ...base, prefixListId: p.PrefixListId ?? '' })),
    ...(permission.UserIdGroupPairs ?? []).map((g) => ({ ...base, referencedGroupId: g.GroupId ?? '' })),
  ];
}

function ruleNotFound(ruleId: string): ApiError {
  return ec2Error('InvalidSecurityGroupRuleId.NotFound', `The security group rule ID '${ruleId}' does not exist`);
}

// ---- XML ----------------------------------------------------------------------------------

function el(name: string, value: string | number | boolean | undefined): string {
  return value === undefined ? '' : `<${name}>${xmlEscape(String(value))}</${name}>`;
}

/** EC2 lists: `<name><item>...</item>...</name>`. */
function set(name: string, items: string[]): string {
  return `<${name}>${items.map((item) => `<item>${item}</item>`).join('')}</${name}>`;
}

function ruleFieldsXml(rule: Omit<SecurityGroupRuleState, 'ruleId'>): string {
  return (
    el('ipProtocol', rule.protocol) +
    el('fromPort', rule.fromPort) +
    el('toPort', rule.toPort) +
    el('cidrIpv4', rule.cidrIpv4) +
    el('cidrIpv6', rule.cidrIpv6) +
    el('prefixListId', rule.prefixListId) +
    el('description', rule.description)
  );
}

/** One IpPermission from rules that share protocol and ports. */
function permissionXml(rules: Omit<SecurityGroupRuleState, 'ruleId'>[]): string {
  const first = rules[0];
  if (!first) return '';
  const pick = (has: (r: Omit<SecurityGroupRuleState, 'ruleId'>) => string | undefined, render: (r: Omit<SecurityGroupRuleState, 'ruleId'>) => string) =>
    rules.filter((r) => has(r) !== undefined).map(render);
  return (
    el('ipProtocol', first.protocol) +
    (first.protocol === '-1' ? '' : el('fromPort', first.fromPort) + el('toPort', first.toPort)) +
    set('groups', pick((r) => r.referencedGroupId, (r) => el('userId', r.referencedUserId) + el('groupId', r.referencedGroupId) + el('description', r.description))) +
    set('ipRanges', pick((r) => r.cidrIpv4, (r) => el('cidrIp', r.cidrIpv4) + el('description', r.description))) +
    set('ipv6Ranges', pick((r) => r.cidrIpv6, (r) => el('cidrIpv6', r.cidrIpv6) + el('description', r.description))) +
    set('prefixListIds', pick((r) => r.prefixListId, (r) => el('prefixListId', r.prefixListId) + el('description', r.description)))
  );
}

function metadataXml(options: MetadataOptions, state: 'pending' | 'applied'): string {
  return (
    el('state', state) +
    el('httpTokens', options.httpTokens) +
    el('httpPutResponseHopLimit', options.httpPutResponseHopLimit) +
    el('httpEndpoint', options.httpEndpoint) +
    el('httpProtocolIpv6', options.httpProtocolIpv6) +
    el('instanceMetadataTags', options.instanceMetadataTags)
  );
}

function reply(action: string, body: string): Response {
  return new Response(
    `<?xml version="1.0" encoding="UTF-8"?>\n<${action}Response xmlns="${XMLNS}"><requestId>${randomUUID()}</requestId>${body}</${action}Response>`,
    { status: 200, headers: { 'content-type': 'text/xml;charset=UTF-8' } },
  );
}
