import { BatchUpdateFindingsCommand, type BatchUpdateFindingsCommandInput, type SecurityHubClient } from '@aws-sdk/client-securityhub';
import { z } from 'zod';
import type { Logger } from '../app/logger.js';
import { PerKeyChain } from '../app/per-key-chain.js';
import { retryDelayMs } from '../app/retry-delay.js';
import type { Clock } from '../domain/clock.js';
import type { Finding } from '../domain/finding.js';
import type { Db } from '../evidence/database.js';
import { botActor, type EvidenceLog } from '../evidence/evidence-log.js';
import { parseJsonOrUndefined } from '../app/parse-json.js';

const noteLimit = 512; // Security Hub's Note.Text maximum

export interface WritebackOptions {
  db: Db;
  /** The Security Hub the bot reads findings from (the aggregator's Region). */
  region: string;
  securityHub: (region: string) => Pick<SecurityHubClient, 'send'>;
  evidence: EvidenceLog;
  clock: Clock;
  log: Logger;
  random?: () => number;
}

/** How one BatchUpdateFindings call went wrong, as the outbox acts on it. */
export type WritebackFailure = { retry: true; reason: string } | { retry: false; reason: string };

const throttling = new Set(['ThrottlingException', 'TooManyRequestsException', 'Throttling', 'LimitExceededException', 'RequestLimitExceeded']);
const sdkError = z.object({
  name: z.string(),
  message: z.string(),
  $metadata: z.object({ httpStatusCode: z.number().optional() }).optional(),
});

/**
 * Worth retrying: throttling, a server-side error, or no answer at all (network, timeout). A
 * refusal about the request itself (access denied, invalid input) will be refused again.
 */
export function classifyWritebackFailure(error: unknown): WritebackFailure {
  const known = sdkError.safeParse(error);
  if (!known.success) return { retry: true, reason: String(error) };
  const { name, message, $metadata } = known.data;
  const reason = `${name}: ${message}`;
  const status = $metadata?.httpStatusCode;
  if (status === undefined || status >= 500 || status === 429 || throttling.has(name)) return { retry: true, reason };
  return { retry: false, reason };
}

/** The stored input, read back as `queue` wrote it; a row that does not fit is refused, not sent. */
const storedInput = z.object({
  FindingIdentifiers: z.array(z.object({ Id: z.string(), ProductArn: z.string() })).length(1),
  Workflow: z.object({ Status: z.enum(['RESOLVED', 'NOTIFIED', 'SUPPRESSED']) }),
  Note: z.object({ Text: z.string(), UpdatedBy: z.string() }),
});

const leaseMs = 2 * 60_000;
const keepDoneMs = 7 * 24 * 60 * 60_000;
const pending = 'delivered_at IS NULL AND failed_at IS NULL';

interface Row {
  id: number;
  region: string;
  input: string;
  attempts: number;
}

/**
 * Writes outcomes back to Security Hub so the console agrees with Slack: RESOLVED when fixed,
 * NOTIFIED with a note when a fix failed, was undone or an exception ran out, SUPPRESSED with the
 * justification when an exception is granted. A decision queues its update in its own transaction
 * (`queue`) and sends it after the commit (`deliver`); what Security Hub cannot take now
 * (throttled, down, no answer, the bot stopped) is sent again by `drain` until it does. Never
 * throws for a Security Hub failure: the fix itself already happened (or did not).
 */
export class SecurityHubWriteback {
  /** The delivery running per finding in this process; a new one chains after it. */
  private readonly busy = new PerKeyChain<'idle' | 'waiting'>();
  private readonly random: () => number;
  private readonly sql;

  constructor(private readonly options: WritebackOptions) {
    this.random = options.random ?? Math.random;
    const { db } = options;
    this.sql = {
      insert: db.prepare('INSERT INTO securityhub_outbox (finding_id, region, input, created_at, next_attempt_at) VALUES (?, ?, ?, ?, ?)'),
      head: db.prepare(`SELECT id, region, input, attempts FROM securityhub_outbox WHERE finding_id = ? AND ${pending} ORDER BY id LIMIT 1`),
      claim: db.prepare(`UPDATE securityhub_outbox SET attempts = attempts + 1, next_attempt_at = ? WHERE id = ? AND next_attempt_at <= ? AND ${pending}`),
      retryLater: db.prepare('UPDATE securityhub_outbox SET next_attempt_at = ?, last_error = ? WHERE id = ?'),
      delivered: db.prepare('UPDATE securityhub_outbox SET delivered_at = ? WHERE id = ?'),
      failed: db.prepare('UPDATE securityhub_outbox SET failed_at = ?, last_error = ? WHERE id = ?'),
      pendingFindings: db.prepare(`SELECT DISTINCT finding_id FROM securityhub_outbox WHERE ${pending} ORDER BY finding_id`).pluck(),
      pendingCount: db.prepare(`SELECT count(*) FROM securityhub_outbox WHERE ${pending}`).pluck(),
      prune: db.prepare(`DELETE FROM securityhub_outbox WHERE NOT (${pending}) AND created_at < ?`),
    };
  }

  /** Writes the update; synchronous, so inside `services.atomically` it commits with the decision it reports. */
  queue(finding: Finding, status: 'RESOLVED' | 'NOTIFIED' | 'SUPPRESSED', note: string): void {
    const input: BatchUpdateFindingsCommandInput = {
      FindingIdentifiers: [{ Id: finding.id, ProductArn: finding.productArn }],
      Workflow: { Status: status },
      Note: { Text: note.length > noteLimit ? `${note.slice(0, noteLimit - 1)}…` : note, UpdatedBy: 'soc2-bot' },
    };
    const now = this.options.clock.now().toISOString();
    this.sql.insert.run(finding.id, this.options.region, JSON.stringify(input), now, now);
  }

  /** Sends the finding's due updates in order until one has to wait. */
  deliver(findingId: string): Promise<'idle' | 'waiting'> {
    return this.busy.run(findingId, () => this.deliverFinding(findingId));
  }

  /** Every finding with a due update, one after another; returns how many updates are still pending. */
  async drain(): Promise<number> {
    // What was sent or refused stays in the evidence log; the row itself only for troubleshooting.
    this.sql.prune.run(new Date(this.options.clock.now().getTime() - keepDoneMs).toISOString());
    for (const findingId of this.sql.pendingFindings.all() as string[]) await this.deliver(findingId);
    return this.sql.pendingCount.get() as number;
  }

  private async deliverFinding(findingId: string): Promise<'idle' | 'waiting'> {
    const { db, clock, evidence, log } = this.options;
    for (;;) {
      const head = this.sql.head.get(findingId) as Row | undefined;
      if (!head) return 'idle';
      const now = clock.now();
      // Not due yet (backing off), or another instance holds the lease.
      if (this.sql.claim.run(new Date(now.getTime() + leaseMs).toISOString(), head.id, now.toISOString()).changes === 0) return 'waiting';
      const attempts = head.attempts + 1;
      const read = storedInput.safeParse(parseJsonOrUndefined(head.input));
      if (!read.success) {
        this.sql.failed.run(clock.now().toISOString(), 'unreadable outbox row', head.id);
        log.error({ findingId, id: head.id }, 'a Security Hub outbox row is not what the bot writes; it is not sent');
        continue;
      }
      const input = read.data;
      const base = { region: head.region, input };
      let outcome: { ok: true } | { ok: false; failure: WritebackFailure; unprocessed?: { errorCode: string | null; errorMessage: string | null }[] };
      try {
        const out = await this.options.securityHub(head.region).send(new BatchUpdateFindingsCommand(input));
        const unprocessed = (out.UnprocessedFindings ?? []).map((u) => ({ errorCode: u.ErrorCode ?? null, errorMessage: u.ErrorMessage ?? null }));
        // Security Hub answered about this very finding (unknown to it, or not updatable): final.
        outcome = unprocessed.length === 0 ? { ok: true } : { ok: false, failure: { retry: false, reason: 'not processed by Security Hub' }, unprocessed };
      } catch (error) {
        outcome = { ok: false, failure: classifyWritebackFailure(error) };
      }
      const at = clock.now();
      if (outcome.ok) {
        db.transaction(() => {
          this.sql.delivered.run(at.toISOString(), head.id);
          evidence.append('securityhub.updated', findingId, botActor, base);
        }).immediate();
        continue;
      }
      const { failure } = outcome;
      const detail = outcome.unprocessed ? { unprocessed: outcome.unprocessed } : { error: failure.reason };
      if (!failure.retry) {
        db.transaction(() => {
          this.sql.failed.run(at.toISOString(), failure.reason, head.id);
          evidence.append('securityhub.update_failed', findingId, botActor, { ...base, ...detail });
        }).immediate();
        log.warn({ findingId, err: failure.reason }, 'Security Hub refused the workflow update; it is not retried');
        continue;
      }
      const retryAt = new Date(at.getTime() + retryDelayMs(attempts, null, this.random)).toISOString();
      db.transaction(() => {
        this.sql.retryLater.run(retryAt, failure.reason, head.id);
        // The first failure is evidence; the retries of one update are in the log, and its outcome is evidence again.
        if (attempts === 1) evidence.append('securityhub.update_failed', findingId, botActor, { ...base, ...detail, retryAt });
      }).immediate();
      log.warn({ findingId, attempts, retryAt, err: failure.reason }, 'BatchUpdateFindings failed; queued for retry');
      return 'waiting';
    }
  }
}

