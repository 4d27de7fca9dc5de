import { randomBytes } from 'node:crypto';
import { hostname } from 'node:os';
import type { Db } from '../evidence/database.js';

export type DigestPostStatus = 'claimed' | 'posted' | 'failed';

export interface DigestPost {
  week: string;
  status: DigestPostStatus;
  claimedAt: string;
  claimedBy: string;
  /** Where the digest went, once posted. */
  where: { channel: string; ts: string } | null;
}

/** Names this process in a claim, so a stuck claim says who made it. */
const processId = `${process.pid}@${hostname()}/${randomBytes(3).toString('hex')}`;

/** The digest_posts table (migration 003): which weeks were claimed and posted. */
export class DigestPosts {
  constructor(private readonly db: Db) {}

  get(week: string): DigestPost | null {
    const row = this.db.prepare('SELECT week, status, claimed_at, claimed_by, channel, ts FROM digest_posts WHERE week = ?').get(week) as
      | { week: string; status: DigestPostStatus; claimed_at: string; claimed_by: string; channel: string | null; ts: string | null }
      | undefined;
    if (!row) return null;
    const where = row.channel !== null && row.ts !== null ? { channel: row.channel, ts: row.ts } : null;
    return { week: row.week, status: row.status, claimedAt: row.claimed_at, claimedBy: row.claimed_by, where };
  }

  /**
   * Takes the week for this process. One statement, so of any number of processes racing
   * exactly one wins; a week whose post failed can be taken again, any other row cannot.
   */
  claim(week: string, now: Date): boolean {
    const result = this.db
      .prepare(`INSERT INTO digest_posts (week, status, claimed_at, claimed_by) VALUES (?, 'claimed', ?, ?)
        ON CONFLICT (week) DO UPDATE SET status = 'claimed', claimed_at = excluded.claimed_at, claimed_by = excluded.claimed_by
        WHERE digest_posts.status = 'failed'`)
      .run(week, now.toISOString(), processId);
    return result.changes === 1;
  }

  markPosted(week: string, where: { channel: string; ts: string }, now: Date, late: boolean): void {
    this.db
      .prepare("UPDATE digest_posts SET status = 'posted', channel = ?, ts = ?, posted_at = ?, late = ? WHERE week = ? AND claimed_by = ?")
      .run(where.channel, where.ts, now.toISOString(), late ? 1 : 0, week, processId);
  }

  markFailed(week: string): void {
    this.db.prepare("UPDATE digest_posts SET status = 'failed' WHERE week = ? AND claimed_by = ?").run(week, processId);
  }
}
