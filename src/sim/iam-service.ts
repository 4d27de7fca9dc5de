/**
 * Simulated IAM: users with access keys and console passwords, groups, roles, managed
 * policies with versions and attachments, and the account password policy. IAM is a
 * global service (iam.amazonaws.com, signed for us-east-1) speaking the AWS Query
 * protocol: form-encoded requests, `<XResponse><XResult>` replies, `<ErrorResponse>` errors.
 */
import { HttpResponse } from 'msw';
import { z } from 'zod';
import { ApiError, failing, readQueryForm, unsupported, xmlEscape, type AwsFault, type Routed, type SimService, queryErrorReply } from './aws-service.js';

const XMLNS = 'https://iam.amazonaws.com/doc/2010-05-08/';
/** IAM's own cap: CreatePolicyVersion on a policy that has this many fails with LimitExceeded. */
export const MAX_POLICY_VERSIONS = 5;
const DEFAULT_PAGE = 100;

export interface SimAccessKey {
  AccessKeyId: string;
  Status: 'Active' | 'Inactive';
  CreateDate: string;
  /** Absent when the key was never used (IAM then answers ServiceName/Region `N/A`). */
  LastUsed?: { LastUsedDate: string; ServiceName: string; Region: string };
}

export interface SimLoginProfile {
  CreateDate: string;
  PasswordResetRequired: boolean;
}

export interface SimUser {
  UserName: string;
  UserId: string;
  Arn: string;
  Path: string;
  CreateDate: string;
  PasswordLastUsed?: string;
  AccessKeys: SimAccessKey[];
  LoginProfile: SimLoginProfile | null;
  /** ARNs of managed policies attached directly to the user. */
  AttachedPolicies: string[];
  /** Inline policy name → document (JSON text). */
  InlinePolicies: Record<string, string>;
  Tags: Record<string, string>;
}

export interface SimGroup {
  GroupName: string;
  GroupId: string;
  Arn: string;
  Path: string;
  CreateDate: string;
  Members: string[];
  AttachedPolicies: string[];
}

export interface SimRole {
  RoleName: string;
  RoleId: string;
  AttachedPolicies: string[];
  Tags: Record<string, string>;
}

export interface SimPolicyVersion {
  VersionId: string;
  /** The policy document as JSON text (IAM URL-encodes it on the wire). */
  Document: string;
  IsDefaultVersion: boolean;
  CreateDate: string;
}

export interface SimPolicy {
  PolicyName: string;
  PolicyId: string;
  Arn: string;
  Path: string;
  CreateDate: string;
  UpdateDate: string;
  Versions: SimPolicyVersion[];
  /** Version ids are never reused, even after a version is deleted. */
  NextVersion: number;
}

export interface SimPasswordPolicy {
  MinimumPasswordLength: number;
  RequireSymbols: boolean;
  RequireNumbers: boolean;
  RequireUppercaseCharacters: boolean;
  RequireLowercaseCharacters: boolean;
  AllowUsersToChangePassword: boolean;
  MaxPasswordAge?: number;
  PasswordReusePrevention?: number;
  HardExpiry?: boolean;
}

export interface IamServiceOptions {
  accountId: string;
  now?: () => Date;
}

type Form = Record<string, string>;
/** The inner XML of `<XResult>`, or null for operations that answer only ResponseMetadata. */
type Result = string | null;

interface Operation {
  run(form: Form): Result;
}

export class IamService implements SimService {
  readonly name = 'iam';
  private readonly accountId: string;
  private readonly now: () => Date;
  private readonly users = new Map<string, SimUser>();
  private readonly groups = new Map<string, SimGroup>();
  private readonly roles = new Map<string, SimRole>();
  private readonly policies = new Map<string, SimPolicy>();
  private passwordPolicyState: SimPasswordPolicy | null = null;
  private idCounter = 0;
  private requestCounter = 0;

  constructor(options: IamServiceOptions) {
    this.accountId = options.accountId;
    this.now = options.now ?? (() => new Date());
  }

  // ---- seeding ---------------------------------------------------------------------

  addUser(
    userName: string,
    options: { path?: string; createDate?: string; passwordLastUsed?: string; userId?: string; tags?: Record<string, string> } = {},
  ): string {
    const path = options.path ?? '/';
    const arn = `arn:aws:iam::${this.accountId}:user${path}${userName}`;
    this.users.set(userName, {
      UserName: userName,
      UserId: options.userId ?? this.uniqueId('AIDA'),
      Arn: arn,
      Path: path,
      CreateDate: options.createDate ?? this.timestamp(),
      ...(options.passwordLastUsed ? { PasswordLastUsed: options.passwordLastUsed } : {}),
      AccessKeys: [],
      LoginProfile: null,
      AttachedPolicies: [],
      InlinePolicies: {},
      Tags: { ...options.tags },
    });
    return arn;
  }

  /** Adds an access key to an existing user; returns its id. */
  addAccessKey(
    userName: string,
    key: { createDate: string; status?: SimAccessKey['Status']; accessKeyId?: string; lastUsed?: SimAccessKey['LastUsed'] },
  ): string {
    const user = this.seededUser(userName);
    const id = key.accessKeyId ?? this.uniqueId('AKIA');
    user.AccessKeys.push({
      AccessKeyId: id,
      Status: key.status ?? 'Active',
      CreateDate: key.createDate,
      ...(key.lastUsed ? { LastUsed: { ...key.lastUsed } } : {}),
    });
    return id;
  }

  setLoginProfile(userName: string, profile: { createDate: string; passwordResetRequired?: boolean } | null): void {
    this.seededUser(userName).LoginProfile = profile
      ? { CreateDate: profile.createDate, PasswordResetRequired: profile.passwordResetRequired ?? false }
      : null;
  }

  putUserInlinePolicy(userName: string, policyName: string, document: unknown): void {
    this.seededUser(userName).InlinePolicies[policyName] = JSON.stringify(document);
  }

  /**
   * A managed policy with its versions in order (v1, v2, ...); `defaultVersion` is the
   * 1-based index of the default one (the last by default). `awsManaged` puts it under
   * `arn:aws:iam::aws:policy/`. Returns the ARN.
   */
  addPolicy(
    policyName: string,
    versions: unknown[],
    options: { path?: string; defaultVersion?: number; awsManaged?: boolean; createDate?: string } = {},
  ): string {
    if (versions.length === 0 || versions.length > MAX_POLICY_VERSIONS) throw new Error('a policy has 1 to 5 versions');
    const path = options.path ?? '/';
    const arn = `arn:aws:iam::${options.awsManaged ? 'aws' : this.accountId}:policy${path}${policyName}`;
    const created = options.createDate ?? this.timestamp();
    const defaultIndex = options.defaultVersion ?? versions.length;
    this.policies.set(arn, {
      PolicyName: policyName,
      PolicyId: this.uniqueId('ANPA'),
      Arn: arn,
      Path: path,
      CreateDate: created,
      UpdateDate: created,
      Versions: versions.map((document, index) => ({
        VersionId: `v${index + 1}`,
        Document: JSON.stringify(document),
        IsDefaultVersion: index + 1 === defaultIndex,
        // One day apart, so "oldest" is well defined.
        CreateDate: new Date(Date.parse(created) + index * 86_400_000).toISOString().replace(/\.\d{3}Z$/, 'Z'),
      })),
      NextVersion: versions.length + 1,
    });
    return arn;
  }

  attachUserPolicy(userName: string, policyArn: string): void {
    this.seededPolicy(policyArn);
    this.seededUser(userName).AttachedPolicies.push(policyArn);
  }

  addGroup(groupName: string, options: { members?: string[]; policies?: string[]; path?: string } = {}): void {
    for (const member of options.members ?? []) this.seededUser(member);
    for (const policy of options.policies ?? []) this.seededPolicy(policy);
    const path = options.path ?? '/';
    this.groups.set(groupName, {
      GroupName: groupName,
      GroupId: this.uniqueId('AGPA'),
      Arn: `arn:aws:iam::${this.accountId}:group${path}${groupName}`,
      Path: path,
      CreateDate: this.timestamp(),
      Members: [...(options.members ?? [])],
      AttachedPolicies: [...(options.policies ?? [])],
    });
  }

  addRole(roleName: string, options: { policies?: string[]; tags?: Record<string, string> } = {}): void {
    for (const policy of options.policies ?? []) this.seededPolicy(policy);
    this.roles.set(roleName, { RoleName: roleName, RoleId: this.uniqueId('AROA'), AttachedPolicies: [...(options.policies ?? [])], Tags: { ...options.tags } });
  }

  setPasswordPolicy(policy: SimPasswordPolicy | null): void {
    this.passwordPolicyState = policy ? { ...policy } : null;
  }

  // ---- reading ---------------------------------------------------------------------

  /** A copy of the user's state, or undefined when there is no such user. */
  user(userName: string): SimUser | undefined {
    const user = this.users.get(userName);
    return user ? structuredClone(user) : undefined;
  }

  policy(arn: string): SimPolicy | undefined {
    const policy = this.policies.get(arn);
    return policy ? structuredClone(policy) : undefined;
  }

  /** The default version's document, parsed. */
  defaultDocument(arn: string): unknown {
    const version = this.policies.get(arn)?.Versions.find((v) => v.IsDefaultVersion);
    return version ? JSON.parse(version.Document) : undefined;
  }

  group(groupName: string): SimGroup | undefined {
    const group = this.groups.get(groupName);
    return group ? structuredClone(group) : undefined;
  }

  passwordPolicy(): SimPasswordPolicy | null {
    return this.passwordPolicyState ? { ...this.passwordPolicyState } : null;
  }

  // ---- SimService ------------------------------------------------------------------

  handles(hostname: string): boolean {
    return hostname === 'iam.amazonaws.com';
  }

  /** IAM is global: the SDK signs every call for us-east-1. */
  regionOf(): string {
    return 'us-east-1';
  }

  async route(request: Request): Promise<Routed> {
    const form = await readQueryForm(request);
    const { Action: action, Version: version, ...input } = form;
    const operation = action ? this.operations[action] : undefined;
    if (!action || !operation) return unsupported(`IAM Action=${action ?? '(none)'}`);
    if (version !== '2010-05-08') {
      return failing(action, input, new ApiError({ status: 400, code: 'InvalidAction', message: `Could not find operation ${action} for version ${version ?? '(none)'}` }));
    }
    return {
      operation: action,
      input,
      run: () => {
        const result = operation.run(input);
        return this.reply(action, result);
      },
    };
  }

  errorReply(fault: AwsFault, requestId: string): Response {
    return queryErrorReply(XMLNS, fault, requestId);
  }

  requestIdHeaders(requestId: string): Record<string, string> {
    return { 'x-amzn-requestid': requestId };
  }

  private reply(action: string, result: Result): Response {
    this.requestCounter += 1;
    const body =
      `<${action}Response xmlns="${XMLNS}">` +
      (result === null ? '' : `<${action}Result>${result}</${action}Result>`) +
      `<ResponseMetadata><RequestId>iam-sim-${this.requestCounter}</RequestId></ResponseMetadata></${action}Response>`;
    return new HttpResponse(body, { status: 200, headers: { 'content-type': 'text/xml' } });
  }

  // ---- operations ------------------------------------------------------------------

  private readonly operations: Record<string, Operation> = {
    GetUser: op(z.object({ UserName: userName.optional() }), ({ UserName }) => {
      // Without a name IAM answers for the caller; the bot always names the user.
      if (!UserName) throw validation('UserName is required by SimulatedAws');
      return `<User>${userXml(this.existingUser(UserName))}</User>`;
    }),
    ListUsers: op(paging, (input) =>
      this.paged(input, [...this.users.values()], 'Users', (u) => `<member>${userXml(u)}</member>`),
    ),
    ListAccessKeys: op(paging.extend({ UserName: userName }), (input) => {
      const user = this.existingUser(input.UserName);
      return this.paged(input, user.AccessKeys, 'AccessKeyMetadata', (k) =>
        `<member>${fields({ UserName: user.UserName, AccessKeyId: k.AccessKeyId, Status: k.Status, CreateDate: k.CreateDate })}</member>`,
      );
    }),
    UpdateAccessKey: op(z.object({ UserName: userName, AccessKeyId: accessKeyId, Status: z.enum(['Active', 'Inactive']) }), (input) => {
      this.existingKey(this.existingUser(input.UserName), input.AccessKeyId).Status = input.Status;
      return null;
    }),
    GetAccessKeyLastUsed: op(z.object({ AccessKeyId: accessKeyId }), ({ AccessKeyId }) => {
      const owner = [...this.users.values()].find((u) => u.AccessKeys.some((k) => k.AccessKeyId === AccessKeyId));
      // Modelled as NoSuchEntity; the API reference lists no specific error for an unknown key.
      if (!owner) throw noSuchEntity(`The Access Key with id ${AccessKeyId} cannot be found.`);
      const key = this.existingKey(owner, AccessKeyId);
      const used = key.LastUsed ?? { ServiceName: 'N/A', Region: 'N/A' };
      return `${fields({ UserName: owner.UserName })}<AccessKeyLastUsed>${fields(used)}</AccessKeyLastUsed>`;
    }),
    GetLoginProfile: op(z.object({ UserName: userName }), ({ UserName }) => {
      const profile = this.existingLoginProfile(UserName);
      return `<LoginProfile>${fields({ UserName, CreateDate: profile.CreateDate, PasswordResetRequired: profile.PasswordResetRequired })}</LoginProfile>`;
    }),
    DeleteLoginProfile: op(z.object({ UserName: userName }), ({ UserName }) => {
      this.existingLoginProfile(UserName);
      this.existingUser(UserName).LoginProfile = null;
      return null;
    }),
    ListAttachedUserPolicies: op(paging.extend({ UserName: userName }), (input) =>
      this.attachedPoliciesXml(input, this.existingUser(input.UserName).AttachedPolicies),
    ),
    ListAttachedGroupPolicies: op(paging.extend({ GroupName: entityName }), (input) =>
      this.attachedPoliciesXml(input, this.existingGroup(input.GroupName).AttachedPolicies),
    ),
    ListUserTags: op(paging.extend({ UserName: userName }), (input) =>
      this.paged(input, Object.entries(this.existingUser(input.UserName).Tags), 'Tags', tagXml),
    ),
    ListRoleTags: op(paging.extend({ RoleName: entityName }), (input) =>
      this.paged(input, Object.entries(this.existingRole(input.RoleName).Tags), 'Tags', tagXml),
    ),
    ListUserPolicies: op(paging.extend({ UserName: userName }), (input) =>
      this.paged(input, Object.keys(this.existingUser(input.UserName).InlinePolicies), 'PolicyNames', (name) => `<member>${xmlEscape(name)}</member>`),
    ),
    ListGroupsForUser: op(paging.extend({ UserName: userName }), (input) => {
      this.existingUser(input.UserName);
      const groups = [...this.groups.values()].filter((g) => g.Members.includes(input.UserName));
      return this.paged(input, groups, 'Groups', (g) =>
        `<member>${fields({ Path: g.Path, GroupName: g.GroupName, GroupId: g.GroupId, Arn: g.Arn, CreateDate: g.CreateDate })}</member>`,
      );
    }),
    AttachUserPolicy: op(z.object({ UserName: userName, PolicyArn: policyArn }), ({ UserName, PolicyArn }) => {
      const user = this.existingUser(UserName);
      this.existingPolicy(PolicyArn);
      // Attaching an attached policy is a no-op in IAM.
      if (!user.AttachedPolicies.includes(PolicyArn)) user.AttachedPolicies.push(PolicyArn);
      return null;
    }),
    DetachUserPolicy: op(z.object({ UserName: userName, PolicyArn: policyArn }), ({ UserName, PolicyArn }) => {
      const user = this.existingUser(UserName);
      if (!user.AttachedPolicies.includes(PolicyArn)) throw noSuchEntity(`Policy ${PolicyArn} was not found.`);
      user.AttachedPolicies = user.AttachedPolicies.filter((arn) => arn !== PolicyArn);
      return null;
    }),
    GetPolicy: op(z.object({ PolicyArn: policyArn }), ({ PolicyArn }) => `<Policy>${this.policyXml(this.existingPolicy(PolicyArn))}</Policy>`),
    GetPolicyVersion: op(z.object({ PolicyArn: policyArn, VersionId: versionId }), ({ PolicyArn, VersionId }) => {
      const version = this.existingVersion(this.existingPolicy(PolicyArn), VersionId);
      // IAM returns documents URL-encoded (RFC 3986); callers decode them.
      return `<PolicyVersion>${fields({ ...version, Document: encodeURIComponent(version.Document) })}</PolicyVersion>`;
    }),
    ListPolicyVersions: op(paging.extend({ PolicyArn: policyArn }), (input) =>
      this.paged(input, this.existingPolicy(input.PolicyArn).Versions, 'Versions', (v) =>
        `<member>${fields({ VersionId: v.VersionId, IsDefaultVersion: v.IsDefaultVersion, CreateDate: v.CreateDate })}</member>`,
      ),
    ),
    CreatePolicyVersion: op(
      z.object({ PolicyArn: policyArn, PolicyDocument: z.string().min(1).max(131072), SetAsDefault: booleanField.optional() }),
      (input) => {
        const policy = this.existingPolicy(input.PolicyArn);
        if (policy.Versions.length >= MAX_POLICY_VERSIONS) {
          throw new ApiError({
            status: 409,
            code: 'LimitExceeded',
            message: 'A managed policy can have up to 5 versions. Before you create a new version, you must delete an existing version.',
          });
        }
        const document = checkedPolicyDocument(input.PolicyDocument);
        const version: SimPolicyVersion = {
          VersionId: `v${policy.NextVersion}`,
          Document: document,
          IsDefaultVersion: input.SetAsDefault === true,
          CreateDate: this.timestamp(),
        };
        policy.NextVersion += 1;
        if (version.IsDefaultVersion) for (const v of policy.Versions) v.IsDefaultVersion = false;
        policy.Versions.push(version);
        policy.UpdateDate = version.CreateDate;
        return `<PolicyVersion>${fields({ VersionId: version.VersionId, IsDefaultVersion: version.IsDefaultVersion, CreateDate: version.CreateDate })}</PolicyVersion>`;
      },
    ),
    DeletePolicyVersion: op(z.object({ PolicyArn: policyArn, VersionId: versionId }), ({ PolicyArn, VersionId }) => {
      const policy = this.existingPolicy(PolicyArn);
      if (this.existingVersion(policy, VersionId).IsDefaultVersion) {
        throw new ApiError({ status: 409, code: 'DeleteConflict', message: 'Cannot delete the default version of a policy.' });
      }
      policy.Versions = policy.Versions.filter((v) => v.VersionId !== VersionId);
      return null;
    }),
    SetDefaultPolicyVersion: op(z.object({ PolicyArn: policyArn, VersionId: versionId }), ({ PolicyArn, VersionId }) => {
      const policy = this.existingPolicy(PolicyArn);
      this.existingVersion(policy, VersionId);
      for (const v of policy.Versions) v.IsDefaultVersion = v.VersionId === VersionId;
      policy.UpdateDate = this.timestamp();
      return null;
    }),
    ListEntitiesForPolicy: op(
      paging.extend({ PolicyArn: policyArn, EntityFilter: z.enum(['User', 'Role', 'Group', 'LocalManagedPolicy', 'AWSManagedPolicy']).optional() }),
      (input) => this.entitiesForPolicy(input),
    ),
    GetAccountPasswordPolicy: op(z.object({}), () => {
      const policy = this.passwordPolicyState;
      if (!policy) throw noSuchEntity(`The Password Policy with domain name ${this.accountId} cannot be found.`);
      return `<PasswordPolicy>${fields({ ...policy, ExpirePasswords: (policy.MaxPasswordAge ?? 0) > 0 })}</PasswordPolicy>`;
    }),
    UpdateAccountPasswordPolicy: op(passwordPolicyInput, (input) => {
      // Every parameter left out falls back to IAM's default, not to its current value.
      this.passwordPolicyState = {
        MinimumPasswordLength: input.MinimumPasswordLength ?? 6,
        RequireSymbols: input.RequireSymbols ?? false,
        RequireNumbers: input.RequireNumbers ?? false,
        RequireUppercaseCharacters: input.RequireUppercaseCharacters ?? false,
        RequireLowercaseCharacters: input.RequireLowercaseCharacters ?? false,
        AllowUsersToChangePassword: input.AllowUsersToChangePassword ?? false,
        ...(input.MaxPasswordAge !== undefined ? { MaxPasswordAge: input.MaxPasswordAge } : {}),
        ...(input.PasswordReusePrevention !== undefined ? { PasswordReusePrevention: input.PasswordReusePrevention } : {}),
        ...(input.HardExpiry !== undefined ? { HardExpiry: input.HardExpiry } : {}),
      };
      return null;
    }),
    DeleteAccountPasswordPolicy: op(z.object({}), () => {
      if (!this.passwordPolicyState) throw noSuchEntity(`The Password Policy with domain name ${this.accountId} cannot be found.`);
      this.passwordPolicyState = null;
      return null;
    }),
  };

  private entitiesForPolicy(input: z.output<typeof paging> & { PolicyArn: string; EntityFilter?: string | undefined }): string {
    const arn = this.existingPolicy(input.PolicyArn).Arn;
    const wanted = (kind: string) => input.EntityFilter === undefined || input.EntityFilter === kind;
    type Entity = { kind: 'PolicyGroups' | 'PolicyUsers' | 'PolicyRoles'; xml: string };
    const entities: Entity[] = [
      ...[...this.groups.values()]
        .filter((g) => wanted('Group') && g.AttachedPolicies.includes(arn))
        .map((g): Entity => ({ kind: 'PolicyGroups', xml: fields({ GroupName: g.GroupName, GroupId: g.GroupId }) })),
      ...[...this.users.values()]
        .filter((u) => wanted('User') && u.AttachedPolicies.includes(arn))
        .map((u): Entity => ({ kind: 'PolicyUsers', xml: fields({ UserName: u.UserName, UserId: u.UserId }) })),
      ...[...this.roles.values()]
        .filter((r) => wanted('Role') && r.AttachedPolicies.includes(arn))
        .map((r): Entity => ({ kind: 'PolicyRoles', xml: fields({ RoleName: r.RoleName, RoleId: r.RoleId }) })),
    ];
    // One page spans all three lists, as IAM pages them together.
    const { items, tail } = page(input, entities);
    const list = (kind: Entity['kind']) =>
      `<${kind}>${items.filter((e) => e.kind === kind).map((e) => `<member>${e.xml}</member>`).join('')}</${kind}>`;
    return list('PolicyGroups') + list('PolicyUsers') + list('PolicyRoles') + tail;
  }

  private attachedPoliciesXml(input: z.output<typeof paging>, arns: string[]): string {
    return this.paged(input, arns, 'AttachedPolicies', (arn) =>
      `<member>${fields({ PolicyName: this.existingPolicy(arn).PolicyName, PolicyArn: arn })}</member>`,
    );
  }

  private policyXml(policy: SimPolicy): string {
    const attachments = [...this.users.values(), ...this.groups.values(), ...this.roles.values()].filter((e) =>
      e.AttachedPolicies.includes(policy.Arn),
    ).length;
    return fields({
      PolicyName: policy.PolicyName,
      PolicyId: policy.PolicyId,
      Arn: policy.Arn,
      Path: policy.Path,
      DefaultVersionId: policy.Versions.find((v) => v.IsDefaultVersion)?.VersionId,
      AttachmentCount: attachments,
      PermissionsBoundaryUsageCount: 0,
      IsAttachable: true,
      CreateDate: policy.CreateDate,
      UpdateDate: policy.UpdateDate,
    });
  }

  private paged<T>(input: z.output<typeof paging>, all: T[], listName: string, render: (item: T) => string): string {
    const { items, tail } = page(input, all);
    return `<${listName}>${items.map(render).join('')}</${listName}>${tail}`;
  }

  // ---- lookups that fail the way IAM does -------------------------------------------

  private existingUser(userName: string): SimUser {
    const user = this.users.get(userName);
    if (!user) throw noSuchEntity(`The user with name ${userName} cannot be found.`);
    return user;
  }

  private existingKey(user: SimUser, id: string): SimAccessKey {
    const key = user.AccessKeys.find((k) => k.AccessKeyId === id);
    if (!key) throw noSuchEntity(`The Access Key with id ${id} cannot be found.`);
    return key;
  }

  private existingLoginProfile(userName: string): SimLoginProfile {
    const profile = this.existingUser(userName).LoginProfile;
    if (!profile) throw noSuchEntity(`Login Profile for User ${userName} cannot be found.`);
    return profile;
  }

  private existingRole(roleName: string): SimRole {
    const role = this.roles.get(roleName);
    if (!role) throw noSuchEntity(`The role with name ${roleName} cannot be found.`);
    return role;
  }

  private existingGroup(groupName: string): SimGroup {
    const group = this.groups.get(groupName);
    if (!group) throw noSuchEntity(`The group with name ${groupName} cannot be found.`);
    return group;
  }

  private existingPolicy(arn: string): SimPolicy {
    const policy = this.policies.get(arn);
    if (!policy) throw noSuchEntity(`Policy ${arn} does not exist or is not attachable.`);
    return policy;
  }

  private existingVersion(policy: SimPolicy, versionId: string): SimPolicyVersion {
    const version = policy.Versions.find((v) => v.VersionId === versionId);
    if (!version) throw noSuchEntity(`Policy ${policy.Arn} version ${versionId} does not exist or is not attachable.`);
    return version;
  }

  /** Seeding mistakes are test bugs, so they throw plainly rather than as AWS errors. */
  private seededUser(userName: string): SimUser {
    const user = this.users.get(userName);
    if (!user) throw new Error(`seed the user ${userName} first`);
    return user;
  }

  private seededPolicy(arn: string): SimPolicy {
    const policy = this.policies.get(arn);
    if (!policy) throw new Error(`seed the policy ${arn} first`);
    return policy;
  }

  private uniqueId(prefix: string): string {
    this.idCounter += 1;
    return `${prefix}SIM${this.idCounter.toString(36).toUpperCase().padStart(13, '0')}`;
  }

  private timestamp(): string {
    return this.now().toISOString().replace(/\.\d{3}Z$/, 'Z');
  }
}

// ---- input validation ------------------------------------------------------------------

const userName = z.string().regex(/^[\w+=,.@-]{1,64}$/, 'must be a valid IAM user name');
const entityName = z.string().regex(/^[\w+=,.@-]{1,128}$/, 'must be a valid IAM name');
const accessKeyId = z.string().regex(/^[\w]{16,128}$/, 'must be an access key id');
const policyArn = z.string().min(20).max(2048);
const versionId = z.string().regex(/^v[1-9][0-9]*(\.[A-Za-z0-9-]*)?$/, 'must be a policy version id');
const booleanField = z.enum(['true', 'false']).transform((value) => value === 'true');
const integerField = (min: number, max: number) =>
  z.string().regex(/^-?\d+$/, 'must be an integer').transform(Number).pipe(z.number().int().min(min).max(max));
const paging = z.object({ Marker: z.string().optional(), MaxItems: integerField(1, 1000).optional() });
const passwordPolicyInput = z.object({
  MinimumPasswordLength: integerField(6, 128).optional(),
  RequireSymbols: booleanField.optional(),
  RequireNumbers: booleanField.optional(),
  RequireUppercaseCharacters: booleanField.optional(),
  RequireLowercaseCharacters: booleanField.optional(),
  AllowUsersToChangePassword: booleanField.optional(),
  MaxPasswordAge: integerField(1, 1095).optional(),
  PasswordReusePrevention: integerField(1, 24).optional(),
  HardExpiry: booleanField.optional(),
});

/** An operation whose form fields are validated first; invalid input is IAM's ValidationError. */
function op<S extends z.ZodType>(schema: S, run: (input: z.output<S>) => Result): Operation {
  return {
    run(form) {
      const parsed = schema.safeParse(form);
      if (!parsed.success) {
        const issue = parsed.error.issues[0];
        throw validation(issue ? `Value at '${issue.path.join('.')}' failed to satisfy constraint: ${issue.message}` : 'Invalid input');
      }
      return run(parsed.data);
    },
  };
}

/** IAM rejects documents that are not JSON objects with a Statement; it stores the text as sent. */
function checkedPolicyDocument(text: string): string {
  const malformed = new ApiError({ status: 400, code: 'MalformedPolicyDocument', message: 'Syntax errors in policy.' });
  let parsed: unknown;
  try {
    parsed = JSON.parse(text);
  } catch {
    throw malformed;
  }
  const shape = z.object({ Statement: z.union([z.array(z.record(z.string(), z.unknown())).min(1), z.record(z.string(), z.unknown())]) });
  if (!shape.safeParse(parsed).success) throw malformed;
  return text;
}

function noSuchEntity(message: string): ApiError {
  return new ApiError({ status: 404, code: 'NoSuchEntity', message });
}

function validation(message: string): ApiError {
  return new ApiError({ status: 400, code: 'ValidationError', message: `1 validation error detected: ${message}` });
}

// ---- wire helpers ----------------------------------------------------------------------

/** A page of items and the IsTruncated/Marker elements that follow the list. Markers are offsets. */
function page<T>(input: z.output<typeof paging>, all: T[]): { items: T[]; tail: string } {
  const start = input.Marker === undefined ? 0 : Number(input.Marker);
  if (!Number.isInteger(start) || start < 0 || start > all.length) throw validation(`Value at 'marker' is not a marker this service issued`);
  const end = start + (input.MaxItems ?? DEFAULT_PAGE);
  const truncated = end < all.length;
  return {
    items: all.slice(start, end),
    tail: `<IsTruncated>${truncated}</IsTruncated>${truncated ? `<Marker>${end}</Marker>` : ''}`,
  };
}

function fields(values: Record<string, string | number | boolean | undefined>): string {
  return Object.entries(values)
    .filter((entry): entry is [string, string | number | boolean] => entry[1] !== undefined)
    .map(([name, value]) => `<${name}>${xmlEscape(String(value))}</${name}>`)
    .join('');
}

function tagXml([Key, Value]: [string, string]): string {
  return `<member>${fields({ Key, Value })}</member>`;
}

function userXml(user: SimUser): string {
  return fields({
    Path: user.Path,
    UserName: user.UserName,
    UserId: user.UserId,
    Arn: user.Arn,
    CreateDate: user.CreateDate,
    PasswordLastUsed: user.PasswordLastUsed,
  });
}
