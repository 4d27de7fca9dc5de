import { beforeEach, describe, expect, it } from 'vitest';
import { accountId, iamPasswordPolicy as fix } from '../../../src/remediate/iam/iam-password-policy.js';
import { IamService, type SimPasswordPolicy } from '../../../src/sim/iam-service.js';
import { makeFinding } from '../../helpers/findings.js';
import { useSimulatedAws } from '../../helpers/sim-aws.js';

const { sim, clients } = useSimulatedAws();

let iam: IamService;
beforeEach(() => {
  iam = new IamService({ accountId: sim.aws.accountId });
  sim.aws.register(iam);
});

const finding = makeFinding({
  id: 'arn:aws:securityhub:us-east-1:111111111111:security-control/IAM.7/finding/0005',
  control: 'IAM.7',
  resource: { type: 'AwsAccount', id: 'AWS::::Account:111111111111', region: 'us-east-1', tags: {} },
});

const compliant: SimPasswordPolicy = {
  MinimumPasswordLength: 14,
  RequireSymbols: true,
  RequireNumbers: true,
  RequireUppercaseCharacters: true,
  RequireLowercaseCharacters: true,
  AllowUsersToChangePassword: false,
  MaxPasswordAge: 90,
  PasswordReusePrevention: 24,
};

describe('iam-password-policy', () => {
  it('plans a compliant policy when the account has none', async () => {
    const plan = await fix.plan(finding, clients);
    expect(plan).toMatchObject({ alreadyCompliant: false, resourceId: '111111111111', before: { PasswordPolicy: null } });
    expect(plan.diff.split('\n')).toEqual([
      '--- account 111111111111 IAM password policy (none set: IAM defaults apply) (now)',
      '+++ account 111111111111 IAM password policy (none set: IAM defaults apply) (after fix)',
      '- MinimumPasswordLength: not set',
      '+ MinimumPasswordLength: 14',
      '- RequireSymbols: not set',
      '+ RequireSymbols: true',
      '- RequireNumbers: not set',
      '+ RequireNumbers: true',
      '- RequireUppercaseCharacters: not set',
      '+ RequireUppercaseCharacters: true',
      '- RequireLowercaseCharacters: not set',
      '+ RequireLowercaseCharacters: true',
      '- AllowUsersToChangePassword: not set',
      '+ AllowUsersToChangePassword: false',
      '- MaxPasswordAge: not set',
      '+ MaxPasswordAge: 90',
      '- PasswordReusePrevention: not set',
      '+ PasswordReusePrevention: 24',
      '  HardExpiry: not set',
      'Passwords older than 90 days must be changed at the next console sign-in.',
    ]);
    expect(plan.calls).toEqual([{ service: 'iam', operation: 'UpdateAccountPasswordPolicy', input: compliant }]);
  });

  it('applies, verifies, and undo deletes the policy when there was none', async () => {
    const plan = await fix.plan(finding, clients);
    await fix.apply(plan, clients);
    expect(iam.passwordPolicy()).toEqual(compliant);
    expect(await fix.verify(plan, clients)).toMatchObject({ ok: true, observed: plan.after });
    await fix.undo?.(plan, clients);
    expect(iam.passwordPolicy()).toBeNull();
    expect((await fix.verify(plan, clients)).observed).toEqual(plan.before);
  });

  it('never weakens a stronger setting and keeps the settings IAM.7 does not cover', async () => {
    const weak: SimPasswordPolicy = {
      MinimumPasswordLength: 20,
      RequireSymbols: false,
      RequireNumbers: true,
      RequireUppercaseCharacters: true,
      RequireLowercaseCharacters: false,
      AllowUsersToChangePassword: true,
      MaxPasswordAge: 30,
      HardExpiry: true,
    };
    iam.setPasswordPolicy(weak);
    const plan = await fix.plan(finding, clients);
    expect(plan.calls[0]?.input).toEqual({
      ...weak,
      RequireSymbols: true,
      RequireLowercaseCharacters: true,
      PasswordReusePrevention: 24,
    });
    expect(plan.diff).toContain('  MinimumPasswordLength: 20');
    expect(plan.diff).toContain('  MaxPasswordAge: 30');
    expect(plan.diff).not.toContain('must be changed at the next console sign-in');
    await fix.apply(plan, clients);
    expect(iam.passwordPolicy()).toMatchObject({ MinimumPasswordLength: 20, MaxPasswordAge: 30, AllowUsersToChangePassword: true, HardExpiry: true });
    expect((await fix.verify(plan, clients)).ok).toBe(true);
    await fix.undo?.(plan, clients);
    expect(iam.passwordPolicy()).toEqual(weak);
  });

  it('says already compliant, with no calls, for a compliant policy', async () => {
    iam.setPasswordPolicy({ ...compliant, MaxPasswordAge: 60 });
    const plan = await fix.plan(finding, clients);
    expect(plan).toMatchObject({ alreadyCompliant: true, calls: [] });
    await fix.apply(plan, clients);
    expect(sim.aws.callsTo('iam', 'UpdateAccountPasswordPolicy')).toHaveLength(0);
  });

  it('fails verification when the policy is still weak', async () => {
    iam.setPasswordPolicy({ ...compliant, MinimumPasswordLength: 8, RequireSymbols: false });
    const plan = await fix.plan(finding, clients);
    expect(await fix.verify(plan, clients)).toMatchObject({ ok: false, detail: 'still weak: MinimumPasswordLength 8 < 14, RequireSymbols off' });
  });

  it('surfaces AccessDenied as the SDK names it, and a policy deleted before undo as NoSuchEntity', async () => {
    sim.aws.failNext('iam', 'GetAccountPasswordPolicy', { status: 403, code: 'AccessDenied', message: 'not authorized' });
    await expect(fix.plan(finding, clients)).rejects.toMatchObject({ name: 'AccessDenied' });
    const plan = await fix.plan(finding, clients);
    sim.aws.failNext('iam', 'UpdateAccountPasswordPolicy', { status: 403, code: 'AccessDenied' });
    await expect(fix.apply(plan, clients)).rejects.toMatchObject({ name: 'AccessDenied' });
    expect(iam.passwordPolicy()).toBeNull();
    await expect(fix.undo?.(plan, clients)).rejects.toMatchObject({ name: 'NoSuchEntityException' });
  });

  it('reads the account id from the AwsAccount resource id', () => {
    expect(accountId('AWS::::Account:111111111111')).toBe('111111111111');
    expect(accountId('111111111111')).toBe('111111111111');
    expect(() => accountId('arn:aws:iam::111111111111:user/x')).toThrow(/does not name an AWS account/);
  });
});
