import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { migrate, openDatabase } from '../../src/evidence/database.js';
import { botActor, EvidenceLog, hashEvent } from '../../src/evidence/evidence-log.js';
import { HeadSigner } from '../../src/evidence/head-signature.js';
import { chainIsSound, verifyChain } from '../../src/evidence/verify-chain.js';
import { makeFinding, makeTriage } from '../helpers/findings.js';

const clock = { now: () => new Date('2026-11-24T12:00:00.000Z') };

describe('evidence log', () => {
  it('chains every row to the previous one by SHA-256', () => {
    const db = openDatabase(':memory:');
    migrate(db);
    const log = new EvidenceLog(db, clock);
    const route = { channel: 'C1', owner: null, via: 'fallback' as const };
    const first = log.append('finding.detected', 'f-1', botActor, { finding: makeFinding(), triage: makeTriage(), route });
    const second = log.append('decision.approved', 'f-1', { type: 'slack_user', id: 'U1', name: 'ana' }, { decision: 'approve', remediation: 's3-block-public-access', card: { channel: 'C1', ts: '1.2' }, approval: { n: 1, of: 1 } });
    expect(first.seq).toBe(1);
    expect(first.prevHash).toBe('0'.repeat(64));
    expect(second.prevHash).toBe(first.hash);
    const { hash, prevHash, ...body } = second;
    expect(hashEvent(prevHash, body)).toBe(hash);
    expect(log.forFinding('f-1').map((e) => e.kind)).toEqual(['finding.detected', 'decision.approved']);
    expect(log.all()[1]).toEqual(second);
    db.close();
  });

  it('appends inside a caller\'s transaction, committing and rolling back with it, signed or not', () => {
    for (const signer of [null, new HeadSigner(Buffer.alloc(32, 7))]) {
      // A file, not :memory: — WAL mode and its savepoint journal are what the fast path skips.
      const db = openDatabase(join(mkdtempSync(join(tmpdir(), 'soc2-bot-evidence-')), 'evidence.sqlite'));
      migrate(db);
      const log = new EvidenceLog(db, clock, signer);
      const payload = { compliance: 'PASSED', recordState: 'ACTIVE', workflow: null };
      log.append('finding.resolved_at_source', 'f-1', botActor, payload);
      db.transaction(() => {
        log.append('finding.resolved_at_source', 'f-2', botActor, payload);
        log.append('finding.resolved_at_source', 'f-3', botActor, payload);
      }).immediate();
      expect(() =>
        db.transaction(() => {
          log.append('finding.resolved_at_source', 'f-4', botActor, payload);
          throw new Error('the caller failed after appending');
        }).immediate(),
      ).toThrow('the caller failed');
      // The rolled-back event left no row and no gap: the next one takes its seq.
      const next = log.append('finding.resolved_at_source', 'f-5', botActor, payload);
      expect(next.seq).toBe(4);
      expect(log.all().map((e) => e.findingId)).toEqual(['f-1', 'f-2', 'f-3', 'f-5']);
      const verification = verifyChain(db, signer);
      expect(chainIsSound(verification)).toBe(true);
      expect(verification.signature.status).toBe(signer ? 'valid' : 'not_checked');
      db.close();
    }
  });
});
