import { z } from 'zod';
import type { Severity } from '../domain/triage.js';
import { preparedOnce, type Db } from './database.js';
import type { FindingStatus } from './findings-repo.js';

export type ActionableSeverity = Exclude<Severity, 'none'>;

/** Which findings a status answer covers. A team is a routing owner; its findings are those routed to its channel. */
export type StatusScope =
  | { kind: 'all' }
  | { kind: 'severity'; severity: ActionableSeverity }
  | { kind: 'account'; account: string }
  | { kind: 'team'; team: string; channel: string };

/** Still needing someone: not fixed, excepted, resolved at the source or needing no action. */
export const openStatuses = ['open', 'awaiting_second', 'fixing', 'fix_failed', 'exception_requested'] as const satisfies readonly FindingStatus[];
export type OpenStatus = (typeof openStatuses)[number];

/** A card in one of these states still shows buttons someone has to press. */
export const awaitingDecision: ReadonlySet<OpenStatus> = new Set(['open', 'awaiting_second', 'fix_failed', 'exception_requested']);

/** MTTR looks back this far. */
export const mttrWindowDays = 30;

/** Status answers and the Home tab show the exceptions ending this soon (only these: there can be thousands in force). */
export const expiringSoonDays = 14;

export interface OpenFinding {
  id: string;
  control: string | null;
  title: string;
  account: string;
  resourceType: string;
  resourceId: string;
  severity: ActionableSeverity;
  status: OpenStatus;
  dueAt: string | null;
  channel: string;
  card: { channel: string; ts: string } | null;
}

export interface Mttr {
  /** Verified fixes in the window. */
  fixes: number;
  /** Mean time from the sighting that opened the finding (first detection or recurrence) to its verified fix. */
  meanMs: number | null;
}

export interface ActiveException {
  findingId: string;
  control: string | null;
  title: string;
  account: string;
  resourceId: string;
  channel: string;
  severity: Severity;
  justification: string;
  compensatingControl: string | null;
  expiresAt: string;
  requestedBy: string;
  /** The approver (the evidence event's actor). */
  grantedBy: { id: string; name: string | null };
  grantedAt: string;
}

export interface StatusSnapshot {
  open: OpenFinding[];
  mttr: Mttr;
  /** The active exceptions ending within `expiringSoonDays`. */
  exceptions: ActiveException[];
}

interface OpenRow {
  id: string;
  control: string | null;
  title: string;
  account: string;
  resource_type: string;
  resource_id: string;
  severity: ActionableSeverity;
  status: OpenStatus;
  due_at: string | null;
  channel: string;
  card_channel: string | null;
  card_ts: string | null;
}

interface GrantRow {
  finding_id: string;
  at: string;
  actor_id: string;
  actor_name: string | null;
  data: string;
  control: string | null;
  title: string;
  account: string;
  resource_id: string;
  channel: string;
  severity: Severity;
}

const grantedData = z.object({
  requestedBy: z.string(),
  justification: z.string(),
  expiresAt: z.string().refine((value) => !Number.isNaN(Date.parse(value)), 'not a date'),
  compensatingControl: z.string().nullable().optional(),
});

// Partial indexes from migrations 006 and 009 serve these queries: SQLite uses one only when the query
// repeats its WHERE, and without statistics it would often rather take another, so each is
// named (INDEXED BY fails loudly, never silently slow, if they ever drift apart).
const openIn = openStatuses.map((status) => `'${status}'`).join(', ');
const dayMs = 24 * 60 * 60 * 1000;

/** Read-only answers for `/soc2` and the Home tab, straight from the findings table and the evidence log. */
export class StatusQuery {
  private readonly sql;

  constructor(private readonly db: Db) {
    this.sql = preparedOnce(db);
  }

  /** Open findings, most severe first; within a severity the earliest deadline (so the overdue ones) first. */
  openFindings(scope: StatusScope): OpenFinding[] {
    const filter = scopeFilter(scope);
    const rows = this.sql(`SELECT f.id, f.control, f.title, f.account,
        f.resource_type, f.resource_id, f.severity, f.status, f.due_at, f.channel, f.card_channel, f.card_ts
      FROM findings f INDEXED BY findings_open
      WHERE f.status IN (${openIn}) AND f.severity != 'none' ${filter.sql}
      ORDER BY f.severity, f.due_at IS NULL, f.due_at, f.first_seen_at, f.id`).all(filter.params) as OpenRow[];
    return rows.map((row) => ({
      id: row.id,
      control: row.control,
      title: row.title,
      account: row.account,
      resourceType: row.resource_type,
      resourceId: row.resource_id,
      severity: row.severity,
      status: row.status,
      dueAt: row.due_at,
      channel: row.channel,
      card: row.card_channel && row.card_ts ? { channel: row.card_channel, ts: row.card_ts } : null,
    }));
  }

  /** Mean time to remediate over the verified fixes of the last `mttrWindowDays` days. */
  mttr(scope: StatusScope, now: Date): Mttr {
    const filter = scopeFilter(scope);
    // Summed in SQL: thousands of fixes a month, and one row back instead of one each. The findings
    // row is joined only to filter by scope. Whole milliseconds, as Date.parse differences.
    // A recurred finding is measured from its recurrence, not from the sighting before its earlier fix.
    const row = this.sql(`SELECT count(seen_at) AS fixes,
        sum(CAST(round((unixepoch(fixed_at, 'subsec') - unixepoch(seen_at, 'subsec')) * 1000) AS INTEGER)) AS total_ms
      FROM (SELECT v.at AS fixed_at,
        (SELECT d.at FROM evidence_events d INDEXED BY evidence_events_openings
          WHERE d.finding_id = v.finding_id AND d.kind IN ('finding.detected', 'finding.recurred') AND d.seq < v.seq
          ORDER BY d.seq DESC LIMIT 1) AS seen_at
      FROM evidence_events v ${filter.sql ? 'JOIN findings f INDEXED BY findings_summary ON f.id = v.finding_id' : ''}
      WHERE v.kind = 'fix.verified' AND v.at >= @since ${filter.sql})`)
      .get({ ...filter.params, since: new Date(now.getTime() - mttrWindowDays * dayMs).toISOString() }) as { fixes: number; total_ms: number | null };
    return { fixes: row.fixes, meanMs: row.total_ms === null ? null : row.total_ms / row.fixes };
  }

  /**
   * Exceptions in force at `now`, soonest expiry first: the latest `exception.granted` of each
   * finding, not yet past its expiry and not followed by `exception.expired`. With `endingBy`,
   * only those that end by then.
   */
  activeExceptions(scope: StatusScope, now: Date, endingBy?: Date): ActiveException[] {
    const filter = scopeFilter(scope);
    // Writers store expiresAt as toISOString() output (event-data.ts), so text order is time order;
    // checked in SQL so the grants ending later are never read into JavaScript.
    const ending = endingBy ? "AND json_extract(g.data, '$.expiresAt') <= @endingBy" : '';
    const rows = this.sql(`SELECT g.finding_id, g.at, g.actor_id, g.actor_name, g.data, f.control,
        f.title, f.account, f.resource_id, f.channel, f.severity
      FROM evidence_events g INDEXED BY evidence_events_exceptions JOIN findings f INDEXED BY findings_summary ON f.id = g.finding_id
      WHERE g.kind IN ('exception.granted', 'exception.expired') AND g.kind = 'exception.granted' ${ending} ${filter.sql}
        AND NOT EXISTS (SELECT 1 FROM evidence_events later INDEXED BY evidence_events_exceptions WHERE later.finding_id = g.finding_id
          AND later.kind IN ('exception.granted', 'exception.expired') AND later.seq > g.seq)`)
      .all({ ...filter.params, ...(endingBy ? { endingBy: endingBy.toISOString() } : {}) }) as GrantRow[];
    return rows
      .flatMap((row): ActiveException[] => {
        const data = grantedData.safeParse(JSON.parse(row.data));
        // Writers are typed (event-data.ts); a row that still does not fit cannot say when it ends, so it is not shown as active.
        if (!data.success || Date.parse(data.data.expiresAt) <= now.getTime()) return [];
        return [
          {
            findingId: row.finding_id,
            control: row.control,
            title: row.title,
            account: row.account,
            resourceId: row.resource_id,
            channel: row.channel,
            severity: row.severity,
            justification: data.data.justification,
            compensatingControl: data.data.compensatingControl ?? null,
            expiresAt: data.data.expiresAt,
            requestedBy: data.data.requestedBy,
            grantedBy: { id: row.actor_id, name: row.actor_name },
            grantedAt: row.at,
          },
        ];
      })
      .sort((a, b) => Date.parse(a.expiresAt) - Date.parse(b.expiresAt));
  }

  /** Everything a status answer shows, read in one transaction so the parts agree. */
  snapshot(scope: StatusScope, now: Date): StatusSnapshot {
    return this.db.transaction(() => ({
      open: this.openFindings(scope),
      mttr: this.mttr(scope, now),
      exceptions: this.activeExceptions(scope, now, new Date(now.getTime() + expiringSoonDays * dayMs)),
    }))();
  }
}

function scopeFilter(scope: StatusScope): { sql: string; params: Record<string, string> } {
  switch (scope.kind) {
    case 'all':
      return { sql: '', params: {} };
    case 'severity':
      return { sql: 'AND f.severity = @severity', params: { severity: scope.severity } };
    case 'account':
      return { sql: 'AND f.account = @account', params: { account: scope.account } };
    case 'team':
      return { sql: 'AND f.channel = @channel', params: { channel: scope.channel } };
  }
}
