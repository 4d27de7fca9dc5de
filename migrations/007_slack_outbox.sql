-- Outbound Slack messages that must not be lost: card updates and thread replies
-- (src/slack/outbox.ts). A row is written in the same transaction as the state change it
-- reports, and stays until Slack has taken it, so an outage or a crash loses nothing.
-- ordering_key is the card the item belongs to ("channel:ts"); items of one key are sent
-- strictly in id order.
CREATE TABLE slack_outbox (
  id INTEGER PRIMARY KEY AUTOINCREMENT,
  ordering_key TEXT NOT NULL,
  method TEXT NOT NULL CHECK (method IN ('chat.update', 'chat.postMessage')),
  -- The call's arguments; for chat.update the whole message (an update replaces it).
  payload TEXT NOT NULL,
  -- Evidence appended when Slack accepts the item ({ kind, findingId, data }), or NULL.
  evidence TEXT,
  created_at TEXT NOT NULL,
  attempts INTEGER NOT NULL DEFAULT 0,
  -- Also a lease: a claimed item is pushed forward before it is sent, so a second
  -- instance does not send it at the same time, and a crash mid-send retries it later.
  next_attempt_at TEXT NOT NULL,
  last_error TEXT,
  delivered_at TEXT,
  -- A later chat.update of the same card replaced this one before it was sent.
  superseded_by INTEGER REFERENCES slack_outbox (id),
  -- Slack refused it for good (message deleted, channel gone, bad blocks): not retried.
  failed_at TEXT
);

CREATE INDEX slack_outbox_pending ON slack_outbox (ordering_key, id)
  WHERE delivered_at IS NULL AND superseded_by IS NULL AND failed_at IS NULL;
