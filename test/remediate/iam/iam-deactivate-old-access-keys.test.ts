import { beforeEach, describe, expect, it } from 'vitest';
import { iamDeactivateOldAccessKeys as fix } from '../../../src/remediate/iam/iam-deactivate-old-access-keys.js';
import { IamService } from '../../../src/sim/iam-service.js';
import { makeFinding } from '../../helpers/findings.js';
import { useSimulatedAws } from '../../helpers/sim-aws.js';

const { sim, clients } = useSimulatedAws();
const now = '2026-11-20T00:00:00.000Z';
const daysAgo = (days: number) => new Date(Date.parse(now) - days * 86_400_000).toISOString();
const OLD = 'AKIAOLDKEY000000WXYZ';
const YOUNG = 'AKIAYOUNGKEY0000ABCD';

let iam: IamService;
beforeEach(() => {
  iam = new IamService({ accountId: sim.aws.accountId });
  sim.aws.register(iam);
});

function finding(resourceId = 'arn:aws:iam::111111111111:user/alice') {
  return makeFinding({
    id: 'arn:aws:securityhub:us-east-1:111111111111:security-control/IAM.3/finding/0001',
    control: 'IAM.3',
    resource: { type: 'AwsIamUser', id: resourceId, region: 'us-east-1', tags: {} },
  });
}

function seedAlice() {
  iam.addUser('alice');
  iam.addAccessKey('alice', { accessKeyId: OLD, createDate: daysAgo(200) });
  iam.addAccessKey('alice', { accessKeyId: YOUNG, createDate: daysAgo(10) });
}

const statuses = () => Object.fromEntries((iam.user('alice')?.AccessKeys ?? []).map((k) => [k.AccessKeyId, k.Status]));

describe('iam-deactivate-old-access-keys', () => {
  it('plans to deactivate only the active keys past the limit, with masked ids and ages', async () => {
    seedAlice();
    const plan = await fix.plan(finding(), clients, { now });
    expect(plan.alreadyCompliant).toBe(false);
    expect(plan.resourceId).toBe('alice');
    expect(plan.diff.split('\n')).toEqual([
      '--- IAM user alice access keys (rotation limit 90 days) (now)',
      '+++ IAM user alice access keys (rotation limit 90 days) (after fix)',
      '- access key ****************WXYZ (200 days old): Active',
      '  access key ****************ABCD (10 days old): Active',
      '+ access key ****************WXYZ (200 days old): Inactive',
      'Keys are deactivated, not deleted: undo sets them Active again. Whatever still uses them fails until it gets a new key.',
    ]);
    expect(plan.diff).not.toContain(OLD);
    expect(plan.calls).toEqual([
      { service: 'iam', operation: 'UpdateAccessKey', input: { UserName: 'alice', AccessKeyId: OLD, Status: 'Inactive' } },
    ]);
    expect(sim.aws.callsTo('iam', 'UpdateAccessKey')).toHaveLength(0);
  });

  it('applies, verifies, and undo restores the keys exactly', async () => {
    seedAlice();
    const before = iam.user('alice');
    const plan = await fix.plan(finding(), clients, { now });
    await fix.apply(plan, clients);
    expect(statuses()).toEqual({ [OLD]: 'Inactive', [YOUNG]: 'Active' });
    expect(iam.user('alice')?.AccessKeys).toHaveLength(2); // never deleted
    const verification = await fix.verify(plan, clients);
    expect(verification).toMatchObject({ ok: true, observed: plan.after });
    await fix.undo?.(plan, clients);
    expect(iam.user('alice')).toEqual(before);
    expect((await fix.verify(plan, clients)).observed).toEqual(plan.before);
  });

  it('fails verification while a planned key is still active', async () => {
    seedAlice();
    const plan = await fix.plan(finding(), clients, { now });
    expect(await fix.verify(plan, clients)).toMatchObject({ ok: false, detail: 'still Active: ****************WXYZ' });
  });

  it('honours maxAgeDays and treats inactive old keys as compliant', async () => {
    iam.addUser('alice');
    iam.addAccessKey('alice', { accessKeyId: OLD, createDate: daysAgo(200), status: 'Inactive' });
    iam.addAccessKey('alice', { accessKeyId: YOUNG, createDate: daysAgo(40) });
    const plan = await fix.plan(finding(), clients, { now });
    expect(plan).toMatchObject({ alreadyCompliant: true, calls: [] });
    await fix.apply(plan, clients);
    expect(sim.aws.callsTo('iam', 'UpdateAccessKey')).toHaveLength(0);
    const strict = await fix.plan(finding(), clients, { now, maxAgeDays: 30 });
    expect(strict.calls.map((c) => c.input['AccessKeyId'])).toEqual([YOUNG]);
  });

  it('narrows the fix to the key a finding names, found through GetAccessKeyLastUsed', async () => {
    iam.addUser('alice');
    iam.addAccessKey('alice', { accessKeyId: OLD, createDate: daysAgo(200) });
    const other = iam.addAccessKey('alice', { createDate: daysAgo(300) });
    const plan = await fix.plan(finding(OLD), clients, { now });
    expect(plan.resourceId).toBe('alice');
    expect(plan.calls.map((c) => c.input['AccessKeyId'])).toEqual([OLD]);
    expect(plan.diff).toContain(`  access key ${'*'.repeat(other.length - 4)}${other.slice(-4)} (300 days old): Active`);
  });

  it('resolves a user named by its unique id (AWS Config resource id)', async () => {
    iam.addUser('alice', { userId: 'AIDACKCEVSQ6C2EXAMPLE' });
    const plan = await fix.plan(finding('arn:aws:iam::111111111111:user/AIDACKCEVSQ6C2EXAMPLE'), clients, { now });
    expect(plan.resourceId).toBe('alice');
  });

  it('surfaces a deleted user and AccessDenied as the SDK names them', async () => {
    await expect(fix.plan(finding(), clients, { now })).rejects.toMatchObject({ name: 'NoSuchEntityException' });
    await expect(fix.plan(finding('arn:aws:iam::111111111111:user/AIDACKCEVSQ6C2EXAMPLE'), clients, { now })).rejects.toMatchObject({
      name: 'NoSuchEntityException',
    });
    await expect(fix.plan(finding(OLD), clients, { now })).rejects.toMatchObject({ name: 'NoSuchEntityException' });
    seedAlice();
    sim.aws.failNext('iam', 'ListAccessKeys', { status: 403, code: 'AccessDenied', message: 'not authorized' });
    await expect(fix.plan(finding(), clients, { now })).rejects.toMatchObject({ name: 'AccessDenied' });
    const plan = await fix.plan(finding(), clients, { now });
    sim.aws.failNext('iam', 'UpdateAccessKey', { status: 403, code: 'AccessDenied' });
    await expect(fix.apply(plan, clients)).rejects.toMatchObject({ name: 'AccessDenied' });
    expect(statuses()[OLD]).toBe('Active');
  });

  it('rejects bad options and resource ids with errors that name them', async () => {
    await expect(fix.plan(finding(), clients, { maxAgeDays: -1 })).rejects.toThrow(/option maxAgeDays/);
    await expect(fix.plan(finding(), clients, { now: 'yesterday' })).rejects.toThrow(/option now/);
    await expect(fix.plan(finding('AWS::IAM::AccessKey:null'), clients)).rejects.toThrow(/does not name an IAM user/);
    await expect(fix.plan(finding('arn:aws:iam::111111111111:role/admin'), clients)).rejects.toThrow(/does not name an IAM user/);
  });

  it('refuses a plan whose calls were tampered with', async () => {
    seedAlice();
    const plan = await fix.plan(finding(), clients, { now });
    await expect(fix.apply({ ...plan, calls: [{ service: 'iam', operation: 'DeleteAccessKey', input: {} }] }, clients)).rejects.toThrow(
      /unexpected call iam:DeleteAccessKey/,
    );
    await expect(
      fix.apply({ ...plan, calls: [{ service: 'iam', operation: 'UpdateAccessKey', input: { UserName: 'alice', AccessKeyId: OLD, Status: 'Deleted' } }] }, clients),
    ).rejects.toThrow();
    expect(sim.aws.callsTo('iam')).toHaveLength(1);
  });
});
