import { beforeEach, describe, expect, it } from 'vitest';
import type { Finding } from '../../../src/domain/finding.js';
import { ec2RequireImdsv2, instanceId } from '../../../src/remediate/ec2/ec2-require-imdsv2.js';
import { Ec2Service } from '../../../src/sim/ec2-service.js';
import { makeFinding } from '../../helpers/findings.js';
import { useSimulatedAws } from '../../helpers/sim-aws.js';

const { sim, clients } = useSimulatedAws();
let ec2: Ec2Service;
beforeEach(() => {
  ec2 = new Ec2Service({ accountId: sim.aws.accountId });
  sim.aws.register(ec2);
});

const INSTANCE = 'i-0abc1234def567890';

function findingFor(id: string): Finding {
  return makeFinding({ control: 'EC2.8', resource: { type: 'AwsEc2Instance', id, region: 'us-east-1', tags: {} } });
}
const byArn = findingFor(`arn:aws:ec2:us-east-1:111111111111:instance/${INSTANCE}`);

describe('ec2-require-imdsv2', () => {
  it('requires tokens, keeping the endpoint and hop limit, verifies, and undo restores the options exactly', async () => {
    ec2.addInstance({ instanceId: INSTANCE, metadataOptions: { httpPutResponseHopLimit: 2, httpEndpoint: 'enabled', instanceMetadataTags: 'enabled' } });
    const plan = await ec2RequireImdsv2.plan(byArn, clients);
    expect(plan).toMatchObject({ resourceId: INSTANCE, alreadyCompliant: false });
    expect(plan.diff.split('\n')).toEqual([
      `--- ${INSTANCE} instance metadata options (now)`,
      `+++ ${INSTANCE} instance metadata options (after fix)`,
      '- HttpTokens: optional',
      '+ HttpTokens: required',
      '  HttpEndpoint: enabled',
      '  HttpPutResponseHopLimit: 2',
    ]);
    expect(plan.calls).toEqual([
      {
        service: 'ec2',
        operation: 'ModifyInstanceMetadataOptions',
        input: { InstanceId: INSTANCE, HttpTokens: 'required', HttpEndpoint: 'enabled', HttpPutResponseHopLimit: 2 },
      },
    ]);
    expect(sim.aws.callsTo('ec2', 'ModifyInstanceMetadataOptions')).toEqual([]);

    const beforeApply = ec2.instance(INSTANCE);
    await ec2RequireImdsv2.apply(plan, clients);
    expect(ec2.instance(INSTANCE)?.metadataOptions).toEqual({ ...beforeApply?.metadataOptions, httpTokens: 'required' });
    expect(await ec2RequireImdsv2.verify(plan, clients)).toMatchObject({ ok: true, observed: { HttpTokens: 'required', HttpPutResponseHopLimit: 2 } });

    await ec2RequireImdsv2.undo?.(plan, clients);
    expect(ec2.instance(INSTANCE)).toEqual(beforeApply);
  });

  it('says "already compliant" when tokens are already required', async () => {
    ec2.addInstance({ instanceId: INSTANCE, metadataOptions: { httpTokens: 'required' } });
    const plan = await ec2RequireImdsv2.plan(findingFor(INSTANCE), clients);
    expect(plan).toMatchObject({ alreadyCompliant: true, calls: [] });
    await ec2RequireImdsv2.apply(plan, clients);
    expect(sim.aws.callsTo('ec2', 'ModifyInstanceMetadataOptions')).toEqual([]);
  });

  it('fails verification while IMDSv1 is still accepted', async () => {
    ec2.addInstance({ instanceId: INSTANCE });
    const plan = await ec2RequireImdsv2.plan(byArn, clients);
    expect(await ec2RequireImdsv2.verify(plan, clients)).toMatchObject({ ok: false, detail: `${INSTANCE} still accepts IMDSv1 (HttpTokens optional)` });
  });

  it('surfaces a terminated-and-gone instance and a refused call as the SDK names them', async () => {
    await expect(ec2RequireImdsv2.plan(byArn, clients)).rejects.toMatchObject({ name: 'InvalidInstanceID.NotFound' });
    ec2.addInstance({ instanceId: INSTANCE });
    const plan = await ec2RequireImdsv2.plan(byArn, clients);
    sim.aws.failNext('ec2', 'ModifyInstanceMetadataOptions', { status: 403, code: 'UnauthorizedOperation', message: 'You are not authorized to perform this operation.' });
    await expect(ec2RequireImdsv2.apply(plan, clients)).rejects.toMatchObject({ name: 'UnauthorizedOperation' });
    expect(ec2.instance(INSTANCE)?.metadataOptions.httpTokens).toBe('optional');
  });

  it('reads instance ids from ARNs and refuses other resources and other instances', async () => {
    expect(instanceId(`arn:aws:ec2:eu-west-1:111111111111:instance/${INSTANCE}`)).toBe(INSTANCE);
    expect(instanceId(INSTANCE)).toBe(INSTANCE);
    expect(() => instanceId('arn:aws:ec2:us-east-1:111111111111:security-group/sg-0123456789abcdef0')).toThrow(/does not name an EC2 instance/);
    ec2.addInstance({ instanceId: INSTANCE });
    const plan = await ec2RequireImdsv2.plan(byArn, clients);
    const tampered = { ...plan, calls: plan.calls.map((c) => ({ ...c, input: { ...c.input, InstanceId: 'i-0fffffffffffffff0' } })) };
    await expect(ec2RequireImdsv2.apply(tampered, clients)).rejects.toThrow();
    expect(sim.aws.callsTo('ec2', 'ModifyInstanceMetadataOptions')).toEqual([]);
  });
});
