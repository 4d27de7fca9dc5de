import Database from 'better-sqlite3';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { runDigestCommand } from '../../src/cli/digest-command.js';
import type { OfflineBot } from '../../src/sim/offline-bot.js';
import { newDatabasePath, Seeder, startBot, TestClock } from '../digest/scenario.js';

let clock: TestClock;
let databasePath: string;
let offline: OfflineBot;

beforeEach(async () => {
  clock = new TestClock(new Date('2026-11-17T10:00:00.000Z'));
  databasePath = newDatabasePath();
  offline = await startBot(clock, databasePath);
  const seed = new Seeder(offline.bot.services, clock);
  seed.detect('2026-11-17T10:00:00.000Z', { id: 'A', control: 'S3.8', resourceId: 'arn:aws:s3:::exports', severity: 'sev1', mode: 'copilot' });
  seed.detect('2026-11-18T10:00:00.000Z', { id: 'B', control: 'EC2.19', resourceId: 'sg-0aaa', severity: 'sev2', mode: 'copilot' });
  seed.autoFix('2026-11-18T12:00:00.000Z', 'B');
  clock.set('2026-11-24T10:00:00.000Z');
});

afterEach(async () => {
  await offline.close();
});

async function run(args: string[], env: Record<string, string | undefined> = {}) {
  const out: string[] = [];
  const err: string[] = [];
  const status = await runDigestCommand(args, { out: (l) => out.push(l), err: (l) => err.push(l), env, clock });
  return { status, out: out.join('\n'), err: err.join('\n') };
}

function countRows(table: string): number {
  const db = new Database(databasePath, { readonly: true });
  const n = db.prepare(`SELECT COUNT(*) FROM ${table}`).pluck().get() as number;
  db.close();
  return n;
}

describe('soc2-bot digest --dry-run', () => {
  it('prints the digest as text and posts nothing, writes nothing', async () => {
    const eventsBefore = countRows('evidence_events');
    const result = await run(['--dry-run', '--week', '2026-W47', '--db', databasePath]);
    expect(result.status).toBe(0);
    expect(result.err).toBe('');
    expect(result.out).toContain('== SOC 2 weekly digest · 2026-W47 ==');
    expect(result.out).toContain('New findings: *2* (Sev1 1 · Sev2 1)');
    expect(result.out).toContain('Fixed: *1*: 1 automatically, 0 after approval, 0 resolved in Security Hub');
    expect(result.out).toContain('(dry run: nothing was posted)');
    // B's detection and auto-fix, A's detection: the week's lifecycle events.
    expect(result.out).toMatch(/would attach soc2-evidence-2026-11-16-to-2026-11-22\.html in the digest's thread: \d+ bytes, 5 evidence events, 2 findings/);
    expect(result.out).toContain('chain intact up to seq');
    expect(offline.slack.callsTo('chat.postMessage')).toHaveLength(0);
    expect(offline.slack.callsTo('files.getUploadURLExternal')).toHaveLength(0);
    expect(countRows('digest_posts')).toBe(0);
    expect(countRows('evidence_events')).toBe(eventsBefore);
  });

  it('defaults to the last complete week, and takes the database and zone from the environment', async () => {
    const result = await run(['--dry-run'], { DATABASE_PATH: databasePath, DIGEST_TIMEZONE: 'Europe/Berlin' });
    expect(result.status).toBe(0);
    expect(result.out).toContain('2026-W47');
    expect(result.out).toContain('(Europe/Berlin)');
  });

  it('refuses to post, and explains bad arguments', async () => {
    expect(await run(['--week', '2026-W47'])).toMatchObject({ status: 64, err: expect.stringContaining('only --dry-run is available') });
    expect(await run(['--dry-run', '--week', '2026-47'])).toMatchObject({ status: 64, err: expect.stringContaining('ISO week such as 2026-W47') });
    expect(await run(['--dry-run', '--week', '2027-W53'])).toMatchObject({ status: 64 });
    expect(await run(['--dry-run', '--verbose'])).toMatchObject({ status: 64, err: expect.stringContaining('unknown argument --verbose') });
    expect(await run(['--help'])).toMatchObject({ status: 0, out: expect.stringContaining('usage: soc2-bot digest') });
  });

  it('says which database it could not read', async () => {
    const missing = await run(['--dry-run', '--db', '/nonexistent/soc2.sqlite']);
    expect(missing).toMatchObject({ status: 2, err: expect.stringContaining('no database at /nonexistent/soc2.sqlite') });
    const empty = newDatabasePath();
    new Database(empty).close();
    expect(await run(['--dry-run', '--db', empty])).toMatchObject({ status: 2, err: expect.stringContaining('no such table') });
    expect(await run(['--dry-run', '--db', databasePath], { DIGEST_TIMEZONE: 'Mars/Olympus' })).toMatchObject({ status: 78 });
    expect(await run(['--dry-run', '--db', databasePath], { EVIDENCE_HMAC_KEY: 'short' })).toMatchObject({ status: 78, err: expect.stringContaining('EVIDENCE_HMAC_KEY') });
  });
});
