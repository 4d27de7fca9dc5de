import type { Finding } from '../domain/finding.js';

/** Where cards go: a resource's owner tag names a team, the team names a channel. */
export interface RoutingConfig {
  /** Channel for findings whose owner cannot be resolved. */
  fallbackChannel: string;
  /** Resource tag keys read for the owner, in order. */
  tagKeys: string[];
  /** Owner or team (tag value) -> Slack channel id. */
  owners: Record<string, string>;
  /** AWS account id -> Slack channel id, used when no tag resolves. */
  accounts: Record<string, string>;
}

export interface Route {
  channel: string;
  /** The owner or team the channel belongs to, null when unowned. */
  owner: string | null;
  via: 'tag' | 'account' | 'fallback';
}

export const defaultRouting: RoutingConfig = {
  fallbackChannel: '#soc2-findings',
  tagKeys: ['owner', 'team', 'Owner', 'Team'],
  owners: {},
  accounts: {},
};

export function resolveRoute(finding: Finding, routing: RoutingConfig): Route {
  for (const key of routing.tagKeys) {
    const owner = finding.resource.tags[key];
    if (owner === undefined) continue;
    // hasOwn: a tag value such as "constructor" must not find an Object.prototype member.
    const channel = Object.hasOwn(routing.owners, owner) ? routing.owners[owner] : undefined;
    if (channel !== undefined) return { channel, owner, via: 'tag' };
  }
  const accountChannel = Object.hasOwn(routing.accounts, finding.account) ? routing.accounts[finding.account] : undefined;
  if (accountChannel !== undefined) return { channel: accountChannel, owner: `account ${finding.account}`, via: 'account' };
  return { channel: routing.fallbackChannel, owner: null, via: 'fallback' };
}
