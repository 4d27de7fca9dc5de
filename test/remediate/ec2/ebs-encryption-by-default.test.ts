import { beforeEach, describe, expect, it } from 'vitest';
import type { Finding } from '../../../src/domain/finding.js';
import { accountId, ebsEncryptionByDefault } from '../../../src/remediate/ec2/ebs-encryption-by-default.js';
import { Ec2Service } from '../../../src/sim/ec2-service.js';
import { makeFinding } from '../../helpers/findings.js';
import { useSimulatedAws } from '../../helpers/sim-aws.js';

const { sim, clients } = useSimulatedAws();
let ec2: Ec2Service;
beforeEach(() => {
  ec2 = new Ec2Service({ accountId: sim.aws.accountId });
  sim.aws.register(ec2);
});

function findingIn(region: string): Finding {
  return makeFinding({ control: 'EC2.7', region, resource: { type: 'AwsAccount', id: 'AWS::::Account:111111111111', region, tags: {} } });
}

describe('ebs-encryption-by-default', () => {
  it('turns the Region setting on, verifies it, and undo turns it off again', async () => {
    const plan = await ebsEncryptionByDefault.plan(findingIn('eu-west-1'), clients);
    expect(plan).toMatchObject({ resourceId: '111111111111', region: 'eu-west-1', alreadyCompliant: false });
    expect(plan.diff.split('\n')).toEqual([
      '--- account 111111111111 EBS defaults in eu-west-1 (now)',
      '+++ account 111111111111 EBS defaults in eu-west-1 (after fix)',
      '- EbsEncryptionByDefault: false',
      '+ EbsEncryptionByDefault: true',
    ]);
    expect(plan.calls).toEqual([{ service: 'ec2', operation: 'EnableEbsEncryptionByDefault', input: {} }]);
    expect(sim.aws.callsTo('ec2', 'EnableEbsEncryptionByDefault')).toEqual([]);

    await ebsEncryptionByDefault.apply(plan, clients);
    expect(ec2.ebsEncryptionByDefault('eu-west-1')).toBe(true);
    expect(ec2.ebsEncryptionByDefault('us-east-1')).toBe(false);
    expect(await ebsEncryptionByDefault.verify(plan, clients)).toMatchObject({ ok: true, observed: { EbsEncryptionByDefault: true } });

    await ebsEncryptionByDefault.undo?.(plan, clients);
    expect(ec2.ebsEncryptionByDefault('eu-west-1')).toBe(false);
  });

  it('says "already compliant" when the Region already encrypts by default; undo of that plan changes nothing', async () => {
    ec2.setEbsEncryptionByDefault('us-east-1', true);
    const plan = await ebsEncryptionByDefault.plan(findingIn('us-east-1'), clients);
    expect(plan).toMatchObject({ alreadyCompliant: true, calls: [] });
    await ebsEncryptionByDefault.apply(plan, clients);
    await ebsEncryptionByDefault.undo?.(plan, clients);
    expect(ec2.ebsEncryptionByDefault('us-east-1')).toBe(true);
    expect(sim.aws.calls.map((c) => c.operation)).toEqual(['GetEbsEncryptionByDefault']);
  });

  it('fails verification while the setting is off', async () => {
    const plan = await ebsEncryptionByDefault.plan(findingIn('us-east-1'), clients);
    expect(await ebsEncryptionByDefault.verify(plan, clients)).toMatchObject({ ok: false, detail: 'EBS encryption by default is still off in us-east-1' });
  });

  it('surfaces a refused call as the SDK names it, and leaves the setting alone', async () => {
    sim.aws.failNext('ec2', 'GetEbsEncryptionByDefault', { status: 403, code: 'UnauthorizedOperation', message: 'You are not authorized to perform this operation.' });
    await expect(ebsEncryptionByDefault.plan(findingIn('us-east-1'), clients)).rejects.toMatchObject({ name: 'UnauthorizedOperation' });
    const plan = await ebsEncryptionByDefault.plan(findingIn('us-east-1'), clients);
    sim.aws.failNext('ec2', 'EnableEbsEncryptionByDefault', { status: 403, code: 'UnauthorizedOperation' });
    await expect(ebsEncryptionByDefault.apply(plan, clients)).rejects.toMatchObject({ name: 'UnauthorizedOperation' });
    expect(ec2.ebsEncryptionByDefault('us-east-1')).toBe(false);
  });

  it('reads the account from the ASFF account id and refuses other resources', async () => {
    expect(accountId('AWS::::Account:123456789012')).toBe('123456789012');
    expect(accountId('123456789012')).toBe('123456789012');
    expect(() => accountId('arn:aws:ec2:us-east-1:123456789012:volume/vol-1')).toThrow(/does not name an AWS account/);
    const plan = { ...(await ebsEncryptionByDefault.plan(findingIn('us-east-1'), clients)) };
    await expect(ebsEncryptionByDefault.apply({ ...plan, calls: [{ service: 'ec2', operation: 'DisableEbsEncryptionByDefault', input: {} }] }, clients)).rejects.toThrow(
      /unexpected call ec2:DisableEbsEncryptionByDefault/,
    );
  });
});
