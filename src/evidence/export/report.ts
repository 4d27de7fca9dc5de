import { actionableSeverities, cyclesInWindow, summarize, type FindingLifecycle, type LifecycleSummary, type TimeWindow } from '../lifecycle.js';
import type { ChainVerification } from '../verify-chain.js';
import type { UnreadableEvent } from './read-window.js';

/** The window as asked for (inclusive UTC dates) and as instants (end exclusive). */
export interface ExportWindow extends TimeWindow {
  from: string;
  to: string;
}

export interface CriterionGroup {
  /** A SOC 2 criterion such as CC6.1, or "unmapped". */
  criterion: string;
  /** Each with only the cycles open during the window. */
  findings: FindingLifecycle[];
}

/** Everything every export format shows; renderers only lay it out. */
export interface EvidenceReport {
  generatedAt: string;
  window: ExportWindow;
  /** The chain the report was read from, checked just before reading. */
  verification: ChainVerification;
  summary: LifecycleSummary;
  criteria: CriterionGroup[];
  unreadable: UnreadableEvent[];
}

const unmapped = 'unmapped';

export function buildReport(input: {
  lifecycles: readonly FindingLifecycle[];
  unreadable: UnreadableEvent[];
  window: ExportWindow;
  verification: ChainVerification;
  generatedAt: string;
}): EvidenceReport {
  const { window } = input;
  const inWindow = input.lifecycles
    .map((lifecycle) => ({ ...lifecycle, cycles: cyclesInWindow(lifecycle, window) }))
    .filter((lifecycle) => lifecycle.cycles.length > 0)
    .sort(bySeverityThenDetection);
  const groups = new Map<string, FindingLifecycle[]>();
  for (const lifecycle of inWindow) {
    // A finding that evidences several criteria is listed under each.
    for (const criterion of lifecycle.tsc.length ? new Set(lifecycle.tsc) : [unmapped]) {
      const group = groups.get(criterion);
      if (group) group.push(lifecycle);
      else groups.set(criterion, [lifecycle]);
    }
  }
  const criteria = [...groups.keys()].sort(byCriterion).map((criterion) => ({ criterion, findings: groups.get(criterion) ?? [] }));
  return {
    generatedAt: input.generatedAt,
    window,
    verification: input.verification,
    summary: summarize(inWindow, window),
    criteria,
    unreadable: input.unreadable,
  };
}

function bySeverityThenDetection(a: FindingLifecycle, b: FindingLifecycle): number {
  const severity = (f: FindingLifecycle) => actionableSeverities.indexOf(f.cycles.at(-1)?.severity ?? 'sev3');
  const opened = (f: FindingLifecycle) => f.cycles[0]?.openedAt ?? '';
  return severity(a) - severity(b) || byCodePoint(opened(a), opened(b)) || byCodePoint(a.findingId, b.findingId);
}

/** Plain code-point order: the same on every machine, whatever its locale. */
function byCodePoint(a: string, b: string): number {
  return a < b ? -1 : a > b ? 1 : 0;
}

/** CC6.1 < CC6.6 < CC6.10 < CC7.2; "unmapped" last. */
function byCriterion(a: string, b: string): number {
  if (a === unmapped || b === unmapped) return Number(a === unmapped) - Number(b === unmapped);
  return a.localeCompare(b, 'en', { numeric: true });
}
