import { Worker } from 'node:worker_threads';
import type { Logger } from '../app/logger.js';
import type { Db } from './database.js';

/**
 * Copies the write-ahead log into the database file from a worker thread, so that no commit on
 * the main thread (a click's, an ingest batch's) pays for it. In WAL mode SQLite otherwise makes
 * whichever commit crosses 1,000 pages copy them all: half of the page reads and writes of an
 * ingest (counted with strace on bench/ingest.ts) and a latency spike for the click that drew it.
 *
 * The main connection keeps an automatic checkpoint, at a threshold the worker does not normally
 * let the log reach, as the backstop should the worker fall behind or stop; a stopped worker is
 * logged as an error.
 */
export class BackgroundCheckpointer {
  private readonly worker: Worker;
  private stopping = false;
  private readonly stopped: Promise<void>;
  /** Checkpoints run so far and what the last one found (the tests read them). */
  runs = 0;
  last: { logFrames: number; checkpointedFrames: number; busy: number } | null = null;

  constructor(db: Db, databasePath: string, log: Logger, intervalMs = 100) {
    db.pragma(`wal_autocheckpoint = ${backstopPages}`);
    this.worker = new Worker(new URL('./checkpoint-worker.mjs', import.meta.url), { workerData: { databasePath, intervalMs } });
    // A checkpointer never keeps the process alive: closing the database checkpoints anyway.
    this.worker.unref();
    this.worker.on('message', (message: CheckpointMessage) => {
      if (message.kind === 'failed') {
        log.warn({ err: message.error }, 'background checkpoint failed; retried at the next interval');
        return;
      }
      this.runs += 1;
      this.last = { logFrames: message.logFrames, checkpointedFrames: message.checkpointedFrames, busy: message.busy };
    });
    this.worker.on('error', (error) => log.error({ err: error.message }, 'background checkpointer stopped; commits checkpoint the log themselves from now on'));
    this.stopped = new Promise((resolve) => this.worker.once('exit', () => resolve()));
    this.worker.once('exit', (code) => {
      if (!this.stopping) log.error({ code }, 'background checkpointer exited; commits checkpoint the log themselves from now on');
      // Back to SQLite's default, so the log stays as small as it would have been without a worker.
      if (db.open) db.pragma('wal_autocheckpoint = 1000');
    });
  }

  /** One last checkpoint, then the worker ends; call before closing the database. */
  async stop(): Promise<void> {
    this.stopping = true;
    // Referenced again: the last checkpoint is awaited, so the process must wait for it.
    this.worker.ref();
    this.worker.postMessage('stop');
    await this.stopped;
  }
}

/**
 * 24 MB of 8 KB pages (database.ts): several ingest commits' worth, more than the worker leaves
 * between two runs, and small enough that a commit which does reach it (the worker starved of
 * CPU) stalls for a fraction of a second, not for seconds.
 */
const backstopPages = 3_000;

type CheckpointMessage =
  | { kind: 'checkpointed'; busy: number; logFrames: number; checkpointedFrames: number }
  | { kind: 'failed'; error: string };
