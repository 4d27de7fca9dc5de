import type { Policy } from '../config/policy.js';
import type { Clock } from '../domain/clock.js';
import type { EvidenceLog } from '../evidence/evidence-log.js';
import type { EvidenceExports } from '../evidence/export/export-file.js';
import type { CardGroups } from '../evidence/card-groups.js';
import type { FindingsRepo } from '../evidence/findings-repo.js';
import type { StatusQuery } from '../evidence/status-query.js';
import type { AwsClients } from '../remediate/aws-clients.js';
import type { RoutingConfig } from '../route/routing.js';
import type { TagLookup } from '../route/tag-lookup.js';
import type { SlackMessenger } from '../slack/messenger.js';
import type { SlackOutbox } from '../slack/outbox.js';
import type { SecurityHubWriteback } from '../remediate/security-hub-writeback.js';
import type { Logger } from './logger.js';

/** The edges the core reaches through; built once by createBot, replaced by fakes nowhere (tests use msw). */
export interface Services {
  clock: Clock;
  log: Logger;
  findings: FindingsRepo;
  /** Group cards: which findings one card with "Approve all" stands for. */
  groups: CardGroups;
  evidence: EvidenceLog;
  /** Read-only status answers (`/soc2`, the Home tab). */
  status: StatusQuery;
  /** Evidence reports for a window, checked against the chain (`/soc2 export`, the digest's attachment). */
  exports: EvidenceExports;
  /** The bot's own clients: Security Hub, tag lookups, the queue. */
  aws: AwsClients;
  /** Clients acting in a finding's account (an assumed role when configured, else the bot's own). */
  awsFor(account: string): AwsClients;
  slack: SlackMessenger;
  /** Card updates and thread replies: queued with the state change, delivered in order per card, never lost. */
  outbox: SlackOutbox;
  /** Workflow updates for Security Hub, kept until it takes them (src/remediate/security-hub-writeback.ts). */
  writeback: SecurityHubWriteback;
  routing: RoutingConfig;
  /** Fills in resource tags a finding arrived without, so owner tags can route it. */
  tagLookup: TagLookup;
  /** Who may approve, four-eyes, exception limits, escalation. */
  policy: Policy;
  /** Runs `work` as one SQLite transaction: a state change and its evidence commit together or not at all. */
  atomically<T>(work: () => T): T;
  /**
   * Like `atomically`, but `work` shares one transaction (one fsync) with every unit submitted in the
   * same event-loop turn, each in its own savepoint; resolves once committed. For the many small
   * writes a burst of clicks makes (claims, refusals, ignored clicks), so their commits do not queue.
   */
  atomicallySoon<T>(work: () => T): Promise<T>;
  /** Region of the Security Hub the bot polls and writes outcomes back to (the aggregator, if any). */
  securityHubRegion: string;
}
