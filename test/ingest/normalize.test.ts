import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import type { Finding } from '../../src/domain/finding.js';
import { FindingParseError, normalize, parseFindingsText } from '../../src/ingest/normalize.js';
import { triage } from '../../src/triage/triage.js';

const repoRoot = fileURLToPath(new URL('../..', import.meta.url));
const fixtures = join(repoRoot, 'test', 'fixtures');
const corpus = resolve(repoRoot, '..', 'shared', 'corpus');

function jsonFiles(dir: string): string[] {
  return readdirSync(dir)
    .filter((name) => name.endsWith('.json'))
    .sort();
}

function parseFixture(relative: string): Finding[] {
  return parseFindingsText(readFileSync(join(fixtures, relative), 'utf8'), relative);
}

/** The error a call throws, failing the test when it throws anything but a FindingParseError. */
function parseError(run: () => unknown): FindingParseError {
  try {
    run();
  } catch (error) {
    expect(error).toBeInstanceOf(FindingParseError);
    return error as FindingParseError;
  }
  throw new Error('expected a FindingParseError, but nothing was thrown');
}

/** A valid ASFF finding to break in targeted ways. */
function baseAsff(): Record<string, unknown> {
  return JSON.parse(readFileSync(join(fixtures, 'asff', 'S3.8-bucket-level-public-access-block-failed.json'), 'utf8')) as Record<string, unknown>;
}

const acct = '111111111111';

/** What each fixture must normalise to: one entry per finding, in order. */
const expected: Record<string, Partial<Finding>[]> = {
  'asff/CloudTrail.1-cis-2.1-all-regions-failed.json': [
    { control: 'CloudTrail.1', controlSource: 'CisRuleId', severity: 'INFORMATIONAL', region: 'us-east-1', account: acct, compliance: 'FAILED', workflow: 'NEW' },
  ],
  'asff/CloudTrail.1-not-enabled-failed.json': [{ control: 'CloudTrail.1', controlSource: 'ControlId', severity: 'INFORMATIONAL', region: 'us-east-1' }],
  'asff/CloudTrail.2-fsbp-docs-sample.json': [
    { control: 'CloudTrail.2', controlSource: 'SecurityControlId', severity: 'MEDIUM', region: 'us-east-2', account: '123456789012' },
  ],
  'asff/CloudTrail.2-trail-not-encrypted-failed.json': [
    { control: 'CloudTrail.2', controlSource: 'ControlId', resource: { type: 'AwsCloudTrailTrail', id: 'arn:aws:cloudtrail:us-east-1:111111111111:trail/sharr-test-unencrypted', region: 'us-east-1', tags: {} } },
  ],
  'asff/EC2.13-cis-4.1-ssh-open-to-world-failed.json': [
    {
      control: 'EC2.13',
      controlSource: 'CisRuleId',
      severity: 'HIGH',
      resource: { type: 'AwsEc2SecurityGroup', id: 'arn:aws:ec2:us-east-1:111111111111:security-group/sg-47dddc34c51b4be58', region: 'us-east-1', tags: {} },
    },
  ],
  'asff/EC2.14-cis-4.2-rdp-open-to-world-failed.json': [{ control: 'EC2.14', controlSource: 'CisRuleId', severity: 'HIGH' }],
  // No top-level Region: it comes from the ProductArn.
  'asff/EC2.7-ebs-default-encryption-failed.json': [{ control: 'EC2.7', controlSource: 'ControlId', severity: 'INFORMATIONAL', region: 'us-east-1', compliance: 'FAILED' }],
  'asff/IAM.3-access-key-not-rotated-failed.json': [{ control: 'IAM.3', controlSource: 'ControlId', severity: 'MEDIUM' }],
  'asff/IAM.3-cis-1.4-access-key-not-rotated-failed.json': [{ control: 'IAM.3', controlSource: 'CisRuleId', account: '111122223333' }],
  'asff/IAM.8-cis-1.3-unused-credentials-failed.json': [{ control: 'IAM.8', controlSource: 'CisRuleId' }],
  'asff/IAM.8-unused-credentials-failed.json': [{ control: 'IAM.8', controlSource: 'ControlId' }],
  'asff/IAM.8-unused-credentials-no-resource-details.json': [
    { control: 'IAM.8', resource: { type: 'AwsIamUser', id: 'arn:aws:iam::111122223333:user/AIDACKCEVSQ6C2EXAMPLE', region: 'us-east-1', tags: {} } },
  ],
  // Region from the ProductArn (us-west-2), as the rule says, although the resource is in us-west-1.
  'asff/IAM.9-cis-1.13-root-mfa-notified-getfindings.json': [
    {
      id: 'arn:aws:securityhub:us-west-1: 123456789012:subscription/cis-aws-foundations-benchmark/v/1.2.0/1.13/finding/a1b2c3d4-5678-90ab-cdef-EXAMPLE11111',
      control: 'IAM.9',
      controlSource: 'CisRuleId',
      severity: 'CRITICAL',
      region: 'us-west-2',
      workflow: 'NOTIFIED',
      resource: { type: 'AwsAccount', id: 'AWS::::Account:123456789012', region: 'us-west-1', tags: {} },
    },
  ],
  'asff/Prowler-rds-minor-version-upgrade-passed.json': [
    {
      control: null,
      controlSource: null,
      productName: 'Prowler',
      account: 'ACCOUNT_ID',
      region: 'eu-west-1',
      severity: 'LOW',
      compliance: 'PASSED',
      workflow: null,
      firstSeenAt: '2022-12-01T13:16:57.000Z',
    },
  ],
  'asff/RDS.2-public-db-instance-failed.json': [{ control: 'RDS.2', severity: 'CRITICAL', resource: { type: 'AwsRdsDbInstance', id: 'arn:aws:rds:us-east-1:111111111111:db:database-1', region: 'us-east-1', tags: {} } }],
  'asff/S3.1-account-block-public-access-failed.json': [{ control: 'S3.1', severity: 'MEDIUM', compliance: 'FAILED', resource: { type: 'AwsAccount', id: 'AWS::::Account:111111111111', region: 'us-east-1', tags: {} } }],
  'asff/S3.2-public-read-prohibited-passed.json': [{ control: 'S3.2', compliance: 'PASSED', workflow: 'RESOLVED', severity: 'INFORMATIONAL' }],
  'asff/S3.3-public-write-prohibited-passed.json': [{ control: 'S3.3', compliance: 'PASSED', workflow: 'RESOLVED' }],
  'asff/S3.4-server-side-encryption-failed.json': [{ control: 'S3.4', severity: 'MEDIUM', compliance: 'FAILED' }],
  'asff/S3.8-bucket-level-public-access-block-failed.json': [
    {
      id: 'arn:aws:securityhub:us-east-1:111111111111:subscription/aws-foundational-security-best-practices/v/1.0.0/S3.8/finding/e0182181-9218-420f-bef2-ed09ed230c59',
      productArn: 'arn:aws:securityhub:us-east-1::product/aws/securityhub',
      productName: 'Security Hub',
      control: 'S3.8',
      controlSource: 'ControlId',
      generatorId: 'aws-foundational-security-best-practices/v/1.0.0/S3.8',
      title: 'S3.8 S3 Block Public Access setting should be enabled at the bucket-level',
      account: acct,
      region: 'us-east-1',
      resource: { type: 'AwsS3Bucket', id: 'arn:aws:s3:::example', region: 'us-east-1', tags: {} },
      severity: 'HIGH',
      compliance: 'FAILED',
      recordState: 'ACTIVE',
      workflow: 'NEW',
      firstSeenAt: '2021-07-14T17:06:07.284Z',
      updatedAt: '2022-02-21T09:49:08.504Z',
    },
  ],
  'eventbridge/EC2.13-cis-4.1-custom-action.json': [{ control: 'EC2.13', controlSource: 'CisRuleId', region: 'us-east-2', severity: 'HIGH' }],
  // No Severity.Label: the label comes from ProductFields; no Workflow: legacy WorkflowState.
  'eventbridge/EC2.14-cis-4.2-imported-passed-no-severity-label.json': [
    { control: 'EC2.14', controlSource: 'CisRuleId', severity: 'INFORMATIONAL', region: 'us-west-2', account: '229111641549', compliance: 'PASSED', workflow: 'NEW' },
  ],
  'eventbridge/EC2.7-securityhub-findings-imported.json': [{ control: 'EC2.7', controlSource: 'ControlId', region: 'us-east-1' }],
  'eventbridge/GuardDuty-IAMUser-ConsoleLogin-asff-custom-action.json': [
    {
      control: null,
      controlSource: null,
      productName: 'GuardDuty',
      severity: 'MEDIUM',
      compliance: null,
      workflow: 'NEW',
      account: '644160558196',
      firstSeenAt: '2019-06-12T15:11:20.000Z',
      resource: { type: 'AwsIamAccessKey', id: 'AWS::IAM::AccessKey:null', region: 'us-east-1', tags: {} },
    },
  ],
  'eventbridge/GuardDuty-native-PortProbeUnprotectedPort-ssh.json': [
    {
      id: 'arn:aws:guardduty:ap-southeast-2:123456778:detector/f0b004e2d3c8a11f786fa8faec50b19a/finding/18b48550bee9b37e3953983474f0f59d',
      productArn: 'arn:aws:securityhub:ap-southeast-2::product/aws/guardduty',
      productName: 'GuardDuty',
      control: null,
      controlSource: null,
      compliance: null,
      workflow: null,
      recordState: 'ACTIVE',
      title: 'Unprotected port on EC2 instance i-blart is being probed.',
      // The event envelope says 12345678; the finding's own accountId wins.
      account: '845345345',
      region: 'ap-southeast-2',
      severity: 'LOW',
      resource: { type: 'AwsEc2Instance', id: 'i-blart', region: 'ap-southeast-2', tags: { OwnerContact: 'test@example.com' } },
      firstSeenAt: '2019-02-20T11:13:58.000Z',
      updatedAt: '2019-02-21T06:00:14.003Z',
    },
  ],
  'eventbridge/IAM.6-and-RDS.4-custom-action-two-findings.json': [
    { control: 'IAM.6', severity: 'CRITICAL', resource: { type: 'AwsAccount', id: 'AWS::::Account:111111111111', region: 'us-east-1', tags: {} } },
    { control: 'RDS.4', severity: 'MEDIUM', resource: { type: 'AwsRdsDbClusterSnapshot', id: 'arn:aws:rds:us-east-1:111111111111:cluster-snapshot:miotest-us-east-1c-final-snapshot', region: 'us-east-1', tags: {} } },
  ],
  'eventbridge/IAM.8-cis-1.3-imported-missing-generatorid.json': [{ control: 'IAM.8', controlSource: 'CisRuleId', generatorId: null, compliance: 'WARNING' }],
  'eventbridge/IAM.8-cis-1.3-imported-warning-config-access-denied.json': [{ control: 'IAM.8', controlSource: 'CisRuleId', compliance: 'WARNING' }],
  'eventbridge/S3-cis-2.3-cloudtrail-bucket-public-warning-custom-action.json': [
    { control: 'CloudTrail.6', controlSource: 'CisRuleId', severity: 'CRITICAL', compliance: 'WARNING', region: 'us-east-2', resource: { type: 'AwsS3Bucket', id: 'arn:aws:s3:::cloudtrail-awslogs-111111111111-kjfskljdfl', region: 'us-east-2', tags: {} } },
  ],
};

describe('normalize: licensed fixtures', () => {
  const files = ['asff', 'eventbridge'].flatMap((dir) => jsonFiles(join(fixtures, dir)).map((name) => `${dir}/${name}`));

  it('has an expectation for every fixture in asff/ and eventbridge/', () => {
    expect(files.sort()).toEqual(Object.keys(expected).sort());
  });

  it.each(files)('%s normalises to the expected findings', (file) => {
    const findings = parseFixture(file);
    const want = expected[file] ?? [];
    expect(findings).toHaveLength(want.length);
    want.forEach((fields, i) => expect(findings[i]).toMatchObject(fields));
    for (const finding of findings) {
      expect(finding.firstSeenAt).toMatch(/^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}\.\d{3}Z$/);
      expect(finding.title.length).toBeGreaterThan(0);
    }
  });

  it.each(jsonFiles(join(fixtures, 'malformed')))('malformed/%s is rejected as invalid JSON with a line and column', (name) => {
    const error = parseError(() => parseFixture(`malformed/${name}`));
    expect(error.source).toBe(`malformed/${name}`);
    expect(error.message).toMatch(/^invalid JSON at line \d+, column \d+: /);
  });

  it('locates the published syntax errors', () => {
    expect(parseError(() => parseFixture('malformed/CloudTrail.2-consolidated-docs-sample-INVALID-JSON.json')).message).toContain('at line 38, column 3');
    expect(parseError(() => parseFixture('malformed/IAM.9-cis-1.13-getfindings-current-aws-cli-example-INVALID-JSON.json')).message).toContain('at line 12, column 37');
  });

  it('maps the Config Rules Compliance Change event of a Security Hub rule to its control', () => {
    expect(parseFixture('config/IAM.2-config-rules-compliance-change-securityhub-rule.json')).toEqual([
      {
        id: 'arn:aws:config:region:account-id:config-rule/securityhub-iam-user-no-policies-check-791d3b9c/evaluation/47248cecedef9b301551e91eb1ab415188f31c38',
        productArn: 'arn:aws:securityhub:region::product/aws/config',
        productName: 'Config',
        control: 'IAM.2',
        controlSource: 'GeneratorId',
        generatorId: 'securityhub-iam-user-no-policies-check-791d3b9c',
        title: 'securityhub-iam-user-no-policies-check-791d3b9c',
        description: 'AWS Config rule securityhub-iam-user-no-policies-check-791d3b9c evaluated AWS::IAM::User AIDATKWA6GXGSFD4SOEVS as NON_COMPLIANT',
        // The publisher replaced account and Region with placeholders; they are kept as given.
        account: 'account-id',
        region: 'region',
        resource: { type: 'AwsIamUser', id: 'AIDATKWA6GXGSFD4SOEVS', region: 'region', tags: {} },
        severity: 'MEDIUM',
        compliance: 'FAILED',
        recordState: 'ACTIVE',
        workflow: null,
        firstSeenAt: '2020-04-13T21:47:43.216Z',
        updatedAt: '2020-04-13T21:47:56.953Z',
      },
    ]);
  });

  it('maps a COMPLIANT SNS compliance notification to a PASSED finding, which triage closes', () => {
    const [finding, ...rest] = parseFixture('config/config-sns-compliance-change-cloudtrail-enabled-compliant.json');
    expect(rest).toEqual([]);
    expect(finding).toMatchObject({
      control: null,
      title: 'cloudtrail-enabled',
      compliance: 'PASSED',
      account: '123456789012',
      region: 'us-east-2',
      resource: { type: 'AwsAccount', id: 'AWS::::Account:123456789012' },
    });
    expect(finding && triage(finding).severity).toBe('none');
  });

  it.each([
    ['config-rule-invocation-sg-open-ssh-configuration-item.json', 'an AWS Config rule invocation event'],
    ['s3-bucket-configuration-item-versioning-off-no-logging.json', 'an AWS Config configuration item'],
  ])('rejects config/%s: it says what a resource looks like, not whether it complies', (name, shape) => {
    expect(parseError(() => parseFixture(`config/${name}`)).message).toBe(`not a recognisable finding: saw ${shape}`);
  });
});

describe('normalize: AWS Config compliance changes', () => {
  const snsFixture = () => JSON.parse(readFileSync(join(fixtures, 'config', 'config-sns-compliance-change-cloudtrail-enabled-compliant.json'), 'utf8')) as { Message: Record<string, unknown> & { newEvaluationResult: Record<string, unknown> } };
  const eventFixture = () => JSON.parse(readFileSync(join(fixtures, 'config', 'IAM.2-config-rules-compliance-change-securityhub-rule.json'), 'utf8')) as { detail: Record<string, unknown> & { newEvaluationResult: Record<string, unknown> } };

  it('reads the SNS Message as SNS really delivers it, a JSON string', () => {
    const notification = snsFixture();
    const asString = { ...notification, Message: JSON.stringify(notification.Message) };
    expect(normalize(asString)).toEqual(normalize(notification));
  });

  it('archives a NOT_APPLICABLE evaluation (nothing to fix) and flags INSUFFICIENT_DATA as a WARNING', () => {
    const event = eventFixture();
    event.detail.newEvaluationResult['complianceType'] = 'NOT_APPLICABLE';
    expect(normalize(event)[0]).toMatchObject({ compliance: 'NOT_AVAILABLE', recordState: 'ARCHIVED' });
    event.detail.newEvaluationResult['complianceType'] = 'INSUFFICIENT_DATA';
    expect(normalize(event)[0]).toMatchObject({ compliance: 'WARNING', recordState: 'ACTIVE' });
  });

  it('names the missing or invalid fields of a compliance change', () => {
    const event = eventFixture();
    delete event.detail.newEvaluationResult['complianceType'];
    event.detail['awsRegion'] = '';
    expect(parseError(() => normalize(event)).message).toBe(
      'not a valid Config compliance change: detail.awsRegion: empty; detail.newEvaluationResult.complianceType: missing',
    );
    const notification = snsFixture();
    expect(parseError(() => normalize({ ...notification, Message: '{"messageType": ' })).message).toBe('Message: an SNS notification whose Message is not JSON');
  });

  it('takes the partition from the rule ARN', () => {
    const event = eventFixture();
    event.detail['configRuleARN'] = 'arn:aws-us-gov:config:us-gov-west-1:123456789012:config-rule/config-rule-g0fmvh';
    event.detail['resourceType'] = 'AWS::S3::Bucket';
    event.detail['resourceId'] = 'ledger';
    expect(normalize(event)[0]).toMatchObject({ productArn: 'arn:aws-us-gov:securityhub:region::product/aws/config', resource: { type: 'AwsS3Bucket', id: 'arn:aws-us-gov:s3:::ledger' } });
  });

  it('leaves an SNS notification about anything else unrecognised', () => {
    const notification = snsFixture();
    const other = { ...notification, Message: JSON.stringify({ messageType: 'ConfigurationItemChangeNotification' }) };
    expect(parseError(() => normalize(other)).message).toBe('not a recognisable finding: saw an SNS notification');
  });
});

describe('normalize: input shapes', () => {
  it('accepts a bare finding, an array, a GetFindings response and both Security Hub event types', () => {
    const finding = baseAsff();
    const event = (detailType: string) => ({ 'detail-type': detailType, source: 'aws.securityhub', detail: { findings: [finding, finding] } });
    expect(normalize(finding)).toHaveLength(1);
    expect(normalize([finding, finding, finding])).toHaveLength(3);
    expect(normalize({ Findings: [finding], NextToken: 'abc' })).toHaveLength(1);
    expect(normalize({ Findings: [] })).toEqual([]);
    expect(normalize(event('Security Hub Findings - Imported'))).toHaveLength(2);
    expect(normalize(event('Security Hub Findings - Custom Action'))).toHaveLength(2);
  });

  it('names an unknown object by its keys and other values by their type', () => {
    expect(parseError(() => normalize({ a: 1, b: 2, c: 3 })).message).toBe('not a recognisable finding: saw an object with keys a, b, c');
    expect(parseError(() => normalize(42)).message).toBe('not a recognisable finding: saw a number');
    expect(parseError(() => normalize(null)).message).toBe('not a recognisable finding: saw null');
    expect(parseError(() => normalize('text')).message).toBe('not a recognisable finding: saw a string');
    expect(parseError(() => normalize({})).message).toBe('not a recognisable finding: saw an empty object');
    expect(parseError(() => normalize({ 'detail-type': 'Security Hub Insight Results', source: 'aws.securityhub' })).message).toBe(
      'not a recognisable finding: saw a Security Hub Insight Results event from aws.securityhub',
    );
  });

  it('names the item of an array that is not a finding', () => {
    expect(parseError(() => normalize([baseAsff(), 7])).message).toBe('[1]: not a recognisable finding: saw a number');
  });

  it('names a missing findings array in an event', () => {
    expect(parseError(() => normalize({ 'detail-type': 'Security Hub Findings - Imported', detail: {} })).message).toBe('detail.findings: missing');
    expect(parseError(() => normalize({ Findings: 'x' })).message).toBe('Findings: expected an array of findings, saw a string');
  });

  it('strips a byte order mark before parsing', () => {
    expect(parseFindingsText(`\ufeff${JSON.stringify(baseAsff())}`, 'bom.json')).toHaveLength(1);
  });

  it('keeps the source on the error', () => {
    const error = parseError(() => parseFindingsText('{', 'inbox/x.json'));
    expect(error.source).toBe('inbox/x.json');
    expect(error.message).toMatch(/^invalid JSON at line 1, column 2: /);
  });
});

describe('normalize: field rules', () => {
  const one = (changes: (f: Record<string, unknown>) => void): Finding => {
    const finding = baseAsff();
    changes(finding);
    const [result] = normalize(finding);
    if (result === undefined) throw new Error('no finding');
    return result;
  };

  it('prefers Compliance.SecurityControlId over ProductFields.ControlId', () => {
    const f = one((x) => {
      x['Compliance'] = { Status: 'FAILED', SecurityControlId: 'S3.2' };
    });
    expect(f).toMatchObject({ control: 'S3.2', controlSource: 'SecurityControlId' });
  });

  it('maps a CIS v1.2.0 rule named only by the GeneratorId', () => {
    const f = one((x) => {
      delete (x['ProductFields'] as Record<string, unknown>)['ControlId'];
      x['GeneratorId'] = 'arn:aws:securityhub:::ruleset/cis-aws-foundations-benchmark/v/1.2.0/rule/4.3';
    });
    expect(f).toMatchObject({ control: 'EC2.2', controlSource: 'CisRuleId' });
  });

  it('reads a consolidated GeneratorId, and gives no control for an unmapped CIS rule', () => {
    const consolidated = one((x) => {
      delete x['ProductFields'];
      x['GeneratorId'] = 'security-control/EC2.18';
    });
    expect(consolidated).toMatchObject({ control: 'EC2.18', controlSource: 'GeneratorId' });
    const unmapped = one((x) => {
      x['ProductFields'] = { RuleId: '3.1' };
      x['GeneratorId'] = 'arn:aws:securityhub:::ruleset/cis-aws-foundations-benchmark/v/1.2.0/rule/3.1';
    });
    expect(unmapped).toMatchObject({ control: null, controlSource: null });
  });

  it('does not take a CIS v1.4 rule number for a control id', () => {
    const f = one((x) => {
      x['ProductFields'] = { ControlId: '1.14' };
      x['GeneratorId'] = 'cis-aws-foundations-benchmark/v/1.4.0/1.14';
    });
    expect(f.control).toBeNull();
  });

  it.each([
    [{ Normalized: '40' }, 'MEDIUM'],
    [{ Normalized: 0 }, 'INFORMATIONAL'],
    [{ Normalized: 1 }, 'LOW'],
    [{ Normalized: 39 }, 'LOW'],
    [{ Normalized: 69 }, 'MEDIUM'],
    [{ Normalized: 70 }, 'HIGH'],
    [{ Normalized: 89 }, 'HIGH'],
    [{ Normalized: 90 }, 'CRITICAL'],
    [{ Normalized: 100 }, 'CRITICAL'],
    [{ Original: 'high' }, 'HIGH'],
    [{ Normalized: 'n/a', Original: 'LOW' }, 'LOW'],
    [{ Original: '8.0', Product: 95 }, 'CRITICAL'],
  ])('severity %j gives %s', (severity, label) => {
    const f = one((x) => {
      x['Severity'] = severity;
    });
    expect(f.severity).toBe(label);
  });

  it('rejects a finding whose severity cannot be determined', () => {
    const finding = baseAsff();
    finding['Severity'] = { Original: 'bad' };
    expect(parseError(() => normalize(finding)).message).toContain('no severity');
  });

  it('takes the region from Resources[0] when neither Region nor a Security Hub ProductArn has it', () => {
    const f = one((x) => {
      delete x['Region'];
      x['ProductArn'] = 'arn:aws:securityhub:::product/example/scanner';
      (x['Resources'] as Record<string, unknown>[])[0]!['Region'] = 'eu-central-1';
    });
    expect(f.region).toBe('eu-central-1');
  });

  it.each([
    ['ASSIGNED', 'NOTIFIED'],
    ['IN_PROGRESS', 'NOTIFIED'],
    ['DEFERRED', 'RESOLVED'],
    ['RESOLVED', 'RESOLVED'],
    ['NEW', 'NEW'],
  ])('maps legacy WorkflowState %s to %s', (legacy, status) => {
    const f = one((x) => {
      delete x['Workflow'];
      x['WorkflowState'] = legacy;
    });
    expect(f.workflow).toBe(status);
  });

  it('defaults recordState to ACTIVE and reads resource tags', () => {
    const f = one((x) => {
      delete x['RecordState'];
      (x['Resources'] as Record<string, unknown>[])[0]!['Tags'] = { owner: 'payments', constructor: 'x' };
    });
    expect(f.recordState).toBe('ACTIVE');
    expect(f.resource.tags).toEqual({ owner: 'payments', constructor: 'x' });
  });

  it('uses CreatedAt when FirstObservedAt is absent, normalised to UTC', () => {
    const f = one((x) => {
      delete x['FirstObservedAt'];
      x['CreatedAt'] = '2021-07-14T19:06:07+02:00';
    });
    expect(f.firstSeenAt).toBe('2021-07-14T17:06:07.000Z');
  });
});

describe('normalize: hostile and broken input', () => {
  it('rejects 10000 levels of nesting without overflowing the stack', () => {
    const arrays = `${'['.repeat(10_000)}${']'.repeat(10_000)}`;
    expect(parseError(() => parseFindingsText(arrays, 'deep.json')).message).toBe('[0]: not a recognisable finding: saw an array of 1 item starting with an array');
    const objects = `${'{"a":'.repeat(10_000)}1${'}'.repeat(10_000)}`;
    expect(parseError(() => parseFindingsText(objects, 'deep.json')).message).toBe('not a recognisable finding: saw an object with key a');
  });

  it('rejects deep nesting where a field should be, and tolerates it inside free-form Details', () => {
    const deep = JSON.parse(`${'['.repeat(10_000)}${']'.repeat(10_000)}`) as unknown;
    const inSeverity = baseAsff();
    inSeverity['Severity'] = deep;
    expect(parseError(() => normalize(inSeverity)).message).toContain('Severity: expected object');
    const inDetails = baseAsff();
    (inDetails['Resources'] as Record<string, unknown>[])[0]!['Details'] = deep;
    expect(normalize(inDetails)).toHaveLength(1);
  });

  it('reports unclosed nesting 100000 deep as invalid JSON', () => {
    const error = parseError(() => parseFindingsText('['.repeat(100_000), 'open.json'));
    expect(error.message).toMatch(/^invalid JSON at line 1, column 100001: /);
  });

  it('rejects a 1 MB title, naming the field', () => {
    const finding = baseAsff();
    finding['Title'] = 'x'.repeat(1024 * 1024);
    const error = parseError(() => parseFindingsText(JSON.stringify(finding), 'big.json'));
    expect(error.message).toBe('not a valid ASFF finding: Title: longer than 1024 characters');
    expect(error.message.length).toBeLessThan(200);
  });

  it('names every missing or mistyped field path', () => {
    const finding = baseAsff();
    delete finding['Id'];
    finding['AwsAccountId'] = 111111111111;
    finding['Resources'] = [{ Type: 'AwsS3Bucket', Id: 5 }];
    (finding['Severity'] as Record<string, unknown>)['Label'] = 'SEVERE';
    const error = parseError(() => normalize({ Findings: [finding] }));
    expect(error.message).toMatch(/^not a valid ASFF finding: /);
    expect(error.message).toContain('Findings[0].Id: missing');
    expect(error.message).toContain('Findings[0].AwsAccountId: expected string, received number');
    expect(error.message).toContain('Findings[0].Resources[0].Id: expected string, received number');
    expect(error.message).toContain('Findings[0].Severity.Label: Invalid option');
    expect(error.problems).toHaveLength(4);
  });

  it('names the field path inside an EventBridge event', () => {
    const finding = baseAsff();
    delete finding['Title'];
    const error = parseError(() => normalize({ 'detail-type': 'Security Hub Findings - Imported', detail: { findings: [baseAsff(), finding] } }));
    expect(error.message).toBe('not a valid ASFF finding: detail.findings[1].Title: missing');
  });

  it.each([
    ['CreatedAt', 'not a date'],
    ['UpdatedAt', '2021-13-45T00:00:00Z'],
    ['FirstObservedAt', '2021-07-14T17:06:07'],
    ['FirstObservedAt', 1626282367],
  ])('rejects an invalid date in %s (%j)', (field, value) => {
    const finding = baseAsff();
    finding[field] = value;
    expect(parseError(() => normalize(finding)).message).toContain(`${field}: `);
  });

  it('rejects wrong types in ProductFields and Tags', () => {
    const finding = baseAsff();
    (finding['ProductFields'] as Record<string, unknown>)['ControlId'] = 8;
    (finding['Resources'] as Record<string, unknown>[])[0]!['Tags'] = { owner: ['a'] };
    const message = parseError(() => normalize(finding)).message;
    expect(message).toContain('ProductFields.ControlId');
    expect(message).toContain('Resources[0].Tags.owner');
  });

  it('ignores a __proto__ key instead of polluting prototypes', () => {
    const text = JSON.stringify(baseAsff()).replace('{', '{"__proto__":{"polluted":true},');
    const [finding] = parseFindingsText(text, 'proto.json');
    expect(finding).toBeDefined();
    expect(({} as Record<string, unknown>)['polluted']).toBeUndefined();
  });

  it('keeps control characters from input out of messages', () => {
    const message = parseError(() => normalize({ '\u001b[31mred': 1 })).message;
    expect(message).not.toContain('\u001b');
  });

  it('rejects a GuardDuty event with a missing instance id, naming the path', () => {
    const event = JSON.parse(readFileSync(join(fixtures, 'eventbridge', 'GuardDuty-native-PortProbeUnprotectedPort-ssh.json'), 'utf8')) as {
      detail: { resource: { instanceDetails: Record<string, unknown> }; severity: unknown };
    };
    delete event.detail.resource.instanceDetails['instanceId'];
    expect(parseError(() => normalize(event)).message).toBe('detail.resource.instanceDetails.instanceId: missing');
    event.detail.severity = 'high';
    expect(parseError(() => normalize(event)).message).toContain('detail.severity');
  });

  it('maps GuardDuty numeric severity at the 4 and 7 boundaries', () => {
    const event = JSON.parse(readFileSync(join(fixtures, 'eventbridge', 'GuardDuty-native-PortProbeUnprotectedPort-ssh.json'), 'utf8')) as { detail: { severity: number } };
    const at = (score: number) => {
      event.detail.severity = score;
      return normalize(event)[0]?.severity;
    };
    expect([at(3.9), at(4), at(6.9), at(7), at(8.9)]).toEqual(['LOW', 'MEDIUM', 'MEDIUM', 'HIGH', 'HIGH']);
  });
});

describe.skipIf(!existsSync(corpus))('normalize: full sample corpus (../shared/corpus)', () => {
  const dir = (name: string) => (existsSync(join(corpus, name)) ? jsonFiles(join(corpus, name)).map((file) => `${name}/${file}`) : []);
  const read = (file: string) => parseFindingsText(readFileSync(join(corpus, file), 'utf8'), file);

  it.each([...dir('asff'), ...dir('eventbridge')])('%s parses', (file) => {
    const findings = read(file);
    expect(findings.length).toBeGreaterThan(0);
    for (const finding of findings) {
      expect(finding.account).not.toBe('');
      expect(finding.region).not.toBe('');
      expect(Number.isNaN(Date.parse(finding.firstSeenAt))).toBe(false);
    }
  });

  // Compliance changes are findings; configuration items and rule invocations describe resources, not compliance.
  it.each(dir('config'))('%s is a finding or rejected as not one', (file) => {
    try {
      expect(read(file)).toHaveLength(1);
    } catch (error) {
      if (!(error instanceof FindingParseError)) throw error;
      expect(error.message).toMatch(/^not a recognisable finding: saw an AWS Config (rule invocation event|configuration item)$/);
    }
  });

  it.each(dir('malformed'))('%s is invalid JSON', (file) => {
    expect(parseError(() => read(file)).message).toMatch(/^invalid JSON at line \d+, column \d+/);
  });
});
