-- Optional HMAC signatures of the evidence chain head (EVIDENCE_HMAC_KEY), one per
-- appended event: a copy of the database alone cannot be re-chained unnoticed.
CREATE TABLE evidence_head_signatures (
  seq  INTEGER PRIMARY KEY, -- the head event signed
  hash TEXT NOT NULL,
  hmac TEXT NOT NULL,
  at   TEXT NOT NULL
);

CREATE TRIGGER evidence_head_signatures_no_update BEFORE UPDATE ON evidence_head_signatures
BEGIN SELECT RAISE(ABORT, 'evidence_head_signatures is append-only'); END;
CREATE TRIGGER evidence_head_signatures_no_delete BEFORE DELETE ON evidence_head_signatures
BEGIN SELECT RAISE(ABORT, 'evidence_head_signatures is append-only'); END;

-- Reading a time window: any event in it (the export's findings in scope), covering.
CREATE INDEX evidence_events_at_finding ON evidence_events (at, finding_id);
-- One kind of event in a time window (the weekly digest), covering.
CREATE INDEX evidence_events_kind_at_finding ON evidence_events (kind, at, finding_id);
-- Findings still open when a window starts: each finding's latest opening or closing event
-- before it, read in finding order with no sort. Partial, so only those kinds are in it; the
-- export query repeats this exact condition (SQLite uses a partial index only then).
CREATE INDEX evidence_events_markers ON evidence_events (finding_id, at, kind)
WHERE kind IN ('finding.detected', 'finding.recurred', 'exception.expired', 'fix.verified', 'exception.granted', 'finding.resolved_at_source');
