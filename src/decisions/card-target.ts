import type { Services } from '../app/services.js';
import type { TrackedFinding } from '../evidence/findings-repo.js';

export type CardTarget =
  | { kind: 'found'; tracked: TrackedFinding }
  | { kind: 'unknown_finding' }
  /** The button's value names a finding whose card is not the message clicked: a forged or stale payload. */
  | { kind: 'not_this_card' };

/** A click is honoured only on the finding's own card, so a tampered `value` cannot redirect it. */
export function cardTarget(services: Services, findingId: string, channel: string, messageTs: string): CardTarget {
  const tracked = services.findings.get(findingId);
  if (!tracked) return { kind: 'unknown_finding' };
  if (!tracked.card || tracked.card.channel !== channel || tracked.card.ts !== messageTs) return { kind: 'not_this_card' };
  return { kind: 'found', tracked };
}
