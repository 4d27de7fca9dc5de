import { describe, expect, it } from 'vitest';
import { migrate, openDatabase } from '../../src/evidence/database.js';
import { botActor, EvidenceLog, hashEvent } from '../../src/evidence/evidence-log.js';
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
});
