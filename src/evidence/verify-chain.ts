import { hash } from 'node:crypto';
import type { Db } from './database.js';
import { genesisHash } from './evidence-log.js';
import type { HeadSigner } from './head-signature.js';

/** The first place the stored chain stops matching what was written. */
export interface ChainBreak {
  /**
   * removed: a seq is missing; inserted: seq N and N+1 both chain onto N-1 (seq is N);
   * inserted_or_reordered: prev_hash is not the previous row's hash; changed: the row's
   * content no longer matches its own hash.
   */
  problem: 'removed' | 'inserted' | 'inserted_or_reordered' | 'changed';
  seq: number;
  detail: string;
}

export type HeadSignatureCheck =
  | { status: 'valid'; seq: number; at: string }
  | { status: 'invalid'; reason: string }
  /** No signature is stored; with a key set, that means they were removed or never written. */
  | { status: 'none'; reason: string }
  | { status: 'not_checked'; reason: string };

export interface ChainVerification {
  /** Rows read, up to and including the first broken one. */
  checked: number;
  /** The last row of the table, whatever its state. */
  head: { seq: number; hash: string } | null;
  firstBreak: ChainBreak | null;
  signature: HeadSignatureCheck;
}

/** Intact chain, and a signed head whenever a key was given to check it with. */
export function chainIsSound(result: ChainVerification): boolean {
  const signatureOk =
    result.signature.status === 'valid' ||
    result.signature.status === 'not_checked' ||
    (result.signature.status === 'none' && result.head === null);
  return result.firstBreak === null && signatureOk;
}

/**
 * Recomputes the whole chain in seq order, one row at a time (never the whole table in
 * memory), and stops at the first broken row. With a signer, also checks that the newest
 * head signature is genuine and covers the last row: recomputing every hash is then caught.
 */
export function verifyChain(db: Db, signer: HeadSigner | null): ChainVerification {
  const rows = db
    .prepare('SELECT seq, at, kind, finding_id, actor_type, actor_id, actor_name, data, prev_hash, hash FROM evidence_events ORDER BY seq')
    .raw(true);
  let checked = 0;
  let firstBreak: ChainBreak | null = null;
  let expectedSeq = 1;
  let previousHash = genesisHash;
  let hashBeforePrevious: string | null = null;
  for (const row of rows.iterate() as IterableIterator<unknown[]>) {
    checked += 1;
    firstBreak = checkRow(row, expectedSeq, previousHash, hashBeforePrevious);
    if (firstBreak) break;
    hashBeforePrevious = previousHash;
    previousHash = String(row[9]); // a string: checkRow accepted the row
    expectedSeq += 1;
  }
  // The loop may stop early; the iterator is closed by break, so the next query can run.
  const head = (db.prepare('SELECT seq, hash FROM evidence_events ORDER BY seq DESC LIMIT 1').get() ?? null) as {
    seq: number;
    hash: string;
  } | null;
  return { checked, head, firstBreak, signature: checkHeadSignature(db, head, signer) };
}

/** A row's columns, typed as the writer writes them. */
export interface StoredEvent {
  seq: number;
  at: string;
  kind: string;
  findingId: string | null;
  actorType: string;
  actorId: string;
  actorName: string | null;
  /** Canonical JSON of the payload, exactly as stored. */
  data: string;
  prevHash: string;
  hash: string;
}

const isText = (value: unknown): value is string => typeof value === 'string';
const isTextOrNull = (value: unknown): value is string | null => value === null || typeof value === 'string';

/** Null when a column holds a type the writer never writes (the row was edited). */
function storedEvent(row: unknown[]): StoredEvent | null {
  const [seq, at, kind, findingId, actorType, actorId, actorName, data, prevHash, hash] = row;
  if (typeof seq !== 'number' || !isText(at) || !isText(kind) || !isTextOrNull(findingId) || !isText(actorType)) return null;
  if (!isText(actorId) || !isTextOrNull(actorName) || !isText(data) || !isText(prevHash) || !isText(hash)) return null;
  return { seq, at, kind, findingId, actorType, actorId, actorName, data, prevHash, hash };
}

function checkRow(row: unknown[], expectedSeq: number, previousHash: string, hashBeforePrevious: string | null): ChainBreak | null {
  const event = storedEvent(row);
  if (!event) return { problem: 'changed', seq: typeof row[0] === 'number' ? row[0] : expectedSeq, detail: 'a column holds a value of the wrong type' };
  const { seq, prevHash } = event;
  if (seq > expectedSeq) {
    const missing = seq - 1 === expectedSeq ? `seq ${expectedSeq} is` : `seq ${expectedSeq}–${seq - 1} are`;
    return { problem: 'removed', seq: expectedSeq, detail: `${missing} missing: the next row is seq ${seq}` };
  }
  if (seq < expectedSeq) return { problem: 'inserted', seq, detail: `seq ${seq} comes before the first event (seq 1)` };
  if (prevHash !== previousHash) {
    if (prevHash === hashBeforePrevious) {
      // Two rows claim the same predecessor: a row forged in between, or one replayed after.
      return { problem: 'inserted', seq: seq - 1, detail: `seq ${seq - 1} and seq ${seq} both chain onto seq ${seq - 2}: one of them was inserted` };
    }
    return {
      problem: 'inserted_or_reordered',
      seq,
      detail: seq === 1 ? 'the first row does not start the chain' : `prev_hash is not the hash of seq ${seq - 1}`,
    };
  }
  if (event.hash !== storedEventHash(event)) return { problem: 'changed', seq, detail: 'the row no longer matches its hash' };
  return null;
}

/**
 * hashEvent for a row as stored, without parsing `data`: the stored `data` is already the
 * canonical JSON of the payload, so the canonical body is assembled around it (keys in
 * sorted order: actor{id,name,type}, at, data, findingId, kind, seq). A test holds this
 * equal to hashEvent.
 */
export function storedEventHash(event: Omit<StoredEvent, 'hash'>): string {
  const { actorId, actorName, actorType, at, data, findingId, kind, seq } = event;
  const body =
    `{"actor":{"id":${JSON.stringify(actorId)},"name":${JSON.stringify(actorName)},"type":${JSON.stringify(actorType)}},` +
    `"at":${JSON.stringify(at)},"data":${data},"findingId":${JSON.stringify(findingId)},"kind":${JSON.stringify(kind)},"seq":${seq}}`;
  // One-shot: a Hash object per row was a third of verify's time at 1M events.
  return hash('sha256', event.prevHash + body, 'hex');
}

interface SignatureRow {
  seq: unknown;
  hash: unknown;
  hmac: unknown;
  at: unknown;
}

function checkHeadSignature(db: Db, head: { seq: number; hash: string } | null, signer: HeadSigner | null): HeadSignatureCheck {
  // Databases from before migration 002 have no signature table: nothing was signed.
  const hasTable = db.prepare("SELECT 1 FROM sqlite_master WHERE type = 'table' AND name = 'evidence_head_signatures'").get();
  const latest = hasTable
    ? (db.prepare('SELECT seq, hash, hmac, at FROM evidence_head_signatures ORDER BY seq DESC LIMIT 1').get() as SignatureRow | undefined)
    : undefined;
  if (!signer) {
    return { status: 'not_checked', reason: latest ? 'EVIDENCE_HMAC_KEY is not set' : 'EVIDENCE_HMAC_KEY is not set and no signature is stored' };
  }
  if (!latest) {
    return { status: 'none', reason: head ? 'no signature is stored although a key is set: signatures were removed, or events were written without the key' : 'the log is empty' };
  }
  const { seq, hash, hmac, at } = latest;
  if (typeof seq !== 'number' || typeof hash !== 'string' || typeof hmac !== 'string' || typeof at !== 'string') {
    return { status: 'invalid', reason: 'the newest signature row is malformed' };
  }
  if (!signer.verifies({ seq, hash, at }, hmac)) {
    return { status: 'invalid', reason: `the signature of seq ${seq} was not made with this key, or its row was changed` };
  }
  if (!head || head.seq !== seq) {
    return {
      status: 'invalid',
      reason: `the newest signature covers seq ${seq} but the log ends at ${head ? `seq ${head.seq}` : 'no event'}: events were added without the key or removed from the end`,
    };
  }
  if (head.hash !== hash) return { status: 'invalid', reason: `seq ${seq} does not have the hash that was signed: the chain was recomputed` };
  return { status: 'valid', seq, at };
}

/** One line per fact, for the terminal and for every export. */
export function describeVerification(result: ChainVerification): string[] {
  const chain = result.firstBreak
    ? `chain BROKEN at seq ${result.firstBreak.seq} (${result.firstBreak.problem.replaceAll('_', ' ')}): ${result.firstBreak.detail}`
    : result.head
      ? `chain intact up to seq ${result.head.seq}`
      : 'chain intact (no events)';
  const signature = result.signature;
  const signatureLine =
    signature.status === 'valid'
      ? `head signature valid (seq ${signature.seq}, signed ${signature.at})`
      : signature.status === 'invalid'
        ? `head signature INVALID: ${signature.reason}`
        : signature.status === 'none'
          ? `head signature none: ${signature.reason}`
          : `head signature not checked: ${signature.reason}`;
  return [`checked ${result.checked} event${result.checked === 1 ? '' : 's'}`, chain, signatureLine];
}
