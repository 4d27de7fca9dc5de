import { describe, expect, it } from 'vitest';
import { pollSecurityHub } from '../../src/ingest/securityhub-poller.js';
import { buildControlFinding, type ControlFindingOptions } from '../../src/sim/aws-account.js';
import { allPages } from '../helpers/all-pages.js';
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
    const pages = await allPages(pollSecurityHub(clients.securityHub('us-east-1'), null, now));
    expect(pages.map((page) => page.findings.length)).toEqual([100, 100, 50]);
    expect(new Set(pages.flatMap((page) => page.findings.map((f) => f.id))).size).toBe(250);
    expect(pages.flatMap((page) => page.rejected)).toEqual([]);
    // The cursor so far travels with each page; the last page's is where the next poll starts.
    expect(pages.map((page) => page.cursor)).toEqual(['2026-11-01T01:39:00.000Z', '2026-11-01T03:19:00.000Z', '2026-11-01T04:09:00.000Z']);
    const request = sim.aws.callsTo('securityhub', 'GetFindings')[0]?.input as { Filters: Record<string, unknown> };
    expect(Object.keys(request.Filters).sort()).toEqual(['ComplianceStatus', 'RecordState', 'WorkflowStatus']);
  });

  it('polls incrementally from the cursor', async () => {
    seed(10);
    const [page, ...more] = await allPages(pollSecurityHub(clients.securityHub('us-east-1'), '2026-11-01T00:05:00.000Z', now));
    expect(more).toEqual([]);
    expect(page?.findings).toHaveLength(5);
    expect(page?.cursor).toBe('2026-11-01T00:09:00.000Z');
  });

  it('reports a finding the normaliser rejects instead of dropping it or failing the poll', async () => {
    seed(2);
    const broken = buildControlFinding({ control: 'S3.8', resourceId: 'arn:aws:s3:::broken', accountId: '111111111111' });
    sim.aws.addFinding({ ...broken, CreatedAt: 'not a date', FirstObservedAt: 'not a date' });
    const [page] = await allPages(pollSecurityHub(clients.securityHub('us-east-1'), null, now));
    expect(page?.findings).toHaveLength(2);
    expect(page?.rejected).toEqual([{ id: broken.Id, error: expect.stringMatching(/date/i) }]);
  });

  it('surfaces an AWS error as the SDK names it', async () => {
    sim.aws.failNext('securityhub', 'GetFindings', { status: 403, code: 'AccessDeniedException', message: 'not authorized' });
    await expect(allPages(pollSecurityHub(clients.securityHub('us-east-1'), null, now))).rejects.toMatchObject({ name: 'AccessDeniedException' });
  });
});
