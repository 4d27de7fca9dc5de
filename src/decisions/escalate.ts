import type { Services } from '../app/services.js';
import type { Person } from '../domain/person.js';
import type { Severity } from '../domain/triage.js';
import { escapeMrkdwn, truncate } from '../slack/escape.js';
import { dueAt } from '../triage/triage.js';
import { deliverCardUpdate, queueCardUpdate } from '../remediate/approve-fix.js';
import { cardTarget } from './card-target.js';
import { currentCardState } from './card-state.js';
import type { DecisionReply } from './exception.js';

/** One step up; Sev1 stays Sev1 (escalating it pages the on-call group again). */
export function raiseSeverity(severity: Severity): Exclude<Severity, 'none'> {
  return severity === 'sev3' ? 'sev2' : 'sev1';
}

/**
 * Escalate: announce in the escalation channel with the on-call group mentioned,
 * raise the severity (the deadline can only move closer), link card and announcement
 * both ways, and record who escalated and why.
 */
export async function escalate(
  services: Services,
  ref: { findingId: string; channel: string; ts: string },
  by: Person,
  reason: string,
): Promise<DecisionReply> {
  const target = cardTarget(services, ref.findingId, ref.channel, ref.ts);
  if (target.kind !== 'found') return { told: 'This escalation does not match a card soc2-bot knows; nothing was done.' };
  const { tracked } = target;
  const from = tracked.triage.severity;
  const to = raiseSeverity(from);
  const now = services.clock.now();
  const raisedDue = dueAt(now.toISOString(), to);
  const due = tracked.triage.dueAt && tracked.triage.dueAt < raisedDue ? tracked.triage.dueAt : raisedDue;
  const escalationChannel = services.policy.escalation.channel ?? services.routing.fallbackChannel;
  const oncall = services.policy.escalation.oncallUsergroup;
  const cardLink = await services.slack.permalink(ref.channel, ref.ts);
  const title = `${tracked.finding.control ?? 'finding'}: ${tracked.finding.title}`;
  const text = truncate(
    [
      `${oncall ? `<!subteam^${oncall}> ` : ''}:rotating_light: *Escalated* by <@${by.id}>: ${escapeMrkdwn(title)}`,
      `Severity ${from} → ${to}${from === 'sev1' ? ' (already Sev1: paging again)' : ''}; due ${due}.`,
      `Why: ${escapeMrkdwn(reason)}`,
      `Card: ${cardLink}`,
    ].join('\n'),
    3000,
  );
  const announced = await services.slack.postText(escalationChannel, text);
  const at = now.toISOString();
  const cardKey = services.atomically(() => {
    services.findings.markEscalated(tracked.finding.id, to, due, { at, channel: announced.channel, ts: announced.ts });
    services.evidence.append('escalation.raised', tracked.finding.id, { type: 'slack_user', id: by.id, name: by.name }, {
      from,
      to,
      reason,
      channel: announced.channel,
      ts: announced.ts,
    });
    // The card keeps its current state; only the severity, deadline and escalation line change.
    const updated = services.findings.get(tracked.finding.id) ?? tracked;
    return queueCardUpdate(services, updated, currentCardState(services, updated));
  });
  await deliverCardUpdate(services, cardKey);
  // The note needs the announcement's permalink (a Slack call), so it follows the card through the outbox after commit.
  const announcementLink = await services.slack.permalink(announced.channel, announced.ts);
  await services.outbox.send({
    method: 'chat.postMessage',
    channel: ref.channel,
    threadTs: ref.ts,
    text: `Escalated by <@${by.id}> (${from} → ${to}): ${escapeMrkdwn(reason)}\n${announcementLink}`,
  });
  return { told: `Escalated to ${to}; the on-call group was notified in <#${announced.channel}>.` };
}
