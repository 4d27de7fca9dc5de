import type { Finding } from '../domain/finding.js';
import type { Triage } from '../domain/triage.js';
import { dedupKey, isConfigFinding } from '../ingest/dedup-key.js';
import type { Route } from '../route/routing.js';
import { preparedOnce, type Db } from './database.js';

export type FindingStatus =
  | 'open'
  | 'awaiting_second' // four-eyes: one approval recorded, a second person must approve
  | 'fixing'
  | 'fixed'
  | 'fix_failed'
  | 'exception_requested'
  | 'excepted'
  | 'resolved_at_source' // Security Hub says it passed or archived it
  | 'no_action';

export interface TrackedFinding {
  finding: Finding;
  triage: Triage;
  channel: string;
  status: FindingStatus;
  firstSeenAt: string;
  lastSeenAt: string;
  recurrences: number;
  card: { channel: string; ts: string } | null;
  exceptionExpiresAt: string | null;
  escalation: { at: string; channel: string; ts: string } | null;
}

/** What ingesting one finding meant for the bot's state. */
export type IngestOutcome =
  | 'new' // first sighting
  | 'recurred' // was fixed or closed, and failed again
  | 'updated' // seen before, source has newer data, nothing for a human to do again
  | 'unchanged' // the same record again (dedup)
  | 'resolved'; // was waiting for a decision, and the source now says it passed or was closed

/** What record() did; an update also hands back the finding it replaced, to say what changed. */
export type Recorded = { outcome: 'updated'; before: Finding } | { outcome: Exclude<IngestOutcome, 'updated'> };

interface FindingRow {
  finding_json: string;
  severity: Triage['severity'];
  mode: Triage['mode'];
  remediation: string | null;
  due_at: string | null;
  tsc: string;
  channel: string;
  status: FindingStatus;
  first_seen_at: string;
  last_seen_at: string;
  source_updated_at: string;
  recurrences: number;
  card_channel: string | null;
  card_ts: string | null;
  reason: string;
  exception_expires_at: string | null;
  escalated_at: string | null;
  escalation_channel: string | null;
  escalation_ts: string | null;
}

/** Open, no card of its own, and not on a group card (unless the group was split). */
const awaitingCard = `status = 'open' AND card_ts IS NULL
  AND (group_id IS NULL OR group_id IN (SELECT id FROM card_groups WHERE split_at IS NOT NULL))`;

export interface AwaitingCard {
  id: string;
  account: string;
  remediation: string | null;
  channel: string;
}

/** Operational state of each finding; every transition is also written to the evidence log by the caller. */
export class FindingsRepo {
  private readonly sql;

  constructor(db: Db) {
    this.sql = preparedOnce(db);
  }

  get(id: string): TrackedFinding | null {
    const row = this.sql('SELECT * FROM findings WHERE id = ?').get(id) as FindingRow | undefined;
    return row ? fromRow(row) : null;
  }

  /**
   * The finding as stored: a copy of a stored finding from another source (same dedup key,
   * see dedup-key.ts, but another id) takes the stored finding's identity, so it is recorded,
   * evidenced and carded as that one. A finding already stored under its own id stays itself.
   */
  canonical(finding: Finding): Finding {
    const key = dedupKey(finding);
    if (key === null || this.sql('SELECT 1 FROM findings WHERE id = ?').get(finding.id) !== undefined) return finding;
    const row = this.sql('SELECT finding_json FROM findings WHERE dedup_key = ?').get(key) as Pick<FindingRow, 'finding_json'> | undefined;
    if (!row) return finding;
    const stored = JSON.parse(row.finding_json) as Finding;
    // A Config evaluation says only whether the check passes; title, description and severity
    // (Config findings carry a default MEDIUM) stay as the source that described the problem said.
    if (isConfigFinding(finding) && !isConfigFinding(stored)) {
      return { ...stored, compliance: finding.compliance, recordState: finding.recordState, updatedAt: finding.updatedAt };
    }
    return { ...finding, id: stored.id, productArn: stored.productArn, productName: stored.productName };
  }

  /**
   * Records a sighting. Dedup is by the source's finding id (see canonical() for copies from
   * other sources); a finding that had been fixed (or needed no action) and now needs action
   * again counts as a recurrence. A copy no newer than the stored one changes nothing: sources
   * and queues deliver out of order, and an older copy must not undo a newer one.
   */
  record(finding: Finding, triage: Triage, route: Route, now: Date): Recorded {
    // The stored finding comes back only when this copy is newer (both times are toISOString()
    // output, so text order is time order): most sightings are the same record again.
    const existing = this
      .sql('SELECT status, CASE WHEN source_updated_at < @updatedAt THEN finding_json END AS replaced_json FROM findings WHERE id = @id')
      .get({ id: finding.id, updatedAt: finding.updatedAt }) as { status: FindingStatus; replaced_json: string | null } | undefined;
    const needsAction = triage.severity !== 'none';
    const values = {
      id: finding.id,
      product_arn: finding.productArn,
      control: finding.control,
      account: finding.account,
      region: finding.region,
      resource_type: finding.resource.type,
      resource_id: finding.resource.id,
      title: finding.title,
      now: now.toISOString(),
      source_updated_at: finding.updatedAt,
      severity: triage.severity,
      mode: triage.mode,
      remediation: triage.remediation,
      due_at: triage.dueAt,
      tsc: JSON.stringify(triage.tsc),
      reason: triage.reason,
      channel: route.channel,
      status: (needsAction ? 'open' : 'no_action') as FindingStatus,
      finding_json: JSON.stringify(finding),
      dedup_key: dedupKey(finding),
    };
    if (!existing) {
      this
        .sql(`INSERT INTO findings (id, product_arn, control, account, region, resource_type, resource_id, title,
          first_seen_at, last_seen_at, source_updated_at, severity, mode, remediation, due_at, tsc, reason, channel, status, finding_json, dedup_key)
          VALUES (@id, @product_arn, @control, @account, @region, @resource_type, @resource_id, @title,
          @now, @now, @source_updated_at, @severity, @mode, @remediation, @due_at, @tsc, @reason, @channel, @status, @finding_json,
          -- A caller that skipped canonical() gets a second row rather than a constraint error.
          CASE WHEN EXISTS (SELECT 1 FROM findings WHERE dedup_key = @dedup_key) THEN NULL ELSE @dedup_key END)`)
        .run(values);
      return { outcome: 'new' };
    }
    if (existing.replaced_json === null) {
      this.sql('UPDATE findings SET last_seen_at = ? WHERE id = ?').run(values.now, finding.id);
      return { outcome: 'unchanged' };
    }
    const closed = existing.status === 'fixed' || existing.status === 'no_action' || existing.status === 'resolved_at_source';
    const recurred = closed && needsAction;
    const awaitingDecision = ['open', 'awaiting_second', 'fix_failed', 'exception_requested'].includes(existing.status);
    const resolved = awaitingDecision && !needsAction;
    // Fixed, excepted or being-fixed findings keep their status (our own write-back comes back as an
    // update); the source's newer data is kept either way.
    const status: FindingStatus = recurred ? 'open' : resolved ? 'resolved_at_source' : existing.status === 'no_action' ? values.status : existing.status;
    this.sql(`UPDATE findings SET last_seen_at = @now, source_updated_at = @source_updated_at, severity = @severity,
        mode = @mode, remediation = @remediation, due_at = @due_at, tsc = @tsc, reason = @reason, channel = @channel,
        title = @title, finding_json = @finding_json, status = @status,
        recurrences = recurrences + @recurred,
        dedup_key = CASE WHEN dedup_key IS NULL AND NOT EXISTS (SELECT 1 FROM findings WHERE dedup_key = @dedup_key)
          THEN @dedup_key ELSE dedup_key END,
        card_channel = CASE WHEN @recurred = 1 THEN NULL ELSE card_channel END,
        card_ts = CASE WHEN @recurred = 1 THEN NULL ELSE card_ts END,
        group_id = CASE WHEN @recurred = 1 THEN NULL ELSE group_id END
        WHERE id = @id`)
      .run({ ...values, status, recurred: recurred ? 1 : 0 });
    if (recurred) return { outcome: 'recurred' };
    if (resolved) return { outcome: 'resolved' };
    // Parsed only here: only an update's note needs the copy it replaced.
    return { outcome: 'updated', before: JSON.parse(existing.replaced_json) as Finding };
  }

  setCard(id: string, channel: string, ts: string): void {
    this.sql('UPDATE findings SET card_channel = ?, card_ts = ? WHERE id = ?').run(channel, ts, id);
  }

  /** Open findings that still need a card (new, or recurred after a fix); a group card counts, until it is split. */
  /**
   * Open findings without a card, as light rows: ids with what may put them on one card
   * (account, fix, channel), ordered so candidates for one group card are adjacent. Cheap at
   * 100,000 rows; the caller loads the findings a chunk at a time.
   */
  awaitingCard(): AwaitingCard[] {
    return this.sql(`SELECT id, account, remediation, channel FROM findings WHERE ${awaitingCard}
        ORDER BY account, remediation, channel, first_seen_at, id`).all() as AwaitingCard[];
  }

  /** The finding if it still waits for a card (a chunk is loaded after earlier ones were posted). */
  stillAwaitingCard(id: string): TrackedFinding | null {
    const row = this.sql(`SELECT * FROM findings WHERE id = ? AND ${awaitingCard}`).get(id) as FindingRow | undefined;
    return row ? fromRow(row) : null;
  }

  /** Findings Security Hub closed while their card still asks for a decision: the card must say so. */
  resolvedWithStaleCard(): TrackedFinding[] {
    return (
      this.sql(`SELECT f.* FROM findings f
        JOIN (SELECT finding_id, max(seq) AS at_seq FROM evidence_events
              WHERE kind = 'finding.resolved_at_source' GROUP BY finding_id) r ON r.finding_id = f.id
        WHERE f.status = 'resolved_at_source' AND f.card_ts IS NOT NULL
          AND NOT EXISTS (SELECT 1 FROM evidence_events e WHERE e.finding_id = f.id AND e.kind = 'card.updated' AND e.seq > r.at_seq)
        ORDER BY f.id`).all() as FindingRow[]
    ).map(fromRow);
  }

  /**
   * Security Hub updates that changed something a person cares about (finding.updated with
   * changes) on a finding whose card, or group card, still asks for a decision, not yet told in
   * that card's thread. Updates before the card was posted are already on the card.
   */
  updatesToNote(): { seq: number; findingId: string; data: string }[] {
    return this.sql(`SELECT e.seq, e.finding_id AS findingId, e.data FROM findings f
        JOIN evidence_events e ON e.finding_id = f.id AND e.kind = 'finding.updated'
        WHERE f.status IN ('open', 'awaiting_second', 'fix_failed', 'exception_requested')
          AND (f.card_ts IS NOT NULL OR f.group_id IS NOT NULL)
          AND json_array_length(e.data, '$.changes') > 0
          AND e.seq > (SELECT max(p.seq) FROM evidence_events p WHERE p.finding_id = f.id AND p.kind = 'card.posted')
          AND NOT EXISTS (SELECT 1 FROM evidence_events n WHERE n.finding_id = f.id AND n.kind = 'card.noted'
            AND json_extract(n.data, '$.updateSeq') = e.seq)
        ORDER BY e.seq`).all() as { seq: number; findingId: string; data: string }[];
  }

  /** Fixes applied without a human decision in one account since `since` (the autopilot circuit breaker). */
  autopilotFixesSince(account: string, since: Date): number {
    return this.sql(`SELECT count(*) FROM evidence_events e JOIN findings f ON f.id = e.finding_id
        WHERE e.kind = 'fix.applied' AND e.at >= ? AND f.account = ? AND f.mode = 'autopilot'`)
      .pluck()
      .get(since.toISOString(), account) as number;
  }

  /** Findings in one status, oldest first (a restart looks for fixes it was in the middle of). */
  inStatus(status: FindingStatus): TrackedFinding[] {
    return (this.sql('SELECT * FROM findings WHERE status = ? ORDER BY first_seen_at, id').all(status) as FindingRow[]).map(fromRow);
  }

  /** Findings past `fixing` whose card still says the fix is being applied: a crash came between the two. */
  cardsLeftFixing(): TrackedFinding[] {
    return (
      this.sql(`SELECT f.* FROM findings f
        JOIN (SELECT finding_id, max(seq) AS seq FROM evidence_events
              WHERE kind IN ('card.posted', 'card.updated') GROUP BY finding_id) c ON c.finding_id = f.id
        JOIN evidence_events e ON e.seq = c.seq
        WHERE f.status <> 'fixing' AND f.card_ts IS NOT NULL AND json_extract(e.data, '$.state') = 'fixing'
        ORDER BY f.id`).all() as FindingRow[]
    ).map(fromRow);
  }

  /** Back to open with no card, so the next delivery posts a fresh one (an expired exception that still fails). */
  reopenForNewCard(id: string): void {
    this.sql("UPDATE findings SET status = 'open', card_channel = NULL, card_ts = NULL, exception_expires_at = NULL WHERE id = ?").run(id);
  }

  /** An exception's expiry (null when the exception ends); the expiry job finds them by it. */
  setExceptionExpiry(id: string, expiresAt: string | null): void {
    this.sql('UPDATE findings SET exception_expires_at = ? WHERE id = ?').run(expiresAt, id);
  }

  /** Excepted findings whose exception has run out by `now`. */
  expiredExceptions(now: Date): TrackedFinding[] {
    return (
      this.sql("SELECT * FROM findings WHERE status = 'excepted' AND exception_expires_at <= ? ORDER BY exception_expires_at")
        .all(now.toISOString()) as FindingRow[]
    ).map(fromRow);
  }

  /** Escalation raises the severity (and so the deadline) and remembers where it was announced. */
  markEscalated(id: string, severity: TrackedFinding['triage']['severity'], dueAt: string | null, where: { at: string; channel: string; ts: string }): void {
    this.sql(
      'UPDATE findings SET severity = ?, due_at = ?, escalated_at = ?, escalation_channel = ?, escalation_ts = ? WHERE id = ?',
    ).run(severity, dueAt, where.at, where.channel, where.ts, id);
  }

  /**
   * Atomically moves a finding from one of `from` to `to`. Returns false when
   * another click (or process) got there first: the basis of fix-at-most-once.
   */
  transition(id: string, from: FindingStatus[], to: FindingStatus): boolean {
    const placeholders = from.map(() => '?').join(', ');
    const result = this
      .sql(`UPDATE findings SET status = ? WHERE id = ? AND status IN (${placeholders})`)
      .run(to, id, ...from);
    return result.changes === 1;
  }
}

function fromRow(row: FindingRow): TrackedFinding {
  return {
    finding: JSON.parse(row.finding_json) as Finding,
    triage: { severity: row.severity, mode: row.mode, remediation: row.remediation, dueAt: row.due_at, tsc: JSON.parse(row.tsc) as string[], reason: row.reason },
    channel: row.channel,
    status: row.status,
    firstSeenAt: row.first_seen_at,
    lastSeenAt: row.last_seen_at,
    recurrences: row.recurrences,
    card: row.card_channel && row.card_ts ? { channel: row.card_channel, ts: row.card_ts } : null,
    exceptionExpiresAt: row.exception_expires_at,
    escalation:
      row.escalated_at && row.escalation_channel && row.escalation_ts
        ? { at: row.escalated_at, channel: row.escalation_channel, ts: row.escalation_ts }
        : null,
  };
}
