import { GetFindingsCommand, type AwsSecurityFindingFilters } from '@aws-sdk/client-securityhub';
import type { SecurityHubClient } from '@aws-sdk/client-securityhub';
import type { Finding } from '../domain/finding.js';
import { FindingParseError, normalize } from './normalize.js';

export interface PollResult {
  findings: Finding[];
  /** Findings in the pages that could not be normalised, with why; they are reported, not dropped silently. */
  rejected: { id: string | null; error: string }[];
  pages: number;
  /** The newest UpdatedAt seen: the next poll starts here. */
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
 * Reads every page of GetFindings since the cursor. Throttling is retried by the
 * SDK's standard retry strategy (exponential backoff with jitter) configured on the client.
 */
export async function pollSecurityHub(
  client: SecurityHubClient,
  updatedAfter: string | null,
  now: Date,
): Promise<PollResult> {
  const result: PollResult = { findings: [], rejected: [], pages: 0, cursor: updatedAfter };
  let nextToken: string | undefined;
  do {
    const page = await client.send(
      new GetFindingsCommand({ Filters: pollFilters(updatedAfter, now), MaxResults: 100, NextToken: nextToken }),
    );
    result.pages += 1;
    for (const raw of page.Findings ?? []) {
      try {
        result.findings.push(...normalize(raw));
      } catch (error) {
        if (!(error instanceof FindingParseError)) throw error;
        result.rejected.push({ id: typeof raw.Id === 'string' ? raw.Id : null, error: error.message });
      }
      if (raw.UpdatedAt && (!result.cursor || Date.parse(raw.UpdatedAt) > Date.parse(result.cursor))) result.cursor = raw.UpdatedAt;
    }
    nextToken = page.NextToken || undefined;
  } while (nextToken);
  return result;
}
