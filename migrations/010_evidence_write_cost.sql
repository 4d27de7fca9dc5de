-- Issue 5: fewer index entries per evidence row, so storing a new finding costs fewer page writes.
-- Each of these indexes is keyed by something random (a hash, a finding id), so every event
-- dirties its own page in each of them; at 100,000 findings that page I/O, not JavaScript, is
-- most of an ingest. The rows themselves are copied unchanged, in seq order: every hash still
-- chains as before and `evidence verify` checks them as before.
--
--  - hash is no longer UNIQUE. No query reads by hash, and the chain already fails verification
--    on any row that repeats or breaks it. SQLite cannot drop a table constraint in place, so
--    the table is rebuilt, once (about 25 s for 1,000,000 events on the 2-core machine we test on).
--  - evidence_events_finding gains kind and at and replaces evidence_events_approvals: the
--    digest asks whether an approval falls between a finding's opening and its closure, a few
--    events of one finding that the covering index reads as cheaply, and every approval is one
--    index entry fewer. evidence_events_openings stays: the MTTR of `/soc2 status` looks up
--    thousands of openings, and reading them among all of a finding's events doubled its time
--    (bench/evidence.ts, 1,000,000 events).
CREATE TABLE evidence_events_rebuilt (
  seq        INTEGER PRIMARY KEY,
  at         TEXT NOT NULL,
  kind       TEXT NOT NULL,
  finding_id TEXT,
  actor_type TEXT NOT NULL CHECK (actor_type IN ('slack_user', 'bot', 'aws')),
  actor_id   TEXT NOT NULL,
  actor_name TEXT,
  data       TEXT NOT NULL,
  prev_hash  TEXT NOT NULL,
  hash       TEXT NOT NULL
);
INSERT INTO evidence_events_rebuilt (seq, at, kind, finding_id, actor_type, actor_id, actor_name, data, prev_hash, hash)
SELECT seq, at, kind, finding_id, actor_type, actor_id, actor_name, data, prev_hash, hash FROM evidence_events ORDER BY seq;
-- Dropping a table drops its triggers first, so the append-only guard does not stop this.
DROP TABLE evidence_events;
ALTER TABLE evidence_events_rebuilt RENAME TO evidence_events;

CREATE TRIGGER evidence_events_no_update BEFORE UPDATE ON evidence_events
BEGIN SELECT RAISE(ABORT, 'evidence_events is append-only'); END;
CREATE TRIGGER evidence_events_no_delete BEFORE DELETE ON evidence_events
BEGIN SELECT RAISE(ABORT, 'evidence_events is append-only'); END;

-- A finding's events in order, with what the closure queries test of each.
CREATE INDEX evidence_events_finding ON evidence_events (finding_id, seq, kind, at);
-- Unchanged from migrations 002 and 006.
CREATE INDEX evidence_events_at_finding ON evidence_events (at, finding_id);
CREATE INDEX evidence_events_kind_at_finding ON evidence_events (kind, at, finding_id);
CREATE INDEX evidence_events_markers ON evidence_events (finding_id, at, kind)
WHERE kind IN ('finding.detected', 'finding.recurred', 'exception.expired', 'fix.verified', 'exception.granted', 'finding.resolved_at_source');
CREATE INDEX evidence_events_openings ON evidence_events (finding_id, seq, kind, at)
WHERE kind IN ('finding.detected', 'finding.recurred');
CREATE INDEX evidence_events_exceptions ON evidence_events (finding_id, seq, kind, at, actor_id, actor_name, data)
WHERE kind IN ('exception.granted', 'exception.expired');
