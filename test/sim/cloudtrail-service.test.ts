import {
  CreateTrailCommand,
  DeleteTrailCommand,
  DescribeTrailsCommand,
  GetTrailCommand,
  GetTrailStatusCommand,
  ListTrailsCommand,
  StartLoggingCommand,
  StopLoggingCommand,
  UpdateTrailCommand,
} from '@aws-sdk/client-cloudtrail';
import { beforeEach, describe, expect, it } from 'vitest';
import { CloudTrailService } from '../../src/sim/cloudtrail-service.js';
import { useSimulatedAws } from '../helpers/sim-aws.js';

const { sim, clients } = useSimulatedAws();
const KEY = 'arn:aws:kms:us-east-1:111111111111:key/0b1c2d3e-4f50-6172-8394-a5b6c7d8e9f0';
const ORG_ARN = 'arn:aws:cloudtrail:us-east-1:111111111111:trail/org-audit';
let cloudTrail: CloudTrailService;

beforeEach(() => {
  cloudTrail = new CloudTrailService({ accountId: sim.aws.accountId });
  sim.aws.register(cloudTrail);
  cloudTrail.addTrail('org-audit', { homeRegion: 'us-east-1', isMultiRegionTrail: true, isLogging: true });
  cloudTrail.addTrail('local-west', { homeRegion: 'us-west-2' });
});

describe('CloudTrailService', () => {
  it('answers DescribeTrails with home-Region trails plus the shadows of multi-Region trails', async () => {
    const west = clients.cloudTrail('us-west-2');
    const all = await west.send(new DescribeTrailsCommand({}));
    expect(all.trailList?.map((t) => [t.Name, t.HomeRegion])).toEqual([
      ['org-audit', 'us-east-1'],
      ['local-west', 'us-west-2'],
    ]);
    expect(all.trailList?.[0]).toEqual({
      Name: 'org-audit',
      S3BucketName: 'aws-cloudtrail-logs-111111111111',
      IncludeGlobalServiceEvents: true,
      IsMultiRegionTrail: true,
      HomeRegion: 'us-east-1',
      TrailARN: ORG_ARN,
      LogFileValidationEnabled: false,
      HasCustomEventSelectors: false,
      HasInsightSelectors: false,
      IsOrganizationTrail: false,
    });
    const own = await west.send(new DescribeTrailsCommand({ includeShadowTrails: false }));
    expect(own.trailList?.map((t) => t.Name)).toEqual(['local-west']);
    const named = await west.send(new DescribeTrailsCommand({ trailNameList: [ORG_ARN, 'nope'] }));
    expect(named.trailList?.map((t) => t.Name)).toEqual(['org-audit']);
    expect(sim.aws.callsTo('cloudtrail', 'DescribeTrails').map((c) => c.region)).toEqual(['us-west-2', 'us-west-2', 'us-west-2']);
  });

  it('reads a shadow trail by ARN, but not by name, outside its home Region', async () => {
    const west = clients.cloudTrail('us-west-2');
    await expect(west.send(new GetTrailStatusCommand({ Name: ORG_ARN }))).resolves.toMatchObject({ IsLogging: true });
    await expect(west.send(new GetTrailCommand({ Name: ORG_ARN }))).resolves.toMatchObject({ Trail: { Name: 'org-audit' } });
    await expect(west.send(new GetTrailCommand({ Name: 'org-audit' }))).rejects.toMatchObject({
      name: 'TrailNotFoundException',
      message: 'Unknown trail: org-audit for the user: 111111111111',
    });
  });

  it('changes a trail only from its home Region', async () => {
    const west = clients.cloudTrail('us-west-2');
    await expect(west.send(new StopLoggingCommand({ Name: ORG_ARN }))).rejects.toMatchObject({ name: 'InvalidHomeRegionException' });
    await expect(west.send(new DeleteTrailCommand({ Name: ORG_ARN }))).rejects.toMatchObject({ name: 'InvalidHomeRegionException' });
    expect(cloudTrail.trail('org-audit')?.isLogging).toBe(true);
    await clients.cloudTrail('us-east-1').send(new StopLoggingCommand({ Name: ORG_ARN }));
    expect(cloudTrail.trail('org-audit')?.isLogging).toBe(false);
    await clients.cloudTrail('us-east-1').send(new StartLoggingCommand({ Name: 'org-audit' }));
    expect(cloudTrail.trail('org-audit')?.isLogging).toBe(true);
  });

  it('creates a trail only into a bucket CloudTrail may write, not logging until StartLogging', async () => {
    const east = clients.cloudTrail('us-east-1');
    const create = new CreateTrailCommand({ Name: 'audit', S3BucketName: 'audit-logs', IsMultiRegionTrail: true, IncludeGlobalServiceEvents: true });
    await expect(east.send(create)).rejects.toMatchObject({ name: 'S3BucketDoesNotExistException' });
    cloudTrail.addLogBucket('audit-logs', { policyAllowsCloudTrail: false });
    await expect(east.send(create)).rejects.toMatchObject({ name: 'InsufficientS3BucketPolicyException' });
    cloudTrail.addLogBucket('audit-logs');
    const created = await east.send(create);
    expect(created).toMatchObject({ Name: 'audit', TrailARN: 'arn:aws:cloudtrail:us-east-1:111111111111:trail/audit', IsMultiRegionTrail: true });
    expect(cloudTrail.trail('audit')).toMatchObject({ homeRegion: 'us-east-1', isLogging: false, logFileValidationEnabled: false, kmsKeyId: null });
    await expect(east.send(create)).rejects.toMatchObject({ name: 'TrailAlreadyExistsException' });
  });

  it('refuses invalid trail settings the way CloudTrail does', async () => {
    cloudTrail.addLogBucket('audit-logs');
    const east = clients.cloudTrail('us-east-1');
    await expect(
      east.send(new CreateTrailCommand({ Name: 'audit', S3BucketName: 'audit-logs', IsMultiRegionTrail: true, IncludeGlobalServiceEvents: false })),
    ).rejects.toMatchObject({ name: 'InvalidParameterCombinationException' });
    await expect(east.send(new CreateTrailCommand({ Name: 'bad--name', S3BucketName: 'audit-logs' }))).rejects.toMatchObject({
      name: 'InvalidTrailNameException',
    });
    // Settings the sim does not model fail loudly instead of being dropped.
    await expect(east.send(new CreateTrailCommand({ Name: 'audit', S3BucketName: 'audit-logs', SnsTopicName: 'topic' }))).rejects.toMatchObject({
      name: 'InvalidParameterException',
    });
    expect(cloudTrail.trail('audit')).toBeUndefined();
  });

  it('resolves KMS aliases to the key ARN, and KmsKeyId "" turns SSE-KMS off', async () => {
    cloudTrail.addKmsKey(KEY, { aliases: ['alias/cloudtrail'] });
    const east = clients.cloudTrail('us-east-1');
    const updated = await east.send(new UpdateTrailCommand({ Name: 'org-audit', KmsKeyId: 'alias/cloudtrail', EnableLogFileValidation: true }));
    expect(updated).toMatchObject({ KmsKeyId: KEY, LogFileValidationEnabled: true });
    expect(cloudTrail.trail('org-audit')).toMatchObject({ kmsKeyId: KEY, logFileValidationEnabled: true });
    await east.send(new UpdateTrailCommand({ Name: 'org-audit', KmsKeyId: '' }));
    expect(cloudTrail.trail('org-audit')?.kmsKeyId).toBeNull();
    await east.send(new UpdateTrailCommand({ Name: 'org-audit', KmsKeyId: '0b1c2d3e-4f50-6172-8394-a5b6c7d8e9f0' }));
    expect(cloudTrail.trail('org-audit')?.kmsKeyId).toBe(KEY);
  });

  it('rejects an unknown or unusable KMS key and changes nothing', async () => {
    const east = clients.cloudTrail('us-east-1');
    await expect(
      east.send(new UpdateTrailCommand({ Name: 'org-audit', KmsKeyId: 'alias/missing', EnableLogFileValidation: true })),
    ).rejects.toMatchObject({ name: 'KmsKeyNotFoundException' });
    cloudTrail.addKmsKey(KEY, { policyAllowsCloudTrail: false });
    await expect(east.send(new UpdateTrailCommand({ Name: 'org-audit', KmsKeyId: KEY }))).rejects.toMatchObject({
      name: 'InsufficientEncryptionPolicyException',
    });
    expect(cloudTrail.trail('org-audit')).toMatchObject({ kmsKeyId: null, logFileValidationEnabled: false });
  });

  it('deletes a trail, after which it is TrailNotFoundException', async () => {
    const west = clients.cloudTrail('us-west-2');
    await west.send(new DeleteTrailCommand({ Name: 'local-west' }));
    expect(cloudTrail.trail('local-west')).toBeUndefined();
    await expect(west.send(new GetTrailStatusCommand({ Name: 'local-west' }))).rejects.toMatchObject({ name: 'TrailNotFoundException' });
  });

  it('answers operations it does not model with 501, and injected faults in CloudTrail form', async () => {
    const east = clients.cloudTrail('us-east-1');
    await expect(east.send(new ListTrailsCommand({}))).rejects.toMatchObject({ name: 'NotImplemented', $metadata: { httpStatusCode: 501 } });
    expect(sim.aws.callsTo('cloudtrail', 'Unsupported')).toHaveLength(1);
    sim.aws.failNext('cloudtrail', 'DescribeTrails', { status: 400, code: 'AccessDeniedException', message: 'not authorized' });
    await expect(east.send(new DescribeTrailsCommand({}))).rejects.toMatchObject({ name: 'AccessDeniedException', message: 'not authorized' });
    expect(sim.aws.callsTo('cloudtrail', 'DescribeTrails')[0]?.failedWith).toBe('AccessDeniedException');
  });
});
