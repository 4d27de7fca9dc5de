import type { Finding } from '../domain/finding.js';
import type { Severity, Triage } from '../domain/triage.js';
import type { Route } from '../route/routing.js';
import type { ApiCall, Plan, State } from '../remediate/remediation.js';

/**
 * What each evidence kind carries in `data`. Readers (verify, export, digest)
 * rely on these shapes; writers must keep them. Kinds marked "planned" are
 * written by flows still being built (exceptions, escalation, undo, reminders).
 */
export interface EvidenceData {
  'finding.detected': { finding: Finding; triage: Triage; route: Route };
  'finding.updated': { finding: Finding; triage: Triage; route: Route };
  'finding.recurred': { finding: Finding; triage: Triage; route: Route };
  /** planned: Security Hub reports it passed or archived it. */
  'finding.resolved_at_source': { compliance: string | null; recordState: string; workflow: string | null };
  'card.posted': { channel: string; ts: string; diff: string | null; planError: string | null };
  'card.updated': { channel: string; ts: string; state: string; diff: string | null };
  'click.ignored': { action: string; outcome: string; card: { channel: string; ts: string }; told: string };
  /** planned: someone not allowed to approve clicked. */
  'approval.refused': { action: string; reason: string };
  'decision.approved': {
    decision: 'approve';
    remediation: string;
    card: { channel: string; ts: string };
    /** Four-eyes: which approval this is (1 of 2, 2 of 2); 1 of 1 otherwise. */
    approval: { n: number; of: number };
  };
  /** approver: who the requester named, when the policy asks for one. */
  'exception.requested': { justification: string; expiresAt: string; compensatingControl: string | null; approver: string | null };
  /** Actor is the approver. */
  'exception.granted': {
    requestedBy: string;
    justification: string;
    expiresAt: string;
    compensatingControl: string | null;
  };
  'exception.expired': { expiresAt: string; stillFailing: boolean; previousCard: { channel: string; ts: string } | null };
  /** planned */
  'escalation.raised': { from: Severity; to: Severity; reason: string; channel: string; ts: string };
  'fix.planned': Plan;
  'fix.replanned': { shownDiff: string; newDiff: string };
  'fix.applied': { remediation: string; calls: ApiCall[]; result: 'ok' };
  'fix.verified': { step: 'verify'; ok: true; observed: State; detail: string };
  'fix.failed': {
    step: 'plan' | 'apply' | 'verify' | 'undo';
    call?: ApiCall | null;
    error?: { name: string; message: string } | string;
    explanation?: string;
    ok?: false;
    observed?: State;
    detail?: string;
  };
  /** Actor asked to undo an applied fix. */
  'decision.undo': { remediation: string; card: { channel: string; ts: string } };
  'fix.undone': { remediation: string; restored: State };
  'securityhub.updated': { region: string; input: Record<string, unknown> };
  'securityhub.update_failed': { region: string; input: Record<string, unknown>; error?: string; unprocessed?: unknown[] };
  /** planned: kind is 'sla75' or 'overdue'. */
  'reminder.posted': { reminder: 'sla75' | 'overdue'; channel: string; threadTs: string; dueAt: string };
  /** planned: week is the ISO week, e.g. "2026-W48". */
  'digest.posted': { week: string; channel: string; ts: string; late: boolean };
}
