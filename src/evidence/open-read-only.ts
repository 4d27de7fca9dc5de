import Database from 'better-sqlite3';
import type { Db } from './database.js';

export class UnreadableDatabaseError extends Error {
  constructor(readonly path: string, reason: string) {
    super(`cannot read ${path}: ${reason}`);
    this.name = 'UnreadableDatabaseError';
  }
}

/**
 * Opens an evidence database for checking or exporting: read-only (an audit must not
 * change what it audits, so no migrations either) and only if it holds evidence.
 */
export function openEvidenceReadOnly(path: string): Db {
  let db: Db;
  try {
    db = new Database(path, { readonly: true, fileMustExist: true });
  } catch (error) {
    throw new UnreadableDatabaseError(path, error instanceof Error ? error.message : String(error));
  }
  try {
    const hasEvidence = db.prepare("SELECT 1 FROM sqlite_master WHERE type = 'table' AND name = 'evidence_events'").get();
    if (!hasEvidence) throw new Error('no evidence_events table (not a soc2-bot database)');
    // The export reads one finding's rows scattered over the file: a larger cache (allocated as used) avoids re-reading pages.
    db.pragma('cache_size = -262144');
  } catch (error) {
    db.close();
    throw new UnreadableDatabaseError(path, error instanceof Error ? error.message : String(error));
  }
  return db;
}
