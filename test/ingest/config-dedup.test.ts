import { cpSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { beforeEach, describe, expect, it } from 'vitest';
import type { Finding } from '../../src/domain/finding.js';
import { defaultMigrationsDir, migrate, openDatabase, type Db } from '../../src/evidence/database.js';
import { FindingsRepo, type IngestOutcome } from '../../src/evidence/findings-repo.js';
import { configEvaluationToFinding, type ConfigEvaluation } from '../../src/ingest/config-evaluation.js';
import { dedupKey } from '../../src/ingest/dedup-key.js';
import { normalize } from '../../src/ingest/normalize.js';
import type { Route } from '../../src/route/routing.js';
import { buildControlFinding } from '../../src/sim/aws-account.js';
import { triage } from '../../src/triage/triage.js';

const account = '111111111111';
const route: Route = { channel: 'C0SECURITY01', owner: null, via: 'fallback' };
const now = new Date('2026-11-25T12:00:00.000Z');
let db: Db;
let repo: FindingsRepo;

beforeEach(() => {
  db = openDatabase(':memory:');
  migrate(db);
  repo = new FindingsRepo(db);
});

/** What recordFindings does per finding once it takes the stored identity first (the lead's one-line change). */
function ingest(incoming: Finding): IngestOutcome {
  const finding = repo.canonical(incoming);
  return repo.record(finding, triage(finding), route, now).outcome;
}

function configFinding(overrides: Partial<ConfigEvaluation> = {}): Finding {
  return configEvaluationToFinding({
    account,
    region: 'us-east-1',
    partition: 'aws',
    ruleName: 'securityhub-iam-user-no-policies-check-791d3b9c',
    resourceType: 'AWS::IAM::User',
    resourceId: 'AIDATKWA6GXGSFD4SOEVS',
    recordedArn: `arn:aws:iam::${account}:user/ana`,
    compliance: 'NON_COMPLIANT',
    recordedAt: '2026-11-24T10:00:00.000Z',
    evaluatedAt: '2026-11-24T09:59:00.000Z',
    annotation: null,
    ...overrides,
  });
}

function securityHubFinding(control: string, resourceId: string, resourceType: string, updatedAt = '2026-11-24T10:05:00.000Z'): Finding {
  const [finding] = normalize(buildControlFinding({ control, resourceId, resourceType, accountId: account, updatedAt }));
  if (!finding) throw new Error('the control finding did not normalise');
  return finding;
}

const rows = () => db.prepare('SELECT id, control, dedup_key FROM findings ORDER BY id').all() as { id: string; control: string | null; dedup_key: string | null }[];

describe('one problem from two sources is one finding', () => {
  it('Config first, then Security Hub: the control finding is a sighting of the stored one', () => {
    const fromConfig = configFinding();
    const fromHub = securityHubFinding('IAM.2', `arn:aws:iam::${account}:user/ana`, 'AwsIamUser');
    expect(dedupKey(fromConfig)).toBe(`IAM.2|${account}|us-east-1|arn:aws:iam::${account}:user/ana`);
    expect(dedupKey(fromHub)).toBe(dedupKey(fromConfig));

    expect(ingest(fromConfig)).toBe('new');
    expect(ingest(fromHub)).toBe('updated');
    expect(rows()).toEqual([{ id: fromConfig.id, control: 'IAM.2', dedup_key: dedupKey(fromConfig) }]);
    // The newer data is kept, under the identity the card and the evidence already use.
    const stored = repo.get(fromConfig.id);
    expect(stored?.finding).toMatchObject({ id: fromConfig.id, productArn: fromConfig.productArn, title: fromHub.title, updatedAt: fromHub.updatedAt });
    expect(stored?.status).toBe('open');
  });

  it('Security Hub first, then the Config event: one finding under the Security Hub id', () => {
    const fromHub = securityHubFinding('CloudTrail.2', `arn:aws:cloudtrail:us-east-1:${account}:trail/S3-DataEvents`, 'AwsCloudTrailTrail');
    // The compliance change names the trail by its bare name; the ARN follows from it.
    const trailEvaluation = {
      ruleName: 'securityhub-cloud-trail-encryption-enabled-dadfg6',
      resourceType: 'AWS::CloudTrail::Trail',
      resourceId: 'S3-DataEvents',
      recordedArn: null,
    };
    const fromConfig = configFinding({ ...trailEvaluation, recordedAt: '2026-11-24T11:00:00.000Z' });
    expect(ingest(fromHub)).toBe('new');
    expect(ingest(fromConfig)).toBe('updated');
    expect(rows().map((r) => r.id)).toEqual([fromHub.id]);
    // The evaluation brings its verdict and time; Security Hub's description and severity stay.
    expect(repo.get(fromHub.id)?.finding).toEqual({ ...fromHub, updatedAt: fromConfig.updatedAt });
    expect(ingest(configFinding({ ...trailEvaluation, compliance: 'COMPLIANT', recordedAt: '2026-11-24T12:00:00.000Z' }))).toBe('resolved');
    // Still open when it passed: closed at the source.
    expect(repo.get(fromHub.id)).toMatchObject({ status: 'resolved_at_source', finding: { compliance: 'PASSED', severity: fromHub.severity, title: fromHub.title } });
  });

  it("matches a custom rule's evaluation with Security Hub's \"AWS Config\" product finding by rule name", () => {
    const rule = 's3-bucket-level-public-access-prohibited-config-integration-demo';
    const fromConfig = configFinding({ ruleName: rule, resourceType: 'AWS::S3::Bucket', resourceId: 'demo-bucket', recordedArn: null, region: 'eu-central-1' });
    // Shaped as Security Hub's documented "typical finding from AWS Config".
    const [fromHub] = normalize({
      SchemaVersion: '2018-10-08',
      Id: `arn:aws:config:eu-central-1:${account}:config-rule/config-rule-mburzq/finding/45g070df80cb50b68fa6a43594kc6fda1e517932`,
      ProductArn: 'arn:aws:securityhub:eu-central-1::product/aws/config',
      ProductName: 'Config',
      Region: 'eu-central-1',
      GeneratorId: `arn:aws:config:eu-central-1:${account}:config-rule/config-rule-mburzq`,
      AwsAccountId: account,
      CreatedAt: '2026-11-24T05:00:37.181Z',
      UpdatedAt: '2026-11-24T21:20:15.056Z',
      Severity: { Label: 'MEDIUM', Normalized: 40 },
      Title: rule,
      Description: `This finding is created for a resource compliance change for config rule: ${rule}`,
      ProductFields: { 'aws/config/ConfigRuleName': rule, 'aws/config/ConfigComplianceType': 'NON_COMPLIANT' },
      Resources: [{ Type: 'AwsS3Bucket', Id: 'arn:aws:s3:::demo-bucket', Partition: 'aws', Region: 'eu-central-1' }],
      Compliance: { Status: 'FAILED' },
      Workflow: { Status: 'NEW' },
      RecordState: 'ACTIVE',
    });
    if (!fromHub) throw new Error('the Config product finding did not normalise');
    expect(dedupKey(fromHub)).toBe(`config-rule:${rule}|${account}|eu-central-1|arn:aws:s3:::demo-bucket`);
    expect(ingest(fromConfig)).toBe('new');
    expect(ingest(fromHub)).toBe('updated');
    expect(rows()).toHaveLength(1);
  });

  it('keeps different resources, accounts and checks apart', () => {
    ingest(configFinding());
    ingest(securityHubFinding('IAM.2', `arn:aws:iam::${account}:user/ben`, 'AwsIamUser'));
    ingest(securityHubFinding('IAM.3', `arn:aws:iam::${account}:user/ana`, 'AwsIamUser'));
    ingest(configFinding({ account: '222222222222', recordedArn: 'arn:aws:iam::222222222222:user/ana' }));
    expect(rows()).toHaveLength(4);
  });

  it('lets no older copy undo a newer one, whichever source sent it', () => {
    const fromConfig = configFinding({ recordedAt: '2026-11-24T12:00:00.000Z' });
    ingest(fromConfig);
    const olderHubCopy = securityHubFinding('IAM.2', `arn:aws:iam::${account}:user/ana`, 'AwsIamUser', '2026-11-24T11:00:00.000Z');
    expect(ingest(olderHubCopy)).toBe('unchanged');
    expect(repo.get(fromConfig.id)?.finding.title).toBe(fromConfig.title);
    // The compliant change that follows closes it.
    expect(ingest(configFinding({ compliance: 'COMPLIANT', recordedAt: '2026-11-24T13:00:00.000Z' }))).toBe('resolved');
    expect(repo.get(fromConfig.id)?.status).toBe('resolved_at_source');
  });

  it('stores a copy recorded without canonical() as a second row rather than failing the whole ingest', () => {
    const fromConfig = configFinding();
    ingest(fromConfig);
    const fromHub = securityHubFinding('IAM.2', `arn:aws:iam::${account}:user/ana`, 'AwsIamUser');
    expect(repo.record(fromHub, triage(fromHub), route, now).outcome).toBe('new');
    expect(rows().map((r) => [r.id, r.dedup_key])).toEqual(
      [
        [fromConfig.id, dedupKey(fromConfig)],
        [fromHub.id, null],
      ].sort(),
    );
  });

  it('has no key, and so dedups by id only, for findings that are neither control nor Config checks', () => {
    const guardDuty = { ...securityHubFinding('IAM.2', 'x', 'AwsIamUser'), control: null, productArn: 'arn:aws:securityhub:us-east-1::product/aws/guardduty' };
    expect(dedupKey(guardDuty)).toBeNull();
    expect(repo.canonical(guardDuty)).toBe(guardDuty);
  });
});

describe('migration 005', () => {
  it('gives rows stored before it the key dedupKey() computes, the first seen of duplicates only', () => {
    const dir = mkdtempSync(join(tmpdir(), 'soc2-bot-mig005-'));
    try {
      cpSync(defaultMigrationsDir, dir, { recursive: true, filter: (path) => !path.endsWith('005_ingest_dedup.sql') });
      const old = openDatabase(':memory:');
      migrate(old, dir);
      const insert = old.prepare(`INSERT INTO findings (id, product_arn, control, account, region, resource_type, resource_id, first_seen_at,
        last_seen_at, source_updated_at, severity, mode, tsc, reason, channel, status, finding_json)
        VALUES (@id, @productArn, @control, @account, @region, @type, @resourceId, @seen, @seen, @updatedAt, 'sev2', 'manual', '[]', 'r', 'C0', 'open', @json)`);
      const put = (finding: Finding, seen: string) =>
        insert.run({ ...finding, type: finding.resource.type, resourceId: finding.resource.id, seen, json: JSON.stringify(finding) });
      const control = securityHubFinding('S3.8', 'arn:aws:s3:::exports', 'AwsS3Bucket');
      const perStandardCopy = { ...control, id: `${control.id}-cis` };
      const custom = configFinding({ ruleName: 'team-rule', resourceType: 'AWS::S3::Bucket', resourceId: 'exports', recordedArn: null });
      const guardDuty = { ...control, id: 'gd-1', control: null, productArn: 'arn:aws:securityhub:us-east-1::product/aws/guardduty' };
      put(control, '2026-11-01T00:00:00.000Z');
      put(perStandardCopy, '2026-11-02T00:00:00.000Z');
      put(custom, '2026-11-03T00:00:00.000Z');
      put(guardDuty, '2026-11-04T00:00:00.000Z');

      expect(migrate(old)).toEqual(['005_ingest_dedup.sql']);
      const keys = Object.fromEntries((old.prepare('SELECT id, dedup_key FROM findings').all() as { id: string; dedup_key: string | null }[]).map((r) => [r.id, r.dedup_key]));
      expect(keys).toEqual({ [control.id]: dedupKey(control), [perStandardCopy.id]: null, [custom.id]: dedupKey(custom), 'gd-1': null });
      old.close();
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
