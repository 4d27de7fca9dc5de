-- Operational state: one row per finding the bot has seen (a projection; the
-- evidence log below is the record of what happened).
CREATE TABLE findings (
  id                TEXT PRIMARY KEY,
  product_arn       TEXT NOT NULL,
  control           TEXT,
  account           TEXT NOT NULL,
  region            TEXT NOT NULL,
  resource_type     TEXT NOT NULL,
  resource_id       TEXT NOT NULL,
  first_seen_at     TEXT NOT NULL,
  last_seen_at      TEXT NOT NULL,
  source_updated_at TEXT NOT NULL,
  recurrences       INTEGER NOT NULL DEFAULT 0,
  severity          TEXT NOT NULL CHECK (severity IN ('sev1', 'sev2', 'sev3', 'none')),
  mode              TEXT NOT NULL CHECK (mode IN ('autopilot', 'copilot', 'manual')),
  remediation       TEXT,
  due_at            TEXT,
  tsc               TEXT NOT NULL, -- JSON array of SOC 2 criteria
  reason            TEXT NOT NULL, -- the triage rule that decided
  channel           TEXT NOT NULL,
  status            TEXT NOT NULL CHECK (status IN ('open', 'fixing', 'fixed', 'fix_failed', 'no_action')),
  card_channel      TEXT,
  card_ts           TEXT,
  finding_json      TEXT NOT NULL
);
CREATE INDEX findings_status ON findings (status);

-- Audit evidence: append-only, each row chained to the previous one by hash.
CREATE TABLE evidence_events (
  seq        INTEGER PRIMARY KEY,
  at         TEXT NOT NULL,
  kind       TEXT NOT NULL,
  finding_id TEXT,
  actor_type TEXT NOT NULL CHECK (actor_type IN ('slack_user', 'bot', 'aws')),
  actor_id   TEXT NOT NULL,
  actor_name TEXT,
  data       TEXT NOT NULL,
  prev_hash  TEXT NOT NULL,
  hash       TEXT NOT NULL UNIQUE
);
CREATE INDEX evidence_events_finding ON evidence_events (finding_id, seq);

CREATE TRIGGER evidence_events_no_update BEFORE UPDATE ON evidence_events
BEGIN SELECT RAISE(ABORT, 'evidence_events is append-only'); END;
CREATE TRIGGER evidence_events_no_delete BEFORE DELETE ON evidence_events
BEGIN SELECT RAISE(ABORT, 'evidence_events is append-only'); END;

-- Incremental polling: the newest source UpdatedAt already ingested, per source.
CREATE TABLE poll_cursors (
  source        TEXT PRIMARY KEY,
  updated_after TEXT NOT NULL
);
