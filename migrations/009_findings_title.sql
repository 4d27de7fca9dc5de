-- Issues 5 and 6: the finding's title as a column. Migration 006's indexes computed
-- json_extract(finding_json, '$.title'), which parses the ~3 KB finding twice more on every
-- insert and update of a findings row (ingest's hot path). FindingsRepo.record writes the
-- title with the JSON; rows stored before get it from their JSON here.
ALTER TABLE findings ADD COLUMN title TEXT NOT NULL DEFAULT '';

-- Dropped first, so filling the column does not also rewrite them.
DROP INDEX findings_open;
DROP INDEX findings_summary;

UPDATE findings SET title = coalesce(json_extract(finding_json, '$.title'), '');

-- 006's two indexes, same names, columns and order, on the stored title: the queries that
-- name them (status-query.ts, digest-stats.ts) read the column instead of the expression.
CREATE INDEX findings_open ON findings (severity, due_at IS NULL, due_at, first_seen_at, id, status, control,
  title, account, resource_type, resource_id, channel, card_channel, card_ts)
WHERE status IN ('open', 'awaiting_second', 'fixing', 'fix_failed', 'exception_requested');

CREATE INDEX findings_summary ON findings (id, control, title, account, resource_type, resource_id, channel, severity);
