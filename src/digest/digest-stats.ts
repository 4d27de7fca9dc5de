/**
 * What the weekly digest says, read from SQLite. Every query over evidence_events is a
 * range on (kind, at) for one week (the index from migration 002) or a per-finding lookup
 * in a partial index of its openings or exceptions (migration 006) or in the covering
 * index of all its events (migration 010: approvals); open findings are read from the covering index of open ones.
 * So the cost follows the week's activity and what is open now, not the size of the
 * history. The indexes are named (INDEXED BY): a partial one is used only when the query
 * repeats its WHERE, and without statistics SQLite often prefers another.
 */
import type { Severity } from '../domain/triage.js';
import type { Db } from '../evidence/database.js';
import { requireMigration } from '../evidence/open-read-only.js';
import type { FindingStatus } from '../evidence/findings-repo.js';
import { slaHours, type ActionableSeverity } from '../evidence/lifecycle.js';
import { formatIsoWeek, weekBounds, type IsoWeek } from './iso-week.js';


/** Still waiting for someone: counted as open and reminded about (except while a fix runs). */
export const openStatuses = ['open', 'awaiting_second', 'fixing', 'fix_failed', 'exception_requested'] as const satisfies readonly FindingStatus[];

export const slaMs = (severity: ActionableSeverity) => slaHours(severity) * 3_600_000;

/** Exceptions running out within this window are listed. */
export const expiringWithinMs = 14 * 86_400_000;
const listLength = 5;

export interface FindingRef {
  findingId: string;
  control: string | null;
  resourceType: string;
  resourceId: string;
}

export interface WeekStats {
  week: string;
  timeZone: string;
  /** The week is [start, end), ISO instants. */
  start: string;
  end: string;
  /** When the "now" parts (open, overdue, expiring) were read. */
  asOf: string;
  detected: Record<ActionableSeverity, number>;
  recurred: number;
  fixed: { automatically: number; afterApproval: number; atSource: number };
  excepted: number;
  escalated: number;
  open: Record<ActionableSeverity, { count: number; oldest: (FindingRef & { firstSeenAt: string }) | null }>;
  /** Closures this week: mean time from detection (or recurrence) to fix, and how many missed the deadline. */
  mttr: Record<ActionableSeverity, { fixes: number; meanMs: number | null; late: number }>;
  overdue: { count: Record<ActionableSeverity, number>; worst: (FindingRef & { severity: ActionableSeverity; dueAt: string })[] };
  recurring: {
    resources: (FindingRef & { recurrences: number; thisWeek: number })[];
    controls: { control: string | null; thisWeek: number; resources: number }[];
  };
  expiringExceptions: { total: number; soonest: (FindingRef & { expiresAt: string })[] };
}

/** Constants (never input) as an SQL list: `'open', 'fixing'`. */
export const sqlList = (values: readonly string[]) => values.map((v) => `'${v}'`).join(', ');
const openSql = sqlList(openStatuses);

interface RefRow {
  id: string;
  control: string | null;
  resource_type: string;
  resource_id: string;
}

const ref = (row: RefRow): FindingRef => ({
  findingId: row.id,
  control: row.control,
  resourceType: row.resource_type,
  resourceId: row.resource_id,
});

export function isActionableSeverity(value: unknown): value is ActionableSeverity {
  return value === 'sev1' || value === 'sev2' || value === 'sev3';
}

function perSeverity<T>(make: () => T): Record<ActionableSeverity, T> {
  return { sev1: make(), sev2: make(), sev3: make() };
}

export function readWeekStats(db: Db, week: IsoWeek, timeZone: string, now: Date): WeekStats {
  // The named indexes come with migration 006 (009 rebuilds two of them under the same names on a
  // stored title, which the digest does not read); `digest --dry-run` reads without migrating.
  requireMigration(db, 6);
  const { start, end } = weekBounds(week, timeZone);
  const range = { start: start.toISOString(), end: end.toISOString() };
  const asOf = now.toISOString();

  const counts = new Map(
    (
      db
        .prepare(`SELECT kind, COUNT(*) AS n FROM evidence_events
          WHERE kind IN ('finding.recurred', 'exception.granted', 'escalation.raised') AND at >= @start AND at < @end
          GROUP BY kind`)
        .all(range) as { kind: string; n: number }[]
    ).map((r) => [r.kind, r.n]),
  );

  const detected = perSeverity(() => 0);
  for (const row of db
    .prepare(`SELECT json_extract(data, '$.triage.severity') AS severity, COUNT(*) AS n FROM evidence_events
      WHERE kind = 'finding.detected' AND at >= @start AND at < @end GROUP BY 1`)
    .all(range) as { severity: unknown; n: number }[]) {
    if (isActionableSeverity(row.severity)) detected[row.severity] = row.n;
  }

  const { fixed, mttr } = readClosures(db, range);

  const open = perSeverity<WeekStats['open'][ActionableSeverity]>(() => ({ count: 0, oldest: null }));
  // SQLite takes bare columns from the row that holds the MIN(): the oldest finding itself.
  for (const row of db
    .prepare(`SELECT severity, COUNT(*) AS n, MIN(first_seen_at) AS first_seen_at, id, control, resource_type, resource_id
      FROM findings INDEXED BY findings_open WHERE status IN (${openSql}) GROUP BY severity`)
    .all() as (RefRow & { severity: Severity; n: number; first_seen_at: string })[]) {
    if (isActionableSeverity(row.severity)) open[row.severity] = { count: row.n, oldest: { ...ref(row), firstSeenAt: row.first_seen_at } };
  }

  const overdueCount = perSeverity(() => 0);
  for (const row of db
    .prepare(`SELECT severity, COUNT(*) AS n FROM findings INDEXED BY findings_open WHERE status IN (${openSql}) AND due_at < ? GROUP BY severity`)
    .all(asOf) as { severity: Severity; n: number }[]) {
    if (isActionableSeverity(row.severity)) overdueCount[row.severity] = row.n;
  }
  const worst = (
    db
      .prepare(`SELECT id, control, resource_type, resource_id, severity, due_at FROM findings INDEXED BY findings_open
        WHERE status IN (${openSql}) AND due_at < ? ORDER BY due_at, id LIMIT ${listLength}`)
      .all(asOf) as (RefRow & { severity: Severity; due_at: string })[]
  ).flatMap((row) => (isActionableSeverity(row.severity) ? [{ ...ref(row), severity: row.severity, dueAt: row.due_at }] : []));

  return {
    week: formatIsoWeek(week),
    timeZone,
    ...range,
    asOf,
    detected,
    recurred: counts.get('finding.recurred') ?? 0,
    fixed,
    excepted: counts.get('exception.granted') ?? 0,
    escalated: counts.get('escalation.raised') ?? 0,
    open,
    mttr,
    overdue: { count: overdueCount, worst },
    recurring: readRecurring(db, range),
    expiringExceptions: readExpiringExceptions(db, now),
  };
}

interface ClosureRow {
  kind: string;
  at: string;
  opened_at: string;
  severity: unknown;
  due_at: string | null;
  approved: 0 | 1;
}

/** SQL test that evidence row `e` closes a finding's cycle (as src/evidence/lifecycle.ts decides). */
const closes = (e: string) => `(${e}.kind IN ('fix.verified', 'finding.resolved_at_source')
  OR (${e}.kind = 'fix.planned' AND json_extract(${e}.data, '$.alreadyCompliant') = 1)
  OR (${e}.kind = 'finding.updated' AND json_extract(${e}.data, '$.triage.severity') = 'none'))`;

/**
 * A closure is the first event after a detection (or recurrence) that ends it: a verified
 * fix, a fix found already compliant, or Security Hub resolving it (passed, archived or
 * suppressed). A closure by the bot with no human approval since the opening was automatic.
 * Severity and deadline come from the finding, or from the opening triage once a pass at the
 * source has cleared them. The same rules as the export's lifecycle projection, in SQL so
 * only the week's events are read (a fix undone or an exception reopening is not followed).
 */
function readClosures(db: Db, range: { start: string; end: string }): Pick<WeekStats, 'fixed' | 'mttr'> {
  const rows = db
    .prepare(`WITH candidates AS (
        SELECT c.seq, c.kind, c.at, c.finding_id,
          (SELECT o.seq FROM evidence_events o INDEXED BY evidence_events_openings
            WHERE o.finding_id = c.finding_id AND o.seq < c.seq AND o.kind IN ('finding.detected', 'finding.recurred')
            ORDER BY o.seq DESC LIMIT 1) AS opened_seq
        FROM evidence_events c
        WHERE c.kind IN ('fix.verified', 'fix.planned', 'finding.resolved_at_source', 'finding.updated')
          AND c.at >= @start AND c.at < @end AND ${closes('c')})
      SELECT cl.kind, cl.at, o.at AS opened_at,
        COALESCE(NULLIF(f.severity, 'none'), json_extract(o.data, '$.triage.severity')) AS severity,
        COALESCE(f.due_at, json_extract(o.data, '$.triage.dueAt')) AS due_at,
        EXISTS (SELECT 1 FROM evidence_events d INDEXED BY evidence_events_finding
          WHERE d.finding_id = cl.finding_id AND d.kind = 'decision.approved'
          AND d.seq > cl.opened_seq AND d.seq < cl.seq) AS approved
      FROM candidates cl
        JOIN evidence_events o ON o.seq = cl.opened_seq
        JOIN findings f INDEXED BY findings_summary ON f.id = cl.finding_id
      WHERE NOT EXISTS (SELECT 1 FROM evidence_events x WHERE x.finding_id = cl.finding_id
        AND x.seq > cl.opened_seq AND x.seq < cl.seq AND (x.kind = 'exception.granted' OR ${closes('x')}))`)
    .all(range) as ClosureRow[];
  const fixed = { automatically: 0, afterApproval: 0, atSource: 0 };
  const totals = perSeverity(() => ({ fixes: 0, totalMs: 0, late: 0 }));
  for (const row of rows) {
    const bySource = row.kind === 'finding.resolved_at_source' || row.kind === 'finding.updated';
    if (bySource) fixed.atSource += 1;
    else if (row.approved) fixed.afterApproval += 1;
    else fixed.automatically += 1;
    if (!isActionableSeverity(row.severity)) continue;
    const total = totals[row.severity];
    total.fixes += 1;
    total.totalMs += Date.parse(row.at) - Date.parse(row.opened_at);
    if (row.due_at && row.at > row.due_at) total.late += 1;
  }
  const summary = (total: (typeof totals)[ActionableSeverity]) => ({
    fixes: total.fixes,
    meanMs: total.fixes ? total.totalMs / total.fixes : null,
    late: total.late,
  });
  return { fixed, mttr: { sev1: summary(totals.sev1), sev2: summary(totals.sev2), sev3: summary(totals.sev3) } };
}

/** Findings that came back this week, worst offenders first by how often they ever came back. */
function readRecurring(db: Db, range: { start: string; end: string }): WeekStats['recurring'] {
  const rows = db
    .prepare(`SELECT f.id, f.control, f.resource_type, f.resource_id, f.recurrences, COUNT(*) AS this_week
      FROM evidence_events e JOIN findings f ON f.id = e.finding_id
      WHERE e.kind = 'finding.recurred' AND e.at >= @start AND e.at < @end
      GROUP BY f.id ORDER BY f.recurrences DESC, this_week DESC, f.id`)
    .all(range) as (RefRow & { recurrences: number; this_week: number })[];
  const controls = new Map<string | null, { control: string | null; thisWeek: number; resources: number }>();
  for (const row of rows) {
    const entry = controls.get(row.control) ?? { control: row.control, thisWeek: 0, resources: 0 };
    entry.thisWeek += row.this_week;
    entry.resources += 1;
    controls.set(row.control, entry);
  }
  return {
    resources: rows.slice(0, listLength).map((row) => ({ ...ref(row), recurrences: row.recurrences, thisWeek: row.this_week })),
    controls: [...controls.values()]
      .sort((a, b) => b.thisWeek - a.thisWeek || b.resources - a.resources || String(a.control).localeCompare(String(b.control)))
      .slice(0, listLength),
  };
}

/** The latest grant per finding, still in force (no later grant or expiry), ending within the window. */
function readExpiringExceptions(db: Db, now: Date): WeekStats['expiringExceptions'] {
  const rows = db
    .prepare(`SELECT f.id, f.control, f.resource_type, f.resource_id, json_extract(g.data, '$.expiresAt') AS expires_at
      FROM evidence_events g INDEXED BY evidence_events_exceptions JOIN findings f INDEXED BY findings_summary ON f.id = g.finding_id
      WHERE g.kind IN ('exception.granted', 'exception.expired') AND g.kind = 'exception.granted'
        AND json_extract(g.data, '$.expiresAt') > @now AND json_extract(g.data, '$.expiresAt') <= @horizon
        AND NOT EXISTS (SELECT 1 FROM evidence_events l INDEXED BY evidence_events_exceptions WHERE l.finding_id = g.finding_id
          AND l.seq > g.seq AND l.kind IN ('exception.granted', 'exception.expired'))
      ORDER BY expires_at, f.id`)
    .all({ now: now.toISOString(), horizon: new Date(now.getTime() + expiringWithinMs).toISOString() }) as (RefRow & {
    expires_at: string;
  })[];
  return { total: rows.length, soonest: rows.slice(0, listLength).map((row) => ({ ...ref(row), expiresAt: row.expires_at })) };
}
