import type { Db } from './database.js';

/** Where incremental polling resumes, per source; kept in SQLite so a restart does not re-read everything. */
export class PollCursors {
  constructor(private readonly db: Db) {}

  get(source: string): string | null {
    const row = this.db.prepare('SELECT updated_after FROM poll_cursors WHERE source = ?').get(source) as
      | { updated_after: string }
      | undefined;
    return row?.updated_after ?? null;
  }

  set(source: string, updatedAfter: string): void {
    this.db
      .prepare(`INSERT INTO poll_cursors (source, updated_after) VALUES (?, ?)
        ON CONFLICT (source) DO UPDATE SET updated_after = excluded.updated_after`)
      .run(source, updatedAfter);
  }
}
