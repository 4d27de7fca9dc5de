import { beforeEach, describe, expect, it } from 'vitest';
import { cloudTrailKmsEncryption } from '../../../src/remediate/cloudtrail/cloudtrail-kms-encryption.js';
import { CloudTrailService } from '../../../src/sim/cloudtrail-service.js';
import { makeFinding } from '../../helpers/findings.js';
import { useSimulatedAws } from '../../helpers/sim-aws.js';

const { sim, clients } = useSimulatedAws();
const KEY = 'arn:aws:kms:us-east-2:111111111111:key/0b1c2d3e-4f50-6172-8394-a5b6c7d8e9f0';
const OTHER_KEY = 'arn:aws:kms:us-east-2:111111111111:key/11111111-2222-3333-4444-555555555555';
const TRAIL_ARN = 'arn:aws:cloudtrail:us-east-2:111111111111:trail/audit';
// The finding comes from the Security Hub aggregation Region; the ARN names the trail's home Region.
const finding = makeFinding({
  id: 'arn:aws:securityhub:us-east-1:111111111111:security-control/CloudTrail.2/finding/0002',
  control: 'CloudTrail.2',
  resource: { type: 'AwsCloudTrailTrail', id: TRAIL_ARN, region: 'us-east-1', tags: {} },
});
const options = { kmsKeyId: 'alias/cloudtrail-logs' };
let cloudTrail: CloudTrailService;

beforeEach(() => {
  cloudTrail = new CloudTrailService({ accountId: sim.aws.accountId });
  sim.aws.register(cloudTrail);
  cloudTrail.addKmsKey(KEY, { aliases: ['alias/cloudtrail-logs'] });
  cloudTrail.addKmsKey(OTHER_KEY);
});

describe('cloudtrail-kms-encryption', () => {
  it('plans SSE-KMS with the policy key, applies it, verifies, and undo turns it off again', async () => {
    cloudTrail.addTrail('audit', { homeRegion: 'us-east-2', isMultiRegionTrail: true, isLogging: true });
    const before = cloudTrail.trail('audit');
    const plan = await cloudTrailKmsEncryption.plan(finding, clients, options);
    expect(plan).toMatchObject({ alreadyCompliant: false, resourceId: TRAIL_ARN, region: 'us-east-2', before: { KmsKeyId: null } });
    expect(plan.diff.split('\n')).toEqual([
      '--- CloudTrail trail audit (now)',
      '+++ CloudTrail trail audit (after fix)',
      '- KmsKeyId: (none: SSE-S3 only)',
      '+ KmsKeyId: alias/cloudtrail-logs',
    ]);
    expect(plan.calls).toEqual([{ service: 'cloudtrail', operation: 'UpdateTrail', input: { Name: TRAIL_ARN, KmsKeyId: 'alias/cloudtrail-logs' } }]);
    // Planning only reads.
    expect(sim.aws.callsTo('cloudtrail', 'UpdateTrail')).toHaveLength(0);

    await cloudTrailKmsEncryption.apply(plan, clients);
    expect(cloudTrail.trail('audit')).toEqual({ ...before, kmsKeyId: KEY });
    await expect(cloudTrailKmsEncryption.verify(plan, clients)).resolves.toEqual({
      ok: true,
      observed: { KmsKeyId: KEY },
      detail: `KmsKeyId reads back as ${KEY}`,
    });

    await cloudTrailKmsEncryption.undo?.(plan, clients);
    expect(cloudTrail.trail('audit')).toEqual(before);
    expect(sim.aws.callsTo('cloudtrail', 'UpdateTrail').at(-1)?.input).toEqual({ Name: TRAIL_ARN, KmsKeyId: '' });
  });

  it('leaves a trail already encrypted with any key alone', async () => {
    cloudTrail.addTrail('audit', { homeRegion: 'us-east-2', kmsKeyId: OTHER_KEY });
    const plan = await cloudTrailKmsEncryption.plan(finding, clients, options);
    expect(plan).toMatchObject({ alreadyCompliant: true, calls: [], after: { KmsKeyId: OTHER_KEY } });
    await cloudTrailKmsEncryption.apply(plan, clients);
    await cloudTrailKmsEncryption.undo?.(plan, clients);
    expect(sim.aws.callsTo('cloudtrail', 'UpdateTrail')).toHaveLength(0);
    expect(cloudTrail.trail('audit')?.kmsKeyId).toBe(OTHER_KEY);
  });

  it('needs a valid kmsKeyId option', async () => {
    cloudTrail.addTrail('audit', { homeRegion: 'us-east-2' });
    await expect(cloudTrailKmsEncryption.plan(finding, clients)).rejects.toThrow('cloudtrail-kms-encryption needs the option "kmsKeyId"');
    await expect(cloudTrailKmsEncryption.plan(finding, clients, { kmsKeyId: 'my key' })).rejects.toThrow(/option "kmsKeyId" must be a KMS key id/);
  });

  it('fails verification when the trail is still unencrypted', async () => {
    cloudTrail.addTrail('audit', { homeRegion: 'us-east-2' });
    const plan = await cloudTrailKmsEncryption.plan(finding, clients, options);
    await expect(cloudTrailKmsEncryption.verify(plan, clients)).resolves.toMatchObject({
      ok: false,
      detail: 'KmsKeyId reads back as (none: SSE-S3 only): the control still fails',
    });
  });

  it('accepts a bare trail name, asked in the finding Region', async () => {
    cloudTrail.addTrail('audit', { homeRegion: 'us-east-2' });
    const bare = makeFinding({ control: 'CloudTrail.2', region: 'us-east-2', resource: { type: 'AwsCloudTrailTrail', id: 'audit', region: '', tags: {} } });
    const plan = await cloudTrailKmsEncryption.plan(bare, clients, options);
    expect(plan).toMatchObject({ resourceId: TRAIL_ARN, region: 'us-east-2' });
    const wrong = makeFinding({ resource: { type: 'AwsCloudTrailTrail', id: 'arn:aws:s3:::audit', region: 'us-east-2', tags: {} } });
    await expect(cloudTrailKmsEncryption.plan(wrong, clients, options)).rejects.toThrow('"arn:aws:s3:::audit" does not name a CloudTrail trail');
  });

  it('surfaces a missing trail, a refused key and AccessDenied as named errors', async () => {
    await expect(cloudTrailKmsEncryption.plan(finding, clients, options)).rejects.toMatchObject({ name: 'TrailNotFoundException' });

    cloudTrail.addTrail('audit', { homeRegion: 'us-east-2' });
    const refused = await cloudTrailKmsEncryption.plan(finding, clients, { kmsKeyId: 'alias/not-there' });
    await expect(cloudTrailKmsEncryption.apply(refused, clients)).rejects.toMatchObject({ name: 'KmsKeyNotFoundException' });

    const plan = await cloudTrailKmsEncryption.plan(finding, clients, options);
    sim.aws.failNext('cloudtrail', 'UpdateTrail', { status: 400, code: 'AccessDeniedException', message: 'not authorized to perform cloudtrail:UpdateTrail' });
    await expect(cloudTrailKmsEncryption.apply(plan, clients)).rejects.toMatchObject({ name: 'AccessDeniedException' });
    expect(cloudTrail.trail('audit')?.kmsKeyId).toBeNull();
  });
});
