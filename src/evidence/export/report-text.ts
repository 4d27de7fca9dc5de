/** The words the CSV and HTML exports share, so both say the same thing the same way. */
import type { Actor } from '../evidence-log.js';
import type { Cycle, Decision, FixAttempt, Outcome } from '../lifecycle.js';
import { chainIsSound, type ChainVerification } from '../verify-chain.js';

export const outcomeLabels: Record<Outcome, string> = {
  fixed: 'fixed',
  auto_fixed: 'auto-fixed',
  excepted: 'excepted',
  open: 'open',
  failed: 'failed',
};

export function actorText(actor: Actor): string {
  if (actor.type === 'slack_user') return actor.name ? `${actor.name} (${actor.id})` : actor.id;
  return actor.type === 'aws' ? `AWS account ${actor.id}` : actor.id;
}

/** Hours with two decimals: exact enough to check against an SLA, short enough to read. */
export function hoursText(ms: number | null): string {
  return ms === null ? '' : (ms / 3_600_000).toFixed(2);
}

export function decisionText(decision: Decision): string {
  return `${decision.at} ${decision.detail} (by ${actorText(decision.actor)})`;
}

/** The attempt whose plan is the fix on record: the last one that got as far as a plan. */
export function fixOnRecord(cycle: Cycle): FixAttempt | null {
  return cycle.fixes.filter((attempt) => attempt.plan !== null).at(-1) ?? null;
}

export function callsText(attempt: FixAttempt): string {
  const calls = attempt.appliedCalls ?? attempt.plan?.calls ?? [];
  const made = attempt.appliedCalls ? '' : ' (planned, not made)';
  return calls.map((call) => `${call.service}:${call.operation} ${JSON.stringify(call.input)}${made}`).join('\n');
}

export function stateText(state: Record<string, unknown>): string {
  return Object.entries(state)
    .map(([key, value]) => `${key}: ${JSON.stringify(value)}`)
    .join('\n');
}

export function fixStepsText(cycle: Cycle): string[] {
  return cycle.fixes.flatMap((attempt) => attempt.steps.map((s) => `${s.at} ${s.step}: ${s.detail} (by ${actorText(s.actor)})`));
}

/** How the fix was confirmed: the bot's read-back, or its finding that nothing needed changing. */
export function verificationText(cycle: Cycle): string {
  const steps = cycle.fixes.flatMap((attempt) => attempt.steps);
  const verified = steps.filter((s) => s.step === 'verified').at(-1);
  if (verified) return `${verified.at} ${verified.detail}`;
  const compliant = cycle.fixes.filter((attempt) => attempt.result === 'already_compliant').at(-1);
  return compliant?.steps[0] ? `${compliant.steps[0].at} already compliant when checked` : '';
}

export function closedText(cycle: Cycle): string {
  if (cycle.closedAt === null) return '';
  const how = cycle.closedBy === 'fix' ? 'fixed by soc2-bot' : cycle.closedBy === 'source' ? 'resolved at source' : 'exception granted';
  return `${cycle.closedAt} (${how})`;
}

/** The heading every export carries about the chain it was read from. */
export function verificationHeadline(verification: ChainVerification): string {
  return chainIsSound(verification)
    ? 'Evidence chain verified: intact'
    : 'WARNING: the evidence chain did not verify; this report may include altered or missing evidence';
}
