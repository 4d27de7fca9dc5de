import { z } from 'zod';
import type { Finding } from '../domain/finding.js';
import { codeSpan } from '../slack/escape.js';

/** One field of a finding that Security Hub changed, in words a card's reader cares about; read back from evidence. */
export const findingChangeSchema = z.object({
  field: z.enum(['severity', 'workflow', 'compliance', 'recordState']),
  from: z.string().nullable(),
  to: z.string().nullable(),
});
export type FindingChange = z.output<typeof findingChangeSchema>;

const labels: Record<FindingChange['field'], string> = {
  severity: 'severity',
  workflow: 'workflow status',
  compliance: 'compliance',
  recordState: 'record state',
};

/**
 * What changed between two copies of one finding. Only what a person acts on counts:
 * a newer UpdatedAt alone (Security Hub re-observing the same failure) is no change.
 */
export function diffFindings(before: Finding, after: Finding): FindingChange[] {
  const changes: FindingChange[] = [];
  for (const field of ['severity', 'workflow', 'compliance', 'recordState'] as const) {
    if (before[field] !== after[field]) changes.push({ field, from: before[field], to: after[field] });
  }
  return changes;
}

/** The thread note: what changed and when Security Hub changed it; `resource` names the member of a group card. */
export function updateNote(changes: readonly FindingChange[], updatedAt: string, resource: string | null): string {
  const what = changes.map((c) => `${labels[c.field]} ${c.from ?? 'none'} → ${c.to ?? 'none'}`).join('; ');
  const when = `${updatedAt.slice(0, 16).replace('T', ' ')} UTC`;
  return `:arrows_counterclockwise: Security Hub updated ${resource === null ? 'this finding' : codeSpan(resource)} (${when}): ${what}.`;
}
