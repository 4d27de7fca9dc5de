import type { Policy } from '../config/policy.js';
import type { Finding } from '../domain/finding.js';
import { applyRules, winning } from '../triage/apply-rules.js';
import type { PolicyRule } from '../triage/rules.js';

/** Where cards go: a rule, a resource's owner tag or its account names a team, the team names a channel. */
export interface RoutingConfig {
  /** Channel for findings whose owner cannot be resolved. */
  fallbackChannel: string;
  /** Resource tag keys read for the owner, in order. */
  tagKeys: string[];
  /** Team (owner tag value) -> Slack channel id. */
  owners: Record<string, string>;
  /** AWS account id -> Slack channel id, used when no tag resolves. */
  accounts: Record<string, string>;
  /** AWS account id -> the team owning it, named as the route's owner so its approvers apply. Absent: none. */
  accountOwners?: Record<string, string>;
  /** Policy rules in order; the last matching one that sets owner or channel wins over tags and accounts. Absent: none. */
  rules?: readonly PolicyRule[];
}

export interface Route {
  channel: string;
  /** The team the finding belongs to, null when unowned. */
  owner: string | null;
  via: 'rule' | 'tag' | 'account' | 'fallback';
}

/** The routing part of a policy: teams' channels, accounts' teams and the rules that set owner or channel. */
export function routingFromPolicy(policy: Policy): RoutingConfig {
  const accounts: Record<string, string> = {};
  const accountOwners: Record<string, string> = {};
  for (const [account, entry] of Object.entries(policy.accounts)) {
    const channel = entry.channel ?? (entry.team !== undefined ? policy.teams[entry.team]?.channel : undefined);
    if (channel !== undefined) accounts[account] = channel;
    if (entry.team !== undefined) accountOwners[account] = entry.team;
  }
  return {
    fallbackChannel: policy.fallbackChannel,
    tagKeys: [...policy.tagKeys],
    owners: Object.fromEntries(Object.entries(policy.teams).map(([team, { channel }]) => [team, channel])),
    accounts,
    accountOwners,
    rules: policy.rules,
  };
}

export function resolveRoute(finding: Finding, routing: RoutingConfig): Route {
  return explainRoute(finding, routing).route;
}

/**
 * Owner first: a rule's owner, else the first owner tag naming a known team, else the
 * account's team. Channel: a rule's channel, else the owner's, else the fallback (unowned
 * when no owner was found). `why` says which step decided, for explanations.
 */
export function explainRoute(finding: Finding, routing: RoutingConfig): { route: Route; why: string } {
  const outcome = applyRules(finding, routing.rules ?? []);
  const ruleOwner = winning(outcome, 'owner');
  const owned = ruleOwner
    ? { owner: ruleOwner.value, channel: lookup(routing.owners, ruleOwner.value), via: 'rule' as const, why: `owner ${ruleOwner.value} by rule ${ruleOwner.rule.name}` }
    : ownerOf(finding, routing);
  const ruleChannel = winning(outcome, 'channel');
  if (ruleChannel !== undefined) {
    const why = `${owned.owner !== null ? `${owned.why}; ` : ''}channel ${ruleChannel.value} by rule ${ruleChannel.rule.name}`;
    return { route: { channel: ruleChannel.value, owner: owned.owner, via: 'rule' }, why };
  }
  if (owned.channel !== undefined) return { route: { channel: owned.channel, owner: owned.owner, via: owned.via }, why: owned.why };
  const why = owned.owner !== null ? `${owned.why}, which has no channel: fallback channel` : `${owned.why}: unowned, fallback channel`;
  return { route: { channel: routing.fallbackChannel, owner: owned.owner, via: 'fallback' }, why };
}

interface Owned {
  owner: string | null;
  channel: string | undefined;
  via: Route['via'];
  why: string;
}

function ownerOf(finding: Finding, routing: RoutingConfig): Owned {
  const unknown: string[] = [];
  for (const key of routing.tagKeys) {
    const owner = lookup(finding.resource.tags, key);
    if (owner === undefined) continue;
    const channel = lookup(routing.owners, owner);
    if (channel !== undefined) return { owner, channel, via: 'tag', why: `tag ${key}=${owner} names team ${owner}` };
    unknown.push(`tag ${key}=${owner} names no team`);
  }
  const noTag = unknown.length > 0 ? `${unknown.join(', ')}; ` : `no ${routing.tagKeys.join('/')} tag; `;
  const channel = lookup(routing.accounts, finding.account);
  const team = routing.accountOwners ? lookup(routing.accountOwners, finding.account) : undefined;
  if (team !== undefined) return { owner: team, channel, via: 'account', why: `${noTag}account ${finding.account} belongs to team ${team}` };
  if (channel !== undefined) return { owner: `account ${finding.account}`, channel, via: 'account', why: `${noTag}account ${finding.account} has its own channel` };
  return { owner: null, channel: undefined, via: 'fallback', why: `${noTag}no team for account ${finding.account}` };
}

/** hasOwn: a tag value such as "constructor" must not find an Object.prototype member. */
function lookup(table: Readonly<Record<string, string>>, key: string): string | undefined {
  return Object.hasOwn(table, key) ? table[key] : undefined;
}
