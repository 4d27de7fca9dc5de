-- Weekly digest: one row per ISO week reported on. Inserting the row is the claim, so
-- two instances (or a restart) can never both post the same week. 'failed' means the
-- post did not go out and the week may be claimed again; 'claimed' that never became
-- 'posted' means a process died mid-post, and is left alone rather than risk a duplicate.
CREATE TABLE digest_posts (
  week       TEXT PRIMARY KEY, -- ISO week reported on, e.g. 2026-W47
  status     TEXT NOT NULL CHECK (status IN ('claimed', 'posted', 'failed')),
  claimed_at TEXT NOT NULL,
  claimed_by TEXT NOT NULL,    -- process that claimed it (pid@host/random)
  channel    TEXT,
  ts         TEXT,
  posted_at  TEXT,
  late       INTEGER NOT NULL DEFAULT 0
);

-- SLA reminders already sent, one row per reminder: the key is the claim. `period` counts
-- whole days past the deadline for 'overdue' (one a day) and is 0 for 'sla75' (once per
-- deadline); a new deadline (recurrence, escalation) starts afresh. No foreign key: the
-- findings table is rebuilt by later migrations.
CREATE TABLE sla_reminders (
  finding_id TEXT NOT NULL,
  kind       TEXT NOT NULL CHECK (kind IN ('sla75', 'overdue')),
  due_at     TEXT NOT NULL,
  period     INTEGER NOT NULL,
  claimed_at TEXT NOT NULL,
  PRIMARY KEY (finding_id, kind, due_at, period)
);

-- The digest reads one week of one kind of evidence at a time, through the index on
-- evidence_events (kind, at, ...) that migration 002 creates.
