import { beforeEach, describe, expect, it } from 'vitest';
import { iamDisableUnusedCredentials as fix } from '../../../src/remediate/iam/iam-disable-unused-credentials.js';
import { ManualOnlyError } from '../../../src/remediate/manual-only-error.js';
import { IamService } from '../../../src/sim/iam-service.js';
import { makeFinding } from '../../helpers/findings.js';
import { useSimulatedAws } from '../../helpers/sim-aws.js';

const { sim, clients } = useSimulatedAws();
const now = '2026-11-20T00:00:00.000Z';
const daysAgo = (days: number) => new Date(Date.parse(now) - days * 86_400_000).toISOString();
const used = (days: number) => ({ LastUsedDate: daysAgo(days), ServiceName: 's3', Region: 'us-east-1' });
const IDLE = 'AKIAIDLEKEY00000WXYZ';
const BUSY = 'AKIABUSYKEY00000ABCD';
const NEVER = 'AKIANEVERUSED000NEVR';

let iam: IamService;
beforeEach(() => {
  iam = new IamService({ accountId: sim.aws.accountId });
  sim.aws.register(iam);
});

function finding(control = 'IAM.8') {
  return makeFinding({
    id: `arn:aws:securityhub:us-east-1:111111111111:security-control/${control}/finding/0002`,
    control,
    resource: { type: 'AwsIamUser', id: 'arn:aws:iam::111111111111:user/bob', region: 'us-east-1', tags: {} },
  });
}

function seedBob(options: { password?: boolean } = {}) {
  iam.addUser('bob', { passwordLastUsed: daysAgo(200) });
  iam.addAccessKey('bob', { accessKeyId: IDLE, createDate: daysAgo(400), lastUsed: used(120) });
  iam.addAccessKey('bob', { accessKeyId: BUSY, createDate: daysAgo(400), lastUsed: used(3) });
  if (options.password !== false) iam.setLoginProfile('bob', { createDate: daysAgo(500) });
}

describe('iam-disable-unused-credentials', () => {
  it('deactivates unused keys and lists the stale console password as a manual step without approval', async () => {
    seedBob();
    const plan = await fix.plan(finding(), clients, { now });
    expect(plan.alreadyCompliant).toBe(false);
    expect(plan.diff.split('\n')).toEqual([
      '--- IAM user bob credentials unused for more than 90 days (now)',
      '+++ IAM user bob credentials unused for more than 90 days (after fix)',
      '- access key ****************WXYZ (last used 120 days ago): Active',
      '  access key ****************ABCD (last used 3 days ago): Active',
      '- console password (last used 200 days ago): set',
      '+ access key ****************WXYZ (last used 120 days ago): Inactive',
      '+ console password (last used 200 days ago): set (manual step below)',
      'Keys are deactivated, not deleted: undo sets them Active again.',
      'Manual step: the console password has not been used for more than 90 days. Remove it in the IAM console ' +
        '(Users > bob > Security credentials > Console sign-in > Manage console access > Disable), or approve removeConsolePassword ' +
        'so the bot deletes it (this cannot be undone).',
    ]);
    expect(plan.calls).toEqual([
      { service: 'iam', operation: 'UpdateAccessKey', input: { UserName: 'bob', AccessKeyId: IDLE, Status: 'Inactive' } },
    ]);
    await fix.apply(plan, clients);
    expect(iam.user('bob')?.LoginProfile).not.toBeNull();
    // The control still fails until a person removes the password.
    expect(await fix.verify(plan, clients)).toMatchObject({ ok: false, detail: 'the unused console password is still set' });
    iam.setLoginProfile('bob', null);
    expect((await fix.verify(plan, clients)).ok).toBe(true);
  });

  it('deletes the console password only with approval, and says undo cannot bring it back', async () => {
    seedBob();
    const before = iam.user('bob');
    const plan = await fix.plan(finding(), clients, { now, removeConsolePassword: true });
    expect(plan.diff).toContain('+ console password: deleted');
    expect(plan.diff).toContain('The console password is deleted for good: undo does not restore it');
    expect(plan.calls.map((c) => c.operation)).toEqual(['UpdateAccessKey', 'DeleteLoginProfile']);
    await fix.apply(plan, clients);
    expect(iam.user('bob')?.LoginProfile).toBeNull();
    expect(iam.user('bob')?.AccessKeys.map((k) => k.Status)).toEqual(['Inactive', 'Active']);
    const verification = await fix.verify(plan, clients);
    expect(verification).toMatchObject({ ok: true, observed: plan.after });
    await fix.undo?.(plan, clients);
    expect(iam.user('bob')).toEqual({ ...before, LoginProfile: null });
    expect(sim.aws.callsTo('iam', 'CreateLoginProfile')).toHaveLength(0);
  });

  it('undo restores the keys exactly when no password was involved', async () => {
    seedBob({ password: false });
    iam.addAccessKey('bob', { accessKeyId: NEVER, createDate: daysAgo(100) });
    const before = iam.user('bob');
    const plan = await fix.plan(finding(), clients, { now });
    expect(plan.diff).toContain('- access key ****************NEVR (never used, created 100 days ago): Active');
    expect(plan.diff).toContain('  console password: none');
    expect(plan.calls.map((c) => c.input['AccessKeyId'])).toEqual([IDLE, NEVER]);
    await fix.apply(plan, clients);
    await fix.undo?.(plan, clients);
    expect(iam.user('bob')).toEqual(before);
    expect((await fix.verify(plan, clients)).observed).toEqual(plan.before);
  });

  it('uses 45 days for IAM.22 and maxUnusedDays when given', async () => {
    iam.addUser('bob');
    iam.addAccessKey('bob', { accessKeyId: IDLE, createDate: daysAgo(400), lastUsed: used(60) });
    expect((await fix.plan(finding('IAM.8'), clients, { now })).alreadyCompliant).toBe(true);
    expect((await fix.plan(finding('IAM.22'), clients, { now })).calls).toHaveLength(1);
    expect((await fix.plan(finding('IAM.8'), clients, { now, maxUnusedDays: 30 })).calls).toHaveLength(1);
  });

  it('says already compliant, with no calls, when every credential is in use', async () => {
    iam.addUser('bob', { passwordLastUsed: daysAgo(1) });
    iam.addAccessKey('bob', { accessKeyId: BUSY, createDate: daysAgo(400), lastUsed: used(3) });
    iam.setLoginProfile('bob', { createDate: daysAgo(500) });
    const plan = await fix.plan(finding(), clients, { now });
    expect(plan).toMatchObject({ alreadyCompliant: true, calls: [] });
  });

  it('refuses to plan a fix that could only be manual: a stale password without approval', async () => {
    iam.addUser('bob');
    iam.setLoginProfile('bob', { createDate: daysAgo(500) });
    const error: unknown = await fix.plan(finding(), clients, { now }).catch((e: unknown) => e);
    if (!(error instanceof ManualOnlyError)) throw new Error('expected ManualOnlyError');
    expect(error.plan).toMatchObject({ calls: [], alreadyCompliant: false });
    expect(error.plan.diff).toContain('console password (never used, created 500 days ago): set (manual step below)');
  });

  it('surfaces a deleted user and AccessDenied as the SDK names them', async () => {
    await expect(fix.plan(finding(), clients, { now })).rejects.toMatchObject({ name: 'NoSuchEntityException' });
    seedBob();
    sim.aws.failNext('iam', 'GetLoginProfile', { status: 403, code: 'AccessDenied', message: 'not authorized' });
    await expect(fix.plan(finding(), clients, { now })).rejects.toMatchObject({ name: 'AccessDenied' });
    const plan = await fix.plan(finding(), clients, { now, removeConsolePassword: true });
    sim.aws.failNext('iam', 'DeleteLoginProfile', { status: 403, code: 'AccessDenied' });
    await expect(fix.apply(plan, clients)).rejects.toMatchObject({ name: 'AccessDenied' });
  });

  it('rejects an option of the wrong type, naming it', async () => {
    await expect(fix.plan(finding(), clients, { removeConsolePassword: 'yes' })).rejects.toThrow(/option removeConsolePassword/);
  });
});
