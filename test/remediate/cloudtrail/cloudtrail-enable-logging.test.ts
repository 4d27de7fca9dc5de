import { DeleteTrailCommand } from '@aws-sdk/client-cloudtrail';
import { beforeEach, describe, expect, it } from 'vitest';
import { cloudTrailEnableLogging } from '../../../src/remediate/cloudtrail/cloudtrail-enable-logging.js';
import { CloudTrailService } from '../../../src/sim/cloudtrail-service.js';
import { makeFinding } from '../../helpers/findings.js';
import { useSimulatedAws } from '../../helpers/sim-aws.js';

const { sim, clients } = useSimulatedAws();
const KEY = 'arn:aws:kms:us-east-1:111111111111:key/0b1c2d3e-4f50-6172-8394-a5b6c7d8e9f0';
const MAIN_ARN = 'arn:aws:cloudtrail:us-west-2:111111111111:trail/main';
const finding = makeFinding({
  id: 'arn:aws:securityhub:us-east-1:111111111111:security-control/CloudTrail.1/finding/0001',
  control: 'CloudTrail.1',
  resource: { type: 'AwsAccount', id: 'AWS::::Account:111111111111', region: 'us-east-1', tags: {} },
});
let cloudTrail: CloudTrailService;

beforeEach(() => {
  cloudTrail = new CloudTrailService({ accountId: sim.aws.accountId });
  sim.aws.register(cloudTrail);
});

describe('cloudtrail-enable-logging', () => {
  it('starts a stopped multi-Region trail from its home Region, even when the finding is in another Region', async () => {
    cloudTrail.addTrail('main', { homeRegion: 'us-west-2', isMultiRegionTrail: true, isLogging: false });
    const before = cloudTrail.trails();
    const plan = await cloudTrailEnableLogging.plan(finding, clients);
    expect(plan).toMatchObject({ alreadyCompliant: false, resourceId: MAIN_ARN, region: 'us-west-2' });
    expect(plan.diff.split('\n')).toEqual([
      '--- CloudTrail multi-Region trail (111111111111) (now)',
      '+++ CloudTrail multi-Region trail (111111111111) (after fix)',
      `  MultiRegionTrail: ${MAIN_ARN}`,
      '- IsLogging: false',
      '+ IsLogging: true',
    ]);
    expect(plan.calls).toEqual([{ service: 'cloudtrail', operation: 'StartLogging', input: { Name: MAIN_ARN } }]);

    await cloudTrailEnableLogging.apply(plan, clients);
    expect(cloudTrail.trail('main')?.isLogging).toBe(true);
    expect(sim.aws.callsTo('cloudtrail', 'StartLogging').map((c) => c.region)).toEqual(['us-west-2']);
    await expect(cloudTrailEnableLogging.verify(plan, clients)).resolves.toMatchObject({
      ok: true,
      observed: { MultiRegionTrail: MAIN_ARN, IsMultiRegionTrail: true, IsLogging: true },
    });

    await cloudTrailEnableLogging.undo?.(plan, clients);
    expect(cloudTrail.trails()).toEqual(before);
  });

  it('creates a multi-Region trail when none exists, leaving single-Region trails alone, and undo deletes it', async () => {
    cloudTrail.addTrail('app-local', { homeRegion: 'us-east-1', isLogging: true });
    cloudTrail.addLogBucket('audit-logs');
    cloudTrail.addKmsKey(KEY, { aliases: ['alias/cloudtrail'] });
    const before = cloudTrail.trails();
    const plan = await cloudTrailEnableLogging.plan(finding, clients, { trailBucket: 'audit-logs', kmsKeyId: 'alias/cloudtrail' });
    expect(plan).toMatchObject({ alreadyCompliant: false, resourceId: 'soc2-bot-audit-trail', region: 'us-east-1' });
    expect(plan.diff.split('\n')).toEqual([
      '--- CloudTrail multi-Region trail (111111111111) (now)',
      '+++ CloudTrail multi-Region trail (111111111111) (after fix)',
      '- MultiRegionTrail: (none)',
      '+ MultiRegionTrail: soc2-bot-audit-trail',
      '- IsLogging: false',
      '+ IsLogging: true',
      '+ S3BucketName: audit-logs',
      '+ IsMultiRegionTrail: true',
      '+ IncludeGlobalServiceEvents: true',
      '+ EnableLogFileValidation: true',
      '+ KmsKeyId: alias/cloudtrail',
    ]);
    expect(plan.calls.map((c) => c.operation)).toEqual(['CreateTrail', 'StartLogging']);

    await cloudTrailEnableLogging.apply(plan, clients);
    expect(cloudTrail.trail('soc2-bot-audit-trail')).toEqual({
      name: 'soc2-bot-audit-trail',
      homeRegion: 'us-east-1',
      s3BucketName: 'audit-logs',
      s3KeyPrefix: null,
      isMultiRegionTrail: true,
      includeGlobalServiceEvents: true,
      logFileValidationEnabled: true,
      kmsKeyId: KEY,
      isLogging: true,
      isOrganizationTrail: false,
    });
    expect(cloudTrail.trail('app-local')).toEqual(before[0]);
    await expect(cloudTrailEnableLogging.verify(plan, clients)).resolves.toMatchObject({ ok: true });

    await cloudTrailEnableLogging.undo?.(plan, clients);
    expect(cloudTrail.trails()).toEqual(before);
  });

  it('says "already compliant" when any multi-Region trail is logging', async () => {
    cloudTrail.addTrail('stopped-local', { homeRegion: 'us-east-1', isLogging: false });
    cloudTrail.addTrail('main', { homeRegion: 'us-west-2', isMultiRegionTrail: true, isLogging: true });
    const plan = await cloudTrailEnableLogging.plan(finding, clients);
    expect(plan).toMatchObject({ alreadyCompliant: true, calls: [], resourceId: MAIN_ARN });
    await cloudTrailEnableLogging.apply(plan, clients);
    expect(sim.aws.callsTo('cloudtrail', 'StartLogging')).toHaveLength(0);
    expect(cloudTrail.trail('stopped-local')?.isLogging).toBe(false);
    await expect(cloudTrailEnableLogging.verify(plan, clients)).resolves.toMatchObject({ ok: true });
  });

  it('needs the trailBucket option only when it has to create a trail', async () => {
    await expect(cloudTrailEnableLogging.plan(finding, clients)).rejects.toThrow('cloudtrail-enable-logging needs the option "trailBucket"');
    await expect(cloudTrailEnableLogging.plan(finding, clients, { trailBucket: 'Not_A_Bucket' })).rejects.toThrow(/option "trailBucket" must be an S3 bucket name/);
    cloudTrail.addTrail('soc2-bot-audit-trail', { homeRegion: 'us-east-1' });
    await expect(cloudTrailEnableLogging.plan(finding, clients, { trailBucket: 'audit-logs' })).rejects.toThrow(/option "trailName"/);
  });

  it('surfaces CreateTrail errors by name, with nothing created', async () => {
    const plan = await cloudTrailEnableLogging.plan(finding, clients, { trailBucket: 'missing-bucket' });
    await expect(cloudTrailEnableLogging.apply(plan, clients)).rejects.toMatchObject({ name: 'S3BucketDoesNotExistException' });
    expect(cloudTrail.trails()).toEqual([]);
  });

  it('surfaces AccessDenied and a trail deleted since planning as named errors', async () => {
    cloudTrail.addTrail('main', { homeRegion: 'us-west-2', isMultiRegionTrail: true });
    const plan = await cloudTrailEnableLogging.plan(finding, clients);
    sim.aws.failNext('cloudtrail', 'StartLogging', { status: 400, code: 'AccessDeniedException', message: 'not authorized to perform cloudtrail:StartLogging' });
    await expect(cloudTrailEnableLogging.apply(plan, clients)).rejects.toMatchObject({ name: 'AccessDeniedException' });
    expect(cloudTrail.trail('main')?.isLogging).toBe(false);

    await clients.cloudTrail('us-west-2').send(new DeleteTrailCommand({ Name: 'main' }));
    await expect(cloudTrailEnableLogging.apply(plan, clients)).rejects.toMatchObject({ name: 'TrailNotFoundException' });

    sim.aws.failNext('cloudtrail', 'DescribeTrails', { status: 400, code: 'AccessDeniedException' });
    await expect(cloudTrailEnableLogging.plan(finding, clients)).rejects.toMatchObject({ name: 'AccessDeniedException' });
  });

  it('applies only the calls it plans', async () => {
    cloudTrail.addTrail('main', { homeRegion: 'us-west-2', isMultiRegionTrail: true, isLogging: true });
    const plan = await cloudTrailEnableLogging.plan(finding, clients);
    const tampered = { ...plan, calls: [{ service: 'cloudtrail', operation: 'DeleteTrail', input: { Name: MAIN_ARN } }] };
    await expect(cloudTrailEnableLogging.apply(tampered, clients)).rejects.toThrow('unexpected call cloudtrail:DeleteTrail in plan');
    expect(cloudTrail.trail('main')).toBeDefined();
  });
});
