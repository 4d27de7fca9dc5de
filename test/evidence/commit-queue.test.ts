import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { CommitQueue } from '../../src/evidence/commit-queue.js';
import { openDatabase, type Db } from '../../src/evidence/database.js';

// A real file in WAL mode with synchronous = FULL, as the bot opens it, and a second
// connection that sees only what was committed.
let db: Db;
let reader: Db;
let queue: CommitQueue;

beforeEach(() => {
  const path = join(mkdtempSync(join(tmpdir(), 'soc2-bot-commit-queue-')), 'evidence.sqlite');
  db = openDatabase(path);
  db.exec('CREATE TABLE units (n INTEGER PRIMARY KEY, label TEXT NOT NULL)');
  reader = openDatabase(path);
  queue = new CommitQueue(db);
});

afterEach(() => {
  reader.close();
  db.close();
});

const committed = () => reader.prepare('SELECT n FROM units ORDER BY n').pluck().all();
const insert = (n: number) => db.prepare('INSERT INTO units (n, label) VALUES (?, ?)').run(n, `unit ${n}`);

describe('commit queue', () => {
  it('runs the units of one turn in one transaction, in submission order, and resolves each with its result', async () => {
    const seenByReader: unknown[][] = [];
    const ran: number[] = [];
    const results = Promise.all(
      [1, 2, 3, 4, 5].map((n) =>
        queue.submit(() => {
          ran.push(n);
          insert(n);
          // Nothing is visible to another connection until the whole batch commits.
          seenByReader.push(committed());
          return `result ${n}`;
        }),
      ),
    );
    expect(ran).toEqual([]); // nothing runs in the submitting macrotask
    expect(await results).toEqual(['result 1', 'result 2', 'result 3', 'result 4', 'result 5']);
    expect(ran).toEqual([1, 2, 3, 4, 5]);
    expect(seenByReader).toEqual([[], [], [], [], []]);
    expect(committed()).toEqual([1, 2, 3, 4, 5]);
  });

  it('resolves a unit only after COMMIT: the row is readable from another connection by then', async () => {
    const pending = queue.submit(() => insert(7).changes);
    await Promise.resolve();
    expect(committed()).toEqual([]);
    expect(await pending).toBe(1);
    expect(committed()).toEqual([7]);
    expect(db.inTransaction).toBe(false);
  });

  it('rolls a throwing unit back alone and rejects its promise; the others commit', async () => {
    const first = queue.submit(() => insert(1));
    const failing = queue.submit(() => {
      insert(2);
      throw new Error('unit 2 failed after writing');
    });
    const duplicate = queue.submit(() => insert(1)); // a constraint violation is one unit's failure too
    const last = queue.submit(() => insert(3).changes);
    await expect(failing).rejects.toThrow('unit 2 failed after writing');
    await expect(duplicate).rejects.toThrow(/UNIQUE constraint failed/);
    await expect(first).resolves.toMatchObject({ changes: 1 });
    await expect(last).resolves.toBe(1);
    expect(committed()).toEqual([1, 3]);
  });

  it('refuses a unit that returns a promise: a transaction cannot span an await', async () => {
    const asyncUnit = queue.submit(() => Promise.resolve(insert(4)));
    const other = queue.submit(() => insert(5).changes);
    await expect(asyncUnit).rejects.toThrow('Transaction function cannot return a promise');
    await expect(other).resolves.toBe(1);
    expect(committed()).toEqual([5]);
  });

  it('rejects every unit of a batch that cannot begin, and commits the next batch', async () => {
    db.pragma('busy_timeout = 0');
    reader.exec('BEGIN IMMEDIATE'); // another process holds the write lock
    const units = [queue.submit(() => insert(1)), queue.submit(() => insert(2))];
    for (const unit of units) await expect(unit).rejects.toThrow(/database is locked/);
    reader.exec('ROLLBACK');
    expect(committed()).toEqual([]);
    await expect(queue.submit(() => insert(3).changes)).resolves.toBe(1);
    expect(committed()).toEqual([3]);
  });

  it('puts a unit submitted by a running unit into the next batch', async () => {
    let inner: Promise<number> | null = null;
    await queue.submit(() => {
      insert(1);
      inner = queue.submit(() => {
        // The outer batch has committed by the time this one runs.
        expect(committed()).toEqual([1]);
        return insert(2).changes;
      });
    });
    expect(await inner).toBe(1);
    expect(committed()).toEqual([1, 2]);
  });
});
