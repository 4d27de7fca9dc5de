import { createHash } from 'node:crypto';
import type { Clock } from '../domain/clock.js';
import { canonicalJson } from './canonical-json.js';
import type { EvidenceData } from './event-data.js';
import type { Db } from './database.js';
import type { ChainHead, HeadSigner } from './head-signature.js';
import { storedEventHash } from './verify-chain.js';

export type EvidenceKind = keyof EvidenceData;

export type Actor =
  | { type: 'slack_user'; id: string; name: string | null }
  | { type: 'bot'; id: 'soc2-bot'; name: null }
  | { type: 'aws'; id: string; name: null };

export const botActor: Actor = { type: 'bot', id: 'soc2-bot', name: null };

export interface EvidenceEvent {
  seq: number;
  at: string;
  kind: EvidenceKind;
  findingId: string | null;
  actor: Actor;
  data: Record<string, unknown>;
  prevHash: string;
  hash: string;
}

interface EvidenceRow {
  seq: number;
  at: string;
  kind: EvidenceKind;
  finding_id: string | null;
  actor_type: Actor['type'];
  actor_id: string;
  actor_name: string | null;
  data: string;
  prev_hash: string;
  hash: string;
}

/** The previous hash of the first event. */
export const genesisHash = '0'.repeat(64);

/** The hash of a row covers the previous hash and everything the row says. */
export function hashEvent(prevHash: string, event: Omit<EvidenceEvent, 'hash' | 'prevHash'>): string {
  return createHash('sha256').update(prevHash).update(canonicalJson(event)).digest('hex');
}

/**
 * Append-only, hash-chained evidence. The database refuses UPDATE and DELETE
 * on the table (migration 001), so this class only ever inserts. With a head
 * signer, each append also signs the new head (migration 002).
 */
export class EvidenceLog {
  private readonly insert;
  private readonly last;
  private readonly signHead: ((head: ChainHead) => void) | null;
  /** Built once: better-sqlite3 compiles a wrapper per db.transaction() call. */
  private readonly inTransaction;

  constructor(private readonly db: Db, private readonly clock: Clock, headSigner: HeadSigner | null = null) {
    this.insert = db.prepare(`INSERT INTO evidence_events
      (seq, at, kind, finding_id, actor_type, actor_id, actor_name, data, prev_hash, hash)
      VALUES (@seq, @at, @kind, @finding_id, @actor_type, @actor_id, @actor_name, @data, @prev_hash, @hash)`);
    this.last = db.prepare('SELECT seq, hash FROM evidence_events ORDER BY seq DESC LIMIT 1');
    this.signHead = headSigner ? headSignatureWriter(db, headSigner) : null;
    this.inTransaction = db.transaction((write: () => EvidenceEvent) => write());
  }

  append<K extends EvidenceKind>(kind: K, findingId: string | null, actor: Actor, payload: EvidenceData[K]): EvidenceEvent {
    const write = () => this.write(kind, findingId, actor, payload as unknown as Record<string, unknown>);
    // Inside the caller's transaction one unsigned insert is atomic by itself, and the savepoint a
    // nested transaction opens costs a sub-journal write per page in WAL mode (most of an ingest's time).
    if (this.db.inTransaction && !this.signHead) return write();
    // IMMEDIATE: two processes appending at once cannot both chain onto the same row.
    return this.inTransaction.immediate(write);
  }

  private write(kind: EvidenceKind, findingId: string | null, actor: Actor, data: Record<string, unknown>): EvidenceEvent {
    const previous = this.last.get() as { seq: number; hash: string } | undefined;
    const seq = (previous?.seq ?? 0) + 1;
    const at = this.clock.now().toISOString();
    const prevHash = previous?.hash ?? genesisHash;
    // Serialised once, for the row and for its hash (storedEventHash is held equal to hashEvent).
    const dataJson = canonicalJson(data);
    const hash = storedEventHash({ seq, at, kind, findingId, actorType: actor.type, actorId: actor.id, actorName: actor.name, data: dataJson, prevHash });
    this.insert.run({
      seq,
      at,
      kind,
      finding_id: findingId,
      actor_type: actor.type,
      actor_id: actor.id,
      actor_name: actor.name,
      data: dataJson,
      prev_hash: prevHash,
      hash,
    });
    // Same transaction: the head is never left unsigned, nor signed without its event.
    this.signHead?.({ seq, hash, at });
    return { seq, at, kind, findingId, actor, data, prevHash, hash };
  }

  forFinding(findingId: string): EvidenceEvent[] {
    return (
      this.db.prepare('SELECT * FROM evidence_events WHERE finding_id = ? ORDER BY seq').all(findingId) as EvidenceRow[]
    ).map(fromRow);
  }

  all(): EvidenceEvent[] {
    return (this.db.prepare('SELECT * FROM evidence_events ORDER BY seq').all() as EvidenceRow[]).map(fromRow);
  }
}

function headSignatureWriter(db: Db, signer: HeadSigner): (head: ChainHead) => void {
  const insert = db.prepare('INSERT INTO evidence_head_signatures (seq, hash, hmac, at) VALUES (@seq, @hash, @hmac, @at)');
  return (head) => insert.run({ ...head, hmac: signer.sign(head) });
}

/** The actor a row's actor columns describe. */
export function actorFromColumns(type: Actor['type'], id: string, name: string | null): Actor {
  return type === 'slack_user' ? { type, id, name } : type === 'aws' ? { type, id, name: null } : botActor;
}

function fromRow(row: EvidenceRow): EvidenceEvent {
  return {
    seq: row.seq,
    at: row.at,
    kind: row.kind,
    findingId: row.finding_id,
    actor: actorFromColumns(row.actor_type, row.actor_id, row.actor_name),
    data: JSON.parse(row.data) as Record<string, unknown>,
    prevHash: row.prev_hash,
    hash: row.hash,
  };
}
