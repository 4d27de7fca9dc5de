import { actionableSeverities, outcomes, slaBreached } from '../lifecycle.js';
import { describeVerification } from '../verify-chain.js';
import {
  actorText,
  callsText,
  closedText,
  decisionText,
  fixOnRecord,
  fixStepsText,
  hoursText,
  outcomeLabels,
  stateText,
  verificationHeadline,
  verificationText,
} from './report-text.js';
import type { EvidenceReport } from './report.js';

const findingColumns = [
  'criterion', 'finding_id', 'title', 'control', 'resource_type', 'resource_id', 'account', 'region',
  'severity', 'mode', 'opened_by', 'detected_at', 'due_at', 'owner', 'channel', 'outcome', 'closed',
  'time_to_remediate_hours', 'sla_breached', 'decisions', 'fix_remediation', 'fix_before', 'fix_after',
  'api_calls', 'fix_history', 'verification', 'exception_justification', 'exception_requested_by',
  'exception_approver', 'exception_granted_at', 'exception_expires_at', 'exception_compensating_control',
  'recurrences_in_finding',
];

/**
 * Sections separated by a blank line: the chain's verification, the summary tables, then
 * one row per criterion, finding and cycle open in the window (RFC 4180 quoting).
 */
export function renderCsv(report: EvidenceReport): string {
  const { summary, window } = report;
  const lines: (readonly (string | number)[])[] = [
    ['soc2-bot evidence export'],
    ['window_from', window.from, 'window_to', window.to, 'utc_start', window.start, 'utc_end_exclusive', window.end],
    ['generated_at', report.generatedAt],
    ['verification', verificationHeadline(report.verification)],
    ...describeVerification(report.verification).map((line) => ['verification', line]),
    [],
    ['severity', ...outcomes, 'total'],
    ...actionableSeverities.map((severity) => {
      const counts = summary.bySeverity[severity];
      return [severity, ...outcomes.map((o) => counts[o]), outcomes.reduce((n, o) => n + counts[o], 0)];
    }),
    ['all', ...outcomes.map((o) => summary.byOutcome[o]), summary.findings],
    [],
    ['severity', 'remediated', 'mttr_hours', 'sla_hours', 'mttr_within_sla'],
    ...actionableSeverities.map((severity) => {
      const m = summary.mttr[severity];
      return [severity, m.remediated, m.meanHours === null ? '' : m.meanHours.toFixed(2), m.slaHours, m.withinSla === null ? '' : m.withinSla ? 'yes' : 'no'];
    }),
    [],
    ['sla_breaches_fixed_late', summary.slaBreaches.fixedLate],
    ['sla_breaches_open_past_due', summary.slaBreaches.openPastDue],
    ['recurrences', summary.recurrences],
    ['unreadable_events', report.unreadable.length],
    ...report.unreadable.map((u) => ['unreadable_event', u.seq, u.kind, u.problem]),
    [],
    findingColumns,
    ...findingRows(report),
  ];
  return lines.map((cells) => cells.map((cell) => csvCell(cell)).join(',')).join('\r\n') + '\r\n';
}

function findingRows(report: EvidenceReport): (string | number)[][] {
  return report.criteria.flatMap(({ criterion, findings }) =>
    findings.flatMap((finding) =>
      finding.cycles.map((cycle) => {
        const fix = fixOnRecord(cycle);
        const exception = cycle.exception;
        return [
          criterion, finding.findingId, finding.title, finding.control ?? '', finding.resourceType, finding.resourceId,
          finding.account, finding.region, cycle.severity, cycle.mode, cycle.openedBy, cycle.openedAt, cycle.dueAt ?? '',
          finding.owner ?? '', finding.channel, outcomeLabels[cycle.outcome], closedText(cycle),
          hoursText(cycle.timeToRemediateMs), slaBreached(cycle, report.window.end) ? 'yes' : 'no',
          cycle.decisions.map(decisionText).join('\n'),
          fix?.plan?.remediation ?? '', fix?.plan ? stateText(fix.plan.before) : '', fix?.plan ? stateText(fix.plan.after) : '',
          fix ? callsText(fix) : '', fixStepsText(cycle).join('\n'), verificationText(cycle),
          exception?.justification ?? '', exception?.requestedBy ?? '', exception ? actorText(exception.grantedBy) : '',
          exception?.grantedAt ?? '', exception?.expiresAt ?? '', exception?.compensatingControl ?? '',
          finding.recurredAt.length,
        ];
      }),
    ),
  );
}

/**
 * Quotes when needed, and defuses spreadsheet formulas: a title from AWS or a name from
 * Slack starting with = + - @ would otherwise run as a formula when the file is opened.
 */
function csvCell(value: string | number): string {
  if (typeof value === 'number') return String(value);
  const text = /^[=+\-@\t\r]/.test(value) ? `'${value}` : value;
  return /[",\r\n]/.test(text) ? `"${text.replaceAll('"', '""')}"` : text;
}
