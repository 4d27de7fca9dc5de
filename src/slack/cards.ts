import type { types } from '@slack/bolt';
import type { TrackedFinding } from '../evidence/findings-repo.js';
import { autopilot, type Person } from '../domain/person.js';
import type { ManualGuidance } from '../remediate/remediation.js';
import type { Severity } from '../domain/triage.js';
import { codeSpan, escapeMrkdwn, truncate } from './escape.js';

type KnownBlock = types.KnownBlock;

export const actionIds = {
  approve: 'soc2_approve',
  exception: 'soc2_exception',
  grantException: 'soc2_exception_grant',
  markDone: 'soc2_mark_done',
  undo: 'soc2_undo',
  escalate: 'soc2_escalate',
  /** Group card: the button's value is the group id, not a finding id. */
  approveGroup: 'soc2_approve_group',
  splitGroup: 'soc2_group_split',
} as const;

/** Block Kit limits a card must respect (Slack rejects the message otherwise). */
export const limits = { headerText: 150, sectionText: 3000, fieldText: 2000, buttonValue: 2000, blocks: 50 } as const;

/** What the card says about the fix, if anything happened yet. */
export type CardState =
  | {
      kind: 'open';
      diff: string | null;
      planError: string | null;
      manualOnly?: string | null;
      guidance?: ManualGuidance | null;
      autopilotHeld?: string | null;
      /** A recurrence: "Third time in 30 days". */
      recurrence?: string | null;
    }
  | { kind: 'awaiting_second'; by: Person; at: string; diff: string | null }
  | { kind: 'fixing'; by: Person; at: string; diff: string }
  | { kind: 'fixed'; by: Person; at: string; diff: string; verification: string; undoable: boolean }
  | { kind: 'undone'; by: Person; at: string; diff: string | null }
  | { kind: 'already_compliant'; by: Person; at: string; diff: string }
  | { kind: 'fix_failed'; by: Person; at: string; diff: string | null; error: string }
  | { kind: 'exception_requested'; by: Person; at: string; diff: string | null; exception: ExceptionFacts; approver: string | null }
  | { kind: 'excepted'; by: Person; at: string; diff: string | null; exception: ExceptionFacts; grantedBy: Person }
  | { kind: 'exception_expired'; at: string; diff: string | null; stillFailing: boolean }
  | { kind: 'resolved_at_source'; at: string; diff: string | null };

export interface ExceptionFacts {
  justification: string;
  expiresAt: string;
  compensatingControl: string | null;
}

export interface Card {
  /** Notification and accessibility fallback. */
  text: string;
  blocks: KnownBlock[];
}

export const severityText: Record<Severity, string> = {
  sev1: ':red_circle: Sev1 · active exposure',
  sev2: ':large_orange_circle: Sev2 · control gap',
  sev3: ':large_yellow_circle: Sev3 · drift',
  none: ':white_circle: no action needed',
};

const slaText: Record<Severity, string> = {
  sev1: 'fix within 24 h',
  sev2: 'fix within one sprint',
  sev3: 'fix within the quarter',
  none: 'no deadline',
};

/** A Slack date token renders in each reader's time zone; the fallback is UTC. */
export function slackDate(iso: string): string {
  const seconds = Math.floor(Date.parse(iso) / 1000);
  const fallback = `${new Date(iso).toISOString().slice(0, 16).replace('T', ' ')} UTC`;
  return `<!date^${seconds}^{date_short_pretty} {time}|${fallback}>`;
}

export function mention(person: Person): string {
  return /^[UW][A-Z0-9]+$/.test(person.id) ? `<@${person.id}>` : escapeMrkdwn(person.name ?? person.id);
}

const diffNote = '\n… diff cut to fit in Slack; the full diff is kept in the evidence';

/** A diff in a code block, cut (with a note) so the section stays within Slack's limit. */
export function diffSection(label: string, diff: string): KnownBlock {
  const frame = `${label}\n\`\`\`\n\n\`\`\``;
  const room = limits.sectionText - frame.length;
  const body = diff.length <= room ? diff : diff.slice(0, room - diffNote.length).replace(/\n[^\n]*$/, '') + diffNote;
  return { type: 'section', text: { type: 'mrkdwn', text: `${label}\n\`\`\`\n${body.replace(/```/g, 'ˋˋˋ')}\n\`\`\`` } };
}

/** What a person must do for a control the bot may not fix itself. */
function guidanceSection(guidance: ManualGuidance): KnownBlock {
  const steps = guidance.steps.map((step, i) => `${i + 1}. ${escapeMrkdwn(step)}`).join('\n');
  const text = `*What a person must do* (${escapeMrkdwn(guidance.why)})\n${steps}\n_When done, click *Mark done*: the bot re-checks._`;
  return { type: 'section', text: { type: 'mrkdwn', text: truncate(text, limits.sectionText) } };
}

function exceptionText(exception: ExceptionFacts): string {
  const lines = [`> ${escapeMrkdwn(exception.justification).replace(/\n/g, '\n> ')}`];
  if (exception.compensatingControl) lines.push(`Compensating control: ${escapeMrkdwn(exception.compensatingControl)}`);
  return lines.join('\n');
}

function outcome(state: CardState): string | null {
  switch (state.kind) {
    case 'open':
      return null;
    case 'awaiting_second':
      return `:eyes: *1 of 2 approvals.* ${mention(state.by)} approved ${slackDate(state.at)}; a second, different approver must approve before the fix runs.`;
    case 'fixing':
      return `:hourglass_flowing_sand: Fix approved by ${mention(state.by)} ${slackDate(state.at)}; applying now.`;
    case 'fixed':
      return state.by.id === autopilot.id
        ? `:robot_face: *Fixed automatically* ${slackDate(state.at)} (autopilot: fix first, tell afterwards). Verified: ${escapeMrkdwn(state.verification)}.${state.undoable ? ' Undo restores the previous state.' : ''}`
        : `:white_check_mark: *Fixed.* Approved by ${mention(state.by)} ${slackDate(state.at)}. Verified: ${escapeMrkdwn(state.verification)}.`;
    case 'undone':
      return `:leftwards_arrow_with_hook: *Undone* by ${mention(state.by)} ${slackDate(state.at)}: the previous state was restored and the finding is open again.`;
    case 'already_compliant':
      return `:white_check_mark: *Already compliant* when ${mention(state.by)} approved ${slackDate(state.at)}: nothing was changed.`;
    case 'fix_failed':
      return `:x: *Fix failed* after ${mention(state.by)} approved ${slackDate(state.at)}: ${escapeMrkdwn(state.error)}\nThe finding stays open.`;
    case 'exception_requested':
      return `:hourglass: *Exception requested* by ${mention(state.by)} ${slackDate(state.at)} until ${slackDate(state.exception.expiresAt)}${state.approver ? `; waiting for <@${state.approver}> to grant it` : '; waiting for an approver to grant it'}.\n${exceptionText(state.exception)}`;
    case 'excepted':
      return `:shield: *Exception granted* by ${mention(state.grantedBy)} ${slackDate(state.at)}, requested by ${mention(state.by)}; expires ${slackDate(state.exception.expiresAt)}.\n${exceptionText(state.exception)}`;
    case 'exception_expired':
      return state.stillFailing
        ? `:warning: *Exception expired* ${slackDate(state.at)} and the finding still fails: a fresh card was posted.`
        : `:white_check_mark: *Exception expired* ${slackDate(state.at)}; Security Hub now reports the control passing: closed.`;
    case 'resolved_at_source':
      return `:white_check_mark: *Resolved in Security Hub* ${slackDate(state.at)}: it passed or was archived at the source.`;
  }
}

/** The interactive card for one finding. Pure: the same input always gives the same blocks. */
export function buildFindingCard(tracked: TrackedFinding, state: CardState): Card {
  const { finding, triage } = tracked;
  const control = finding.control ?? 'no control id';
  // Older findings already start their title with the control id.
  const title = finding.title.startsWith(control) ? finding.title : `${control}: ${finding.title}`;
  const blocks: KnownBlock[] = [
    { type: 'header', text: { type: 'plain_text', text: truncate(title, limits.headerText), emoji: false } },
    {
      type: 'section',
      fields: [
        { type: 'mrkdwn', text: `*Severity*\n${severityText[triage.severity]}` },
        {
          type: 'mrkdwn',
          text: `*Due*\n${triage.dueAt ? `${slackDate(triage.dueAt)} (${slaText[triage.severity]})` : slaText[triage.severity]}`,
        },
        { type: 'mrkdwn', text: `*Account*\n${codeSpan(finding.account)}` },
        { type: 'mrkdwn', text: `*Region*\n${codeSpan(finding.region)}` },
        {
          type: 'mrkdwn',
          text: truncate(`*Resource*\n${escapeMrkdwn(finding.resource.type)} ${codeSpan(finding.resource.id)}`, limits.fieldText),
        },
        {
          type: 'mrkdwn',
          text: `*Control*\n${escapeMrkdwn(control)} · SOC 2 ${triage.tsc.length ? triage.tsc.join(', ') : 'criteria not mapped'}`,
        },
      ],
    },
  ];
  if (state.kind === 'open' && state.recurrence) {
    blocks.push({
      type: 'section',
      text: { type: 'mrkdwn', text: `:repeat: *${state.recurrence}*: this passed (or was fixed) and fails again.` },
    });
  }
  const diff = state.diff;
  if (diff) {
    blocks.push(diffSection(`*Fix* (${escapeMrkdwn(triage.remediation ?? 'manual')}): exact change`, diff));
  } else if (state.kind === 'open' && state.planError) {
    blocks.push({
      type: 'section',
      text: { type: 'mrkdwn', text: truncate(`*Fix*: could not read the current state: ${escapeMrkdwn(state.planError)}`, limits.sectionText) },
    });
  } else if (state.kind === 'open' && state.guidance) {
    blocks.push(guidanceSection(state.guidance));
  } else if (!triage.remediation) {
    blocks.push({
      type: 'section',
      text: { type: 'mrkdwn', text: '*Fix*: no automatic fix for this control yet; fix it by hand, or use Exception or Escalate.' },
    });
  }
  if (state.kind === 'open' && state.autopilotHeld) {
    blocks.push({
      type: 'section',
      text: { type: 'mrkdwn', text: truncate(`:double_vertical_bar: *Not fixed automatically:* ${escapeMrkdwn(state.autopilotHeld)}. Approve to apply it.`, limits.sectionText) },
    });
  }
  if (state.kind === 'open' && state.manualOnly) {
    blocks.push({
      type: 'section',
      text: { type: 'mrkdwn', text: truncate(`:raised_hand: *Needs a person:* ${escapeMrkdwn(state.manualOnly)}`, limits.sectionText) },
    });
  }
  const said = outcome(state);
  if (said) blocks.push({ type: 'section', text: { type: 'mrkdwn', text: truncate(said, limits.sectionText) } });
  const buttons = buttonsFor(tracked, state);
  if (buttons.length > 0) blocks.push({ type: 'actions', block_id: 'soc2_decision', elements: buttons });
  if (tracked.escalation) {
    blocks.push({
      type: 'context',
      elements: [{ type: 'mrkdwn', text: `:rotating_light: Escalated ${slackDate(tracked.escalation.at)}: see <#${tracked.escalation.channel}>` }],
    });
  }
  blocks.push({
    type: 'context',
    elements: [
      {
        type: 'mrkdwn',
        text: truncate(
          `${escapeMrkdwn(triage.reason)} · mode ${triage.mode}${tracked.recurrences ? ` · recurred ${tracked.recurrences}×` : ''} · ${escapeMrkdwn(finding.productName)} finding ${codeSpan(finding.id)}`,
          limits.fieldText,
        ),
      },
    ],
  });
  const text = escapeMrkdwn(`${triage.severity.toUpperCase()} ${title} on ${finding.resource.id}`);
  return { text: truncate(text, limits.fieldText), blocks };
}

/** Only the buttons that still make sense in this state. */
function buttonsFor(tracked: TrackedFinding, state: CardState): types.Button[] {
  const value = tracked.finding.id;
  if (value.length > limits.buttonValue) throw new Error(`finding id longer than ${limits.buttonValue} characters`);
  const button = (actionId: string, text: string, style?: 'primary' | 'danger'): types.Button => ({
    type: 'button',
    action_id: actionId,
    text: { type: 'plain_text', text },
    value,
    ...(style ? { style } : {}),
  });
  const escalate = button(actionIds.escalate, 'Escalate', 'danger');
  const approveLabel = { open: 'Approve fix', fix_failed: 'Retry fix', awaiting_second: 'Approve (2 of 2)' } as const;
  switch (state.kind) {
    case 'open':
    case 'fix_failed':
    case 'awaiting_second':
      return [
        ...(state.kind === 'open' && state.guidance ? [button(actionIds.markDone, 'Mark done', 'primary')] : []),
        ...(tracked.triage.remediation && !(state.kind === 'open' && state.manualOnly)
          ? [button(actionIds.approve, approveLabel[state.kind], 'primary')]
          : []),
        button(actionIds.exception, 'Exception'),
        escalate,
      ];
    case 'exception_requested':
      return [button(actionIds.grantException, 'Grant exception', 'primary'), escalate];
    case 'excepted':
      return [escalate];
    case 'fixed':
      return state.undoable ? [button(actionIds.undo, 'Undo')] : [];
    case 'undone':
      return [
        ...(tracked.triage.remediation ? [button(actionIds.approve, 'Approve fix', 'primary')] : []),
        button(actionIds.exception, 'Exception'),
        escalate,
      ];
    default:
      return [];
  }
}
