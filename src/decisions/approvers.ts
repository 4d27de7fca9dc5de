import type { ApproverSet, Policy } from '../config/policy.js';
import type { TrackedFinding } from '../evidence/findings-repo.js';

export type MembersOf = (usergroup: string) => Promise<string[]>;

export interface ApproverVerdict {
  allowed: boolean;
  /** Who may approve, as mrkdwn mentions: told to a refused clicker. */
  who: string;
}

/** The approver sets that apply to a finding: its owning team's, plus security's. */
export function approverSets(policy: Policy, owner: string | null): ApproverSet[] {
  const team = owner !== null && Object.hasOwn(policy.teams, owner) ? policy.teams[owner]?.approvers : undefined;
  return [team, policy.approvals?.security].filter((set): set is ApproverSet => set !== undefined);
}

/** Whether the policy restricts approval at all: an `approvals` section or any team's approvers. */
export function approvalsConfigured(policy: Policy): boolean {
  return policy.approvals !== undefined || Object.values(policy.teams).some((team) => team.approvers !== undefined);
}

function describe(sets: ApproverSet[]): string {
  const names = sets.flatMap((set) => [
    ...(set.usergroup ? [`<!subteam^${set.usergroup}>`] : []),
    ...set.users.map((u) => `<@${u}>`),
  ]);
  return names.length ? names.join(', ') : 'nobody (the policy names no approvers for this team)';
}

/**
 * Without approvers in the policy anyone who can see the card may approve (say so in
 * the README); with them, only the owning team's approvers and security may.
 */
export async function checkApprover(user: string, policy: Policy, owner: string | null, membersOf: MembersOf): Promise<ApproverVerdict> {
  if (!approvalsConfigured(policy)) return { allowed: true, who: 'anyone in the channel' };
  const sets = approverSets(policy, owner);
  return { allowed: await inAnySet(user, sets, membersOf), who: describe(sets) };
}

/**
 * Audit evidence leaves the bot only for security's approvers (`approvals.security`);
 * unlike approving a fix, nobody may export when the policy names none.
 */
export async function checkSecurityApprover(user: string, policy: Policy, membersOf: MembersOf): Promise<ApproverVerdict> {
  const security = policy.approvals?.security;
  if (!security) return { allowed: false, who: 'nobody: the policy names no security approvers (approvals.security)' };
  return { allowed: await inAnySet(user, [security], membersOf), who: describe([security]) };
}

async function inAnySet(user: string, sets: readonly ApproverSet[], membersOf: MembersOf): Promise<boolean> {
  for (const set of sets) {
    if (set.users.includes(user)) return true;
    if (set.usergroup && (await membersOf(set.usergroup)).includes(user)) return true;
  }
  return false;
}

/** Whose findings a person decides: every team's, or those of the teams naming them as approvers. */
export type ApproverScope = { everyTeam: true } | { everyTeam: false; teams: ReadonlySet<string> };

/**
 * The teams `user` approves for, by the rule `checkApprover` applies per finding: security, and
 * everyone when the policy names no approvers, decide for every team.
 */
export async function approverScope(user: string, policy: Policy, membersOf: MembersOf): Promise<ApproverScope> {
  const security = policy.approvals?.security;
  if (!approvalsConfigured(policy) || (security && (await inAnySet(user, [security], membersOf)))) return { everyTeam: true };
  const teams = new Set<string>();
  for (const [team, { approvers }] of Object.entries(policy.teams)) {
    if (approvers && (await inAnySet(user, [approvers], membersOf))) teams.add(team);
  }
  return { everyTeam: false, teams };
}

/** Four-eyes: the policy asks two different people to approve this finding's fix. */
export function needsSecondApprover(policy: Policy, tracked: TrackedFinding): boolean {
  const fourEyes = policy.approvals?.fourEyes;
  if (!fourEyes) return false;
  const severity = tracked.triage.severity;
  return (severity !== 'none' && fourEyes.severities.includes(severity)) || fourEyes.accounts.includes(tracked.finding.account);
}
