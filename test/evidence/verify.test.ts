import Database from 'better-sqlite3';
import { copyFileSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createLogger } from '../../src/app/logger.js';
import { canonicalJson } from '../../src/evidence/canonical-json.js';
import { migrate, openDatabase } from '../../src/evidence/database.js';
import { botActor, EvidenceLog, hashEvent } from '../../src/evidence/evidence-log.js';
import { HeadSigner, headSignerFromEnv, HmacKeyError, parseHmacKey } from '../../src/evidence/head-signature.js';
import { openEvidenceReadOnly } from '../../src/evidence/open-read-only.js';
import { chainIsSound, describeVerification, storedEventHash, verifyChain, type ChainVerification } from '../../src/evidence/verify-chain.js';
import { actionIds } from '../../src/slack/cards.js';
import { buildControlFinding } from '../../src/sim/aws-account.js';
import { startOfflineBot } from '../../src/sim/offline-bot.js';
import { ana, writeFixedScenario } from './fixed-scenario.js';

const key = Buffer.alloc(32, 0x5a);
const signer = new HeadSigner(key);
let dir: string;
/** Evidence of a real session: a public bucket found, approved in Slack, fixed and verified. */
let sessionDb: string;
/** The fixed scenario written with EVIDENCE_HMAC_KEY set: every head signed. */
let signedDb: string;
let copies = 0;

beforeAll(async () => {
  dir = mkdtempSync(join(tmpdir(), 'soc2-bot-verify-'));
  sessionDb = join(dir, 'session.sqlite');
  const account = '111111111111';
  const channel = 'C0PLATFORM01';
  const offline = await startOfflineBot({
    databasePath: sessionDb,
    routing: { fallbackChannel: 'C0SECURITY01', tagKeys: ['owner'], owners: {}, accounts: { [account]: channel } },
    log: createLogger('silent'),
    awsMaxAttempts: 1,
  });
  try {
    offline.aws.addBucket('customer-exports', { region: 'us-east-1', publicAccessBlock: null });
    const asff = buildControlFinding({ control: 'S3.8', resourceId: 'arn:aws:s3:::customer-exports', accountId: account, severity: 'HIGH' });
    offline.aws.addFinding(asff);
    await offline.bot.scan();
    const card = offline.slack.messages(channel)[0];
    if (!card) throw new Error('no card was posted');
    await offline.click({ actionId: actionIds.approve, value: asff.Id!, channel, messageTs: card.ts, user: { id: 'U0ANA00001', name: 'ana' } });
    await offline.bot.background.idle();
  } finally {
    await offline.close();
  }
  signedDb = join(dir, 'signed.sqlite');
  writeFixedScenario(signedDb, signer);
}, 60_000);

afterAll(() => rmSync(dir, { recursive: true, force: true }));

function verifyFile(path: string, withSigner: HeadSigner | null = null): ChainVerification {
  const db = openEvidenceReadOnly(path);
  try {
    return verifyChain(db, withSigner);
  } finally {
    db.close();
  }
}

/** A copy edited the way an attacker with the file would: triggers dropped first, then raw SQL. */
function tampered(source: string, edit: (db: Database.Database) => void): string {
  const path = join(dir, `tampered-${++copies}.sqlite`);
  copyFileSync(source, path);
  const db = new Database(path);
  db.exec('DROP TRIGGER evidence_events_no_update; DROP TRIGGER evidence_events_no_delete;');
  edit(db);
  db.close();
  return path;
}

function scalar(path: string, sql: string, ...params: string[]): unknown {
  const db = new Database(path, { readonly: true });
  try {
    return db.prepare(sql).pluck().get(...params);
  } finally {
    db.close();
  }
}

const seqOf = (path: string, kind: string) => scalar(path, 'SELECT seq FROM evidence_events WHERE kind = ? ORDER BY seq LIMIT 1', kind) as number;

interface Row {
  seq: number;
  at: string;
  kind: string;
  finding_id: string | null;
  actor_type: string;
  actor_id: string;
  actor_name: string | null;
  data: string;
  prev_hash: string;
  hash: string;
}

/** What an attacker without the key can do after any edit: recompute every hash from `fromSeq` on. */
function rechain(db: Database.Database, fromSeq: number): void {
  const rows = db.prepare('SELECT * FROM evidence_events WHERE seq >= ? ORDER BY seq').all(fromSeq) as Row[];
  let prevHash = db.prepare('SELECT hash FROM evidence_events WHERE seq = ?').pluck().get(fromSeq - 1) as string;
  const update = db.prepare('UPDATE evidence_events SET prev_hash = ?, hash = ? WHERE seq = ?');
  for (const row of rows) {
    const hash = storedEventHash({ seq: row.seq, at: row.at, kind: row.kind, findingId: row.finding_id, actorType: row.actor_type, actorId: row.actor_id, actorName: row.actor_name, data: row.data, prevHash });
    update.run(prevHash, hash, row.seq);
    prevHash = hash;
  }
}

describe('evidence verify on a real session', () => {
  it('finds the chain intact and says how many events it checked', () => {
    const count = scalar(sessionDb, 'SELECT count(*) FROM evidence_events') as number;
    expect(count).toBeGreaterThanOrEqual(9);
    const result = verifyFile(sessionDb);
    expect(result).toMatchObject({ checked: count, firstBreak: null, head: { seq: count }, signature: { status: 'not_checked' } });
    expect(chainIsSound(result)).toBe(true);
    expect(describeVerification(result)).toEqual([
      `checked ${count} events`,
      `chain intact up to seq ${count}`,
      'head signature not checked: EVIDENCE_HMAC_KEY is not set and no signature is stored',
    ]);
  });

  it('recomputes exactly the hash EvidenceLog wrote, row by row', () => {
    const db = openDatabase(sessionDb);
    const events = new EvidenceLog(db, { now: () => new Date() }).all();
    db.close();
    for (const { hash, prevHash, ...body } of events) expect(hashEvent(prevHash, body)).toBe(hash);
  });

  it('refuses UPDATE and DELETE on the evidence and on the head signatures', () => {
    const db = new Database(signedDb);
    expect(() => db.prepare("UPDATE evidence_events SET actor_name = 'mallory' WHERE seq = 1").run()).toThrow(/append-only/);
    expect(() => db.prepare('DELETE FROM evidence_events WHERE seq = 1').run()).toThrow(/append-only/);
    expect(() => db.prepare("UPDATE evidence_head_signatures SET hmac = 'x'").run()).toThrow(/append-only/);
    expect(() => db.prepare('DELETE FROM evidence_head_signatures').run()).toThrow(/append-only/);
    db.close();
    expect(chainIsSound(verifyFile(signedDb, signer))).toBe(true);
  });
});

describe('tampering is detected and located', () => {
  it('a changed field: the approver renamed', () => {
    const seq = seqOf(sessionDb, 'decision.approved');
    const path = tampered(sessionDb, (db) => db.prepare("UPDATE evidence_events SET actor_name = 'mallory' WHERE seq = ?").run(seq));
    const result = verifyFile(path);
    expect(result.firstBreak).toEqual({ problem: 'changed', seq, detail: 'the row no longer matches its hash' });
    expect(result.checked).toBe(seq);
    expect(describeVerification(result)[1]).toBe(`chain BROKEN at seq ${seq} (changed): the row no longer matches its hash`);
  });

  it('a changed payload: the recorded after-state rewritten', () => {
    const seq = seqOf(sessionDb, 'fix.planned');
    const path = tampered(sessionDb, (db) =>
      db.prepare("UPDATE evidence_events SET data = json_set(data, '$.after.BlockPublicAcls', json('false')) WHERE seq = ?").run(seq),
    );
    expect(verifyFile(path).firstBreak).toMatchObject({ problem: 'changed', seq });
  });

  it('a value of a type the bot never writes', () => {
    const path = tampered(sessionDb, (db) => db.prepare("UPDATE evidence_events SET data = X'00' WHERE seq = 2").run());
    expect(verifyFile(path).firstBreak).toEqual({ problem: 'changed', seq: 2, detail: 'a column holds a value of the wrong type' });
  });

  it('a deleted row, and several', () => {
    expect(verifyFile(tampered(sessionDb, (db) => db.prepare('DELETE FROM evidence_events WHERE seq = 3').run())).firstBreak).toEqual({
      problem: 'removed',
      seq: 3,
      detail: 'seq 3 is missing: the next row is seq 4',
    });
    expect(verifyFile(tampered(sessionDb, (db) => db.prepare('DELETE FROM evidence_events WHERE seq IN (3, 4)').run())).firstBreak).toMatchObject({
      problem: 'removed',
      seq: 3,
      detail: 'seq 3–4 are missing: the next row is seq 5',
    });
    expect(verifyFile(tampered(sessionDb, (db) => db.prepare('DELETE FROM evidence_events WHERE seq = 1').run())).firstBreak).toMatchObject({ problem: 'removed', seq: 1 });
  });

  it('an inserted row, forged and chained onto its predecessor, with the rest renumbered', () => {
    const path = tampered(sessionDb, (db) => {
      db.prepare('UPDATE evidence_events SET seq = -seq WHERE seq >= 3').run();
      db.prepare('UPDATE evidence_events SET seq = 1 - seq WHERE seq < 0').run();
      const prevHash = db.prepare('SELECT hash FROM evidence_events WHERE seq = 2').pluck().get() as string;
      const forged = {
        seq: 3,
        at: '2026-11-02T10:00:00.000Z',
        kind: 'decision.approved',
        findingId: 'f-forged',
        actorType: 'slack_user',
        actorId: 'U0MALLORY1',
        actorName: 'mallory',
        data: canonicalJson({ decision: 'approve', remediation: 's3-block-public-access', card: { channel: 'C1', ts: '1.1' }, approval: { n: 1, of: 1 } }),
        prevHash,
      };
      db.prepare(`INSERT INTO evidence_events (seq, at, kind, finding_id, actor_type, actor_id, actor_name, data, prev_hash, hash)
        VALUES (@seq, @at, @kind, @findingId, @actorType, @actorId, @actorName, @data, @prevHash, @hash)`).run({ ...forged, hash: storedEventHash(forged) });
    });
    expect(verifyFile(path).firstBreak).toEqual({ problem: 'inserted', seq: 3, detail: 'seq 3 and seq 4 both chain onto seq 2: one of them was inserted' });
  });

  it('the last row replayed after the head', () => {
    const path = tampered(sessionDb, (db) =>
      db.exec(`INSERT INTO evidence_events (seq, at, kind, finding_id, actor_type, actor_id, actor_name, data, prev_hash, hash)
        SELECT seq + 1, at, kind, finding_id, actor_type, actor_id, actor_name, data, prev_hash, 'f' || hash FROM evidence_events ORDER BY seq DESC LIMIT 1`),
    );
    const result = verifyFile(path);
    const head = result.head?.seq ?? 0;
    expect(result.firstBreak).toEqual({ problem: 'inserted', seq: head - 1, detail: `seq ${head - 1} and seq ${head} both chain onto seq ${head - 2}: one of them was inserted` });
  });

  it('a row appended that does not chain onto the head', () => {
    const path = tampered(sessionDb, (db) =>
      db.exec(`INSERT INTO evidence_events (seq, at, kind, finding_id, actor_type, actor_id, actor_name, data, prev_hash, hash)
        SELECT seq + 1, at, kind, finding_id, actor_type, actor_id, actor_name, data, '${'ab'.repeat(32)}', 'f' || hash FROM evidence_events ORDER BY seq DESC LIMIT 1`),
    );
    const result = verifyFile(path);
    const head = result.head?.seq ?? 0;
    expect(result.firstBreak).toEqual({ problem: 'inserted_or_reordered', seq: head, detail: `prev_hash is not the hash of seq ${head - 1}` });
    expect(result.checked).toBe(head);
  });

  it('two rows swapped', () => {
    const path = tampered(sessionDb, (db) => {
      db.prepare('UPDATE evidence_events SET seq = -3 WHERE seq = 4').run();
      db.prepare('UPDATE evidence_events SET seq = 4 WHERE seq = 3').run();
      db.prepare('UPDATE evidence_events SET seq = 3 WHERE seq = -3').run();
    });
    expect(verifyFile(path).firstBreak).toEqual({ problem: 'inserted_or_reordered', seq: 3, detail: 'prev_hash is not the hash of seq 2' });
  });
});

describe('the signed chain head', () => {
  it('EvidenceLog signs every new head in the same transaction as the event', () => {
    const db = new Database(signedDb, { readonly: true });
    const events = db.prepare('SELECT seq, hash, at FROM evidence_events ORDER BY seq').all() as { seq: number; hash: string; at: string }[];
    const signatures = db.prepare('SELECT seq, hash, at, hmac FROM evidence_head_signatures ORDER BY seq').all() as { seq: number; hash: string; at: string; hmac: string }[];
    db.close();
    expect(signatures.map(({ seq, hash, at }) => ({ seq, hash, at }))).toEqual(events);
    for (const s of signatures) expect(signer.verifies(s, s.hmac)).toBe(true);
    const result = verifyFile(signedDb, signer);
    expect(result.signature).toEqual({ status: 'valid', seq: events.length, at: events.at(-1)?.at });
    expect(describeVerification(result)[2]).toBe(`head signature valid (seq ${events.length}, signed ${events.at(-1)?.at})`);
  });

  it('re-chaining after an edit passes the hash chain and is caught only by the signature', () => {
    const path = tampered(signedDb, (db) => {
      db.prepare("UPDATE evidence_events SET actor_name = 'mallory', actor_id = 'U0MALLORY1' WHERE seq = 3").run();
      rechain(db, 3);
    });
    const withoutKey = verifyFile(path);
    expect(withoutKey.firstBreak).toBeNull();
    expect(withoutKey.signature.status).toBe('not_checked');
    expect(chainIsSound(withoutKey)).toBe(true);

    const withKey = verifyFile(path, signer);
    expect(withKey.firstBreak).toBeNull();
    expect(withKey.signature).toEqual({ status: 'invalid', reason: `seq ${withKey.head?.seq} does not have the hash that was signed: the chain was recomputed` });
    expect(chainIsSound(withKey)).toBe(false);
    expect(describeVerification(withKey)[2]).toMatch(/^head signature INVALID: /);
  });

  it('a signature made with another key is invalid', () => {
    const path = tampered(signedDb, (db) => {
      db.prepare("UPDATE evidence_events SET actor_name = 'mallory' WHERE seq = 3").run();
      rechain(db, 3);
      db.exec('DROP TRIGGER evidence_head_signatures_no_update; DROP TRIGGER evidence_head_signatures_no_delete;');
      const head = db.prepare('SELECT seq, hash, at FROM evidence_events ORDER BY seq DESC LIMIT 1').get() as { seq: number; hash: string; at: string };
      const forger = new HeadSigner(Buffer.alloc(32, 0x01));
      db.prepare('UPDATE evidence_head_signatures SET hash = ?, hmac = ? WHERE seq = ?').run(head.hash, forger.sign(head), head.seq);
    });
    expect(verifyFile(path, signer).signature).toEqual({ status: 'invalid', reason: expect.stringContaining('not made with this key') });
  });

  it('removed signatures or a removed last event are caught with the key', () => {
    const unsigned = tampered(signedDb, (db) => {
      db.exec('DROP TRIGGER evidence_head_signatures_no_delete; DELETE FROM evidence_head_signatures;');
    });
    const none = verifyFile(unsigned, signer);
    expect(none.signature).toMatchObject({ status: 'none' });
    expect(chainIsSound(none)).toBe(false);

    const truncated = tampered(signedDb, (db) => db.prepare('DELETE FROM evidence_events WHERE seq = (SELECT max(seq) FROM evidence_events)').run());
    const result = verifyFile(truncated, signer);
    expect(result.firstBreak).toBeNull();
    expect(result.signature).toEqual({ status: 'invalid', reason: expect.stringContaining('events were added without the key or removed from the end') });
  });
});

describe('storedEventHash', () => {
  it('equals hashEvent for awkward payloads, without parsing the stored JSON', () => {
    const db = openDatabase(':memory:');
    migrate(db);
    const log = new EvidenceLog(db, { now: () => new Date('2026-11-24T12:00:00.000Z') });
    const payload = { zeta: 1, alpha: { b: [3, { y: 'ü\u2028"\\' }], a: null }, emoji: '🔐', big: 1e21, neg: -0.5 };
    const events = [
      log.append('securityhub.updated', 'f-1', botActor, { region: 'us-east-1', input: payload }),
      log.append('approval.refused', 'f-1', ana, { action: 'approve', reason: 'not an approver </script>' }),
      log.append('digest.posted', null, { type: 'slack_user', id: 'U1', name: null }, { week: '2026-W48', channel: 'C1', ts: '1.1', late: false }),
    ];
    const rows = db.prepare('SELECT * FROM evidence_events ORDER BY seq').all() as Row[];
    db.close();
    rows.forEach((row, i) => {
      const stored = { seq: row.seq, at: row.at, kind: row.kind, findingId: row.finding_id, actorType: row.actor_type, actorId: row.actor_id, actorName: row.actor_name, data: row.data, prevHash: row.prev_hash };
      expect(storedEventHash(stored)).toBe(events[i]?.hash);
    });
  });
});

describe('EVIDENCE_HMAC_KEY', () => {
  it('reads hex and base64 keys of at least 32 bytes', () => {
    expect(parseHmacKey('ab'.repeat(32))).toEqual(Buffer.alloc(32, 0xab));
    expect(parseHmacKey(Buffer.alloc(48, 7).toString('base64'))).toEqual(Buffer.alloc(48, 7));
    expect(() => parseHmacKey('ab'.repeat(31))).toThrow(/at least 32 bytes \(it decodes to 31\)/);
    expect(() => parseHmacKey('not a key!')).toThrow(HmacKeyError);
    expect(headSignerFromEnv({ EVIDENCE_HMAC_KEY: '  ' })).toBeNull();
    expect(headSignerFromEnv({})).toBeNull();
    expect(headSignerFromEnv({ EVIDENCE_HMAC_KEY: key.toString('hex') })?.sign({ seq: 1, hash: 'h', at: 'a' })).toBe(signer.sign({ seq: 1, hash: 'h', at: 'a' }));
  });
});
