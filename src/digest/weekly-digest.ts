/**
 * The weekly digest message. Pure: the same stats always give the same blocks, so the
 * posted digest, the dry run and the tests all see one rendering.
 */
import type { types } from '@slack/bolt';
import { limits, type Card } from '../slack/cards.js';
import { codeSpan, escapeMrkdwn, truncate } from '../slack/escape.js';
import { utcDate } from '../evidence/export/export-window.js';
import { actionableSeverities, type ActionableSeverity } from '../evidence/lifecycle.js';
import { expiringWithinMs, slaMs, type FindingRef, type WeekStats } from './digest-stats.js';
import { formatDuration, shortDate, weekdayAndTime } from './time.js';

type KnownBlock = types.KnownBlock;

/** Why the digest went out after its slot: said in the message so nobody wonders. */
export interface LateNote {
  scheduledAt: string;
  reason: 'not_running' | 'post_failed';
}

const severityName: Record<ActionableSeverity, string> = { sev1: 'Sev1', sev2: 'Sev2', sev3: 'Sev3' };
// With lists of five, these keep sections whole; section() cuts at Slack's limit as the backstop.
const resourceIdMax = 200;
const controlMax = 60;

const sum = (values: Record<ActionableSeverity, number>) => actionableSeverities.reduce((total, s) => total + values[s], 0);

/** "Sev1 2 · Sev3 1", leaving out zeros. */
function bySeverity(values: Record<ActionableSeverity, number>): string {
  return actionableSeverities
    .filter((s) => values[s] > 0)
    .map((s) => `${severityName[s]} ${values[s]}`)
    .join(' · ');
}

function withBreakdown(values: Record<ActionableSeverity, number>): string {
  const total = sum(values);
  return total ? `*${total}* (${bySeverity(values)})` : '*0*';
}

function describe(finding: FindingRef): string {
  const resource = codeSpan(truncate(finding.resourceId, resourceIdMax));
  return finding.control ? `${resource} (${escapeMrkdwn(truncate(finding.control, controlMax))})` : resource;
}

function section(title: string, lines: string[]): KnownBlock {
  return { type: 'section', text: { type: 'mrkdwn', text: truncate([`*${title}*`, ...lines].join('\n'), limits.sectionText) } };
}

function lateText(late: LateNote, timeZone: string): string {
  const slot = `${weekdayAndTime(new Date(late.scheduledAt), timeZone)} (${escapeMrkdwn(timeZone)})`;
  return late.reason === 'not_running'
    ? `:warning: posted late: the bot was not running on ${slot}`
    : `:warning: posted late: posting on ${slot} failed`;
}

function thisWeek(stats: WeekStats): string[] {
  const { automatically, afterApproval, atSource } = stats.fixed;
  return [
    `• New findings: ${withBreakdown(stats.detected)}`,
    `• Came back after being fixed: *${stats.recurred}*`,
    `• Fixed: *${automatically + afterApproval + atSource}*: ${automatically} automatically, ${afterApproval} after approval, ${atSource} resolved in Security Hub`,
    `• Exceptions granted: *${stats.excepted}*`,
    `• Escalated: *${stats.escalated}*`,
  ];
}

function openNow(stats: WeekStats): string[] {
  const asOf = Date.parse(stats.asOf);
  return actionableSeverities.map((s) => {
    const { count, oldest } = stats.open[s];
    if (!oldest) return `• ${severityName[s]}: 0`;
    return `• ${severityName[s]}: *${count}*, oldest ${describe(oldest)} first seen ${formatDuration(asOf - Date.parse(oldest.firstSeenAt))} ago`;
  });
}

function timeToFix(stats: WeekStats): string[] {
  return actionableSeverities.map((s) => {
    const { fixes, meanMs } = stats.mttr[s];
    const sla = formatDuration(slaMs(s));
    if (meanMs === null) return `• ${severityName[s]}: ${fixes ? `${fixes} fixed, time unknown` : 'nothing fixed'} (SLA ${sla})`;
    const verdict = meanMs <= slaMs(s) ? ':white_check_mark: within' : ':x: over';
    return `• ${severityName[s]}: ${fixes} fixed, mean ${formatDuration(meanMs)} ${verdict} the SLA of ${sla}`;
  });
}

function breaches(stats: WeekStats): string[] {
  const late = { sev1: stats.mttr.sev1.late, sev2: stats.mttr.sev2.late, sev3: stats.mttr.sev3.late };
  const asOf = Date.parse(stats.asOf);
  return [
    `• Fixed after the deadline this week: ${withBreakdown(late)}`,
    `• Open past the deadline now: ${withBreakdown(stats.overdue.count)}`,
    ...stats.overdue.worst.map(
      (f) => `    ◦ ${severityName[f.severity]} ${describe(f)} overdue by ${formatDuration(asOf - Date.parse(f.dueAt))}`,
    ),
  ];
}

function recurring(stats: WeekStats): string[] {
  const { resources, controls } = stats.recurring;
  if (resources.length === 0) return ['Nothing came back this week.'];
  return [
    ...resources.map((r) => {
      const times = `came back ${r.recurrences === 1 ? 'once' : `${r.recurrences} times`} (${r.thisWeek} this week)`;
      // Coming back again and again means something keeps re-creating it: a fix in AWS alone will not hold.
      const advice = r.recurrences >= 2 ? ': fix what keeps re-creating it (a deployment script or template)' : '';
      return `• ${describe(r)} ${times}${advice}`;
    }),
    `• By control: ${controls
      .map((c) => `${escapeMrkdwn(truncate(c.control ?? 'no control', controlMax))} ×${c.thisWeek} on ${c.resources} resource${c.resources === 1 ? '' : 's'}`)
      .join(' · ')}`,
  ];
}

function expiring(stats: WeekStats): string[] {
  const { total, soonest } = stats.expiringExceptions;
  if (total === 0) return ['None.'];
  const more = total - soonest.length;
  return [
    ...soonest.map((e) => `• ${describe(e)} expires ${shortDate(new Date(e.expiresAt), stats.timeZone)}`),
    ...(more > 0 ? [`• and ${more} more`] : []),
  ];
}

export function buildWeeklyDigest(stats: WeekStats, late: LateNote | null): Card {
  const lastDay = new Date(Date.parse(stats.end) - 1);
  const period = `${shortDate(new Date(stats.start), stats.timeZone)} to ${shortDate(lastDay, stats.timeZone)} (${escapeMrkdwn(stats.timeZone)})`;
  const blocks: KnownBlock[] = [
    { type: 'header', text: { type: 'plain_text', text: truncate(`SOC 2 weekly digest · ${stats.week}`, limits.headerText), emoji: false } },
    {
      type: 'context',
      elements: [{ type: 'mrkdwn', text: [period, ...(late ? [lateText(late, stats.timeZone)] : [])].join('\n') }],
    },
    section('This week', thisWeek(stats)),
    section('Open now', openNow(stats)),
    section('Time to fix against the SLA', timeToFix(stats)),
    section('SLA breaches', breaches(stats)),
    section('Keeps coming back', recurring(stats)),
    section(`Exceptions expiring within ${formatDuration(expiringWithinMs)}`, expiring(stats)),
    {
      type: 'context',
      // The CLI takes whole UTC days: these cover the local week (a little more outside UTC).
      elements: [
        {
          type: 'mrkdwn',
          text: `The week's evidence export is attached in this thread; to export it yourself: \`soc2-bot evidence export --from ${utcDate(new Date(stats.start))} --to ${utcDate(lastDay)} --format html --out week.html\``,
        },
      ],
    },
  ];
  const fixed = stats.fixed.automatically + stats.fixed.afterApproval + stats.fixed.atSource;
  const open = actionableSeverities.reduce((total, s) => total + stats.open[s].count, 0);
  const text = `SOC 2 weekly digest ${stats.week}: ${sum(stats.detected)} new, ${fixed} fixed, ${open} open, ${sum(stats.overdue.count)} overdue`;
  return { text, blocks };
}
