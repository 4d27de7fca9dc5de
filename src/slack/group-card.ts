import type { types } from '@slack/bolt';
import type { Person } from '../domain/person.js';
import type { Severity } from '../domain/triage.js';
import type { TrackedFinding } from '../evidence/findings-repo.js';
import { actionIds, diffSection, limits, mention, severityText, slackDate, type Card } from './cards.js';
import { codeSpan, escapeMrkdwn, truncate } from './escape.js';

type KnownBlock = types.KnownBlock;

/** A finding on a group card, with why its fix failed when it did. */
export interface GroupMember {
  tracked: TrackedFinding;
  failure: string | null;
  /** "One card each" moved it to a card of its own; this card no longer decides for it. */
  ownCard: boolean;
}

export interface GroupCardInput {
  id: string;
  remediation: string;
  /** The one change each member gets. */
  diff: string;
  members: readonly GroupMember[];
  /** The last "Approve all", once someone clicked it. */
  approved: { by: Person; at: string } | null;
  /** When "One card each" was clicked. */
  split: { at: string } | null;
}

export interface GroupProgress {
  total: number;
  fixed: number;
  fixing: number;
  awaitingSecond: number;
  /** Still waiting for a first approval. */
  open: number;
  failed: { resource: string; reason: string }[];
  /** Closed without a fix by the bot: resolved in Security Hub, excepted. */
  closed: number;
  ownCards: number;
}

/** Where each member stands; the card's progress line and buttons follow from it. */
export function groupProgress(members: readonly GroupMember[]): GroupProgress {
  const progress: GroupProgress = { total: members.length, fixed: 0, fixing: 0, awaitingSecond: 0, open: 0, failed: [], closed: 0, ownCards: 0 };
  for (const { tracked, failure, ownCard } of members) {
    if (ownCard) {
      progress.ownCards += 1;
      continue;
    }
    switch (tracked.status) {
      case 'fixed':
        progress.fixed += 1;
        break;
      case 'fixing':
        progress.fixing += 1;
        break;
      case 'awaiting_second':
        progress.awaitingSecond += 1;
        break;
      case 'open':
        progress.open += 1;
        break;
      case 'fix_failed':
        progress.failed.push({ resource: tracked.finding.resource.id, reason: failure ?? 'the fix failed' });
        break;
      default:
        progress.closed += 1;
    }
  }
  return progress;
}

/** "12 of 40 fixed, 1 failed: <reason>"; null before anyone approved anything. */
export function progressText(progress: GroupProgress): string | null {
  if (progress.open === progress.total) return null;
  const parts = [`*${progress.fixed} of ${progress.total} fixed*`];
  if (progress.fixing) parts.push(`${progress.fixing} being fixed`);
  if (progress.awaitingSecond) parts.push(`${progress.awaitingSecond} waiting for a second approver`);
  if (progress.closed) parts.push(`${progress.closed} closed otherwise`);
  if (progress.ownCards) parts.push(`${progress.ownCards} moved to cards of their own`);
  if (progress.open) parts.push(`${progress.open} not approved yet`);
  const [first, ...more] = progress.failed;
  if (first) {
    parts.push(`${progress.failed.length} failed: ${codeSpan(first.resource)}: ${escapeMrkdwn(first.reason)}${more.length ? ` (and ${more.length} more; each finding's evidence has its reason)` : ''}`);
  }
  return parts.join(', ');
}

const statusMark: Partial<Record<TrackedFinding['status'], string>> = {
  fixed: ':white_check_mark: ',
  fixing: ':hourglass_flowing_sand: ',
  fix_failed: ':x: ',
  awaiting_second: ':eyes: ',
  resolved_at_source: ':white_check_mark: ',
};

/** One line per resource, cut with "+N more" so the section stays within Slack's limit. */
function resourceList(members: readonly GroupMember[]): string {
  const label = `*Resources* (${members.length})`;
  const lines: string[] = [];
  let length = label.length;
  // Room kept for the "+N more" line.
  const room = limits.sectionText - 40;
  for (const [index, { tracked, ownCard }] of members.entries()) {
    const line = `\n• ${ownCard ? ':scissors: ' : (statusMark[tracked.status] ?? '')}${codeSpan(tracked.finding.resource.id)}`;
    if (length + line.length > room) {
      lines.push(`\n… +${members.length - index} more`);
      break;
    }
    lines.push(line);
    length += line.length;
  }
  return label + lines.join('');
}

const severityOrder: Severity[] = ['sev1', 'sev2', 'sev3', 'none'];

/**
 * One card for many findings of one root cause (same account, fix and change). Pure.
 * Approve all claims and fixes each member on its own. Exception and Escalate are decisions
 * about one resource, so the group card does not offer them: "One card each" gives every
 * member still waiting a card of its own, with those buttons.
 */
export function buildGroupCard(input: GroupCardInput): Card {
  const first = input.members[0]?.tracked;
  if (!first) throw new Error(`group ${input.id} has no members to show`);
  const { finding } = first;
  const control = finding.control ?? 'no control id';
  const title = finding.title.startsWith(control) ? finding.title : `${control}: ${finding.title}`;
  const count = input.members.length;
  const severity = severityOrder.find((s) => input.members.some((m) => m.tracked.triage.severity === s)) ?? 'none';
  const dues = input.members.map((m) => m.tracked.triage.dueAt).filter((d): d is string => d !== null).sort();
  const tsc = [...new Set(input.members.flatMap((m) => m.tracked.triage.tsc))].sort();
  const progress = groupProgress(input.members);
  const blocks: KnownBlock[] = [
    { type: 'header', text: { type: 'plain_text', text: truncate(`${title} (${count} resources)`, limits.headerText), emoji: false } },
    {
      type: 'section',
      fields: [
        { type: 'mrkdwn', text: `*Severity*\n${severityText[severity]}` },
        { type: 'mrkdwn', text: `*Due*\n${dues[0] ? `${slackDate(dues[0])} (earliest)` : 'no deadline'}` },
        { type: 'mrkdwn', text: `*Account*\n${codeSpan(finding.account)}` },
        { type: 'mrkdwn', text: `*Control*\n${escapeMrkdwn(control)} · SOC 2 ${tsc.length ? tsc.join(', ') : 'criteria not mapped'}` },
      ],
    },
    { type: 'section', text: { type: 'mrkdwn', text: resourceList(input.members) } },
    diffSection(`*Fix* (${escapeMrkdwn(input.remediation)}): exact change, for example on ${codeSpan(finding.resource.id)}`, input.diff),
    {
      type: 'section',
      text: {
        type: 'mrkdwn',
        text: `Each of the ${count} resources gets this same change; each fix is planned against the live resource, applied, verified and logged on its own. Exception or Escalate is decided per resource: *One card each* gives every resource still waiting a card of its own.`,
      },
    },
  ];
  const said = [
    input.approved ? `Approved by ${mention(input.approved.by)} ${slackDate(input.approved.at)}.` : null,
    progressText(progress),
    input.split ? `:scissors: Split ${slackDate(input.split.at)}: the resources still waiting then have cards of their own.` : null,
  ].filter((line): line is string => line !== null);
  if (said.length) blocks.push({ type: 'section', text: { type: 'mrkdwn', text: truncate(said.join('\n'), limits.sectionText) } });
  const buttons = groupButtons(input.id, progress, input.split !== null);
  if (buttons.length) blocks.push({ type: 'actions', block_id: 'soc2_group_decision', elements: buttons });
  blocks.push({
    type: 'context',
    elements: [{ type: 'mrkdwn', text: truncate(`${escapeMrkdwn(first.triage.reason)} · mode ${first.triage.mode} · group ${codeSpan(input.id)}`, limits.fieldText) }],
  });
  const text = escapeMrkdwn(`${severity.toUpperCase()} ${title} on ${count} resources in ${finding.account}`);
  return { text: truncate(text, limits.fieldText), blocks };
}

function groupButtons(id: string, progress: GroupProgress, split: boolean): types.Button[] {
  const waiting = progress.open + progress.failed.length;
  const onCard = progress.total - progress.ownCards;
  const button = (actionId: string, text: string, style?: 'primary'): types.Button => ({
    type: 'button',
    action_id: actionId,
    text: { type: 'plain_text', text },
    value: id,
    ...(style ? { style } : {}),
  });
  const approveLabel =
    waiting === onCard
      ? `Approve all ${onCard}`
      : waiting > 0
        ? `Approve remaining ${waiting}`
        : `Approve all ${progress.awaitingSecond} (2 of 2)`;
  return [
    ...(waiting + progress.awaitingSecond > 0 ? [button(actionIds.approveGroup, approveLabel, 'primary')] : []),
    ...(!split && waiting > 0 ? [button(actionIds.splitGroup, 'One card each')] : []),
  ];
}
