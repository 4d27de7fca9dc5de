import { createHmac, timingSafeEqual } from 'node:crypto';

/** The newest event of the chain, as a signature covers it. */
export interface ChainHead {
  seq: number;
  hash: string;
  /** When the head was written (the event's `at`). */
  at: string;
}

/** Shorter keys could be brute-forced offline from a stolen database copy. */
const minKeyBytes = 32;

export class HmacKeyError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'HmacKeyError';
  }
}

/**
 * Reads EVIDENCE_HMAC_KEY: hex (tried first) or base64, at least 32 bytes once decoded.
 * The message never repeats the key.
 */
export function parseHmacKey(text: string): Buffer {
  const trimmed = text.trim();
  let key: Buffer;
  if (/^(?:[0-9a-f]{2})+$/i.test(trimmed)) key = Buffer.from(trimmed, 'hex');
  else if (/^[A-Za-z0-9+/_-]+={0,2}$/.test(trimmed)) key = Buffer.from(trimmed, 'base64');
  else throw new HmacKeyError('EVIDENCE_HMAC_KEY must be hex or base64');
  if (key.length < minKeyBytes) {
    throw new HmacKeyError(`EVIDENCE_HMAC_KEY must decode to at least ${minKeyBytes} bytes (it decodes to ${key.length})`);
  }
  return key;
}

/** The signer for EVIDENCE_HMAC_KEY, or null when it is unset or blank (signing is optional). */
export function headSignerFromEnv(env: NodeJS.ProcessEnv): HeadSigner | null {
  const text = env['EVIDENCE_HMAC_KEY'];
  return text === undefined || text.trim() === '' ? null : new HeadSigner(parseHmacKey(text));
}

/**
 * HMAC-SHA256 over the chain head. Anyone with a copy of the database can recompute
 * every hash of the chain; only the key holder can sign the recomputed head.
 */
export class HeadSigner {
  constructor(private readonly key: Buffer) {}

  sign(head: ChainHead): string {
    // A versioned, newline-separated message: no field can run into the next.
    return createHmac('sha256', this.key).update(`soc2-bot/evidence-head/v1\n${head.seq}\n${head.hash}\n${head.at}`).digest('hex');
  }

  verifies(head: ChainHead, hmac: string): boolean {
    const expected = Buffer.from(this.sign(head), 'hex');
    const given = /^[0-9a-f]{64}$/.test(hmac) ? Buffer.from(hmac, 'hex') : Buffer.alloc(0);
    return given.length === expected.length && timingSafeEqual(given, expected);
  }
}
