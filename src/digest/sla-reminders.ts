/**
 * Which SLA reminder an open finding is due, and what it says. Pure. A reminder goes in
 * the card's thread: once when 75% of the time to fix has passed, then once a day while
 * the finding is overdue; an overdue Sev1 also pages the on-call user group.
 */
import type { ActionableSeverity } from '../evidence/lifecycle.js';
import { slaMs } from './digest-stats.js';
import { formatDuration, utcMinute } from './time.js';

export type ReminderKind = 'sla75' | 'overdue';

export interface ReminderCandidate {
  findingId: string;
  severity: ActionableSeverity;
  dueAt: string;
  card: { channel: string; ts: string };
}

export interface DueReminder extends ReminderCandidate {
  kind: ReminderKind;
  /** Whole days since the deadline for 'overdue', 0 for 'sla75': the once-a-day key. */
  period: number;
}

const dayMs = 86_400_000;
const severityName: Record<ActionableSeverity, string> = { sev1: 'Sev1', sev2: 'Sev2', sev3: 'Sev3' };

/**
 * The SLA runs from first seen to due, so 75% of it is a quarter of the SLA before the
 * deadline (the deadline is first seen + the severity's SLA).
 */
export function dueReminder(candidate: ReminderCandidate, now: Date): DueReminder | null {
  const due = Date.parse(candidate.dueAt);
  const elapsedPastDue = now.getTime() - due;
  if (elapsedPastDue >= 0) return { ...candidate, kind: 'overdue', period: Math.floor(elapsedPastDue / dayMs) };
  if (now.getTime() >= due - slaMs(candidate.severity) / 4) return { ...candidate, kind: 'sla75', period: 0 };
  return null;
}

export function reminderText(reminder: DueReminder, now: Date, oncallUsergroup: string | null): string {
  const due = new Date(reminder.dueAt);
  const severity = severityName[reminder.severity];
  if (reminder.kind === 'sla75') {
    return `:hourglass_flowing_sand: *75% of the time to fix has passed.* This ${severity} finding is due in ${formatDuration(due.getTime() - now.getTime())} (${utcMinute(due)}). Fix it, or request an exception.`;
  }
  const overdue = `:rotating_light: *Overdue by ${formatDuration(now.getTime() - due.getTime())}*: this ${severity} finding was due ${utcMinute(due)}.`;
  if (reminder.severity !== 'sev1') return overdue;
  return oncallUsergroup
    ? `${overdue} <!subteam^${oncallUsergroup}> a Sev1 is past its deadline: on-call, please take it.`
    : `${overdue} A Sev1 is past its deadline, but no on-call group is configured (ONCALL_USERGROUP), so nobody was paged.`;
}
