import type { Services } from '../app/services.js';
import type { PollCursors } from '../evidence/poll-cursors.js';
import { deliverCards, recordFindingsWithTags, type IngestSummary } from '../route/deliver-cards.js';
import { pollSecurityHub } from './securityhub-poller.js';

export interface ScanReport extends IngestSummary {
  pages: number;
  rejected: number;
  cardsPosted: number;
}

/**
 * One detect-triage-route pass over Security Hub. The cursor advances only after
 * every finding of the pass is stored, so a crash mid-pass re-reads rather than loses.
 */
export async function scanSecurityHub(services: Services, cursors: PollCursors): Promise<ScanReport> {
  const source = `securityhub:${services.securityHubRegion}`;
  const poll = await pollSecurityHub(services.aws.securityHub(services.securityHubRegion), cursors.get(source), services.clock.now());
  for (const rejected of poll.rejected) {
    services.log.warn({ source, findingId: rejected.id, error: rejected.error }, 'finding rejected by the normaliser');
  }
  const summary = await recordFindingsWithTags(services, poll.findings);
  if (poll.cursor) cursors.set(source, poll.cursor);
  const cardsPosted = await deliverCards(services);
  const report = { ...summary, pages: poll.pages, rejected: poll.rejected.length, cardsPosted };
  services.log.info({ source, ...report }, 'scan finished');
  return report;
}
