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
    const channel = routing.owners[owner];
    if (channel !== undefined) return { channel, owner, via: 'tag' };
  }
  const accountChannel = routing.accounts[finding.account];
  if (accountChannel !== undefined) return { channel: accountChannel, owner: `account ${finding.account}`, via: 'account' };
  return { channel: routing.fallbackChannel, owner: null, via: 'fallback' };
}
