// The background checkpointer's thread (checkpointer.ts). Plain JavaScript on purpose: it needs
// only better-sqlite3, and a worker that registered tsx would pay its start-up and memory for
// twenty lines.
import Database from 'better-sqlite3';
import { parentPort, workerData } from 'node:worker_threads';

const { databasePath, intervalMs } = workerData;
// Not read-only: copying pages into the database file needs a connection that may write it.
const db = new Database(databasePath, { fileMustExist: true });
db.pragma('busy_timeout = 5000');
// Never checkpoints on its own account: this connection writes nothing.
db.pragma('wal_autocheckpoint = 0');

function checkpoint() {
  try {
    // PASSIVE: copies what no reader still needs, never waits for or blocks a writer.
    const [result] = db.pragma('wal_checkpoint(PASSIVE)');
    parentPort.postMessage({ kind: 'checkpointed', busy: result.busy, logFrames: result.log, checkpointedFrames: result.checkpointed });
  } catch (error) {
    parentPort.postMessage({ kind: 'failed', error: error instanceof Error ? error.message : String(error) });
  }
}

const timer = setInterval(checkpoint, intervalMs);
parentPort.on('message', (message) => {
  if (message !== 'stop') return;
  clearInterval(timer);
  checkpoint();
  db.close();
  parentPort.close();
});
