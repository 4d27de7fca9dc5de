import { beforeEach, describe, expect, it } from 'vitest';
import { findingAccount, s3AccountBlockPublicAccess } from '../../../src/remediate/s3/s3-account-block-public-access.js';
import { S3ControlService } from '../../../src/sim/s3-control-service.js';
import { makeFinding } from '../../helpers/findings.js';
import { useSimulatedAws } from '../../helpers/sim-aws.js';

const { sim, clients } = useSimulatedAws();
const finding = makeFinding({
  control: 'S3.1',
  account: '111111111111',
  resource: { type: 'AwsAccount', id: 'AWS::::Account:111111111111', region: 'us-east-1', tags: {} },
});
const allTrue = { BlockPublicAcls: true, IgnorePublicAcls: true, BlockPublicPolicy: true, RestrictPublicBuckets: true };
const partial = { BlockPublicAcls: true, IgnorePublicAcls: false, BlockPublicPolicy: true, RestrictPublicBuckets: false };

let control: S3ControlService;
beforeEach(() => {
  control = new S3ControlService(sim.aws.accountId);
  sim.aws.register(control);
});

describe('s3-account-block-public-access', () => {
  it('declares what the IAM policy and the registry need', () => {
    expect(s3AccountBlockPublicAccess).toMatchObject({
      id: 's3-account-block-public-access',
      controls: ['S3.1'],
      resourceType: 'AwsAccount',
      mode: 'copilot',
      reversible: true,
      permissions: ['s3:GetAccountPublicAccessBlock', 's3:PutAccountPublicAccessBlock'],
    });
  });

  it('plans from the account with no configuration: every setting off, one PutPublicAccessBlock', async () => {
    const plan = await s3AccountBlockPublicAccess.plan(finding, clients);
    expect(plan).toMatchObject({ resourceId: '111111111111', region: 'us-east-1', alreadyCompliant: false, after: allTrue });
    expect(plan.before).toEqual({ Configured: false, BlockPublicAcls: false, IgnorePublicAcls: false, BlockPublicPolicy: false, RestrictPublicBuckets: false });
    expect(plan.diff.split('\n')).toEqual([
      '--- account 111111111111 Public Access Block (every bucket) (now)',
      '+++ account 111111111111 Public Access Block (every bucket) (after fix)',
      '- BlockPublicAcls: false',
      '+ BlockPublicAcls: true',
      '- IgnorePublicAcls: false',
      '+ IgnorePublicAcls: true',
      '- BlockPublicPolicy: false',
      '+ BlockPublicPolicy: true',
      '- RestrictPublicBuckets: false',
      '+ RestrictPublicBuckets: true',
    ]);
    expect(plan.calls).toEqual([
      { service: 's3control', operation: 'PutPublicAccessBlock', input: { AccountId: '111111111111', PublicAccessBlockConfiguration: allTrue } },
    ]);
    expect(sim.aws.calls.map((c) => c.operation)).toEqual(['GetPublicAccessBlock']);
  });

  it('says already compliant with no calls when all four are on', async () => {
    control.setPublicAccessBlock(allTrue);
    const plan = await s3AccountBlockPublicAccess.plan(finding, clients);
    expect(plan.alreadyCompliant).toBe(true);
    expect(plan.calls).toEqual([]);
    await s3AccountBlockPublicAccess.apply(plan, clients);
    expect(sim.aws.callsTo('s3control', 'PutPublicAccessBlock')).toHaveLength(0);
  });

  it('applies, verifies, and undo deletes the configuration the account never had', async () => {
    const plan = await s3AccountBlockPublicAccess.plan(finding, clients);
    await s3AccountBlockPublicAccess.apply(plan, clients);
    expect(control.publicAccessBlock()).toEqual(allTrue);
    const verification = await s3AccountBlockPublicAccess.verify(plan, clients);
    expect(verification).toMatchObject({ ok: true, detail: 'all four Block Public Access settings read back as true' });
    await s3AccountBlockPublicAccess.undo?.(plan, clients);
    expect(control.publicAccessBlock()).toBeNull();
    expect(sim.aws.callsTo('s3control', 'DeletePublicAccessBlock')).toHaveLength(1);
  });

  it('undo puts back a partial configuration exactly', async () => {
    control.setPublicAccessBlock(partial);
    const plan = await s3AccountBlockPublicAccess.plan(finding, clients);
    expect(plan.diff).toContain('  BlockPublicAcls: true');
    await s3AccountBlockPublicAccess.apply(plan, clients);
    await s3AccountBlockPublicAccess.undo?.(JSON.parse(JSON.stringify(plan)), clients);
    expect(control.publicAccessBlock()).toEqual(partial);
  });

  it('surfaces AccessDenied (as under an organization-level policy) by name', async () => {
    const plan = await s3AccountBlockPublicAccess.plan(finding, clients);
    sim.aws.failNext('s3control', 'PutPublicAccessBlock', { status: 403, code: 'AccessDenied', message: 'Access Denied' });
    await expect(s3AccountBlockPublicAccess.apply(plan, clients)).rejects.toMatchObject({ name: 'AccessDenied' });
    expect(control.publicAccessBlock()).toBeNull();
  });

  it('is denied for an account the credentials cannot reach', async () => {
    const other = makeFinding({
      control: 'S3.1',
      account: '222222222222',
      resource: { type: 'AwsAccount', id: 'AWS::::Account:222222222222', region: 'us-east-1', tags: {} },
    });
    await expect(s3AccountBlockPublicAccess.plan(other, clients)).rejects.toMatchObject({ name: 'AccessDenied' });
  });

  it('takes the account from the finding and refuses a resource that is not that account', () => {
    expect(findingAccount(finding)).toBe('111111111111');
    expect(() => findingAccount({ ...finding, resource: { ...finding.resource, id: 'arn:aws:s3:::bucket' } })).toThrow(
      /does not name an AWS account/,
    );
    expect(() => findingAccount({ ...finding, account: '222222222222' })).toThrow(/names resource account 111111111111/);
  });
});
