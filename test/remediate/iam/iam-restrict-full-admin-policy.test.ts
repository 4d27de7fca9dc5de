import { beforeEach, describe, expect, it } from 'vitest';
import { customerPolicyArn, iamRestrictFullAdminPolicy as fix } from '../../../src/remediate/iam/iam-restrict-full-admin-policy.js';
import { ManualOnlyError } from '../../../src/remediate/manual-only-error.js';
import { IamService } from '../../../src/sim/iam-service.js';
import { makeFinding } from '../../helpers/findings.js';
import { useSimulatedAws } from '../../helpers/sim-aws.js';

const { sim, clients } = useSimulatedAws();
const ARN = 'arn:aws:iam::111111111111:policy/ops/PowerOps';
const admin = { Sid: 'Everything', Effect: 'Allow', Action: '*', Resource: '*' };
const logs = { Sid: 'Logs', Effect: 'Allow', Action: ['logs:Get*'], Resource: 'arn:aws:logs:*:111111111111:*' };
const denyBilling = { Effect: 'Deny', Action: '*', Resource: '*', Condition: { Bool: { 'aws:MultiFactorAuthPresent': 'false' } } };
const v1 = { Version: '2012-10-17', Statement: [logs] };
const broad = { Version: '2012-10-17', Statement: [admin, logs, denyBilling] };

let iam: IamService;
beforeEach(() => {
  iam = new IamService({ accountId: sim.aws.accountId });
  sim.aws.register(iam);
});

const finding = makeFinding({
  id: 'arn:aws:securityhub:us-east-1:111111111111:security-control/IAM.1/finding/0004',
  control: 'IAM.1',
  resource: { type: 'AwsIamPolicy', id: ARN, region: 'us-east-1', tags: {} },
});

function seed(versions: unknown[] = [v1, broad], defaultVersion = versions.length) {
  iam.addPolicy('PowerOps', versions, { path: '/ops/', createDate: '2025-01-01T00:00:00Z', defaultVersion });
  iam.addUser('dave');
  iam.attachUserPolicy('dave', ARN);
  iam.addGroup('operators', { policies: [ARN] });
  iam.addRole('deployer', { policies: [ARN] });
}

describe('iam-restrict-full-admin-policy', () => {
  it('plans a new default version without the * on * statement and names who holds the policy', async () => {
    seed();
    const plan = await fix.plan(finding, clients);
    expect(plan.alreadyCompliant).toBe(false);
    expect(plan.diff.split('\n')).toEqual([
      `--- IAM policy ${ARN} (default version v2) (now)`,
      `+++ IAM policy ${ARN} (default version v2) (after fix)`,
      `- statement ${JSON.stringify(admin)}`,
      `  statement ${JSON.stringify(logs)}`,
      `  statement ${JSON.stringify(denyBilling)}`,
      'Held by: users dave; groups operators; roles deployer. They lose full administrator access unless another policy grants it.',
      'A new version becomes the default; v2 is kept, so undo makes it the default again.',
    ]);
    expect(plan.calls).toEqual([
      {
        service: 'iam',
        operation: 'CreatePolicyVersion',
        input: { PolicyArn: ARN, PolicyDocument: JSON.stringify({ Version: '2012-10-17', Statement: [logs, denyBilling] }), SetAsDefault: true },
      },
    ]);
    expect(sim.aws.callsTo('iam', 'CreatePolicyVersion')).toHaveLength(0);
  });

  it('applies, verifies, and undo makes the previous version the default again', async () => {
    seed();
    const plan = await fix.plan(finding, clients);
    await fix.apply(plan, clients);
    const policy = iam.policy(ARN);
    expect(policy?.Versions.map((v) => [v.VersionId, v.IsDefaultVersion])).toEqual([['v1', false], ['v2', false], ['v3', true]]);
    expect(iam.defaultDocument(ARN)).toEqual({ Version: '2012-10-17', Statement: [logs, denyBilling] });
    expect(await fix.verify(plan, clients)).toMatchObject({ ok: true, observed: { DefaultVersionId: 'v3', ...plan.after } });
    await fix.undo?.(plan, clients);
    expect(iam.defaultDocument(ARN)).toEqual(broad);
    expect((await fix.verify(plan, clients)).observed).toEqual(plan.before);
  });

  it('deletes the oldest non-default version first when the policy has five, and says so', async () => {
    seed([v1, v1, broad, v1, v1], 3);
    const plan = await fix.plan(finding, clients);
    expect(plan.calls.map((c) => [c.operation, c.input['VersionId']])).toEqual([
      ['DeletePolicyVersion', 'v1'],
      ['CreatePolicyVersion', undefined],
    ]);
    expect(plan.diff).toContain(
      'The policy already has 5 versions (the IAM limit): version v1 (created 2025-01-01T00:00:00.000Z, not the default) is deleted first, permanently;',
    );
    expect(plan.before['DeletedVersion']).toMatchObject({ VersionId: 'v1', Document: v1 });
    await fix.apply(plan, clients);
    expect(iam.policy(ARN)?.Versions.map((v) => v.VersionId)).toEqual(['v2', 'v3', 'v4', 'v5', 'v6']);
    expect((await fix.verify(plan, clients)).ok).toBe(true);
  });

  it('without the deletion, a sixth version fails with LimitExceeded as in IAM', async () => {
    seed([v1, v1, broad, v1, v1], 3);
    const plan = await fix.plan(finding, clients);
    await expect(fix.apply({ ...plan, calls: plan.calls.slice(1) }, clients)).rejects.toMatchObject({ name: 'LimitExceededException' });
  });

  it('says already compliant when no statement allows * on *', async () => {
    seed([v1]);
    const plan = await fix.plan(finding, clients);
    expect(plan).toMatchObject({ alreadyCompliant: true, calls: [] });
    expect(sim.aws.callsTo('iam', 'ListPolicyVersions')).toHaveLength(0);
  });

  it('refuses to plan when removing the statement would leave the policy empty', async () => {
    seed([{ Version: '2012-10-17', Statement: admin }]);
    const error: unknown = await fix.plan(finding, clients).catch((e: unknown) => e);
    if (!(error instanceof ManualOnlyError)) throw new Error('expected ManualOnlyError');
    expect(error.plan.calls).toEqual([]);
    expect(error.plan.diff).toContain('detach the policy from its holders, or rewrite it, by hand');
  });

  it('surfaces a deleted policy and AccessDenied as the SDK names them', async () => {
    await expect(fix.plan(finding, clients)).rejects.toMatchObject({ name: 'NoSuchEntityException' });
    seed();
    sim.aws.failNext('iam', 'ListEntitiesForPolicy', { status: 403, code: 'AccessDenied', message: 'not authorized' });
    await expect(fix.plan(finding, clients)).rejects.toMatchObject({ name: 'AccessDenied' });
    const plan = await fix.plan(finding, clients);
    sim.aws.failNext('iam', 'CreatePolicyVersion', { status: 403, code: 'AccessDenied' });
    await expect(fix.apply(plan, clients)).rejects.toMatchObject({ name: 'AccessDenied' });
    expect(iam.defaultDocument(ARN)).toEqual(broad);
  });

  it('accepts only customer managed policy ARNs', () => {
    expect(customerPolicyArn(ARN)).toBe(ARN);
    expect(() => customerPolicyArn('arn:aws:iam::aws:policy/AdministratorAccess')).toThrow(/AWS managed policy/);
    expect(() => customerPolicyArn('arn:aws:iam::111111111111:user/dave')).toThrow(/does not name an IAM managed policy/);
  });
});
