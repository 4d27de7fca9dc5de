import type { Db } from '../database.js';
import { actorFromColumns } from '../evidence-log.js';
import type { TimeWindow } from '../lifecycle.js';
import { checkLifecycleEvent, isLifecycleKind, lifecycleKinds, type LifecycleEvent } from '../lifecycle-events.js';

/** A stored event the projection could not use, reported instead of silently dropped. */
export interface UnreadableEvent {
  seq: number;
  kind: string;
  problem: string;
}

export interface WindowEvents {
  /** Lifecycle events, in seq order, of every finding open during the window, up to its end. */
  events: LifecycleEvent[];
  unreadable: UnreadableEvent[];
}

// Kinds that open a finding and kinds that always close one: a finding whose latest such
// event before the window opens it may still be open when the window starts. A superset is
// fine (the projection decides); missing one is not, so only certain closings are listed.
// Exactly the condition of index evidence_events_markers (migration 002): SQLite uses a
// partial index only when the query repeats it, and INDEXED BY fails loudly if it does not.
const markerKinds = `'finding.detected', 'finding.recurred', 'exception.expired', 'fix.verified', 'exception.granted', 'finding.resolved_at_source'`;
const openingKinds = `'finding.detected', 'finding.recurred', 'exception.expired'`;

/*
 * One statement, so only the rows the export needs cross into JavaScript:
 *  - findings with any event in the window: a range of covering index (at, finding_id);
 *  - findings whose latest marker before the window opens them: index evidence_events_markers
 *    walked in finding order (seq is the rowid, so it is in the index too), no sort;
 *  - their lifecycle events up to the window's end, through (finding_id, seq).
 * INDEXED BY: without statistics SQLite would rather sort a (kind, at) range. A database
 * not yet migrated to 002 (read-only here, so never migrated) has no such index: same
 * answer, slower.
 */
const windowQuery = (markersIndexed: boolean) => `
WITH scope(finding_id) AS (
  SELECT finding_id FROM evidence_events WHERE at >= @start AND at < @end AND finding_id IS NOT NULL
  UNION
  SELECT finding_id FROM evidence_events ${markersIndexed ? 'INDEXED BY evidence_events_markers' : ''}
  WHERE kind IN (${markerKinds}) AND at < @start AND finding_id IS NOT NULL
  GROUP BY finding_id HAVING max(seq) = max(CASE WHEN kind IN (${openingKinds}) THEN seq END)
)
SELECT e.seq, e.at, e.kind, e.finding_id, e.actor_type, e.actor_id, e.actor_name, e.data
FROM scope CROSS JOIN evidence_events AS e ON e.finding_id = scope.finding_id
WHERE e.at < @end AND e.kind IN (SELECT value FROM json_each(@kinds))`;

/**
 * The stored rows readWindow reads, raw (seq, at, kind, finding_id, actor_type, actor_id,
 * actor_name, data), one at a time: the part of an export that is SQL.
 */
export function windowRows(db: Db, window: TimeWindow): IterableIterator<unknown[]> {
  const markersIndexed = db.prepare("SELECT 1 FROM sqlite_master WHERE type = 'index' AND name = 'evidence_events_markers'").get() !== undefined;
  return db
    .prepare(windowQuery(markersIndexed))
    .raw(true)
    .iterate({ start: window.start, end: window.end, kinds: JSON.stringify(lifecycleKinds) }) as IterableIterator<unknown[]>;
}

/**
 * What the export (or digest) needs for one window: findings with any event in it or open
 * when it starts, each with its history up to the window's end. Every payload is checked.
 */
export function readWindow(db: Db, window: TimeWindow): WindowEvents {
  const events: LifecycleEvent[] = [];
  const unreadable: UnreadableEvent[] = [];
  // Row by row: each stored payload is garbage as soon as it is checked, never all held at once.
  for (const row of windowRows(db, window)) {
    const read = toEvent(row);
    if ('problem' in read) unreadable.push({ seq: Number(row[0]), kind: String(row[2]), problem: read.problem });
    else events.push(read.event);
  }
  // Rows arrive grouped by finding; seq order is what the projection and the reader expect.
  events.sort((a, b) => a.seq - b.seq);
  unreadable.sort((a, b) => a.seq - b.seq);
  return { events, unreadable };
}

function toEvent(row: unknown[]): { event: LifecycleEvent } | { problem: string } {
  const [seq, at, kind, findingId, actorType, actorId, actorName, data] = row;
  if (typeof seq !== 'number' || typeof at !== 'string' || typeof kind !== 'string' || !isLifecycleKind(kind) || typeof findingId !== 'string') {
    return { problem: 'columns at, kind or finding_id are not what the bot writes' };
  }
  const knownType = actorType === 'slack_user' || actorType === 'bot' || actorType === 'aws';
  if (!knownType || typeof actorId !== 'string' || (actorName !== null && typeof actorName !== 'string')) {
    return { problem: 'actor columns are not what the bot writes' };
  }
  let payload: unknown;
  try {
    payload = JSON.parse(String(data));
  } catch {
    return { problem: 'data is not JSON' };
  }
  const checked = checkLifecycleEvent({ seq, at, kind, findingId, actor: actorFromColumns(actorType, actorId, actorName), data: payload });
  return checked.ok ? { event: checked.event } : { problem: checked.problem };
}
