import {
  CreatePolicyVersionCommand,
  DeletePolicyVersionCommand,
  GetAccessKeyLastUsedCommand,
  GetAccountPasswordPolicyCommand,
  GetAccountSummaryCommand,
  GetPolicyCommand,
  GetPolicyVersionCommand,
  GetUserCommand,
  ListAccessKeysCommand,
  ListEntitiesForPolicyCommand,
  UpdateAccessKeyCommand,
  UpdateAccountPasswordPolicyCommand,
  paginateListAccessKeys,
  paginateListEntitiesForPolicy,
} from '@aws-sdk/client-iam';
import { beforeEach, describe, expect, it } from 'vitest';
import { IamService } from '../../src/sim/iam-service.js';
import { useSimulatedAws } from '../helpers/sim-aws.js';

const { sim, clients } = useSimulatedAws();
const doc = (action: string) => ({ Version: '2012-10-17', Statement: [{ Effect: 'Allow', Action: action, Resource: '*' }] });

let iam: IamService;
beforeEach(() => {
  iam = new IamService({ accountId: sim.aws.accountId, now: () => new Date('2026-11-20T12:00:00Z') });
  sim.aws.register(iam);
});

describe('simulated IAM', () => {
  it('answers on the global endpoint whatever Region the client is for, and records calls', async () => {
    iam.addUser('alice', { createDate: '2026-01-01T00:00:00Z' });
    const out = await clients.iam('eu-west-1').send(new GetUserCommand({ UserName: 'alice' }));
    expect(out.User).toMatchObject({ UserName: 'alice', Path: '/', Arn: 'arn:aws:iam::111111111111:user/alice', CreateDate: new Date('2026-01-01T00:00:00Z') });
    expect(out.$metadata.requestId).toMatch(/^SIM/);
    expect(sim.aws.callsTo('iam', 'GetUser')).toEqual([{ service: 'iam', operation: 'GetUser', region: 'us-east-1', input: { UserName: 'alice' } }]);
  });

  it('names IAM errors the way the SDK expects (NoSuchEntity, ValidationError, unsupported actions)', async () => {
    const client = clients.iam('us-east-1');
    await expect(client.send(new ListAccessKeysCommand({ UserName: 'ghost' }))).rejects.toMatchObject({
      name: 'NoSuchEntityException',
      message: 'The user with name ghost cannot be found.',
      $metadata: { httpStatusCode: 404 },
    });
    iam.addUser('alice');
    await expect(client.send(new ListAccessKeysCommand({ UserName: 'bad name!' }))).rejects.toMatchObject({ name: 'ValidationError' });
    await expect(client.send(new UpdateAccessKeyCommand({ UserName: 'alice', AccessKeyId: 'AKIANOSUCHKEY0000000', Status: 'Inactive' }))).rejects.toMatchObject({
      name: 'NoSuchEntityException',
    });
    await expect(client.send(new GetAccountSummaryCommand({}))).rejects.toMatchObject({ $metadata: { httpStatusCode: 501 } });
    expect(sim.aws.callsTo('iam', 'Unsupported')).toHaveLength(1);
  });

  it('puts errors on the wire as an awsQuery ErrorResponse', async () => {
    const reply = iam.errorReply({ status: 404, code: 'NoSuchEntity', message: 'gone <now>' }, 'REQ1');
    expect(reply.status).toBe(404);
    expect(await reply.text()).toBe(
      '<ErrorResponse xmlns="https://iam.amazonaws.com/doc/2010-05-08/"><Error><Type>Sender</Type><Code>NoSuchEntity</Code>' +
        '<Message>gone &lt;now&gt;</Message></Error><RequestId>REQ1</RequestId></ErrorResponse>',
    );
  });

  it('pages access keys with Marker/MaxItems and reports last use (N/A when never used)', async () => {
    iam.addUser('alice');
    const ids = [1, 2, 3].map((n) => iam.addAccessKey('alice', { createDate: `2026-0${n}-01T00:00:00Z` }));
    iam.addAccessKey('alice', {
      accessKeyId: 'AKIAUSEDKEY000000001',
      createDate: '2026-04-01T00:00:00Z',
      lastUsed: { LastUsedDate: '2026-11-01T00:00:00Z', ServiceName: 's3', Region: 'eu-west-1' },
    });
    const client = clients.iam('us-east-1');
    const pages = [];
    for await (const page of paginateListAccessKeys({ client, pageSize: 3 }, { UserName: 'alice' })) pages.push(page.AccessKeyMetadata?.map((k) => k.AccessKeyId));
    expect(pages).toEqual([ids, ['AKIAUSEDKEY000000001']]);
    expect((await client.send(new GetAccessKeyLastUsedCommand({ AccessKeyId: ids[0] }))).AccessKeyLastUsed).toEqual({ ServiceName: 'N/A', Region: 'N/A' });
    expect(await client.send(new GetAccessKeyLastUsedCommand({ AccessKeyId: 'AKIAUSEDKEY000000001' }))).toMatchObject({
      UserName: 'alice',
      AccessKeyLastUsed: { LastUsedDate: new Date('2026-11-01T00:00:00Z'), ServiceName: 's3', Region: 'eu-west-1' },
    });
  });

  it('returns policy documents URL-encoded, as IAM does, and keeps versions like IAM', async () => {
    const arn = iam.addPolicy('Ops', [doc('s3:Get*'), doc('ec2:Describe*')]);
    const client = clients.iam('us-east-1');
    expect((await client.send(new GetPolicyCommand({ PolicyArn: arn }))).Policy).toMatchObject({ DefaultVersionId: 'v2', AttachmentCount: 0 });
    const { PolicyVersion } = await client.send(new GetPolicyVersionCommand({ PolicyArn: arn, VersionId: 'v1' }));
    expect(PolicyVersion?.Document).toBe(encodeURIComponent(JSON.stringify(doc('s3:Get*'))));
    expect(JSON.parse(decodeURIComponent(PolicyVersion?.Document ?? ''))).toEqual(doc('s3:Get*'));

    await expect(client.send(new DeletePolicyVersionCommand({ PolicyArn: arn, VersionId: 'v2' }))).rejects.toMatchObject({ name: 'DeleteConflictException' });
    await client.send(new DeletePolicyVersionCommand({ PolicyArn: arn, VersionId: 'v1' }));
    const created = await client.send(new CreatePolicyVersionCommand({ PolicyArn: arn, PolicyDocument: JSON.stringify(doc('iam:Get*')), SetAsDefault: true }));
    // Version ids are never reused.
    expect(created.PolicyVersion).toMatchObject({ VersionId: 'v3', IsDefaultVersion: true });
    expect(iam.defaultDocument(arn)).toEqual(doc('iam:Get*'));
    await expect(client.send(new CreatePolicyVersionCommand({ PolicyArn: arn, PolicyDocument: '{not json' }))).rejects.toMatchObject({
      name: 'MalformedPolicyDocumentException',
    });
  });

  it('refuses a sixth policy version with LimitExceeded', async () => {
    const arn = iam.addPolicy('Ops', [1, 2, 3, 4, 5].map((n) => doc(`s3:Get${n}`)));
    await expect(
      clients.iam('us-east-1').send(new CreatePolicyVersionCommand({ PolicyArn: arn, PolicyDocument: JSON.stringify(doc('s3:*')) })),
    ).rejects.toMatchObject({ name: 'LimitExceededException', $metadata: { httpStatusCode: 409 } });
    expect(iam.policy(arn)?.Versions).toHaveLength(5);
  });

  it('lists who holds a policy across users, groups and roles, paged together and filterable', async () => {
    const arn = iam.addPolicy('Ops', [doc('s3:Get*')]);
    iam.addUser('alice');
    iam.addUser('bob');
    iam.attachUserPolicy('alice', arn);
    iam.attachUserPolicy('bob', arn);
    iam.addGroup('ops', { members: ['alice'], policies: [arn] });
    iam.addRole('deployer', { policies: [arn] });
    const client = clients.iam('us-east-1');
    const seen: string[] = [];
    for await (const page of paginateListEntitiesForPolicy({ client, pageSize: 2 }, { PolicyArn: arn })) {
      seen.push(...(page.PolicyGroups ?? []).map((g) => `group ${g.GroupName}`));
      seen.push(...(page.PolicyUsers ?? []).map((u) => `user ${u.UserName}`));
      seen.push(...(page.PolicyRoles ?? []).map((r) => `role ${r.RoleName}`));
    }
    expect(seen).toEqual(['group ops', 'user alice', 'user bob', 'role deployer']);
    const roles = await client.send(new ListEntitiesForPolicyCommand({ PolicyArn: arn, EntityFilter: 'Role' }));
    expect(roles).toMatchObject({ PolicyGroups: [], PolicyUsers: [], PolicyRoles: [{ RoleName: 'deployer' }] });
  });

  it('models the account password policy: NoSuchEntity when unset, omitted fields reset to defaults', async () => {
    const client = clients.iam('us-east-1');
    await expect(client.send(new GetAccountPasswordPolicyCommand({}))).rejects.toMatchObject({
      name: 'NoSuchEntityException',
      message: 'The Password Policy with domain name 111111111111 cannot be found.',
    });
    iam.setPasswordPolicy({
      MinimumPasswordLength: 20,
      RequireSymbols: true,
      RequireNumbers: true,
      RequireUppercaseCharacters: true,
      RequireLowercaseCharacters: true,
      AllowUsersToChangePassword: true,
      MaxPasswordAge: 30,
    });
    expect((await client.send(new GetAccountPasswordPolicyCommand({}))).PasswordPolicy).toMatchObject({ MaxPasswordAge: 30, ExpirePasswords: true });
    await client.send(new UpdateAccountPasswordPolicyCommand({ RequireSymbols: true }));
    expect(iam.passwordPolicy()).toEqual({
      MinimumPasswordLength: 6,
      RequireSymbols: true,
      RequireNumbers: false,
      RequireUppercaseCharacters: false,
      RequireLowercaseCharacters: false,
      AllowUsersToChangePassword: false,
    });
    await expect(client.send(new UpdateAccountPasswordPolicyCommand({ MinimumPasswordLength: 5 }))).rejects.toMatchObject({ name: 'ValidationError' });
  });

  it('fires injected faults in IAM format', async () => {
    iam.addUser('alice');
    sim.aws.failNext('iam', 'GetUser', { status: 403, code: 'AccessDenied', message: 'User is not authorized to perform: iam:GetUser' });
    await expect(clients.iam('us-east-1').send(new GetUserCommand({ UserName: 'alice' }))).rejects.toMatchObject({
      name: 'AccessDenied',
      message: 'User is not authorized to perform: iam:GetUser',
    });
    expect(sim.aws.callsTo('iam', 'GetUser')[0]?.failedWith).toBe('AccessDenied');
  });
});
