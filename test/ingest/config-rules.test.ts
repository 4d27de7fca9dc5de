import { ConfigServiceClient } from '@aws-sdk/client-config-service';
import { afterAll, beforeEach, describe, expect, it } from 'vitest';
import { pollConfigRules } from '../../src/ingest/config-rules.js';
import { controlForConfigRule } from '../../src/ingest/config-rule-controls.js';
import { asffResourceType } from '../../src/ingest/config-resource.js';
import { ConfigService } from '../../src/sim/config-service.js';
import { useSimulatedAws } from '../helpers/sim-aws.js';

const { sim } = useSimulatedAws();
const credentials = { accessKeyId: 'AKIDSIMULATED', secretAccessKey: 'simulated' };
const client = new ConfigServiceClient({ region: 'us-east-1', credentials, maxAttempts: 3 });
afterAll(() => client.destroy());

const account = '111111111111';
const scope = { account, region: 'us-east-1' };
const recordedAt = new Date('2020-05-27T04:15:25.613Z');
let config: ConfigService;

/** The rule and resources of the recorded GetComplianceDetailsByConfigRule response (corpus recordings/, Cloud Custodian). */
const trailRule = 'securityhub-cloud-trail-encryption-enabled-dadfg6';
const recordedTrails = ['S3-DataEvents', 'arn:aws:cloudtrail:us-east-1:644160558196:trail/orgTrail', 'skunk-trails'];

beforeEach(() => {
  config = new ConfigService({ accountId: account, rulesPerPage: 2 });
  sim.aws.register(config);
  for (const trail of recordedTrails) {
    config.putEvaluation({ ruleName: trailRule, resourceType: 'AWS::CloudTrail::Trail', resourceId: trail, compliance: 'NON_COMPLIANT', recordedAt, orderedAt: new Date('2020-05-27T04:15:11.900Z') });
  }
  config.putEvaluation({ ruleName: trailRule, resourceType: 'AWS::CloudTrail::Trail', resourceId: 'good-trail', compliance: 'COMPLIANT', recordedAt });
  config.putEvaluation({ ruleName: 'securityhub-iam-user-no-policies-check-791d3b9c', resourceType: 'AWS::IAM::User', resourceId: 'AIDATKWA6GXGSFD4SOEVS', compliance: 'NON_COMPLIANT', recordedAt, annotation: 'AdministratorAccess is attached to the user' });
  config.addResource({ resourceType: 'AWS::IAM::User', resourceId: 'AIDATKWA6GXGSFD4SOEVS', resourceName: 'ana', arn: `arn:aws:iam::${account}:user/ana` });
  for (let i = 0; i < 150; i++) {
    config.putEvaluation({ ruleName: 'team-buckets-versioned', resourceType: 'AWS::S3::Bucket', resourceId: `bucket-${i}`, compliance: 'NON_COMPLIANT', recordedAt });
  }
  config.putEvaluation({ ruleName: 'all-good', resourceType: 'AWS::S3::Bucket', resourceId: 'bucket-0', compliance: 'COMPLIANT', recordedAt });
});

describe('AWS Config poller', () => {
  it('reads every page of every non-compliant rule and maps each evaluation to a finding', async () => {
    const result = await pollConfigRules(client, scope);
    // Rules: 2 pages of 2 (3 non-compliant); details: 1 + 1 + 2 pages of 100; one BatchGetResourceConfig.
    expect(result).toMatchObject({ rules: 3, pages: 7, rejected: [] });
    expect(result.findings).toHaveLength(3 + 1 + 150);
    const details = sim.aws.callsTo('config', 'GetComplianceDetailsByConfigRule').map((c) => c.input);
    expect(details).toContainEqual({ ConfigRuleName: trailRule, ComplianceTypes: ['NON_COMPLIANT'], Limit: 100 });
    expect(sim.aws.callsTo('config', 'DescribeComplianceByConfigRule')[0]?.input).toEqual({ ComplianceTypes: ['NON_COMPLIANT'] });

    const trails = result.findings.filter((f) => f.title === trailRule);
    expect(trails.map((f) => [f.control, f.resource.type, f.resource.id])).toEqual([
      ['CloudTrail.2', 'AwsCloudTrailTrail', `arn:aws:cloudtrail:us-east-1:${account}:trail/S3-DataEvents`],
      // Config already gave an ARN (a trail homed in another account): kept as it is.
      ['CloudTrail.2', 'AwsCloudTrailTrail', 'arn:aws:cloudtrail:us-east-1:644160558196:trail/orgTrail'],
      ['CloudTrail.2', 'AwsCloudTrailTrail', `arn:aws:cloudtrail:us-east-1:${account}:trail/skunk-trails`],
    ]);
    expect(trails[0]).toMatchObject({
      productArn: 'arn:aws:securityhub:us-east-1::product/aws/config',
      productName: 'Config',
      controlSource: 'GeneratorId',
      generatorId: trailRule,
      account,
      region: 'us-east-1',
      severity: 'MEDIUM',
      compliance: 'FAILED',
      recordState: 'ACTIVE',
      firstSeenAt: '2020-05-27T04:15:11.900Z',
      updatedAt: '2020-05-27T04:15:25.613Z',
    });
  });

  it('resolves an IAM user named by its unique id to the ARN Config recorded, as Security Hub names it', async () => {
    const result = await pollConfigRules(client, scope);
    const user = result.findings.find((f) => f.control === 'IAM.2');
    expect(user?.resource).toEqual({ type: 'AwsIamUser', id: `arn:aws:iam::${account}:user/ana`, region: 'us-east-1', tags: {} });
    expect(user?.description).toBe(
      'AWS Config rule securityhub-iam-user-no-policies-check-791d3b9c evaluated AWS::IAM::User AIDATKWA6GXGSFD4SOEVS as NON_COMPLIANT: AdministratorAccess is attached to the user',
    );
    // Only the id that needed it was looked up: buckets and trails have ARNs that follow from their names.
    expect(sim.aws.callsTo('config', 'BatchGetResourceConfig').map((c) => c.input)).toEqual([
      { resourceKeys: [{ resourceType: 'AWS::IAM::User', resourceId: 'AIDATKWA6GXGSFD4SOEVS' }] },
    ]);
  });

  it('keeps the rule name and no control for a rule that is not a Security Hub control', async () => {
    const result = await pollConfigRules(client, scope);
    const bucket = result.findings.find((f) => f.title === 'team-buckets-versioned');
    expect(bucket).toMatchObject({ control: null, controlSource: null, generatorId: 'team-buckets-versioned', resource: { id: 'arn:aws:s3:::bucket-0' } });
  });

  it('gives the same evaluation the same id on every poll', async () => {
    const first = await pollConfigRules(client, scope);
    const second = await pollConfigRules(client, scope);
    expect(second.findings.map((f) => f.id)).toEqual(first.findings.map((f) => f.id));
    expect(new Set(first.findings.map((f) => f.id)).size).toBe(first.findings.length);
  });

  it('reports a result it cannot read instead of dropping it or failing the poll', async () => {
    config.putEvaluation({ ruleName: 'team-buckets-versioned', resourceType: 'AWS::S3::Bucket', resourceId: '', compliance: 'NON_COMPLIANT', recordedAt });
    const result = await pollConfigRules(client, scope);
    expect(result.findings).toHaveLength(154);
    expect(result.rejected).toEqual([{ rule: 'team-buckets-versioned', resourceId: '', error: expect.stringMatching(/^EvaluationResultIdentifier\.EvaluationResultQualifier\.ResourceId: /) }]);
  });

  it('survives throttling in the middle of paging (the SDK retries)', async () => {
    sim.aws.failNext('config', 'GetComplianceDetailsByConfigRule', { status: 400, code: 'ThrottlingException', message: 'Rate exceeded' });
    const result = await pollConfigRules(client, scope);
    expect(result.findings).toHaveLength(154);
    expect(sim.aws.callsTo('config', 'GetComplianceDetailsByConfigRule').filter((c) => c.failedWith === 'ThrottlingException')).toHaveLength(1);
  });

  it('surfaces an AWS error as the SDK names it', async () => {
    sim.aws.failNext('config', 'DescribeComplianceByConfigRule', { status: 400, code: 'AccessDeniedException', message: 'not authorized' });
    await expect(pollConfigRules(client, scope)).rejects.toMatchObject({ name: 'AccessDeniedException' });
  });
});

describe('Config rule names and resource types', () => {
  it.each([
    ['securityhub-iam-user-no-policies-check-791d3b9c', 'IAM.2'],
    ['securityhub-cloud-trail-encryption-enabled-dadfg6', 'CloudTrail.2'],
    ['securityhub-restricted-ssh', 'EC2.13'],
    ['securityhub-multi-region-cloud-trail-enabled-a1b2c3', 'CloudTrail.1'],
    ['securityhub-s3-bucket-level-public-access-prohibited-x9', 'S3.8'],
    // One rule, several controls (IAM.8 at 90 days, IAM.22 at 45): not knowable from the name.
    ['securityhub-iam-user-unused-credentials-check-7f7f7f', null],
    // A customer's own instance of a managed rule is not a Security Hub control.
    ['iam-user-no-policies-check', null],
    ['securityhub-constructor', null],
  ])('%s -> %s', (rule, control) => {
    expect(controlForConfigRule(rule)).toBe(control);
  });

  it.each([
    ['AWS::S3::Bucket', 'AwsS3Bucket'],
    ['AWS::EC2::SecurityGroup', 'AwsEc2SecurityGroup'],
    ['AWS::RDS::DBInstance', 'AwsRdsDbInstance'],
    ['AWS::IAM::User', 'AwsIamUser'],
    ['AWS::CloudTrail::Trail', 'AwsCloudTrailTrail'],
    ['AWS::EC2::VPC', 'AwsEc2Vpc'],
    ['AWS::::Account', 'AwsAccount'],
  ])('%s is %s in ASFF', (configType, asffType) => {
    expect(asffResourceType(configType)).toBe(asffType);
  });
});
