import Database from 'better-sqlite3';
import { copyFileSync, existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { runEvidenceCommand } from '../../src/cli/evidence-command.js';
import { HeadSigner } from '../../src/evidence/head-signature.js';
import { writeFixedScenario } from '../evidence/fixed-scenario.js';

const key = Buffer.alloc(32, 0x42);
const clock = { now: () => new Date('2026-12-02T09:00:00.000Z') };
let dir: string;
let plainDb: string;
let signedDb: string;
let events: number;

async function run(args: string[], env: NodeJS.ProcessEnv = {}) {
  const out: string[] = [];
  const err: string[] = [];
  const code = await runEvidenceCommand(args, { out: (l) => out.push(l), err: (l) => err.push(l), env, clock });
  return { code, out, err };
}

beforeAll(() => {
  dir = mkdtempSync(join(tmpdir(), 'soc2-bot-evidence-cli-'));
  plainDb = join(dir, 'plain.sqlite');
  signedDb = join(dir, 'signed.sqlite');
  events = writeFixedScenario(plainDb);
  writeFixedScenario(signedDb, new HeadSigner(key));
});

afterAll(() => rmSync(dir, { recursive: true, force: true }));

function brokenCopy(): string {
  const path = join(dir, `broken-${Math.random().toString(36).slice(2)}.sqlite`);
  copyFileSync(plainDb, path);
  const db = new Database(path);
  db.exec("DROP TRIGGER evidence_events_no_update; UPDATE evidence_events SET actor_name = 'mallory' WHERE seq = 5;");
  db.close();
  return path;
}

describe('soc2-bot evidence verify', () => {
  it('exits 0 on an intact chain and says how many events it checked', async () => {
    const { code, out, err } = await run(['verify', '--db', plainDb]);
    expect(code).toBe(0);
    expect(err).toEqual([]);
    expect(out).toEqual([
      `checked ${events} events`,
      `chain intact up to seq ${events}`,
      'head signature not checked: EVIDENCE_HMAC_KEY is not set and no signature is stored',
    ]);
  });

  it('reads DATABASE_PATH when --db is not given', async () => {
    const { code, out } = await run(['verify'], { DATABASE_PATH: plainDb });
    expect(code).toBe(0);
    expect(out[0]).toBe(`checked ${events} events`);
  });

  it('exits 1 and names the first broken row', async () => {
    const { code, out } = await run(['verify', `--db=${brokenCopy()}`]);
    expect(code).toBe(1);
    expect(out.slice(0, 2)).toEqual(['checked 5 events', 'chain BROKEN at seq 5 (changed): the row no longer matches its hash']);
  });

  it('checks the head signature with EVIDENCE_HMAC_KEY, hex or base64', async () => {
    const hex = await run(['verify', '--db', signedDb], { EVIDENCE_HMAC_KEY: key.toString('hex') });
    expect(hex.code).toBe(0);
    expect(hex.out[2]).toMatch(new RegExp(`^head signature valid \\(seq ${events}, signed `));
    const wrongKey = await run(['verify', '--db', signedDb], { EVIDENCE_HMAC_KEY: Buffer.alloc(32, 1).toString('base64') });
    expect(wrongKey.code).toBe(1);
    expect(wrongKey.out[2]).toMatch(/^head signature INVALID: /);
    const unsigned = await run(['verify', '--db', plainDb], { EVIDENCE_HMAC_KEY: key.toString('hex') });
    expect(unsigned.code).toBe(1);
    expect(unsigned.out[2]).toMatch(/^head signature none: /);
  });

  it('exits 2 for a bad key without echoing it, and for a database it cannot read', async () => {
    const short = await run(['verify', '--db', plainDb], { EVIDENCE_HMAC_KEY: 'abcdef0123' });
    expect(short.code).toBe(2);
    expect(short.err).toEqual(['soc2-bot evidence: EVIDENCE_HMAC_KEY must decode to at least 32 bytes (it decodes to 5)']);

    const missing = join(dir, 'missing.sqlite');
    expect((await run(['verify', '--db', missing])).code).toBe(2);
    expect(existsSync(missing)).toBe(false); // read-only: nothing is created

    const notSqlite = join(dir, 'not-sqlite.sqlite');
    writeFileSync(notSqlite, 'this is not a database, just text long enough to have a header of sorts');
    const garbage = await run(['verify', '--db', notSqlite]);
    expect(garbage.code).toBe(2);
    expect(garbage.err[0]).toMatch(new RegExp(`^soc2-bot evidence: cannot read ${notSqlite.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')}: `));

    const otherDb = join(dir, 'other.sqlite');
    new Database(otherDb).exec('CREATE TABLE t (x)');
    const other = await run(['verify', '--db', otherDb]);
    expect(other.code).toBe(2);
    expect(other.err[0]).toContain('no evidence_events table (not a soc2-bot database)');
  });
});

describe('soc2-bot evidence export', () => {
  const window = ['--from', '2026-11-01', '--to', '2026-11-30'];

  it.each(['csv', 'json', 'html'])('writes %s with the verification and exits 0', async (format) => {
    const out = join(dir, `export.${format}`);
    const result = await run(['export', ...window, '--format', format, '--out', out, '--db', plainDb]);
    expect(result.code).toBe(0);
    expect(result.err).toEqual([]);
    expect(result.out[0]).toBe(`wrote ${format} export of 2026-11-01 to 2026-11-30 to ${out}: 8 finding(s) under 5 criteria`);
    expect(result.out[1]).toBe(`checked ${events} events`);
    const text = readFileSync(out, 'utf8');
    expect(text).toContain(format === 'json' ? `"checked": ${events}` : `checked ${events} events`);
    expect(text).toContain('2026-12-02T09:00:00.000Z'); // generated at, from the clock
  });

  it('still writes the file from a broken chain, says so in it, and exits 1', async () => {
    const out = join(dir, 'broken.html');
    const result = await run(['export', ...window, '--format', 'html', '--out', out, '--db', brokenCopy()]);
    expect(result.code).toBe(1);
    expect(result.err).toEqual(['soc2-bot evidence: the evidence chain did not verify; the export says so at the top']);
    expect(readFileSync(out, 'utf8')).toContain('chain BROKEN at seq 5 (changed)');
  });

  it('exits 2 when the output cannot be written', async () => {
    const result = await run(['export', ...window, '--format', 'csv', '--out', join(dir, 'no-such-folder', 'x.csv'), '--db', plainDb]);
    expect(result.code).toBe(2);
    expect(result.err[0]).toMatch(/^soc2-bot evidence: cannot write .*no-such-folder/);
  });

  it('refuses to write the export over the database it reads', async () => {
    const { code, err } = await run(['export', ...window, '--format', 'csv', '--out', plainDb, '--db', plainDb]);
    expect(code).toBe(64);
    expect(err[0]).toBe('soc2-bot evidence: --out is the evidence database itself');
    expect((await run(['verify', '--db', plainDb])).code).toBe(0);
  });

  it.each([
    [['export', '--to', '2026-11-30', '--format', 'csv', '--out', 'x'], 'missing --from'],
    [['export', '--from', '2026-02-30', '--to', '2026-03-01', '--format', 'csv', '--out', 'x'], '--from must be a date YYYY-MM-DD, got "2026-02-30"'],
    [['export', '--from', '2026-11-01', '--to', '30/11/2026', '--format', 'csv', '--out', 'x'], '--to must be a date YYYY-MM-DD, got "30/11/2026"'],
    [['export', '--from', '2026-11-30', '--to', '2026-11-01', '--format', 'csv', '--out', 'x'], '--to 2026-11-01 is before --from 2026-11-30'],
    [['export', '--from', '2026-11-01', '--to', '2026-11-30', '--format', 'pdf', '--out', 'x'], '--format must be csv, json or html, got "pdf"'],
    [['export', '--from', '2026-11-01', '--to', '2026-11-30', '--format', 'csv', '--out'], '--out needs a value'],
    [['export', '--from', '2026-11-01', '--from', '2026-11-02', '--to', '2026-11-30', '--format', 'csv', '--out', 'x'], '--from given more than once'],
    [['export', '--from', '2026-11-01', '--to', '2026-11-30', '--format', 'csv', '--out', 'x', '--sign'], 'unknown option --sign'],
    [['verify', '--from', '2026-11-01'], 'unknown option --from'],
    [['verify', 'extra.sqlite'], 'unexpected argument "extra.sqlite"'],
    [['audit'], 'unknown subcommand "audit"'],
    [[], 'missing subcommand'],
  ])('%j is a usage error naming the problem (64)', async (args, problem) => {
    const { code, out, err } = await run(args);
    expect(code).toBe(64);
    expect(out).toEqual([]);
    expect(err[0]).toBe(`soc2-bot evidence: ${problem}`);
    expect(err.join('\n')).toContain('usage: soc2-bot evidence verify [--db PATH]');
  });

  it('--help prints the usage and exits 0', async () => {
    for (const args of [['--help'], ['export', '--help'], ['verify', '-h']]) {
      const { code, out } = await run(args);
      expect(code).toBe(0);
      expect(out[0]).toContain('soc2-bot evidence export --from YYYY-MM-DD --to YYYY-MM-DD --format csv|json|html --out PATH [--db PATH]');
    }
  });
});
