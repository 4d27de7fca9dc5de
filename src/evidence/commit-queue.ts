import type { Db } from './database.js';

interface Unit {
  work: () => unknown;
  resolve: (value: unknown) => void;
  reject: (error: unknown) => void;
}

type Outcome = { ok: true; value: unknown } | { ok: false; error: unknown };

/**
 * Group commit. With `synchronous = FULL` every COMMIT waits for an fsync (a few ms) on the
 * thread that also acknowledges Slack, so a burst of clicks committing one by one queues
 * that many fsyncs behind each other. Units submitted in one event-loop turn instead run in
 * one IMMEDIATE transaction, in submission order, each in its own savepoint (a throwing unit
 * rolls back alone and rejects its own promise); one COMMIT, one fsync, then every promise
 * settles. A promise never resolves before its unit is on disk.
 */
export class CommitQueue {
  private pending: Unit[] = [];
  private readonly runBatch;
  private readonly inSavepoint;

  constructor(private readonly db: Db) {
    // Inside runBatch's transaction, better-sqlite3 runs a nested transaction as a savepoint.
    this.inSavepoint = db.transaction((work: () => unknown) => work());
    this.runBatch = db.transaction((units: Unit[]): Outcome[] =>
      units.map((unit) => {
        try {
          return { ok: true, value: this.inSavepoint(unit.work) };
        } catch (error) {
          // SQLite itself rolled the whole transaction back (e.g. disk full): the batch fails as one.
          if (!this.db.inTransaction) throw error;
          return { ok: false, error };
        }
      }),
    );
  }

  /** Runs `work` (synchronous; it may not return a promise) in the next batch; resolves with its result once committed. */
  submit<T>(work: () => T): Promise<T> {
    return new Promise<T>((resolve, reject) => {
      // The check phase runs after every I/O callback of this turn: all clicks read in it share the batch.
      if (this.pending.length === 0) setImmediate(() => this.flush());
      this.pending.push({ work, resolve: resolve as (value: unknown) => void, reject });
    });
  }

  private flush(): void {
    const batch = this.pending;
    this.pending = [];
    let outcomes: Outcome[];
    try {
      outcomes = this.runBatch.immediate(batch);
    } catch (error) {
      // BEGIN or COMMIT failed (or SQLite dropped the transaction): nothing of this batch was kept.
      for (const unit of batch) unit.reject(error);
      return;
    }
    batch.forEach((unit, i) => {
      const outcome = outcomes[i];
      if (outcome?.ok) unit.resolve(outcome.value);
      else unit.reject(outcome?.error);
    });
  }
}
