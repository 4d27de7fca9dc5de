-- Issue 6: /soc2 status, the Home tab, the weekly digest and the export stay under 200 ms at
-- 1,000,000 events and 100,000 findings. Only indexes: derived data SQLite keeps in the same
-- transaction as every write and builds here from the rows already stored, so existing
-- databases get them complete; the evidence itself is left exactly as written. Most are
-- partial: they hold one kind of row, and a query uses them only when it repeats their WHERE
-- exactly (status-query.ts, digest-stats.ts, read-window.ts do, and say so).

-- Open findings in the order the status answer lists them, with every column it and the
-- digest read (the title too), so neither touches a findings row.
CREATE INDEX findings_open ON findings (severity, due_at IS NULL, due_at, first_seen_at, id, status, control,
  json_extract(finding_json, '$.title'), account, resource_type, resource_id, channel, card_channel, card_ts)
WHERE status IN ('open', 'awaiting_second', 'fixing', 'fix_failed', 'exception_requested');

-- What a status or digest line shows of any finding, for findings joined from evidence.
CREATE INDEX findings_summary ON findings (id, control, json_extract(finding_json, '$.title'), account, resource_type,
  resource_id, channel, severity);

-- A finding's openings (detection, recurrence) by seq: MTTR and the digest measure a closure
-- from the one before it.
CREATE INDEX evidence_events_openings ON evidence_events (finding_id, seq, kind, at)
WHERE kind IN ('finding.detected', 'finding.recurred');

-- A finding's exception grants and expiries by seq, with what a grant says: the exceptions in
-- force are the grants no later grant or expiry follows. Few rows, so the payload is included.
CREATE INDEX evidence_events_exceptions ON evidence_events (finding_id, seq, kind, at, actor_id, actor_name, data)
WHERE kind IN ('exception.granted', 'exception.expired');

-- A finding's approvals by seq: was a closure approved by someone?
CREATE INDEX evidence_events_approvals ON evidence_events (finding_id, seq, kind)
WHERE kind = 'decision.approved';
