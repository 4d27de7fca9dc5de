import type { Services } from '../app/services.js';
import { autopilot, type Person } from '../domain/person.js';
import { remediationById } from '../remediate/registry.js';
import type { EvidenceEvent } from '../evidence/evidence-log.js';
import type { TrackedFinding } from '../evidence/findings-repo.js';
import type { CardState, ExceptionFacts } from '../slack/cards.js';

const person = (event: EvidenceEvent | undefined): Person => ({ id: event?.actor.id ?? 'unknown', name: event?.actor.name ?? null });
const text = (value: unknown): string | null => (typeof value === 'string' ? value : null);

function exceptionFacts(event: EvidenceEvent | undefined): ExceptionFacts {
  return {
    justification: text(event?.data['justification']) ?? '',
    expiresAt: text(event?.data['expiresAt']) ?? '',
    compensatingControl: text(event?.data['compensatingControl']),
  };
}

/**
 * The card state a finding is in now, rebuilt from its status and evidence, so any
 * change (an escalation, a restart) can redraw the card without losing what it said.
 */
export function currentCardState(services: Services, tracked: TrackedFinding): CardState {
  const events = services.evidence.forFinding(tracked.finding.id);
  const last = (...kinds: string[]) => events.filter((e) => kinds.includes(e.kind)).at(-1);
  const shown = last('card.posted', 'card.updated');
  const diff = text(shown?.data['diff']);
  const approval = last('decision.approved');
  const at = (event: EvidenceEvent | undefined) => event?.at ?? services.clock.now().toISOString();
  switch (tracked.status) {
    case 'awaiting_second':
      return { kind: 'awaiting_second', by: person(approval), at: at(approval), diff };
    case 'fixing':
      return { kind: 'fixing', by: person(approval), at: at(approval), diff: diff ?? '' };
    case 'fixed': {
      const verified = last('fix.verified');
      return verified
        ? {
            kind: 'fixed',
            by: approval ? person(approval) : autopilot,
            at: at(approval ?? verified),
            diff: diff ?? '',
            verification: text(verified.data['detail']) ?? 'verified',
            undoable: tracked.triage.remediation ? remediationById(tracked.triage.remediation)?.undo !== undefined : false,
          }
        : { kind: 'already_compliant', by: person(approval), at: at(approval), diff: diff ?? '' };
    }
    case 'fix_failed': {
      const failure = last('fix.failed');
      const error = text(failure?.data['explanation']) ?? text(failure?.data['detail']) ?? 'the fix failed';
      return { kind: 'fix_failed', by: person(approval), at: at(approval), diff, error };
    }
    case 'exception_requested': {
      const requested = last('exception.requested');
      return { kind: 'exception_requested', by: person(requested), at: at(requested), diff, exception: exceptionFacts(requested), approver: text(requested?.data['approver']) };
    }
    case 'excepted': {
      const requested = last('exception.requested');
      const granted = last('exception.granted');
      return { kind: 'excepted', by: person(requested), grantedBy: person(granted), at: at(granted), diff, exception: exceptionFacts(granted) };
    }
    case 'resolved_at_source':
      return { kind: 'resolved_at_source', at: services.clock.now().toISOString(), diff };
    case 'open':
    case 'no_action':
      return { kind: 'open', diff, planError: text(shown?.data['planError']) };
  }
}
