import type { Services } from '../app/services.js';
import type { PollCursors } from '../evidence/poll-cursors.js';
import type { Finding } from '../domain/finding.js';
import { deliverCards, findingsPerTransaction, recordFindingsWithTags, type IngestSummary } from '../route/deliver-cards.js';
import { pollSecurityHub } from './securityhub-poller.js';

export interface ScanReport extends IngestSummary {
  pages: number;
  rejected: number;
  cardsPosted: number;
}

/**
 * One detect-triage-route pass over Security Hub. Pages are stored as they arrive, a few at a
 * time (memory holds at most one transaction's worth: a commit per 100-finding page would cost
 * an fsync and rewrite the same index pages five times as often); the cursor advances only after
 * every page of the pass is stored, so a crash or error mid-pass re-reads (stored pages come back
 * unchanged) rather than loses.
 */
export async function scanSecurityHub(services: Services, cursors: PollCursors): Promise<ScanReport> {
  const source = `securityhub:${services.securityHubRegion}`;
  const summary: IngestSummary = { new: 0, recurred: 0, updated: 0, unchanged: 0, resolved: 0 };
  let pages = 0;
  let rejected = 0;
  let cursor: string | null = null;
  let read: Finding[] = [];
  const store = async () => {
    const stored = await recordFindingsWithTags(services, read);
    read = [];
    for (const kind of Object.keys(summary) as (keyof IngestSummary)[]) summary[kind] += stored[kind];
  };
  try {
    for await (const page of pollSecurityHub(services.aws.securityHub(services.securityHubRegion), cursors.get(source), services.clock.now())) {
      pages += 1;
      rejected += page.rejected.length;
      for (const problem of page.rejected) {
        services.log.warn({ source, findingId: problem.id, error: problem.error }, 'finding rejected by the normaliser');
      }
      read.push(...page.findings);
      if (read.length >= findingsPerTransaction) await store();
      cursor = page.cursor;
    }
  } catch (error) {
    // What was read before the failure is kept, so the retry finds it stored rather than new.
    services.log.warn({ source, pages, err: error instanceof Error ? error.message : String(error) }, 'scan failed part-way; storing the pages already read');
    await store();
    throw error;
  }
  await store();
  if (cursor) cursors.set(source, cursor);
  const cardsPosted = await deliverCards(services);
  const report = { ...summary, pages, rejected, cardsPosted };
  services.log.info({ source, ...report }, 'scan finished');
  return report;
}
