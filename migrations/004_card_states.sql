-- The card's life (issue: Slack workflow): more states than the slice had, plus the
-- exception and escalation facts the scheduler and /soc2 commands query directly.
-- SQLite cannot alter a CHECK constraint, so the table is rebuilt with the same rows.
CREATE TABLE findings_new (
  id                   TEXT PRIMARY KEY,
  product_arn          TEXT NOT NULL,
  control              TEXT,
  account              TEXT NOT NULL,
  region               TEXT NOT NULL,
  resource_type        TEXT NOT NULL,
  resource_id          TEXT NOT NULL,
  first_seen_at        TEXT NOT NULL,
  last_seen_at         TEXT NOT NULL,
  source_updated_at    TEXT NOT NULL,
  recurrences          INTEGER NOT NULL DEFAULT 0,
  severity             TEXT NOT NULL CHECK (severity IN ('sev1', 'sev2', 'sev3', 'none')),
  mode                 TEXT NOT NULL CHECK (mode IN ('autopilot', 'copilot', 'manual')),
  remediation          TEXT,
  due_at               TEXT,
  tsc                  TEXT NOT NULL,
  reason               TEXT NOT NULL,
  channel              TEXT NOT NULL,
  status               TEXT NOT NULL CHECK (status IN (
                         'open', 'awaiting_second', 'fixing', 'fixed', 'fix_failed',
                         'exception_requested', 'excepted', 'resolved_at_source', 'no_action')),
  card_channel         TEXT,
  card_ts              TEXT,
  finding_json         TEXT NOT NULL,
  exception_expires_at TEXT,
  escalated_at         TEXT,
  escalation_channel   TEXT,
  escalation_ts        TEXT
);
INSERT INTO findings_new (id, product_arn, control, account, region, resource_type, resource_id, first_seen_at,
  last_seen_at, source_updated_at, recurrences, severity, mode, remediation, due_at, tsc, reason, channel, status,
  card_channel, card_ts, finding_json)
SELECT id, product_arn, control, account, region, resource_type, resource_id, first_seen_at,
  last_seen_at, source_updated_at, recurrences, severity, mode, remediation, due_at, tsc, reason, channel, status,
  card_channel, card_ts, finding_json
FROM findings;
DROP TABLE findings;
ALTER TABLE findings_new RENAME TO findings;
CREATE INDEX findings_status ON findings (status);
CREATE INDEX findings_exception_expiry ON findings (exception_expires_at) WHERE exception_expires_at IS NOT NULL;
CREATE INDEX findings_due ON findings (status, due_at);
