-- Grouped cards (issue 5): many findings of one root cause in one account and delivery pass
-- share one card with a bulk Approve. The group remembers its card, so a click on it is
-- honoured only for the group that card was posted for; each member keeps its own row,
-- status and evidence, and points at its group.
CREATE TABLE card_groups (
  id            TEXT PRIMARY KEY,
  account       TEXT NOT NULL,
  remediation   TEXT NOT NULL,
  channel       TEXT NOT NULL,   -- the target channel the members were routed to
  diff          TEXT NOT NULL,   -- the one change every member gets, as shown on the card
  card_channel  TEXT NOT NULL,
  card_ts       TEXT NOT NULL,
  created_at    TEXT NOT NULL,
  split_at      TEXT,            -- "One card each": the members still undecided got cards of their own
  UNIQUE (card_channel, card_ts)
);

-- The group card the finding was shown on; kept after a split (history), cleared when it recurs
-- (the recurrence gets a fresh card, grouped again or not).
ALTER TABLE findings ADD COLUMN group_id TEXT REFERENCES card_groups (id);
CREATE INDEX findings_group ON findings (group_id) WHERE group_id IS NOT NULL;
