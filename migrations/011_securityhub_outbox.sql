-- Workflow updates for Security Hub that must not be lost (src/remediate/security-hub-writeback.ts):
-- each is a row before it is sent, kept until Security Hub takes it or refuses it for good, and
-- retried with backoff after throttling, a server error, a timeout or a crash, so the console ends
-- up agreeing with Slack. Rows of one finding are sent strictly in id order (RESOLVED after a fix,
-- then NOTIFIED after an undo must not arrive the other way round).
CREATE TABLE securityhub_outbox (
  id INTEGER PRIMARY KEY AUTOINCREMENT,
  finding_id TEXT NOT NULL,
  region TEXT NOT NULL,
  -- The BatchUpdateFindings input, as sent.
  input TEXT NOT NULL,
  created_at TEXT NOT NULL,
  attempts INTEGER NOT NULL DEFAULT 0,
  -- Also a lease: pushed forward before each attempt, so a second instance does not send the
  -- same row at once and a crash mid-call retries it later.
  next_attempt_at TEXT NOT NULL,
  last_error TEXT,
  delivered_at TEXT,
  -- Refused for good (access denied, invalid input, finding unknown to Security Hub): not retried.
  failed_at TEXT
);

CREATE INDEX securityhub_outbox_pending ON securityhub_outbox (finding_id, id)
  WHERE delivered_at IS NULL AND failed_at IS NULL;
