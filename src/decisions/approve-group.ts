import type { Services } from '../app/services.js';
import type { Person } from '../domain/person.js';
import type { CardGroup } from '../evidence/card-groups.js';
import type { Actor } from '../evidence/evidence-log.js';
import type { TrackedFinding } from '../evidence/findings-repo.js';
import { claimFound, runApprovedFix, type Claim } from '../remediate/approve-fix.js';
import { resolveRoute } from '../route/routing.js';
import { buildGroupCard, groupProgress, type GroupMember } from '../slack/group-card.js';
import { checkApprover, needsSecondApprover } from './approvers.js';
import { currentCardState } from './card-state.js';

export interface GroupClick {
  groupId: string;
  channel: string;
  messageTs: string;
  user: Person;
}

/** Fixes run a few at a time: 40 buckets should not wait on each other, nor hit AWS all at once. */
const fixConcurrency = 4;

type Found = { kind: 'found'; group: CardGroup; members: TrackedFinding[] } | { kind: 'refused'; told: string };

const slackUser = (user: Person): Actor => ({ type: 'slack_user', id: user.id, name: user.name });

/** The group named by the button, honoured only on the card it was posted as (a forged value names another). */
async function findGroup(services: Services, click: GroupClick, action: string): Promise<Found> {
  const group = services.groups.get(click.groupId);
  const ignored = async (outcome: string, told: string): Promise<Found> => {
    await services.atomicallySoon(() =>
      services.evidence.append('click.ignored', null, slackUser(click.user), { action, outcome, card: { channel: click.channel, ts: click.messageTs }, told }),
    );
    return { kind: 'refused', told };
  };
  if (!group) return ignored('unknown_group', 'soc2-bot does not know this group of findings (was the database reset?); nothing was done.');
  if (group.card.channel !== click.channel || group.card.ts !== click.messageTs) {
    services.log.warn({ groupId: click.groupId, channel: click.channel, ts: click.messageTs }, 'group click did not match the group card');
    return ignored('not_this_card', 'This button does not belong to the card it was clicked on; nothing was done.');
  }
  const members = services.groups.memberIds(group.id).flatMap((id) => services.findings.get(id) ?? []);
  return { kind: 'found', group, members };
}

/**
 * Approve all: the same approver rules as Approve, for every member's owner; then each member
 * is claimed on its own (exactly once, whoever else clicks) and each fix runs and is logged on
 * its own. The card shows progress when the fixes start and when they end.
 */
export async function approveGroup(services: Services, click: GroupClick): Promise<string> {
  const found = await findGroup(services, click, 'approve_group');
  if (found.kind === 'refused') return found.told;
  const { group, members } = found;
  const owners = [...new Set(members.map((m) => resolveRoute(m.finding, services.routing).owner))];
  for (const owner of owners) {
    const verdict = await checkApprover(click.user.id, services.policy, owner, (usergroup) => services.slack.usergroupMembers(usergroup));
    if (!verdict.allowed) {
      await services.atomicallySoon(() => {
        for (const member of members) {
          services.evidence.append('approval.refused', member.finding.id, slackUser(click.user), { action: 'approve_group', reason: `not an approver; approvers: ${verdict.who}` });
        }
      });
      return `You cannot approve these fixes. Approvers for them: ${verdict.who}.`;
    }
  }
  // Submitted together, the claims run back to back in one batch: one click takes every member still
  // waiting before any later click's claims run.
  const request = { user: click.user, channel: click.channel, messageTs: click.messageTs };
  const claims = await Promise.all(
    members.map((tracked) => claimFound(services, tracked, { ...request, findingId: tracked.finding.id }, needsSecondApprover(services.policy, tracked))),
  );
  const claimed = claims.filter((c): c is Extract<Claim, { kind: 'claimed' }> => c.kind === 'claimed');
  const firstOfTwo = claims.filter((c) => c.kind === 'first_of_two').length;
  const skipped = members.length - claimed.length - firstOfTwo;
  if (claimed.length === 0 && firstOfTwo === 0) {
    const last = claims.find((c): c is Extract<Claim, { kind: 'already_handled' }> => c.kind === 'already_handled' && c.by !== null);
    const told = `Nothing to do: all ${members.length} findings on this card were already handled${last?.by ? `; <@${last.by.id}> approved them${last.at ? ` at ${last.at}` : ''}` : ''}.`;
    await services.atomicallySoon(() =>
      services.evidence.append('click.ignored', null, slackUser(click.user), { action: 'approve_group', outcome: 'already_handled', card: group.card, told }),
    );
    return told;
  }
  await refreshGroupCard(services, group);
  let changed = 0;
  const queue = [...claimed];
  const worker = async () => {
    for (let claim = queue.shift(); claim; claim = queue.shift()) {
      await runApprovedFix(services, claim, click.user);
      // Back to open: the resource changed since the card was posted, so the shown change is stale.
      if (services.findings.get(claim.tracked.finding.id)?.status === 'open') {
        services.groups.leave(claim.tracked.finding.id);
        changed += 1;
      }
    }
  };
  await Promise.all(Array.from({ length: Math.min(fixConcurrency, claimed.length) }, worker));
  const after = await refreshGroupCard(services, group);
  const parts = [`You approved ${claimed.length + firstOfTwo} of ${members.length}.`];
  if (claimed.length) parts.push(`${after.fixedNow} fixed, ${after.failedNow} failed (see the card).`);
  if (firstOfTwo) parts.push(`${firstOfTwo} need a second, different approver.`);
  if (changed) parts.push(`${changed} changed since the card was posted and were not touched; each gets a card of its own showing the new change.`);
  if (skipped) parts.push(`${skipped} were already handled and were skipped.`);
  return parts.join(' ');
}

/** "One card each": every member still waiting for a decision gets its own card (Exception, Escalate) at the next delivery. */
export async function splitGroup(services: Services, click: GroupClick): Promise<string> {
  const found = await findGroup(services, click, 'split_group');
  if (found.kind === 'refused') return found.told;
  const released = services.atomically(() => services.groups.split(found.group.id, services.clock.now().toISOString()));
  if (released === false) return 'This card was already split; each remaining resource has or gets a card of its own.';
  await refreshGroupCard(services, { ...found.group, splitAt: services.clock.now().toISOString() });
  return `${released.length} resources get cards of their own within a minute; the others stay on this card.`;
}

/** Redraws the group card from its members' state and evidence; returns the counts it showed. */
async function refreshGroupCard(services: Services, group: CardGroup): Promise<{ fixedNow: number; failedNow: number }> {
  const members: GroupMember[] = [];
  const onCard = new Set(services.groups.memberIds(group.id));
  let approval: { by: Person; at: string; seq: number } | null = null;
  for (const id of services.groups.everMemberIds(group.id)) {
    const tracked = services.findings.get(id);
    if (!tracked) continue;
    const state = currentCardState(services, tracked);
    members.push({ tracked, failure: state.kind === 'fix_failed' ? state.error : null, ownCard: !onCard.has(id) });
    const approved = services.evidence
      .forFinding(id)
      .filter((e) => e.kind === 'decision.approved')
      .at(-1);
    if (approved && (!approval || approved.seq > approval.seq)) approval = { by: { id: approved.actor.id, name: approved.actor.name }, at: approved.at, seq: approved.seq };
  }
  const progress = groupProgress(members);
  const counts = { fixedNow: progress.fixed, failedNow: progress.failed.length };
  if (members.length === 0) return counts;
  const split = group.splitAt ? { at: group.splitAt } : null;
  const card = buildGroupCard({ id: group.id, remediation: group.remediation, diff: group.diff, members, approved: approval, split });
  const { channel, ts } = group.card;
  // Through the outbox like a finding's card: Slack being down delays the redraw, never loses it.
  await services.outbox.send({
    method: 'chat.update',
    channel,
    ts,
    card,
    evidence: {
      kind: 'group_card.updated',
      findingId: null,
      data: { groupId: group.id, channel, ts, members: progress.total - progress.ownCards, fixed: progress.fixed, fixing: progress.fixing, failed: progress.failed.length },
    },
  });
  return counts;
}
