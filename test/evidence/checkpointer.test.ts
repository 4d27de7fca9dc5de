import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { PassThrough } from 'node:stream';
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { createLogger } from '../../src/app/logger.js';
import { BackgroundCheckpointer } from '../../src/evidence/checkpointer.js';
import { openDatabase, type Db } from '../../src/evidence/database.js';

// A real file in WAL mode as the bot opens it; the checkpointer's worker opens its own connection.
let dir: string;
let path: string;
let db: Db;
let lines: { level: number; msg: string }[];
const log = () => {
  const stream = new PassThrough();
  stream.on('data', (chunk: Buffer) => {
    for (const line of chunk.toString('utf8').split('\n').filter(Boolean)) lines.push(JSON.parse(line) as { level: number; msg: string });
  });
  return createLogger('info', stream);
};

beforeEach(() => {
  dir = mkdtempSync(join(tmpdir(), 'soc2-bot-checkpointer-'));
  path = join(dir, 'evidence.sqlite');
  db = openDatabase(path);
  db.exec('CREATE TABLE pages (n INTEGER PRIMARY KEY, body TEXT NOT NULL)');
  lines = [];
});

afterEach(() => {
  if (db.open) db.close();
  rmSync(dir, { recursive: true, force: true });
});

/** At least `pages` pages into the write-ahead log, in one commit: a row that nearly fills a page each. */
const write = (pages: number) => {
  const body = 'x'.repeat((db.pragma('page_size', { simple: true }) as number) - 200);
  db.transaction(() => {
    for (let i = 0; i < pages; i++) db.prepare('INSERT INTO pages (body) VALUES (?)').run(body);
  })();
};

describe('background checkpointer', () => {
  it('copies committed pages into the file from its own thread while the main connection only commits', async () => {
    const checkpointer = new BackgroundCheckpointer(db, path, log(), 20);
    // The main connection's own checkpoint is pushed far out, to a backstop.
    expect(db.pragma('wal_autocheckpoint', { simple: true })).toBe(3_000);
    write(2_000);
    // 2,000 pages is twice SQLite's default threshold, which would have made that commit copy them.
    await vi.waitFor(() => expect(checkpointer.last?.checkpointedFrames ?? 0).toBeGreaterThanOrEqual(2_000), { timeout: 5_000 });
    expect(checkpointer.last?.checkpointedFrames).toBe(checkpointer.last?.logFrames);
    // Nothing is left for the main connection to copy.
    const [own] = db.pragma('wal_checkpoint(PASSIVE)') as { log: number; checkpointed: number }[];
    expect(own?.checkpointed).toBe(own?.log);
    await checkpointer.stop();
    expect(lines.filter((l) => l.level >= 40)).toEqual([]);
  });

  it('stops with one last checkpoint and hands checkpointing back to the main connection', async () => {
    const checkpointer = new BackgroundCheckpointer(db, path, log(), 60_000);
    write(300);
    await checkpointer.stop();
    expect(checkpointer.last?.checkpointedFrames).toBeGreaterThanOrEqual(300);
    expect(db.pragma('wal_autocheckpoint', { simple: true })).toBe(1_000);
    // Stopping is not a failure.
    expect(lines.filter((l) => l.level >= 50)).toEqual([]);
    db.close();
    expect(existsSync(`${path}-wal`)).toBe(false);
  });

  it('says so when its thread cannot run, and the main connection checkpoints as it would without one', async () => {
    const checkpointer = new BackgroundCheckpointer(db, join(dir, 'no-such-file.sqlite'), log(), 20);
    await vi.waitFor(() => expect(lines.some((l) => l.level >= 50 && l.msg.includes('commits checkpoint the log themselves'))).toBe(true), {
      timeout: 5_000,
    });
    await vi.waitFor(() => expect(db.pragma('wal_autocheckpoint', { simple: true })).toBe(1_000));
    expect(checkpointer.runs).toBe(0);
    // Stopping a checkpointer whose thread already ended does not wait forever.
    await checkpointer.stop();
  });
});
