/**
 * The export worker thread: builds one export from its own read-only connection and posts
 * the result (or what went wrong) back to the thread that shares it in Slack.
 */
import { parentPort, workerData } from 'node:worker_threads';
import { HeadSigner } from '../head-signature.js';
import { openEvidenceReadOnly } from '../open-read-only.js';
import { buildExport, type ExportJob, type ExportJobResult } from './export-file.js';

// Sent by EvidenceExports.build, in this same program.
const job = workerData as ExportJob;
let result: ExportJobResult;
try {
  const db = openEvidenceReadOnly(job.databasePath);
  try {
    const signer = job.hmacKey ? new HeadSigner(Buffer.from(job.hmacKey)) : null;
    result = { ok: true, built: buildExport(db, signer, job.window, job.format, job.generatedAt) };
  } finally {
    db.close();
  }
} catch (error) {
  result = { ok: false, error: error instanceof Error ? error.message : String(error) };
}
parentPort?.postMessage(result);
