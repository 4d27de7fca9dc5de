import { copyFileSync, mkdirSync, mkdtempSync, readdirSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { runDigestCommand } from '../../src/cli/digest-command.js';
import { readWeekStats } from '../../src/digest/digest-stats.js';
import { parseIsoWeek } from '../../src/digest/iso-week.js';
import { defaultMigrationsDir, migrate, openDatabase } from '../../src/evidence/database.js';
import { readEvidenceReport } from '../../src/evidence/export/export-file.js';
import { openEvidenceReadOnly, UnmigratedDatabaseError } from '../../src/evidence/open-read-only.js';
import { window } from './fixed-scenario.js';

let dir: string;
let oldDb: string;

beforeAll(() => {
  dir = mkdtempSync(join(tmpdir(), 'soc2-bot-read-only-'));
  // A database an older bot left: migrations up to 005, before the named indexes of 006.
  const migrations = join(dir, 'migrations');
  mkdirSync(migrations);
  for (const file of readdirSync(defaultMigrationsDir).filter((name) => /^00[1-5]_/.test(name))) copyFileSync(join(defaultMigrationsDir, file), join(migrations, file));
  oldDb = join(dir, 'old.sqlite');
  const db = openDatabase(oldDb);
  expect(migrate(db, migrations)).toHaveLength(5);
  db.close();
});

afterAll(() => rmSync(dir, { recursive: true, force: true }));

describe('reading a database the bot has not migrated yet', () => {
  it('the digest says which migration it is at and what to do, not "no such index"', async () => {
    const db = openEvidenceReadOnly(oldDb);
    try {
      expect(() => readWeekStats(db, parseIsoWeek('2026-W47')!, 'UTC', new Date('2026-11-24T10:00:00.000Z'))).toThrow(UnmigratedDatabaseError);
      expect(() => readWeekStats(db, parseIsoWeek('2026-W47')!, 'UTC', new Date('2026-11-24T10:00:00.000Z'))).toThrow(
        'the database is at migration 5 and this needs migration 6: start the bot once on it',
      );
      // The export names no index it cannot do without: it still reads (more slowly).
      expect(readEvidenceReport(db, null, window, '2026-12-02T09:00:00.000Z').events).toBe(0);
    } finally {
      db.close();
    }
    const err: string[] = [];
    const status = await runDigestCommand(['--dry-run', '--week', '2026-W47', '--db', oldDb], { out: () => {}, err: (line) => err.push(line), env: {} });
    expect(status).toBe(2);
    expect(err.join('\n')).toContain(`cannot read ${oldDb}: the database is at migration 5 and this needs migration 6: start the bot once on it`);
  });
});
