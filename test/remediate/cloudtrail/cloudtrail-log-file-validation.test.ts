import { beforeEach, describe, expect, it } from 'vitest';
import { cloudTrailLogFileValidation } from '../../../src/remediate/cloudtrail/cloudtrail-log-file-validation.js';
import { CloudTrailService } from '../../../src/sim/cloudtrail-service.js';
import { makeFinding } from '../../helpers/findings.js';
import { useSimulatedAws } from '../../helpers/sim-aws.js';

const { sim, clients } = useSimulatedAws();
const TRAIL_ARN = 'arn:aws:cloudtrail:us-east-1:111111111111:trail/sharr-test-unencrypted';
const finding = makeFinding({
  id: 'arn:aws:securityhub:us-east-1:111111111111:security-control/CloudTrail.4/finding/0004',
  control: 'CloudTrail.4',
  resource: { type: 'AwsCloudTrailTrail', id: TRAIL_ARN, region: 'us-east-1', tags: {} },
});
let cloudTrail: CloudTrailService;

beforeEach(() => {
  cloudTrail = new CloudTrailService({ accountId: sim.aws.accountId });
  sim.aws.register(cloudTrail);
});

describe('cloudtrail-log-file-validation', () => {
  it('declares itself safe for autopilot and reversible, with least privilege', () => {
    expect(cloudTrailLogFileValidation).toMatchObject({
      mode: 'autopilot',
      reversible: true,
      controls: ['CloudTrail.4'],
      cisRules: ['2.2'],
      permissions: ['cloudtrail:GetTrail', 'cloudtrail:UpdateTrail'],
    });
  });

  it('turns validation on, verifies, and undo turns it off again', async () => {
    cloudTrail.addTrail('sharr-test-unencrypted', { isMultiRegionTrail: true, isLogging: true });
    const before = cloudTrail.trail('sharr-test-unencrypted');
    const plan = await cloudTrailLogFileValidation.plan(finding, clients);
    expect(plan.diff.split('\n')).toEqual([
      '--- CloudTrail trail sharr-test-unencrypted (now)',
      '+++ CloudTrail trail sharr-test-unencrypted (after fix)',
      '- LogFileValidationEnabled: false',
      '+ LogFileValidationEnabled: true',
    ]);
    expect(plan.calls).toEqual([{ service: 'cloudtrail', operation: 'UpdateTrail', input: { Name: TRAIL_ARN, EnableLogFileValidation: true } }]);

    await cloudTrailLogFileValidation.apply(plan, clients);
    expect(cloudTrail.trail('sharr-test-unencrypted')).toEqual({ ...before, logFileValidationEnabled: true });
    await expect(cloudTrailLogFileValidation.verify(plan, clients)).resolves.toMatchObject({ ok: true, observed: { LogFileValidationEnabled: true } });

    await cloudTrailLogFileValidation.undo?.(plan, clients);
    expect(cloudTrail.trail('sharr-test-unencrypted')).toEqual(before);
  });

  it('says "already compliant" and plans no call when validation is on', async () => {
    cloudTrail.addTrail('sharr-test-unencrypted', { logFileValidationEnabled: true });
    const plan = await cloudTrailLogFileValidation.plan(finding, clients);
    expect(plan).toMatchObject({ alreadyCompliant: true, calls: [] });
    await cloudTrailLogFileValidation.apply(plan, clients);
    expect(sim.aws.callsTo('cloudtrail', 'UpdateTrail')).toHaveLength(0);
  });

  it('rejects a stored plan whose call was altered', async () => {
    cloudTrail.addTrail('sharr-test-unencrypted');
    const plan = await cloudTrailLogFileValidation.plan(finding, clients);
    const widened = { ...plan, calls: [{ ...plan.calls[0]!, input: { Name: TRAIL_ARN, EnableLogFileValidation: true, IsMultiRegionTrail: false } }] };
    await expect(cloudTrailLogFileValidation.apply(widened, clients)).rejects.toThrow(/IsMultiRegionTrail/);
    expect(sim.aws.callsTo('cloudtrail', 'UpdateTrail')).toHaveLength(0);
  });

  it('surfaces a deleted trail and AccessDenied as named errors', async () => {
    await expect(cloudTrailLogFileValidation.plan(finding, clients)).rejects.toMatchObject({ name: 'TrailNotFoundException' });
    cloudTrail.addTrail('sharr-test-unencrypted');
    sim.aws.failNext('cloudtrail', 'GetTrail', { status: 400, code: 'AccessDeniedException' });
    await expect(cloudTrailLogFileValidation.plan(finding, clients)).rejects.toMatchObject({ name: 'AccessDeniedException' });
  });
});
