/**
 * The demo's summary of the cards a poll posted: for each, the fix, where it stands and
 * the change it proposed, read back from the evidence log the bot wrote.
 */
import { z } from 'zod';
import type { Bot } from '../app/bot.js';
import { formatTable } from '../cli/text-table.js';
import type { Finding } from '../domain/finding.js';

const cardDiff = z.object({ diff: z.string().nullable(), planError: z.string().nullable() });
const plannedDiff = z.object({ diff: z.string() });
const STATUS_WORDS: Partial<Record<string, string>> = { open: 'awaiting approval' };

/** One row per card: its fix, where that fix stands, and the change it showed (or made, on autopilot). */
export function proposalTable(bot: Bot, findings: readonly Finding[]): string[] {
  const rows = findings.map((finding) => {
    const tracked = bot.services.findings.get(finding.id);
    const events = bot.services.evidence.forFinding(finding.id);
    const posted = cardDiff.safeParse(events.find((e) => e.kind === 'card.posted')?.data);
    // An autopilot card is posted before its fix, so its change is in the plan the fix recorded.
    const planned = plannedDiff.safeParse(events.find((e) => e.kind === 'fix.planned')?.data);
    const diff = (posted.success ? posted.data.diff : null) ?? (planned.success ? planned.data.diff : null);
    const planError = posted.success ? posted.data.planError : null;
    const autopilot = tracked?.triage.mode === 'autopilot';
    const status = tracked ? (STATUS_WORDS[tracked.status] ?? tracked.status.replace(/_/g, ' ')) : 'unknown';
    return [
      finding.control ?? '-',
      shortResource(finding.resource.id),
      tracked?.triage.mode ?? '-',
      autopilot && status === 'fixed' ? 'fixed automatically' : status,
      diff ? summarizeDiff(diff) : `could not plan: ${planError ?? 'no diff'}`,
    ];
  });
  return formatTable(['CONTROL', 'RESOURCE', 'MODE', 'NOW', 'PROPOSED CHANGE'], rows);
}

/** `arn:aws:s3:::b` as s3://b, other ARNs without their partition, service, Region and account. */
export function shortResource(id: string): string {
  const arn = /^arn:[^:]+:([^:]+):[^:]*:[^:]*:(.+)$/.exec(id);
  if (!arn?.[2]) return id;
  return arn[1] === 's3' ? `s3://${arn[2]}` : arn[2];
}

/**
 * A card's diff on one line: settings that change as "name: before → after" (those that
 * change alike share one entry), list lines as "remove …" / "add …".
 */
function summarizeDiff(diff: string): string {
  const before = new Map<string, string>();
  const after = new Map<string, string>();
  for (const line of diff.split('\n')) {
    const change = /^([-+]) (.+)$/.exec(line);
    if (!change?.[1] || !change[2]) continue;
    const text = change[2];
    const cut = text.lastIndexOf(': ');
    const [name, value] = cut < 0 ? [text, ''] : [text.slice(0, cut), text.slice(cut + 2)];
    (change[1] === '-' ? before : after).set(name, value);
  }
  const alike = new Map<string, string[]>();
  const parts: string[] = [];
  for (const name of new Set([...before.keys(), ...after.keys()])) {
    const [was, becomes] = [before.get(name), after.get(name)];
    if (was !== undefined && becomes !== undefined) alike.set(`${was} → ${becomes}`, [...(alike.get(`${was} → ${becomes}`) ?? []), name]);
    else parts.push(was !== undefined ? `remove ${name}` : `add ${name}`);
  }
  return [...[...alike.entries()].map(([change, names]) => `${names.join(', ')}: ${change}`), ...parts].join('; ');
}
