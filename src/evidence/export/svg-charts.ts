/** Inline SVG charts for the HTML export: no scripts, no fonts or files to fetch, and they print. */
import { actionableSeverities, type ActionableSeverity, type MttrStat, type WeekCount } from '../lifecycle.js';
import { html, type SafeHtml } from './html-template.js';

const openedFill = '#1f4e79';
const closedFill = '#9dc3e6';

/** A round axis maximum at or above `value` (1, 2, 5 × 10^n). */
function niceCeiling(value: number): number {
  if (value <= 1) return 1;
  const magnitude = 10 ** Math.floor(Math.log10(value));
  return ([1, 2, 5, 10].map((m) => m * magnitude).find((v) => v >= value) ?? value);
}

/**
 * Findings opened (detected or recurred) and closed per ISO week, as paired bars. A long
 * window (a year of audit period) gets narrower bars and a label every few weeks, so the
 * chart still fits a printed page.
 */
export function weeklyChart(weeks: readonly WeekCount[]): SafeHtml {
  const group = Math.max(12, Math.min(44, Math.floor(900 / Math.max(weeks.length, 1))));
  const barWidth = Math.floor(group * 0.38);
  const labelEvery = Math.ceil(weeks.length / 26);
  const showValues = group >= 30;
  const left = 36;
  const top = 28;
  const plot = 150;
  const width = left + Math.max(weeks.length, 1) * group + 8;
  const height = top + plot + 40;
  const max = niceCeiling(weeks.reduce((most, w) => Math.max(most, w.opened, w.closed), 1));
  const y = (n: number) => top + plot - (n / max) * plot;
  const bar = (x: number, n: number, fill: string, label: string) =>
    html`<rect x="${x}" y="${y(n).toFixed(1)}" width="${barWidth}" height="${(top + plot - y(n)).toFixed(1)}" fill="${fill}"><title>${label}</title></rect>
${showValues ? html`<text x="${x + barWidth / 2}" y="${(y(n) - 3).toFixed(1)}" text-anchor="middle" font-size="9">${n}</text>` : ''}`;
  return html`<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 ${width} ${height}" width="${width}" height="${height}" role="img" aria-label="Findings opened and closed per ISO week" font-family="sans-serif" font-size="10">
<text x="${left}" y="12" font-size="11"><tspan fill="${openedFill}">■</tspan> opened <tspan fill="${closedFill}" dx="8">■</tspan> closed</text>
<line x1="${left}" y1="${top + plot}" x2="${width - 4}" y2="${top + plot}" stroke="#444"/>
<line x1="${left}" y1="${top}" x2="${left}" y2="${top + plot}" stroke="#444"/>
<text x="${left - 4}" y="${top + 4}" text-anchor="end">${max}</text>
<text x="${left - 4}" y="${top + plot}" text-anchor="end">0</text>
${weeks.map((w, i) => {
  const x = left + 4 + i * group;
  const middle = x + barWidth + 1;
  const label = i % labelEvery === 0
    ? html`<text x="${middle}" y="${top + plot + 14}" text-anchor="middle" font-size="9">${w.week.slice(5)}</text>
<text x="${middle}" y="${top + plot + 25}" text-anchor="middle" font-size="8" fill="#555">${w.week.slice(0, 4)}</text>`
    : '';
  return html`${bar(x, w.opened, openedFill, `${w.week}: ${w.opened} opened`)}${bar(x + barWidth + 2, w.closed, closedFill, `${w.week}: ${w.closed} closed`)}${label}`;
})}
</svg>`;
}

/**
 * Mean time to remediate per severity as a share of its SLA (24 h, 14 d, 90 d are too far
 * apart for one hour axis); the dashed line is the SLA. Bars past 300% are cut and marked.
 */
export function mttrChart(mttr: Readonly<Record<ActionableSeverity, MttrStat>>): SafeHtml {
  const left = 44;
  const plot = 300;
  const row = 34;
  const top = 22;
  const cap = 3;
  const axis = top + actionableSeverities.length * row;
  const height = axis + 22;
  const width = left + plot + 200;
  const x = (share: number) => left + (Math.min(share, cap) / cap) * plot;
  const labelX = x(1) + 6;
  return html`<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 ${width} ${height}" width="${width}" height="${height}" role="img" aria-label="Mean time to remediate per severity against its SLA" font-family="sans-serif" font-size="10">
<line x1="${left}" y1="${axis}" x2="${x(cap)}" y2="${axis}" stroke="#444"/>
${[0, 1, 2, 3].map((share) => html`<line x1="${x(share)}" y1="${axis}" x2="${x(share)}" y2="${axis + 4}" stroke="#444"/><text x="${x(share)}" y="${axis + 15}" text-anchor="middle" fill="#555">${share * 100}%</text>`)}
<line x1="${x(1)}" y1="${top - 8}" x2="${x(1)}" y2="${axis}" stroke="#c00000" stroke-dasharray="4 3"/>
<text x="${x(1)}" y="${top - 11}" text-anchor="middle" fill="#c00000">SLA</text>
${actionableSeverities.map((severity, i) => {
  const stat = mttr[severity];
  const rowY = top + i * row;
  const name = html`<text x="4" y="${rowY + 14}" font-weight="bold">${severity}</text>`;
  if (stat.meanHours === null) return html`${name}<text x="${labelX}" y="${rowY + 14}" fill="#555">no fixes in the window (SLA ${stat.slaHours} h)</text>`;
  const share = stat.meanHours / stat.slaHours;
  const fill = share <= 1 ? '#2e7d32' : '#c00000';
  const percent = share < 0.1 ? (share * 100).toFixed(1) : Math.round(share * 100);
  const label = `${stat.meanHours.toFixed(2)} h mean of ${stat.remediated} (SLA ${stat.slaHours} h, ${percent}%)`;
  return html`${name}
<rect x="${left}" y="${rowY + 2}" width="${(x(share) - left).toFixed(1)}" height="18" fill="${fill}"><title>${severity}: ${label}</title></rect>
<text x="${Math.max(x(share) + 6, labelX)}" y="${rowY + 15}">${share > cap ? '▶ ' : ''}${label}</text>`;
})}
</svg>`;
}
