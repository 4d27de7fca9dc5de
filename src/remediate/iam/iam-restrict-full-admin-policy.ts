import type { IAMClient } from '@aws-sdk/client-iam';
import { z } from 'zod';
import type { Finding } from '../../domain/finding.js';
import { awsSdk } from '../aws-clients.js';
import { applyIamPlan, iamCall, sendIamCalls } from './iam-calls.js';
import { renderListDiff } from '../list-diff.js';
import { ManualOnlyError } from '../manual-only-error.js';
import type { ApiCall, AwsClients, Plan, Remediation, Verification } from '../remediation.js';

const POLICY_ARN = /^arn:aws[a-z-]*:iam::(\d{12}|aws):policy\/.+$/;
/** IAM's cap on versions per managed policy. */
const MAX_VERSIONS = 5;

const stringOrList = z.union([z.string(), z.array(z.string())]);
const statement = z.looseObject({ Effect: z.string().optional(), Action: stringOrList.optional(), Resource: stringOrList.optional() });
type Statement = z.output<typeof statement>;
const documentShape = z.looseObject({ Statement: z.union([statement, z.array(statement)]) });
type PolicyDocument = z.output<typeof documentShape>;
/** Checked against the shape but returned as written: re-serialising keeps the author's key order. */
const policyDocument = z.custom<PolicyDocument>((value) => documentShape.safeParse(value).success, 'not an IAM policy document');

/** A customer managed policy's ARN; AWS managed policies are out of IAM.1's scope and cannot be edited. */
export function customerPolicyArn(resourceId: string): string {
  const match = POLICY_ARN.exec(resourceId);
  if (!match) throw new Error(`"${resourceId}" does not name an IAM managed policy (an ARN arn:aws:iam::<account>:policy/<name>)`);
  if (match[1] === 'aws') throw new Error(`"${resourceId}" is an AWS managed policy: only customer managed policies can be changed`);
  return resourceId;
}

const includesStar = (value: string | string[] | undefined) => value === '*' || (Array.isArray(value) && value.includes('*'));

/** What IAM.1 flags: Allow of every action on every resource. */
export function isFullAdmin(s: Statement): boolean {
  return s.Effect === 'Allow' && includesStar(s.Action) && includesStar(s.Resource);
}

function statements(document: PolicyDocument): Statement[] {
  return Array.isArray(document.Statement) ? document.Statement : [document.Statement];
}

interface Holders {
  Users: string[];
  Groups: string[];
  Roles: string[];
}

interface PolicyState {
  PolicyArn: string;
  DefaultVersionId: string;
  Document: PolicyDocument;
  Holders: Holders;
}

async function readDocument(client: IAMClient, policyArn: string, versionId: string): Promise<PolicyDocument> {
  const { PolicyVersion } = await client.send(new (awsSdk.iam().GetPolicyVersionCommand)({ PolicyArn: policyArn, VersionId: versionId }));
  // IAM returns documents URL-encoded (RFC 3986).
  return policyDocument.parse(JSON.parse(decodeURIComponent(PolicyVersion?.Document ?? '')));
}

async function readHolders(client: IAMClient, policyArn: string): Promise<Holders> {
  const holders: Holders = { Users: [], Groups: [], Roles: [] };
  for await (const page of awsSdk.iam().paginateListEntitiesForPolicy({ client }, { PolicyArn: policyArn })) {
    holders.Users.push(...(page.PolicyUsers ?? []).flatMap((u) => (u.UserName ? [u.UserName] : [])));
    holders.Groups.push(...(page.PolicyGroups ?? []).flatMap((g) => (g.GroupName ? [g.GroupName] : [])));
    holders.Roles.push(...(page.PolicyRoles ?? []).flatMap((r) => (r.RoleName ? [r.RoleName] : [])));
  }
  return holders;
}

async function readPolicy(aws: AwsClients, region: string, policyArn: string): Promise<PolicyState> {
  const client = aws.iam(region);
  const { Policy } = await client.send(new (awsSdk.iam().GetPolicyCommand)({ PolicyArn: policyArn }));
  const defaultVersionId = Policy?.DefaultVersionId;
  if (!defaultVersionId) throw new Error(`IAM returned no default version for ${policyArn}`);
  return {
    PolicyArn: policyArn,
    DefaultVersionId: defaultVersionId,
    Document: await readDocument(client, policyArn, defaultVersionId),
    Holders: await readHolders(client, policyArn),
  };
}

/** The oldest non-default version, which must go before a sixth can be created. */
async function versionToMakeRoomFor(client: IAMClient, policyArn: string) {
  const versions: { VersionId: string; CreateDate: string; IsDefaultVersion: boolean }[] = [];
  for await (const page of awsSdk.iam().paginateListPolicyVersions({ client }, { PolicyArn: policyArn })) {
    for (const v of page.Versions ?? []) {
      if (v.VersionId) versions.push({ VersionId: v.VersionId, CreateDate: v.CreateDate?.toISOString() ?? '', IsDefaultVersion: v.IsDefaultVersion === true });
    }
  }
  if (versions.length < MAX_VERSIONS) return null;
  const oldest = versions.filter((v) => !v.IsDefaultVersion).sort((a, b) => a.CreateDate.localeCompare(b.CreateDate))[0];
  if (!oldest) return null;
  return { VersionId: oldest.VersionId, CreateDate: oldest.CreateDate, Document: await readDocument(client, policyArn, oldest.VersionId) };
}

function holdersLine(h: Holders): string {
  const parts = [
    ...(h.Users.length > 0 ? [`users ${h.Users.join(', ')}`] : []),
    ...(h.Groups.length > 0 ? [`groups ${h.Groups.join(', ')}`] : []),
    ...(h.Roles.length > 0 ? [`roles ${h.Roles.join(', ')}`] : []),
  ];
  return parts.length === 0
    ? 'Held by: nobody (the policy is not attached).'
    : `Held by: ${parts.join('; ')}. They lose full administrator access unless another policy grants it.`;
}

const statementLine = (s: Statement) => `statement ${JSON.stringify(s)}`;

/**
 * Removes the `Allow * on *` statement from a customer managed policy (IAM.1, CIS 1.22) by
 * making a new default version that keeps everything else. The old default version stays,
 * so undo makes it the default again. Manual mode: it changes what every holder may do.
 */
export const iamRestrictFullAdminPolicy: Remediation = {
  id: 'iam-restrict-full-admin-policy',
  controls: ['IAM.1'],
  cisRules: ['1.22'],
  resourceType: 'AwsIamPolicy',
  mode: 'manual',
  reversible: true,
  permissions: [
    'iam:CreatePolicyVersion',
    'iam:DeletePolicyVersion',
    'iam:GetPolicy',
    'iam:GetPolicyVersion',
    'iam:ListEntitiesForPolicy',
    'iam:ListPolicyVersions',
    'iam:SetDefaultPolicyVersion',
  ],

  async plan(finding: Finding, aws: AwsClients): Promise<Plan> {
    const policyArn = customerPolicyArn(finding.resource.id);
    const region = finding.resource.region || finding.region;
    const before = await readPolicy(aws, region, policyArn);
    const kept = statements(before.Document).filter((s) => !isFullAdmin(s));
    const removed = statements(before.Document).filter(isFullAdmin);
    const document: PolicyDocument = { ...before.Document, Statement: kept };
    const plan: Plan = {
      remediationId: this.id,
      findingId: finding.id,
      resourceId: policyArn,
      region,
      before: { ...before },
      after: { PolicyArn: policyArn, Document: document, Holders: before.Holders },
      diff: '',
      alreadyCompliant: removed.length === 0,
      calls: [],
    };
    const title = `IAM policy ${policyArn} (default version ${before.DefaultVersionId})`;
    const listing = renderListDiff(title, statements(before.Document).map(statementLine), kept.map(statementLine));
    if (plan.alreadyCompliant) return { ...plan, diff: listing };
    if (kept.length === 0) {
      const diff = [
        listing,
        holdersLine(before.Holders),
        'Removing the only statement would leave an empty policy, which IAM rejects: detach the policy from its holders, or rewrite it, by hand.',
      ].join('\n');
      throw new ManualOnlyError('The policy grants nothing but full administrator access.', { ...plan, diff });
    }

    const room = await versionToMakeRoomFor(aws.iam(region), policyArn);
    const calls: ApiCall[] = [
      ...(room ? [iamCall('DeletePolicyVersion', { PolicyArn: policyArn, VersionId: room.VersionId })] : []),
      iamCall('CreatePolicyVersion', { PolicyArn: policyArn, PolicyDocument: JSON.stringify(document), SetAsDefault: true }),
    ];
    const diff = [
      listing,
      holdersLine(before.Holders),
      `A new version becomes the default; ${before.DefaultVersionId} is kept, so undo makes it the default again.`,
      ...(room
        ? [
            `The policy already has ${MAX_VERSIONS} versions (the IAM limit): version ${room.VersionId} (created ${room.CreateDate}, ` +
              'not the default) is deleted first, permanently; undo does not bring it back (its document is kept in the plan).',
          ]
        : []),
    ].join('\n');
    return { ...plan, before: { ...before, ...(room ? { DeletedVersion: room } : {}) }, diff, calls };
  },

  apply: applyIamPlan(['DeletePolicyVersion', 'CreatePolicyVersion']),

  async verify(plan: Plan, aws: AwsClients): Promise<Verification> {
    const observed = await readPolicy(aws, plan.region, plan.resourceId);
    const admin = statements(observed.Document).filter(isFullAdmin);
    return {
      ok: admin.length === 0,
      observed: { ...observed },
      detail:
        admin.length === 0
          ? `default version ${observed.DefaultVersionId} has no Allow * on * statement`
          : `default version ${observed.DefaultVersionId} still allows * on *`,
    };
  },

  async undo(plan: Plan, aws: AwsClients): Promise<void> {
    const { DefaultVersionId } = z.object({ DefaultVersionId: z.string() }).parse(plan.before);
    await sendIamCalls(aws, plan.region, [iamCall('SetDefaultPolicyVersion', { PolicyArn: plan.resourceId, VersionId: DefaultVersionId })], [
      'SetDefaultPolicyVersion',
    ]);
  },
};
