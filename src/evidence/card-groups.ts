import type { Db } from './database.js';

/** One group card: the findings of one root cause shown together (migration 008). */
export interface CardGroup {
  id: string;
  account: string;
  remediation: string;
  channel: string;
  /** The change every member gets, as the card shows it. */
  diff: string;
  card: { channel: string; ts: string };
  createdAt: string;
  /** When "One card each" gave the undecided members cards of their own. */
  splitAt: string | null;
}

interface CardGroupRow {
  id: string;
  account: string;
  remediation: string;
  channel: string;
  diff: string;
  card_channel: string;
  card_ts: string;
  created_at: string;
  split_at: string | null;
}

/** Which findings a group card stands for; the members' own state stays in `findings`. */
export class CardGroups {
  constructor(private readonly db: Db) {}

  /** Records a posted group card and points each member at it; the caller commits this with the members' evidence. */
  create(group: Omit<CardGroup, 'splitAt'>, memberIds: readonly string[]): void {
    this.db
      .prepare(`INSERT INTO card_groups (id, account, remediation, channel, diff, card_channel, card_ts, created_at)
        VALUES (@id, @account, @remediation, @channel, @diff, @card_channel, @card_ts, @created_at)`)
      .run({
        id: group.id,
        account: group.account,
        remediation: group.remediation,
        channel: group.channel,
        diff: group.diff,
        card_channel: group.card.channel,
        card_ts: group.card.ts,
        created_at: group.createdAt,
      });
    const join = this.db.prepare('UPDATE findings SET group_id = ? WHERE id = ?');
    for (const id of memberIds) join.run(group.id, id);
  }

  get(id: string): CardGroup | null {
    const row = this.db.prepare('SELECT * FROM card_groups WHERE id = ?').get(id) as CardGroupRow | undefined;
    return row ? fromRow(row) : null;
  }

  /** The group card a finding was shown on, if any (also after a split gave it a card of its own). */
  ofFinding(findingId: string): CardGroup | null {
    const row = this.db
      .prepare('SELECT g.* FROM card_groups g JOIN findings f ON f.group_id = g.id WHERE f.id = ?')
      .get(findingId) as CardGroupRow | undefined;
    return row ? fromRow(row) : null;
  }

  /** Ids of the findings the group card stands for (not those a split gave cards of their own), in list order. */
  memberIds(id: string): string[] {
    return this.db
      .prepare(`SELECT f.id FROM findings f JOIN card_groups g ON g.id = f.group_id
        WHERE g.id = ? AND f.card_ts IS NULL AND NOT (g.split_at IS NOT NULL AND f.status = 'open') ORDER BY f.resource_id, f.id`)
      .pluck()
      .all(id) as string[];
  }

  /** Every finding still pointing at the group, also those a split gave cards of their own (the card lists them). */
  everMemberIds(id: string): string[] {
    return this.db.prepare('SELECT id FROM findings WHERE group_id = ? ORDER BY resource_id, id').pluck().all(id) as string[];
  }

  /** A member whose resource changed since the card was posted leaves the group: its own card shows the new change. */
  leave(findingId: string): void {
    this.db.prepare('UPDATE findings SET group_id = NULL WHERE id = ?').run(findingId);
  }

  /**
   * "One card each": the members still waiting for a first decision (open, or failed and
   * retryable) leave the group card; the next delivery gives each a card of its own. Returns
   * their ids; false when the group was already split (a double click).
   */
  split(id: string, at: string): string[] | false {
    if (this.db.prepare('UPDATE card_groups SET split_at = ? WHERE id = ? AND split_at IS NULL').run(at, id).changes !== 1) return false;
    const released = this.db
      .prepare("SELECT id FROM findings WHERE group_id = ? AND card_ts IS NULL AND status IN ('open', 'fix_failed') ORDER BY resource_id, id")
      .pluck()
      .all(id) as string[];
    // A failed fix is retried from its own card like any other: open again.
    this.db.prepare("UPDATE findings SET status = 'open' WHERE group_id = ? AND card_ts IS NULL AND status = 'fix_failed'").run(id);
    return released;
  }
}

function fromRow(row: CardGroupRow): CardGroup {
  return {
    id: row.id,
    account: row.account,
    remediation: row.remediation,
    channel: row.channel,
    diff: row.diff,
    card: { channel: row.card_channel, ts: row.card_ts },
    createdAt: row.created_at,
    splitAt: row.split_at,
  };
}
