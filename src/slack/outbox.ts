/**
 * The outbox for Slack messages that must not be lost: card updates and thread replies.
 *
 * An item is a row (migration 007) written in the caller's transaction, so it commits with
 * the state change it reports; it is sent at once after that (the normal path is no slower),
 * and again by the timer and at start-up until Slack takes it. Items of one card are sent
 * strictly in order: an item waits while an earlier one of its card is undelivered.
 *
 * Posts whose `ts` the flow needs at once do not come through here: the first card post
 * (the findings table records its ts; a finding without one is re-posted by the delivery
 * tick, which is its own queue) and the escalation announcement (linked both ways in the
 * same flow). They keep failing loudly to their caller, who retries them.
 *
 * Delivery is at-least-once. A chat.update sent twice shows the same message: harmless.
 * A thread reply whose call timed out may have been posted by Slack anyway; it is sent
 * again, because a missing overdue-Sev1 page is worse than a rare visible duplicate (Slack
 * has no idempotency key for chat.postMessage, and reading the thread back would need the
 * history scopes). Refusals Slack will never accept (message or channel gone, bad blocks)
 * are marked failed and logged, so they do not hold the card's later items forever.
 */
import type { KnownBlock } from '@slack/types';
import { z } from 'zod';
import type { Logger } from '../app/logger.js';
import { PerKeyChain } from '../app/per-key-chain.js';
import { retryDelayMs } from '../app/retry-delay.js';
import type { Clock } from '../domain/clock.js';
import type { Db } from '../evidence/database.js';
import type { EvidenceData } from '../evidence/event-data.js';
import { botActor, type EvidenceLog } from '../evidence/evidence-log.js';
import type { Card } from './cards.js';
import type { SlackMessenger } from './messenger.js';
import { parseJsonOrUndefined } from '../app/parse-json.js';

/** Recorded when Slack accepts the item, so evidence says what Slack shows, not what was meant. */
export type OutboxEvidence =
  | { kind: 'card.updated'; findingId: string; data: EvidenceData['card.updated'] }
  | { kind: 'group_card.updated'; findingId: null; data: EvidenceData['group_card.updated'] }
  | { kind: 'reminder.posted'; findingId: string; data: EvidenceData['reminder.posted'] };

export type OutboxItem =
  | { method: 'chat.update'; channel: string; ts: string; card: Card; evidence?: OutboxEvidence }
  /** A reply in the thread of the card `channel`/`threadTs`. */
  | { method: 'chat.postMessage'; channel: string; threadTs: string; text: string; evidence?: OutboxEvidence };

/** How one call to Slack went wrong, as the outbox acts on it. */
export type SlackFailure = { retry: true; retryAfterSeconds: number | null; reason: string } | { retry: false; reason: string };

export type KeyOutcome = 'idle' | 'waiting' | 'rate_limited';

export interface OutboxOptions {
  db: Db;
  /** The calls the outbox makes; a client that tries once, so the outbox owns the retry schedule. */
  slack: Pick<SlackMessenger, 'update' | 'postText'>;
  clock: Clock;
  evidence: EvidenceLog;
  log: Logger;
  random?: () => number;
}

/** Longer than a Slack call may take (the client's timeout): a claim this old belongs to a dead process. */
const leaseMs = 2 * 60_000;
/** Delivered rows are kept this long for troubleshooting, then pruned by the drain. */
const keepDeliveredMs = 7 * 24 * 60 * 60_000;

// Slack answers ok:false with these when the fault is on its side; every other error is about the request.
const transientPlatformErrors = new Set(['ratelimited', 'internal_error', 'fatal_error', 'service_unavailable', 'request_timeout']);

/** The errors @slack/web-api throws, read by their documented `code`. */
const webApiError = z.discriminatedUnion('code', [
  z.object({ code: z.literal('slack_webapi_rate_limited_error'), retryAfter: z.number() }),
  z.object({ code: z.literal('slack_webapi_platform_error'), data: z.object({ error: z.string() }) }),
  z.object({ code: z.literal('slack_webapi_http_error'), statusCode: z.number() }),
  z.object({ code: z.literal('slack_webapi_request_error'), original: z.object({ message: z.string() }) }),
]);

/** Retry what may succeed later (429, 5xx, timeouts, network); give up on what Slack refuses for good. */
export function classifySlackFailure(error: unknown): SlackFailure {
  const parsed = webApiError.safeParse(error);
  const message = error instanceof Error ? error.message : String(error);
  if (!parsed.success) return { retry: true, retryAfterSeconds: null, reason: message };
  const known = parsed.data;
  switch (known.code) {
    case 'slack_webapi_rate_limited_error':
      return { retry: true, retryAfterSeconds: known.retryAfter, reason: `rate limited, retry after ${known.retryAfter} s` };
    case 'slack_webapi_platform_error':
      return transientPlatformErrors.has(known.data.error)
        ? { retry: true, retryAfterSeconds: null, reason: known.data.error }
        : { retry: false, reason: known.data.error };
    case 'slack_webapi_http_error':
      return known.statusCode >= 500 || known.statusCode === 408 || known.statusCode === 429
        ? { retry: true, retryAfterSeconds: null, reason: `HTTP ${known.statusCode}` }
        : { retry: false, reason: `HTTP ${known.statusCode}` };
    case 'slack_webapi_request_error':
      return { retry: true, retryAfterSeconds: null, reason: known.original.message };
  }
}

const blockSchema = z.custom<KnownBlock>((value) => typeof value === 'object' && value !== null && typeof (value as { type?: unknown }).type === 'string');
const payloadSchema = z.discriminatedUnion('method', [
  z.object({ method: z.literal('chat.update'), channel: z.string(), ts: z.string(), text: z.string(), blocks: z.array(blockSchema) }),
  z.object({ method: z.literal('chat.postMessage'), channel: z.string(), threadTs: z.string(), text: z.string() }),
]);
const evidenceSchema = z.discriminatedUnion('kind', [
  z.object({
    kind: z.literal('card.updated'),
    findingId: z.string(),
    data: z.object({ channel: z.string(), ts: z.string(), state: z.string(), diff: z.string().nullable() }),
  }),
  z.object({
    kind: z.literal('group_card.updated'),
    findingId: z.null(),
    data: z.object({
      groupId: z.string(),
      channel: z.string(),
      ts: z.string(),
      members: z.number(),
      fixed: z.number(),
      fixing: z.number(),
      failed: z.number(),
    }),
  }),
  z.object({
    kind: z.literal('reminder.posted'),
    findingId: z.string(),
    data: z.object({ reminder: z.enum(['sla75', 'overdue']), channel: z.string(), threadTs: z.string(), dueAt: z.string() }),
  }),
]);

interface Row {
  id: number;
  ordering_key: string;
  method: string;
  payload: string;
  evidence: string | null;
  attempts: number;
  next_attempt_at: string;
}

/** A pending item: neither delivered, replaced by a newer update, nor refused for good. */
const pending = 'delivered_at IS NULL AND superseded_by IS NULL AND failed_at IS NULL';

function orderingKey(channel: string, ts: string): string {
  return `${channel}:${ts}`;
}

export class SlackOutbox {
  /** The delivery running per key in this process; a new one chains after it, so a key is never sent from twice. */
  private readonly busy = new PerKeyChain<KeyOutcome>();
  private readonly random: () => number;
  private readonly sql;

  constructor(private readonly options: OutboxOptions) {
    this.random = options.random ?? Math.random;
    const { db } = options;
    this.sql = {
      insert: db.prepare(
        'INSERT INTO slack_outbox (ordering_key, method, payload, evidence, created_at, next_attempt_at) VALUES (?, ?, ?, ?, ?, ?)',
      ),
      supersede: db.prepare(
        `UPDATE slack_outbox SET superseded_by = @id
         WHERE ordering_key = @key AND method = 'chat.update' AND id < @id AND ${pending}
           AND id > coalesce((SELECT max(id) FROM slack_outbox WHERE ordering_key = @key AND method = 'chat.postMessage' AND ${pending}), 0)`,
      ),
      head: db.prepare(`SELECT * FROM slack_outbox WHERE ordering_key = ? AND ${pending} ORDER BY id LIMIT 1`),
      claim: db.prepare(`UPDATE slack_outbox SET attempts = attempts + 1, next_attempt_at = ? WHERE id = ? AND next_attempt_at <= ? AND ${pending}`),
      retryLater: db.prepare('UPDATE slack_outbox SET next_attempt_at = ?, last_error = ? WHERE id = ?'),
      delivered: db.prepare('UPDATE slack_outbox SET delivered_at = ? WHERE id = ?'),
      failed: db.prepare('UPDATE slack_outbox SET failed_at = ?, last_error = ? WHERE id = ?'),
      pendingKeys: db.prepare(`SELECT DISTINCT ordering_key FROM slack_outbox WHERE ${pending} ORDER BY ordering_key`).pluck(),
      pendingCount: db.prepare(`SELECT count(*) FROM slack_outbox WHERE ${pending}`).pluck(),
      prune: db.prepare(`DELETE FROM slack_outbox WHERE NOT (${pending}) AND created_at < ?`),
    };
  }

  /**
   * Writes the item; synchronous and cheap, so inside `services.atomically` it commits with
   * the state change. A chat.update replaces the card's queued updates that no thread reply
   * follows: an update rewrites the whole message, so only the newest matters. Returns the key
   * to pass to `deliver` once the caller's transaction has committed.
   */
  enqueue(item: OutboxItem): string {
    const { db, clock } = this.options;
    const key = orderingKey(item.channel, item.method === 'chat.update' ? item.ts : item.threadTs);
    const payload =
      item.method === 'chat.update'
        ? { method: item.method, channel: item.channel, ts: item.ts, text: item.card.text, blocks: item.card.blocks }
        : { method: item.method, channel: item.channel, threadTs: item.threadTs, text: item.text };
    const now = clock.now().toISOString();
    db.transaction(() => {
      const id = this.sql.insert.run(key, item.method, JSON.stringify(payload), item.evidence ? JSON.stringify(item.evidence) : null, now, now).lastInsertRowid;
      if (item.method === 'chat.update') this.sql.supersede.run({ id, key });
    })();
    return key;
  }

  /** Enqueues outside any transaction, then sends at once; never throws for a Slack failure. */
  async send(item: OutboxItem): Promise<KeyOutcome> {
    return this.deliver(this.enqueue(item));
  }

  /** Sends the key's due items in order until one has to wait; resolves with why it stopped. */
  deliver(key: string): Promise<KeyOutcome> {
    return this.busy.run(key, () => this.deliverKey(key));
  }

  /**
   * Every card with a due item, one after another (Slack's rate limits favour a steady pace);
   * a 429 ends the pass, the rest wait for the next one. Returns how many items are still pending.
   */
  async drain(): Promise<number> {
    this.sql.prune.run(new Date(this.options.clock.now().getTime() - keepDeliveredMs).toISOString());
    const keys = this.sql.pendingKeys.all() as string[];
    for (const key of keys) {
      if ((await this.deliver(key)) === 'rate_limited') break;
    }
    return this.pendingCount();
  }

  pendingCount(): number {
    return this.sql.pendingCount.get() as number;
  }

  private async deliverKey(key: string): Promise<KeyOutcome> {
    const { db, clock, log } = this.options;
    for (;;) {
      const head = this.sql.head.get(key) as Row | undefined;
      if (!head) return 'idle';
      const now = clock.now();
      const claimed = this.sql.claim.run(new Date(now.getTime() + leaseMs).toISOString(), head.id, now.toISOString());
      // Not due yet (backing off), or another instance holds the lease.
      if (claimed.changes === 0) return 'waiting';
      const attempts = head.attempts + 1;
      const payload = payloadSchema.safeParse(parseJsonOrUndefined(head.payload));
      const evidence = head.evidence === null ? null : evidenceSchema.safeParse(parseJsonOrUndefined(head.evidence));
      if (!payload.success || (evidence && !evidence.success)) {
        this.giveUp(head, 'unreadable outbox row');
        continue;
      }
      try {
        const item = payload.data;
        if (item.method === 'chat.update') await this.options.slack.update(item.channel, item.ts, { text: item.text, blocks: item.blocks });
        else await this.options.slack.postText(item.channel, item.text, item.threadTs);
      } catch (error) {
        const failure = classifySlackFailure(error);
        if (!failure.retry) {
          this.giveUp(head, failure.reason);
          continue;
        }
        const next = new Date(clock.now().getTime() + retryDelayMs(attempts, failure.retryAfterSeconds, this.random));
        this.sql.retryLater.run(next.toISOString(), failure.reason, head.id);
        log.warn({ key, method: head.method, attempts, nextAttemptAt: next.toISOString(), err: failure.reason }, 'Slack call failed; queued for retry');
        return failure.retryAfterSeconds === null ? 'waiting' : 'rate_limited';
      }
      const recorded = evidence?.data ?? null;
      db.transaction(() => {
        this.sql.delivered.run(clock.now().toISOString(), head.id);
        if (recorded) this.record(recorded);
      }).immediate();
    }
  }

  private record(evidence: OutboxEvidence): void {
    if (evidence.kind === 'card.updated') this.options.evidence.append(evidence.kind, evidence.findingId, botActor, evidence.data);
    else if (evidence.kind === 'group_card.updated') this.options.evidence.append(evidence.kind, null, botActor, evidence.data);
    else this.options.evidence.append(evidence.kind, evidence.findingId, botActor, evidence.data);
  }

  private giveUp(head: Row, reason: string): void {
    this.sql.failed.run(this.options.clock.now().toISOString(), reason, head.id);
    this.options.log.error({ key: head.ordering_key, method: head.method, err: reason }, 'Slack refused an outbox item for good; it is not retried');
  }
}

