import type { Finding } from '../../src/domain/finding.js';
import type { Triage } from '../../src/domain/triage.js';
import type { TrackedFinding } from '../../src/evidence/findings-repo.js';

export function makeFinding(overrides: Partial<Finding> = {}): Finding {
  return {
    id: 'arn:aws:securityhub:us-east-1:111111111111:security-control/S3.8/finding/0001',
    productArn: 'arn:aws:securityhub:us-east-1::product/aws/securityhub',
    productName: 'Security Hub',
    control: 'S3.8',
    controlSource: 'SecurityControlId',
    generatorId: 'security-control/S3.8',
    title: 'S3 general purpose buckets should block public access',
    description: 'Checks bucket-level Block Public Access.',
    account: '111111111111',
    region: 'us-east-1',
    resource: { type: 'AwsS3Bucket', id: 'arn:aws:s3:::customer-exports', region: 'us-east-1', tags: {} },
    severity: 'HIGH',
    compliance: 'FAILED',
    recordState: 'ACTIVE',
    workflow: 'NEW',
    firstSeenAt: '2026-11-20T08:00:00.000Z',
    updatedAt: '2026-11-24T08:00:00.000Z',
    ...overrides,
  };
}

export function makeTriage(overrides: Partial<Triage> = {}): Triage {
  return {
    severity: 'sev1',
    mode: 'copilot',
    remediation: 's3-block-public-access',
    dueAt: '2026-11-21T08:00:00.000Z',
    tsc: ['CC6.1', 'CC6.6'],
    reason: 'rule s3-public-access (S3.8)',
    ...overrides,
  };
}

export function makeTracked(overrides: Partial<TrackedFinding> = {}): TrackedFinding {
  return {
    finding: makeFinding(),
    triage: makeTriage(),
    channel: 'C0PLATFORM',
    status: 'open',
    firstSeenAt: '2026-11-20T08:00:00.000Z',
    lastSeenAt: '2026-11-24T08:00:00.000Z',
    recurrences: 0,
    card: { channel: 'C0PLATFORM', ts: '1700000000.000100' },
    exceptionExpiresAt: null,
    escalation: null,
    ...overrides,
  };
}
