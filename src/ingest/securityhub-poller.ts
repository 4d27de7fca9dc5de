import { GetFindingsCommand, type AwsSecurityFindingFilters } from '@aws-sdk/client-securityhub';
import type { SecurityHubClient } from '@aws-sdk/client-securityhub';
import type { Finding } from '../domain/finding.js';
import { FindingParseError, normalize } from './normalize.js';

/** One page of GetFindings, normalised. */
export interface PolledPage {
  findings: Finding[];
  /** Findings in the page that could not be normalised, with why; they are reported, not dropped silently. */
  rejected: { id: string | null; error: string }[];
  /** The newest UpdatedAt seen so far, this page included: once every page is stored, the next poll starts here. */
  cursor: string | null;
}

/** Only what may need action: active records of failed checks nobody has closed. */
export function pollFilters(updatedAfter: string | null, now: Date): AwsSecurityFindingFilters {
  return {
    RecordState: [{ Value: 'ACTIVE', Comparison: 'EQUALS' }],
    ComplianceStatus: [{ Value: 'FAILED', Comparison: 'EQUALS' }],
    WorkflowStatus: [
      { Value: 'NEW', Comparison: 'EQUALS' },
      { Value: 'NOTIFIED', Comparison: 'EQUALS' },
    ],
    ...(updatedAfter ? { UpdatedAt: [{ Start: updatedAfter, End: now.toISOString() }] } : {}),
  };
}

/**
 * Every page of GetFindings since the cursor, one at a time: the caller stores a page before the
 * next is read, so a poll of any size holds one page in memory. Throttling is retried by the
 * SDK's standard retry strategy (exponential backoff with jitter) configured on the client.
 */
export async function* pollSecurityHub(client: SecurityHubClient, updatedAfter: string | null, now: Date): AsyncGenerator<PolledPage> {
  let cursor = updatedAfter;
  let nextToken: string | undefined;
  do {
    const page = await client.send(
      new GetFindingsCommand({ Filters: pollFilters(updatedAfter, now), MaxResults: 100, NextToken: nextToken }),
    );
    const polled: PolledPage = { findings: [], rejected: [], cursor };
    for (const raw of page.Findings ?? []) {
      try {
        polled.findings.push(...normalize(raw));
      } catch (error) {
        if (!(error instanceof FindingParseError)) throw error;
        polled.rejected.push({ id: typeof raw.Id === 'string' ? raw.Id : null, error: error.message });
      }
      if (raw.UpdatedAt && (!cursor || Date.parse(raw.UpdatedAt) > Date.parse(cursor))) cursor = raw.UpdatedAt;
    }
    polled.cursor = cursor;
    yield polled;
    nextToken = page.NextToken || undefined;
  } while (nextToken);
}
