import Database from 'better-sqlite3';
import { mkdirSync, readdirSync, readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

export type Db = Database.Database;

/** Prepared once per SQL text and kept: preparing is most of the cost of a small query. */
export function preparedOnce(db: Db): (text: string) => Database.Statement {
  const statements = new Map<string, Database.Statement>();
  return (text) => {
    let statement = statements.get(text);
    if (!statement) statements.set(text, (statement = db.prepare(text)));
    return statement;
  };
}

export const defaultMigrationsDir = join(dirname(fileURLToPath(import.meta.url)), '..', '..', 'migrations');

export class MigrationError extends Error {
  constructor(readonly file: string, cause: unknown) {
    super(`migration ${file} failed: ${cause instanceof Error ? cause.message : String(cause)}`);
    this.name = 'MigrationError';
  }
}

/** Opens (creating the folder if needed) a database tuned for durable evidence writes. */
export function openDatabase(path: string): Db {
  if (path !== ':memory:') mkdirSync(dirname(path), { recursive: true });
  const db = new Database(path);
  // Takes effect only on a new database (before WAL mode and the first table). Half as many pages
  // as SQLite's 4 KB for the same rows: an ingest commit writes fewer log frames, and status,
  // exceptions and verify read faster too (bench/ingest.ts, bench/evidence.ts). A database created
  // with another page size keeps it (README: how to convert one).
  db.pragma('page_size = 8192');
  db.pragma('journal_mode = WAL');
  // FULL: an evidence row is on disk before the click that caused it is answered.
  db.pragma('synchronous = FULL');
  db.pragma('busy_timeout = 5000');
  db.pragma('foreign_keys = ON');
  return db;
}

const migrationName = /^(\d+)_[\w-]+\.sql$/;

/**
 * Applies numbered `.sql` files in order, each in its own transaction, recording
 * each in `schema_migrations`. Returns the files applied now (empty when up to date).
 */
export function migrate(db: Db, dir: string = defaultMigrationsDir): string[] {
  db.exec(`CREATE TABLE IF NOT EXISTS schema_migrations (
    version INTEGER PRIMARY KEY, name TEXT NOT NULL, applied_at TEXT NOT NULL)`);
  const applied = new Set(
    db.prepare('SELECT version FROM schema_migrations').pluck().all().map((v) => Number(v)),
  );
  const files = readdirSync(dir)
    .filter((f) => f.endsWith('.sql'))
    .map((name) => {
      const match = migrationName.exec(name);
      if (!match?.[1]) throw new MigrationError(name, new Error('name must look like 001_description.sql'));
      return { name, version: Number(match[1]) };
    })
    .sort((a, b) => a.version - b.version);
  files.forEach((file, i) => {
    const previous = files[i - 1];
    if (previous && previous.version === file.version) {
      throw new MigrationError(file.name, new Error(`same number as ${previous.name}; renumber one of them`));
    }
  });
  const done: string[] = [];
  for (const file of files) {
    if (applied.has(file.version)) continue;
    const sql = readFileSync(join(dir, file.name), 'utf8');
    try {
      db.transaction(() => {
        db.exec(sql);
        db.prepare('INSERT INTO schema_migrations (version, name, applied_at) VALUES (?, ?, ?)').run(
          file.version,
          file.name,
          new Date().toISOString(),
        );
      })();
    } catch (error) {
      throw new MigrationError(file.name, error);
    }
    done.push(file.name);
  }
  return done;
}
