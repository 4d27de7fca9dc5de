import { cpSync, mkdtempSync, readdirSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { defaultMigrationsDir, migrate, MigrationError, openDatabase } from '../../src/evidence/database.js';

const shipped = readdirSync(defaultMigrationsDir).filter((f) => f.endsWith('.sql')).sort();
const tempDir = () => mkdtempSync(join(tmpdir(), 'soc2-bot-mig-'));

function tables(db: ReturnType<typeof openDatabase>): string[] {
  return db.prepare("SELECT name FROM sqlite_master WHERE type = 'table' ORDER BY name").pluck().all() as string[];
}

describe('migrations', () => {
  it('creates the schema on a fresh database and records each file', () => {
    const db = openDatabase(join(tempDir(), 'fresh.sqlite'));
    const applied = migrate(db);
    expect(applied).toEqual(shipped);
    expect(tables(db)).toEqual(expect.arrayContaining(['evidence_events', 'findings', 'poll_cursors', 'schema_migrations']));
    expect(db.prepare('SELECT name FROM schema_migrations ORDER BY version').pluck().all()).toEqual(applied);
    db.close();
  });

  it('changes nothing when run again', () => {
    const path = join(tempDir(), 'twice.sqlite');
    const first = openDatabase(path);
    migrate(first);
    const schemaBefore = first.prepare('SELECT sql FROM sqlite_master ORDER BY name').pluck().all();
    first.close();
    const second = openDatabase(path);
    expect(migrate(second)).toEqual([]);
    expect(second.prepare('SELECT sql FROM sqlite_master ORDER BY name').pluck().all()).toEqual(schemaBefore);
    expect(second.prepare('SELECT count(*) FROM schema_migrations').pluck().get()).toBe(shipped.length);
    second.close();
  });

  it('leaves the database as it was when a migration fails, naming the file and SQLite\'s error', () => {
    const dir = tempDir();
    cpSync(defaultMigrationsDir, dir, { recursive: true });
    // The first statement succeeds, the second fails: the first must be rolled back too.
    writeFileSync(join(dir, '999_broken.sql'), 'CREATE TABLE half_done (id INTEGER);\nALTER TABLE no_such_table ADD COLUMN x TEXT;\n');
    const db = openDatabase(join(tempDir(), 'broken.sqlite'));
    let thrown: unknown;
    try {
      migrate(db, dir);
    } catch (error) {
      thrown = error;
    }
    expect(thrown).toBeInstanceOf(MigrationError);
    expect((thrown as MigrationError).file).toBe('999_broken.sql');
    expect((thrown as Error).message).toMatch(/999_broken\.sql.*no such table: no_such_table/);
    expect(tables(db)).not.toContain('half_done');
    // The shipped ones applied, each in its own transaction, and stay; the broken one is not recorded.
    expect(db.prepare('SELECT name FROM schema_migrations ORDER BY version').pluck().all()).toEqual(shipped);
    db.close();
  });

  it('refuses UPDATE and DELETE on the evidence table', () => {
    const db = openDatabase(':memory:');
    migrate(db);
    db.prepare(
      "INSERT INTO evidence_events (seq, at, kind, actor_type, actor_id, data, prev_hash, hash) VALUES (1, 'x', 'k', 'bot', 'b', '{}', 'p', 'h')",
    ).run();
    expect(() => db.prepare("UPDATE evidence_events SET kind = 'y'").run()).toThrow(/append-only/);
    expect(() => db.prepare('DELETE FROM evidence_events').run()).toThrow(/append-only/);
    db.close();
  });
});

describe('page size', () => {
  it('creates new databases with 8 KB pages and leaves an existing database at the size it was made with', async () => {
    const dir = tempDir();
    const fresh = openDatabase(join(dir, 'fresh.sqlite'));
    migrate(fresh);
    expect(fresh.pragma('page_size', { simple: true })).toBe(8192);
    fresh.close();

    // A database an earlier version created, with SQLite's default 4 KB pages and some evidence.
    const { default: Database } = await import('better-sqlite3');
    const earlier = new Database(join(dir, 'earlier.sqlite'));
    earlier.pragma('journal_mode = WAL');
    earlier.exec('CREATE TABLE kept (n INTEGER PRIMARY KEY)');
    earlier.prepare('INSERT INTO kept (n) VALUES (1)').run();
    earlier.close();
    const reopened = openDatabase(join(dir, 'earlier.sqlite'));
    migrate(reopened);
    expect(reopened.pragma('page_size', { simple: true })).toBe(4096);
    expect(reopened.prepare('SELECT n FROM kept').pluck().all()).toEqual([1]);
    expect(reopened.pragma('integrity_check', { simple: true })).toBe('ok');
    reopened.close();
  });
});
