import { describe, expect, it } from 'vitest';
import { pollSecurityHub } from '../../src/ingest/securityhub-poller.js';
import { buildControlFinding, type ControlFindingOptions } from '../../src/sim/aws-account.js';
import { useSimulatedAws } from '../helpers/sim-aws.js';

const { sim, clients } = useSimulatedAws();
const now = new Date('2026-11-25T12:00:00.000Z');

function seed(count: number, overrides: Partial<ControlFindingOptions> = {}) {
  for (let i = 0; i < count; i++) {
    sim.aws.addFinding(
      buildControlFinding({
        control: 'S3.8',
        resourceId: `arn:aws:s3:::bucket-${overrides.compliance ?? 'f'}-${i}`,
        accountId: '111111111111',
        updatedAt: new Date(Date.parse('2026-11-01T00:00:00.000Z') + i * 60_000).toISOString(),
        ...overrides,
      }),
    );
  }
}

describe('Security Hub poller', () => {
  it('reads every page and keeps only active, failed, open findings', async () => {
    seed(250);
    seed(7, { compliance: 'PASSED' });
    seed(3, { workflow: 'SUPPRESSED', compliance: 'WARNING' });
    const result = await pollSecurityHub(clients.securityHub('us-east-1'), null, now);
    expect(result.pages).toBe(3);
    expect(result.findings).toHaveLength(250);
    expect(new Set(result.findings.map((f) => f.id)).size).toBe(250);
    expect(result.rejected).toEqual([]);
    expect(result.cursor).toBe('2026-11-01T04:09:00.000Z');
    const request = sim.aws.callsTo('securityhub', 'GetFindings')[0]?.input as { Filters: Record<string, unknown> };
    expect(Object.keys(request.Filters).sort()).toEqual(['ComplianceStatus', 'RecordState', 'WorkflowStatus']);
  });

  it('polls incrementally from the cursor', async () => {
    seed(10);
    const result = await pollSecurityHub(clients.securityHub('us-east-1'), '2026-11-01T00:05:00.000Z', now);
    expect(result.findings).toHaveLength(5);
    expect(result.cursor).toBe('2026-11-01T00:09:00.000Z');
  });

  it('reports a finding the normaliser rejects instead of dropping it or failing the poll', async () => {
    seed(2);
    const broken = buildControlFinding({ control: 'S3.8', resourceId: 'arn:aws:s3:::broken', accountId: '111111111111' });
    sim.aws.addFinding({ ...broken, CreatedAt: 'not a date', FirstObservedAt: 'not a date' });
    const result = await pollSecurityHub(clients.securityHub('us-east-1'), null, now);
    expect(result.findings).toHaveLength(2);
    expect(result.rejected).toEqual([{ id: broken.Id, error: expect.stringMatching(/date/i) }]);
  });

  it('surfaces an AWS error as the SDK names it', async () => {
    sim.aws.failNext('securityhub', 'GetFindings', { status: 403, code: 'AccessDeniedException', message: 'not authorized' });
    await expect(pollSecurityHub(clients.securityHub('us-east-1'), null, now)).rejects.toMatchObject({ name: 'AccessDeniedException' });
  });
});
