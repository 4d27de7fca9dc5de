import type { Finding } from '../domain/finding.js';
import type { FindingChange } from '../route/finding-changes.js';
import type { Severity, Triage } from '../domain/triage.js';
import type { Route } from '../route/routing.js';
import type { ApiCall, Plan, State } from '../remediate/remediation.js';
import type { ExportFormat, VerificationSummary } from './export/export-file.js';
import type { ExportWindow } from './export/report.js';

/**
 * What each evidence kind carries in `data`. Readers (verify, export, digest)
 * rely on these shapes; writers must keep them. Kinds marked "planned" are
 * written by flows still being built (exceptions, escalation, undo, reminders).
 */
export interface EvidenceData {
  'finding.detected': { finding: Finding; triage: Triage; route: Route };
  /** changes: what Security Hub changed that a person cares about (absent before issue 5); a card's thread is told. */
  'finding.updated': { finding: Finding; triage: Triage; route: Route; changes?: FindingChange[] };
  /** occurrencesIn30Days: detections and recurrences in the 30 days up to this one, itself included (absent before issue 5). */
  'finding.recurred': { finding: Finding; triage: Triage; route: Route; occurrencesIn30Days?: number };
  /** planned: Security Hub reports it passed or archived it. */
  'finding.resolved_at_source': { compliance: string | null; recordState: string; workflow: string | null };
  /** group: the finding is shown on a group card (one card, many findings of one root cause). */
  'card.posted': { channel: string; ts: string; diff: string | null; planError: string | null; group?: { id: string; members: number } };
  /** A note in the card's thread about a Security Hub update (updateSeq: the finding.updated it tells of). */
  'card.noted': { channel: string; threadTs: string; ts: string; updateSeq: number; changes: FindingChange[] };
  /** Appended when Slack took the update (src/slack/outbox.ts): what the card shows, not what was queued. */
  'card.updated': { channel: string; ts: string; state: string; diff: string | null };
  /** A group card redrawn, appended when Slack took it like card.updated (finding id null: members keep their own trails). */
  'group_card.updated': { groupId: string; channel: string; ts: string; members: number; fixed: number; fixing: number; failed: number };
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
  /** retryAt: Security Hub could not take it now; the outbox sends it again from then on (only the first failure is recorded). */
  'securityhub.update_failed': { region: string; input: Record<string, unknown>; error?: string; unprocessed?: unknown[]; retryAt?: string };
  /** planned: kind is 'sla75' or 'overdue'. */
  'reminder.posted': { reminder: 'sla75' | 'overdue'; channel: string; threadTs: string; dueAt: string };
  /** planned: week is the ISO week, e.g. "2026-W48". */
  'digest.posted': { week: string; channel: string; ts: string; late: boolean };
  /**
   * An evidence export shared in Slack (`/soc2 export`, or the weekly digest's attachment
   * when digestWeek is set). Actor: who asked; the bot for the digest. events: stored
   * events the report was built from; sha256 of the bytes uploaded.
   */
  'export.shared': {
    window: ExportWindow;
    format: ExportFormat;
    fileName: string;
    sha256: string;
    bytes: number;
    events: number;
    verification: VerificationSummary;
    channel: string;
    threadTs: string | null;
    fileId: string;
    digestWeek: string | null;
  };
  /** Sharing an export failed after it was asked for; `error` is what Slack or the bot said. */
  'export.failed': { window: ExportWindow; format: ExportFormat; channel: string; error: string; digestWeek: string | null };
  /** Someone who may not export asked for one. */
  'export.refused': { window: ExportWindow; format: ExportFormat; channel: string; reason: string };
  /** The bot takes up attaching a digest's export again after export.failed: the claim that keeps it to one upload. */
  'digest.export_retry': { week: string };
}
