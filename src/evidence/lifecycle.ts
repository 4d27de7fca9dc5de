/**
 * Evidence events → what happened to each finding, and a summary over a time window.
 * Pure: no clock, no database. Used by the evidence export and the weekly digest.
 */
import type { Mode, Severity } from '../domain/triage.js';
import type { ApiCall, State } from '../remediate/remediation.js';
import { formatIsoWeek, weekContaining } from '../digest/iso-week.js';
import { slaBySeverity } from '../triage/rules.js';
import type { Actor } from './evidence-log.js';
import type { LifecycleData, LifecycleEvent } from './lifecycle-events.js';

export type { LifecycleEvent, LifecycleKind } from './lifecycle-events.js';

export type ActionableSeverity = Exclude<Severity, 'none'>;
export const actionableSeverities: readonly ActionableSeverity[] = ['sev1', 'sev2', 'sev3'];

/** auto_fixed: fixed with no human decision (autopilot); excepted: closed by a granted exception, not remediated. */
export type Outcome = 'fixed' | 'auto_fixed' | 'excepted' | 'open' | 'failed';
export const outcomes: readonly Outcome[] = ['fixed', 'auto_fixed', 'excepted', 'open', 'failed'];

export interface Decision {
  at: string;
  kind: 'approved' | 'approval_refused' | 'click_refused' | 'exception_requested' | 'exception_granted' | 'escalated' | 'undo_requested';
  actor: Actor;
  /** What was decided, in words. */
  detail: string;
}

export interface FixStep {
  at: string;
  step: 'planned' | 'replanned' | 'applied' | 'verified' | 'failed' | 'undone';
  actor: Actor;
  detail: string;
}

export interface FixAttempt {
  /** What the bot read and intended; null when planning itself failed. */
  plan: { remediation: string; before: State; after: State; diff: string; calls: ApiCall[]; alreadyCompliant: boolean } | null;
  /** The calls actually made (fix.applied); null when nothing was applied. */
  appliedCalls: ApiCall[] | null;
  steps: FixStep[];
  result: 'in_progress' | 'verified' | 'already_compliant' | 'replanned' | 'failed' | 'undone';
}

export interface GrantedException {
  requestedBy: string;
  grantedBy: Actor;
  grantedAt: string;
  justification: string;
  expiresAt: string;
  compensatingControl: string | null;
  expiredAt: string | null;
}

/** From detection (or recurrence) to a fix, a source resolution or an exception. */
export interface Cycle {
  openedAt: string;
  openedBy: 'detected' | 'recurred';
  severity: ActionableSeverity;
  mode: Mode;
  dueAt: string | null;
  decisions: Decision[];
  fixes: FixAttempt[];
  exception: GrantedException | null;
  closedAt: string | null;
  /** fix: verified (or found already compliant) by the bot; source: Security Hub reports it resolved. */
  closedBy: 'fix' | 'source' | 'exception' | null;
  outcome: Outcome;
  /** Detected → fixed; null while open and for exceptions (excepted is not remediated). */
  timeToRemediateMs: number | null;
}

export interface FindingLifecycle {
  findingId: string;
  title: string;
  control: string | null;
  resourceType: string;
  resourceId: string;
  account: string;
  region: string;
  /** SOC 2 criteria from the latest triage. */
  tsc: string[];
  owner: string | null;
  channel: string;
  /** Oldest first; only actionable ones (a finding that never needed action has none). */
  cycles: Cycle[];
  /** When Security Hub reported it failing again after it had been closed. */
  recurredAt: string[];
}

/** Projects events (in seq order) onto findings. Findings that never needed action are left out. */
export function projectLifecycles(events: Iterable<LifecycleEvent>): FindingLifecycle[] {
  const findings = new Map<string, FindingLifecycle>();
  for (const event of events) {
    const known = findings.get(event.findingId);
    if (isSighting(event)) {
      const lifecycle = known ?? { ...factsOf(event.findingId, event.data), cycles: [], recurredAt: [] };
      findings.set(event.findingId, lifecycle);
      applySighting(lifecycle, event);
      continue;
    }
    // Events before the first sighting have nothing to attach to.
    const cycle = known?.cycles.at(-1);
    if (cycle) applyToCycle(cycle, event);
  }
  return [...findings.values()].filter((f) => f.cycles.length > 0).map(withOutcomes);
}

type Sighting = Extract<LifecycleEvent, { kind: 'finding.detected' | 'finding.updated' | 'finding.recurred' }>;

function isSighting(event: LifecycleEvent): event is Sighting {
  return event.kind === 'finding.detected' || event.kind === 'finding.updated' || event.kind === 'finding.recurred';
}

type FindingFacts = Omit<FindingLifecycle, 'cycles' | 'recurredAt'>;

/** What the latest sighting says about the finding (title, resource, criteria, owner). */
function factsOf(findingId: string, { finding, triage, route }: Sighting['data']): FindingFacts {
  return {
    findingId,
    title: finding.title,
    control: finding.control,
    resourceType: finding.resource.type,
    resourceId: finding.resource.id,
    account: finding.account,
    region: finding.region,
    tsc: triage.tsc,
    owner: route.owner,
    channel: route.channel,
  };
}

function applySighting(lifecycle: FindingLifecycle, event: Sighting): void {
  Object.assign(lifecycle, factsOf(event.findingId, event.data));
  const { triage } = event.data;
  if (event.kind === 'finding.recurred') lifecycle.recurredAt.push(event.at);
  const last = lifecycle.cycles.at(-1);
  const open = last && last.closedAt === null ? last : null;
  if (triage.severity === 'none') {
    // Security Hub now reports it passing or closed: resolved at the source.
    if (open) close(open, event.at, 'source');
    return;
  }
  if (open) {
    // An escalation outranks the source's severity until the cycle ends.
    if (!open.decisions.some((d) => d.kind === 'escalated')) open.severity = triage.severity;
    open.mode = triage.mode;
    open.dueAt = triage.dueAt;
    return;
  }
  // Only detection and recurrence open a cycle; an update of a closed finding is not a new failure.
  if (event.kind === 'finding.updated') return;
  lifecycle.cycles.push({
    openedAt: event.at,
    openedBy: event.kind === 'finding.recurred' ? 'recurred' : 'detected',
    severity: triage.severity,
    mode: triage.mode,
    dueAt: triage.dueAt,
    decisions: [],
    fixes: [],
    exception: null,
    closedAt: null,
    closedBy: null,
    outcome: 'open',
    timeToRemediateMs: null,
  });
}

function close(cycle: Cycle, at: string, by: NonNullable<Cycle['closedBy']>): void {
  if (cycle.closedAt !== null) return;
  cycle.closedAt = at;
  cycle.closedBy = by;
}

function reopen(cycle: Cycle, closedBy: NonNullable<Cycle['closedBy']>): void {
  if (cycle.closedBy !== closedBy) return;
  cycle.closedAt = null;
  cycle.closedBy = null;
}

function applyToCycle(cycle: Cycle, event: Exclude<LifecycleEvent, Sighting>): void {
  const decide = (kind: Decision['kind'], detail: string) => cycle.decisions.push({ at: event.at, kind, actor: event.actor, detail });
  const step = (attempt: FixAttempt, name: FixStep['step'], detail: string) =>
    attempt.steps.push({ at: event.at, step: name, actor: event.actor, detail });
  const attempt = cycle.fixes.at(-1);
  const current = attempt?.result === 'in_progress' ? attempt : undefined;
  switch (event.kind) {
    case 'finding.resolved_at_source':
      close(cycle, event.at, 'source');
      return;
    case 'decision.approved': {
      const { remediation, approval } = event.data;
      decide('approved', `approved ${remediation}${approval && approval.of > 1 ? ` (approval ${approval.n} of ${approval.of})` : ''}`);
      return;
    }
    case 'approval.refused':
      decide('approval_refused', `${event.data.action} refused: ${event.data.reason}`);
      return;
    case 'click.ignored':
      decide('click_refused', `${event.data.action} not acted on: ${event.data.outcome}`);
      return;
    case 'exception.requested':
      decide('exception_requested', `exception requested until ${event.data.expiresAt}: ${event.data.justification}`);
      return;
    case 'exception.granted': {
      const { requestedBy, justification, expiresAt, compensatingControl } = event.data;
      decide('exception_granted', `exception granted until ${expiresAt}: ${justification}`);
      cycle.exception = { requestedBy, grantedBy: event.actor, grantedAt: event.at, justification, expiresAt, compensatingControl, expiredAt: null };
      close(cycle, event.at, 'exception');
      return;
    }
    case 'exception.expired':
      if (cycle.exception) cycle.exception.expiredAt = event.at;
      // Still failing when the exception ran out: open again, against the original due date.
      if (event.data.stillFailing) reopen(cycle, 'exception');
      return;
    case 'escalation.raised':
      decide('escalated', `escalated ${event.data.from} → ${event.data.to}: ${event.data.reason}`);
      if (event.data.to !== 'none') cycle.severity = event.data.to;
      return;
    case 'fix.planned': {
      const { remediationId, before, after, diff, calls, alreadyCompliant } = event.data;
      const planned: FixAttempt = {
        plan: { remediation: remediationId, before, after, diff, calls, alreadyCompliant },
        appliedCalls: null,
        steps: [],
        result: alreadyCompliant ? 'already_compliant' : 'in_progress',
      };
      step(planned, 'planned', alreadyCompliant ? 'already compliant when checked; nothing to change' : diff);
      cycle.fixes.push(planned);
      if (alreadyCompliant) close(cycle, event.at, 'fix');
      return;
    }
    case 'fix.replanned':
      if (!current) return;
      step(current, 'replanned', 'the resource changed after the card was posted; nothing applied, new diff shown');
      current.result = 'replanned';
      return;
    case 'fix.applied':
      if (!current) return;
      step(current, 'applied', event.data.calls.map((c) => `${c.service}:${c.operation}`).join(', '));
      current.appliedCalls = event.data.calls;
      return;
    case 'fix.verified':
      if (!current) return;
      step(current, 'verified', event.data.detail);
      current.result = 'verified';
      close(cycle, event.at, 'fix');
      return;
    case 'decision.undo':
      decide('undo_requested', `asked to undo ${event.data.remediation}`);
      return;
    case 'fix.failed': {
      if (event.data.step === 'undo') {
        // The fix stays in place: the undo is a step of the attempt it tried to reverse.
        if (attempt) step(attempt, 'failed', failureText(event.data));
        return;
      }
      // Planning can fail before there is a plan: that is an attempt of its own.
      const failed = current ?? { plan: null, appliedCalls: null, steps: [], result: 'in_progress' as const };
      if (!current) cycle.fixes.push(failed);
      step(failed, 'failed', failureText(event.data));
      failed.result = 'failed';
      return;
    }
    case 'fix.undone':
      if (attempt) {
        step(attempt, 'undone', `${event.data.remediation} undone: previous settings restored`);
        attempt.result = 'undone';
      }
      reopen(cycle, 'fix');
      return;
  }
}

function failureText(data: LifecycleData<'fix.failed'>): string {
  const error = typeof data.error === 'string' ? data.error : data.error ? `${data.error.name}: ${data.error.message}` : null;
  return `${data.step} failed: ${data.explanation ?? data.detail ?? error ?? 'no detail recorded'}`;
}

function withOutcomes(lifecycle: FindingLifecycle): FindingLifecycle {
  for (const cycle of lifecycle.cycles) {
    cycle.outcome = outcomeOf(cycle);
    const remediated = cycle.closedBy === 'fix' || cycle.closedBy === 'source';
    cycle.timeToRemediateMs = remediated && cycle.closedAt !== null ? Date.parse(cycle.closedAt) - Date.parse(cycle.openedAt) : null;
  }
  return lifecycle;
}

function outcomeOf(cycle: Cycle): Outcome {
  if (cycle.closedBy === 'exception') return 'excepted';
  if (cycle.closedBy === 'source') return 'fixed';
  if (cycle.closedBy === 'fix') return cycle.decisions.some((d) => d.kind === 'approved') ? 'fixed' : 'auto_fixed';
  return cycle.fixes.at(-1)?.result === 'failed' ? 'failed' : 'open';
}

/** A half-open interval of ISO 8601 instants: start ≤ at < end. */
export interface TimeWindow {
  start: string;
  end: string;
}

function within(at: string | null, window: TimeWindow): at is string {
  return at !== null && at >= window.start && at < window.end;
}

/** Cycles open at any moment of the window (the window's events are the last ones projected). */
export function cyclesInWindow(lifecycle: FindingLifecycle, window: TimeWindow): Cycle[] {
  return lifecycle.cycles.filter((c) => c.openedAt < window.end && (c.closedAt === null || c.closedAt >= window.start));
}

/** Fixed after its due date, or still open (or failed) past it when the window ends. Exceptions are not breaches. */
export function slaBreached(cycle: Cycle, windowEnd: string): boolean {
  if (cycle.dueAt === null) return false;
  if (cycle.closedAt === null) return cycle.dueAt < windowEnd;
  return cycle.closedBy !== 'exception' && cycle.closedAt > cycle.dueAt;
}

export function slaHours(severity: ActionableSeverity): number {
  const sla = slaBySeverity[severity];
  return 'hours' in sla ? sla.hours : sla.days * 24;
}

export interface MttrStat {
  /** Cycles remediated (fixed, auto-fixed or resolved at source) within the window. */
  remediated: number;
  meanHours: number | null;
  slaHours: number;
  withinSla: boolean | null;
}

export interface WeekCount {
  /** ISO week, e.g. "2026-W48". */
  week: string;
  opened: number;
  closed: number;
}

export interface LifecycleSummary {
  /** Findings open at some moment of the window. */
  findings: number;
  /** Each finding counted once, by its state at the window's end. */
  byOutcome: Record<Outcome, number>;
  bySeverity: Record<ActionableSeverity, Record<Outcome, number>>;
  mttr: Record<ActionableSeverity, MttrStat>;
  slaBreaches: { fixedLate: number; openPastDue: number };
  /** finding.recurred events within the window. */
  recurrences: number;
  weekly: WeekCount[];
}

const zeroOutcomes = (): Record<Outcome, number> => ({ fixed: 0, auto_fixed: 0, excepted: 0, open: 0, failed: 0 });

/** Counts, MTTR against SLA, breaches and the weekly trend, over the findings open during the window. */
export function summarize(lifecycles: readonly FindingLifecycle[], window: TimeWindow): LifecycleSummary {
  const byOutcome = zeroOutcomes();
  const bySeverity = { sev1: zeroOutcomes(), sev2: zeroOutcomes(), sev3: zeroOutcomes() };
  const remediatedHours: Record<ActionableSeverity, number[]> = { sev1: [], sev2: [], sev3: [] };
  const weeks = new Map(isoWeeksOf(window).map((week) => [week, { week, opened: 0, closed: 0 }]));
  let findings = 0;
  let fixedLate = 0;
  let openPastDue = 0;
  let recurrences = 0;
  for (const lifecycle of lifecycles) {
    const cycles = cyclesInWindow(lifecycle, window);
    const last = cycles.at(-1);
    if (!last) continue;
    findings += 1;
    byOutcome[last.outcome] += 1;
    bySeverity[last.severity][last.outcome] += 1;
    if (last.closedAt === null && slaBreached(last, window.end)) openPastDue += 1;
    recurrences += lifecycle.recurredAt.filter((at) => within(at, window)).length;
    for (const cycle of cycles) {
      if (within(cycle.openedAt, window)) countWeek(weeks, cycle.openedAt, 'opened');
      if (!within(cycle.closedAt, window)) continue;
      countWeek(weeks, cycle.closedAt, 'closed');
      if (cycle.timeToRemediateMs === null) continue;
      remediatedHours[cycle.severity].push(cycle.timeToRemediateMs / 3_600_000);
      if (slaBreached(cycle, window.end)) fixedLate += 1;
    }
  }
  const mttrOf = (severity: ActionableSeverity): MttrStat => {
    const hours = remediatedHours[severity];
    const meanHours = hours.length ? hours.reduce((a, b) => a + b, 0) / hours.length : null;
    const sla = slaHours(severity);
    return { remediated: hours.length, meanHours, slaHours: sla, withinSla: meanHours === null ? null : meanHours <= sla };
  };
  const mttr = { sev1: mttrOf('sev1'), sev2: mttrOf('sev2'), sev3: mttrOf('sev3') };
  return { findings, byOutcome, bySeverity, mttr, slaBreaches: { fixedLate, openPastDue }, recurrences, weekly: [...weeks.values()] };
}

function countWeek(weeks: Map<string, WeekCount>, at: string, field: 'opened' | 'closed'): void {
  const week = weeks.get(isoWeek(new Date(at)));
  if (week) week[field] += 1;
}

const dayMs = 86_400_000;

/** The ISO 8601 week of an instant, in UTC, e.g. "2026-W48". */
export function isoWeek(instant: Date): string {
  return formatIsoWeek(weekContaining(instant, 'UTC'));
}

/** Every ISO week the window touches, in order. */
export function isoWeeksOf(window: TimeWindow): string[] {
  const weeks = new Set<string>();
  const end = Date.parse(window.end);
  for (let t = Date.parse(window.start); t < end; t += dayMs) weeks.add(isoWeek(new Date(t)));
  // Stepping a day at a time can step past a last partial day.
  if (end > Date.parse(window.start)) weeks.add(isoWeek(new Date(end - 1)));
  return [...weeks];
}
