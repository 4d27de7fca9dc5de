import { beforeEach, describe, expect, it } from 'vitest';
import { iamDetachUserPolicies as fix } from '../../../src/remediate/iam/iam-detach-user-policies.js';
import { ManualOnlyError } from '../../../src/remediate/manual-only-error.js';
import { IamService } from '../../../src/sim/iam-service.js';
import { makeFinding } from '../../helpers/findings.js';
import { useSimulatedAws } from '../../helpers/sim-aws.js';

const { sim, clients } = useSimulatedAws();
const readOnly = { Version: '2012-10-17', Statement: [{ Effect: 'Allow', Action: 's3:Get*', Resource: '*' }] };

let iam: IamService;
beforeEach(() => {
  iam = new IamService({ accountId: sim.aws.accountId });
  sim.aws.register(iam);
});

const finding = makeFinding({
  id: 'arn:aws:securityhub:us-east-1:111111111111:security-control/IAM.2/finding/0003',
  control: 'IAM.2',
  resource: { type: 'AwsIamUser', id: 'arn:aws:iam::111111111111:user/engineers/carol', region: 'us-east-1', tags: {} },
});

/** carol has two managed policies directly; the group "readers" already grants one of them. */
function seedCarol() {
  iam.addUser('carol', { path: '/engineers/' });
  const s3Read = iam.addPolicy('S3Read', [readOnly]);
  const billing = iam.addPolicy('Billing', [readOnly], { awsManaged: true, path: '/job-function/' });
  iam.attachUserPolicy('carol', s3Read);
  iam.attachUserPolicy('carol', billing);
  iam.addGroup('readers', { members: ['carol'], policies: [s3Read] });
  return { s3Read, billing };
}

describe('iam-detach-user-policies', () => {
  it('plans to detach each managed policy and suggests a group for it', async () => {
    const { s3Read, billing } = seedCarol();
    iam.putUserInlinePolicy('carol', 'legacy', readOnly);
    const plan = await fix.plan(finding, clients);
    expect(plan.resourceId).toBe('carol');
    expect(plan.diff.split('\n')).toEqual([
      '--- IAM user carol policies (now)',
      '+++ IAM user carol policies (after fix)',
      `- managed policy S3Read (${s3Read})`,
      `- managed policy Billing (${billing})`,
      '  inline policy legacy (not touched)',
      'S3Read: carol keeps it through the group readers.',
      'Billing: no group of carol grants it; suggested: create a group for Billing and add carol to it, or carol loses these permissions.',
      'Inline policies stay as they are: move legacy into a group policy by hand; IAM.2 fails until then.',
    ]);
    expect(plan.calls).toEqual([
      { service: 'iam', operation: 'DetachUserPolicy', input: { UserName: 'carol', PolicyArn: s3Read } },
      { service: 'iam', operation: 'DetachUserPolicy', input: { UserName: 'carol', PolicyArn: billing } },
    ]);
    expect(sim.aws.callsTo('iam', 'DetachUserPolicy')).toHaveLength(0);
  });

  it('applies, verifies, and undo re-attaches exactly', async () => {
    seedCarol();
    const before = iam.user('carol');
    const plan = await fix.plan(finding, clients);
    await fix.apply(plan, clients);
    expect(iam.user('carol')?.AttachedPolicies).toEqual([]);
    expect(iam.group('readers')?.AttachedPolicies).toHaveLength(1); // groups untouched
    expect(await fix.verify(plan, clients)).toMatchObject({ ok: true, observed: plan.after });
    await fix.undo?.(plan, clients);
    expect(iam.user('carol')).toEqual(before);
    expect((await fix.verify(plan, clients)).observed).toEqual(plan.before);
  });

  it('leaves inline policies alone, so verification reports them', async () => {
    seedCarol();
    iam.putUserInlinePolicy('carol', 'legacy', readOnly);
    const plan = await fix.plan(finding, clients);
    await fix.apply(plan, clients);
    expect(iam.user('carol')?.InlinePolicies).toHaveProperty('legacy');
    expect(await fix.verify(plan, clients)).toMatchObject({ ok: false, detail: 'inline policies remain (manual): legacy' });
  });

  it('says already compliant when nothing is attached to the user', async () => {
    iam.addUser('carol', { path: '/engineers/' });
    const plan = await fix.plan(finding, clients);
    expect(plan).toMatchObject({ alreadyCompliant: true, calls: [] });
    expect(sim.aws.callsTo('iam', 'ListGroupsForUser')).toHaveLength(0);
  });

  it('refuses to plan when only inline policies are attached', async () => {
    iam.addUser('carol', { path: '/engineers/' });
    iam.putUserInlinePolicy('carol', 'legacy', readOnly);
    await expect(fix.plan(finding, clients)).rejects.toBeInstanceOf(ManualOnlyError);
  });

  it('surfaces a deleted user, a policy detached meanwhile and AccessDenied as the SDK names them', async () => {
    await expect(fix.plan(finding, clients)).rejects.toMatchObject({ name: 'NoSuchEntityException' });
    const { s3Read } = seedCarol();
    sim.aws.failNext('iam', 'ListGroupsForUser', { status: 403, code: 'AccessDenied', message: 'not authorized' });
    await expect(fix.plan(finding, clients)).rejects.toMatchObject({ name: 'AccessDenied' });
    const plan = await fix.plan(finding, clients);
    await fix.apply({ ...plan, calls: plan.calls.slice(0, 1) }, clients);
    expect(iam.user('carol')?.AttachedPolicies).not.toContain(s3Read);
    await expect(fix.apply(plan, clients)).rejects.toMatchObject({ name: 'NoSuchEntityException' });
  });
});
