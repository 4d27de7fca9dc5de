import { actionableSeverities, outcomes, slaBreached, type Cycle, type FindingLifecycle } from '../lifecycle.js';
import { chainIsSound, describeVerification } from '../verify-chain.js';
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
import { html, SafeHtml } from './html-template.js';
import type { EvidenceReport } from './report.js';
import { mttrChart, weeklyChart } from './svg-charts.js';

const style = `
body { font: 14px/1.45 system-ui, -apple-system, "Segoe UI", sans-serif; color: #1a1a1a; margin: 2rem auto; max-width: 68rem; padding: 0 1rem; }
h1 { font-size: 1.6rem; margin-bottom: .2rem; } h2 { border-bottom: 2px solid #1f4e79; padding-bottom: .2rem; margin-top: 2rem; }
h3 { margin: 1.4rem 0 .4rem; } h4 { margin: 0 0 .3rem; font-size: 1rem; }
table { border-collapse: collapse; margin: .4rem 0 1rem; } th, td { border: 1px solid #bbb; padding: .25rem .5rem; text-align: left; vertical-align: top; }
th { background: #eef3f8; } td.n { text-align: right; font-variant-numeric: tabular-nums; }
.verification { border: 2px solid; padding: .6rem 1rem; } .ok { border-color: #2e7d32; background: #f1f8f1; } .broken { border-color: #c00000; background: #fdf0f0; }
.finding { border: 1px solid #ccc; border-left: 4px solid #1f4e79; padding: .6rem .9rem; margin: .8rem 0; }
.cycle { margin-top: .5rem; } dl { display: grid; grid-template-columns: max-content 1fr; gap: .1rem .8rem; margin: .3rem 0; } dt { color: #555; } dd { margin: 0; overflow-wrap: anywhere; }
pre { background: #f6f6f6; padding: .4rem; white-space: pre-wrap; overflow-wrap: anywhere; margin: .2rem 0; font-size: 12px; }
.breach { color: #c00000; font-weight: bold; } .muted { color: #555; } ul { margin: .2rem 0; padding-left: 1.2rem; }
svg { max-width: 100%; height: auto; }
@media print {
  body { margin: 0; max-width: none; font-size: 11px; } @page { margin: 14mm; }
  .finding, table, svg, .verification { break-inside: avoid; } h2, h3 { break-after: avoid; }
  #findings { break-before: page; } .finding { border-left-width: 2px; }
}`;

// A constant of this module, not data; <style> content is not entity-decoded, so it must not be escaped.
const styleSheet = new SafeHtml(style);

/** One self-contained page: inline CSS and SVG, no scripts, nothing fetched; prints cleanly. */
export function renderHtml(report: EvidenceReport): string {
  const { window, summary } = report;
  const title = `SOC 2 remediation evidence, ${window.from} to ${window.to}`;
  return html`<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<meta http-equiv="Content-Security-Policy" content="default-src 'none'; style-src 'unsafe-inline'">
<title>${title}</title>
<style>${styleSheet}</style>
</head>
<body>
<header>
<h1>${title}</h1>
<p class="muted">Window ${window.from} to ${window.to} inclusive (UTC: ${window.start} up to ${window.end}). Generated ${report.generatedAt} by soc2-bot.
Covers every finding open at some moment of the window, with its history up to the window's end.</p>
</header>
${verificationSection(report)}
<section>
<h2>Summary</h2>
<p>${summary.findings} findings open during the window.</p>
<table><thead><tr><th>Severity</th>${outcomes.map((o) => html`<th>${outcomeLabels[o]}</th>`)}<th>Total</th></tr></thead>
<tbody>${actionableSeverities.map((severity) => {
  const counts = summary.bySeverity[severity];
  return html`<tr><th>${severity}</th>${outcomes.map((o) => html`<td class="n">${counts[o]}</td>`)}<td class="n">${outcomes.reduce((n, o) => n + counts[o], 0)}</td></tr>`;
})}
<tr><th>All</th>${outcomes.map((o) => html`<td class="n">${summary.byOutcome[o]}</td>`)}<td class="n">${summary.findings}</td></tr></tbody></table>
<h3>Time to remediate against SLA</h3>
<table><thead><tr><th>Severity</th><th>Remediated in window</th><th>MTTR (hours)</th><th>SLA (hours)</th><th>Within SLA</th></tr></thead>
<tbody>${actionableSeverities.map((severity) => {
  const m = summary.mttr[severity];
  return html`<tr><th>${severity}</th><td class="n">${m.remediated}</td><td class="n">${m.meanHours === null ? '–' : m.meanHours.toFixed(2)}</td><td class="n">${m.slaHours}</td><td>${m.withinSla === null ? '–' : m.withinSla ? 'yes' : html`<span class="breach">no</span>`}</td></tr>`;
})}</tbody></table>
${mttrChart(summary.mttr)}
<h3>SLA breaches and recurrences</h3>
<ul>
<li><span class="${summary.slaBreaches.fixedLate ? 'breach' : ''}">${summary.slaBreaches.fixedLate}</span> fixed after their due date</li>
<li><span class="${summary.slaBreaches.openPastDue ? 'breach' : ''}">${summary.slaBreaches.openPastDue}</span> still open past their due date at the window's end</li>
<li>${summary.recurrences} recurrences (failing again after being closed)</li>
</ul>
<h3>Findings opened and closed per ISO week</h3>
${weeklyChart(summary.weekly)}
</section>
${report.unreadable.length ? unreadableSection(report) : ''}
<section id="findings">
<h2>Findings by SOC 2 criterion</h2>
${report.criteria.length === 0 ? html`<p>No findings were open during the window.</p>` : ''}
${report.criteria.map(({ criterion, findings }) => html`<section>
<h3>${criterion} <span class="muted">(${findings.length} finding${findings.length === 1 ? '' : 's'})</span></h3>
${findings.map((finding) => findingArticle(finding, report.window.end))}
</section>`)}
</section>
</body>
</html>
`.text;
}

function verificationSection(report: EvidenceReport): SafeHtml {
  const sound = chainIsSound(report.verification);
  return html`<section class="verification ${sound ? 'ok' : 'broken'}">
<h2>Evidence chain</h2>
<p><strong>${verificationHeadline(report.verification)}</strong></p>
<ul>${describeVerification(report.verification).map((line) => html`<li>${line}</li>`)}</ul>
</section>`;
}

function unreadableSection(report: EvidenceReport): SafeHtml {
  return html`<section><h2>Events that could not be read</h2>
<p>These stored events did not have the shape the bot writes and are left out of the figures above.</p>
<table><thead><tr><th>Seq</th><th>Kind</th><th>Problem</th></tr></thead>
<tbody>${report.unreadable.map((u) => html`<tr><td class="n">${u.seq}</td><td>${u.kind}</td><td>${u.problem}</td></tr>`)}</tbody></table></section>`;
}

function findingArticle(finding: FindingLifecycle, windowEnd: string): SafeHtml {
  return html`<article class="finding">
<h4>${finding.title}</h4>
<dl>
<dt>Finding</dt><dd>${finding.findingId}</dd>
<dt>Control</dt><dd>${finding.control ?? '–'}</dd>
<dt>Resource</dt><dd>${finding.resourceType} ${finding.resourceId}</dd>
<dt>Account / Region</dt><dd>${finding.account} / ${finding.region}</dd>
<dt>Owner / channel</dt><dd>${finding.owner ?? 'unowned'} / ${finding.channel}</dd>
<dt>Criteria</dt><dd>${finding.tsc.join(', ') || 'unmapped'}</dd>
${finding.recurredAt.length ? html`<dt>Recurred</dt><dd>${finding.recurredAt.join(', ')}</dd>` : ''}
</dl>
${finding.cycles.map((cycle) => cycleBlock(cycle, windowEnd))}
</article>`;
}

function cycleBlock(cycle: Cycle, windowEnd: string): SafeHtml {
  const fix = fixOnRecord(cycle);
  const steps = fixStepsText(cycle);
  const exception = cycle.exception;
  const breached = slaBreached(cycle, windowEnd);
  return html`<div class="cycle">
<table><tbody>
<tr><th>${cycle.openedBy === 'recurred' ? 'Recurred' : 'Detected'}</th><td>${cycle.openedAt}</td><th>Severity</th><td>${cycle.severity} (${cycle.mode})</td></tr>
<tr><th>Due</th><td>${cycle.dueAt ?? '–'}</td><th>Outcome</th><td>${outcomeLabels[cycle.outcome]}</td></tr>
<tr><th>Closed</th><td>${closedText(cycle) || '–'}</td><th>Time to remediate</th><td>${cycle.timeToRemediateMs === null ? '–' : `${hoursText(cycle.timeToRemediateMs)} h`}</td></tr>
<tr><th>SLA</th><td colspan="3">${breached ? html`<span class="breach">breached</span>` : cycle.closedAt === null ? 'not yet due' : 'met'}</td></tr>
</tbody></table>
${cycle.decisions.length ? html`<p><strong>Decisions</strong></p><ul>${cycle.decisions.map((d) => html`<li>${decisionText(d)}</li>`)}</ul>` : ''}
${fix?.plan ? html`<p><strong>Fix</strong> ${fix.plan.remediation}</p>
<dl><dt>Before</dt><dd><pre>${stateText(fix.plan.before)}</pre></dd><dt>After</dt><dd><pre>${stateText(fix.plan.after)}</pre></dd>
<dt>API calls</dt><dd><pre>${callsText(fix) || 'none'}</pre></dd><dt>Verification</dt><dd>${verificationText(cycle) || 'not verified'}</dd></dl>` : ''}
${steps.length ? html`<p><strong>Fix history</strong></p><ul>${steps.map((s) => html`<li>${s}</li>`)}</ul>` : ''}
${exception ? html`<p><strong>Exception</strong></p><dl><dt>Justification</dt><dd>${exception.justification}</dd>
<dt>Requested by</dt><dd>${exception.requestedBy}</dd><dt>Approved by</dt><dd>${actorText(exception.grantedBy)} at ${exception.grantedAt}</dd>
<dt>Expires</dt><dd>${exception.expiresAt}${exception.expiredAt ? ` (expired ${exception.expiredAt})` : ''}</dd>
<dt>Compensating control</dt><dd>${exception.compensatingControl ?? 'none'}</dd></dl>` : ''}
</div>`;
}
