import { createHash } from 'node:crypto';
import { Worker } from 'node:worker_threads';
import type { Db } from '../database.js';
import type { HeadSigner } from '../head-signature.js';
import { projectLifecycles } from '../lifecycle.js';
import { chainIsSound, describeVerification, verifyChain, type ChainVerification } from '../verify-chain.js';
import { renderCsv } from './csv.js';
import { renderHtml } from './html.js';
import { renderJson } from './json.js';
import { readWindow } from './read-window.js';
import { buildReport, type EvidenceReport, type ExportWindow } from './report.js';

export const exportFormats = { csv: renderCsv, json: renderJson, html: renderHtml } satisfies Record<string, (report: EvidenceReport) => string>;
export type ExportFormat = keyof typeof exportFormats;

export function isExportFormat(text: string): text is ExportFormat {
  return Object.hasOwn(exportFormats, text);
}

/** A report and how many stored events it was built from. */
export interface ReadReport {
  report: EvidenceReport;
  /** Lifecycle events read for the window, readable or not. */
  events: number;
}

/**
 * Verifies the chain and reads the window in one read transaction, so the verification
 * describes exactly the rows the report is built from.
 */
export function readEvidenceReport(db: Db, signer: HeadSigner | null, window: ExportWindow, generatedAt: string): ReadReport {
  return db.transaction(() => {
    const verification = verifyChain(db, signer);
    const read = readWindow(db, window);
    const report = buildReport({ lifecycles: projectLifecycles(read.events), unreadable: read.unreadable, window, verification, generatedAt });
    return { report, events: read.events.length + read.unreadable.length };
  })();
}

/** The file a report becomes, with the digest an auditor can compare a copy against. */
export interface ExportFile {
  name: string;
  format: ExportFormat;
  bytes: Buffer;
  sha256: string;
}

export function exportFileName(window: ExportWindow, format: ExportFormat): string {
  return `soc2-evidence-${window.from}-to-${window.to}.${format}`;
}

export function renderExportFile(report: EvidenceReport, format: ExportFormat): ExportFile {
  const bytes = Buffer.from(exportFormats[format](report), 'utf8');
  return { name: exportFileName(report.window, format), format, bytes, sha256: createHash('sha256').update(bytes).digest('hex') };
}

/** The verification as evidence rows and Slack comments state it. */
export interface VerificationSummary {
  sound: boolean;
  checked: number;
  headSeq: number | null;
  firstBreakSeq: number | null;
  signature: ChainVerification['signature']['status'];
}

export function summarizeVerification(verification: ChainVerification): VerificationSummary {
  return {
    sound: chainIsSound(verification),
    checked: verification.checked,
    headSeq: verification.head?.seq ?? null,
    firstBreakSeq: verification.firstBreak?.seq ?? null,
    signature: verification.signature.status,
  };
}

/** An export ready to share: the file and what the message next to it says. */
export interface BuiltExport {
  file: ExportFile;
  /** Lifecycle events read for the window, readable or not. */
  events: number;
  findings: number;
  verification: VerificationSummary;
  /** The verification in words (describeVerification). */
  verificationLines: string[];
}

/** Verifies, reads and renders: all the CPU an export costs, and nothing that needs Slack. */
export function buildExport(db: Db, signer: HeadSigner | null, window: ExportWindow, format: ExportFormat, generatedAt: string): BuiltExport {
  const { report, events } = readEvidenceReport(db, signer, window, generatedAt);
  return {
    file: renderExportFile(report, format),
    events,
    findings: report.summary.findings,
    verification: summarizeVerification(report.verification),
    verificationLines: describeVerification(report.verification),
  };
}

/** What the export worker (export-worker.ts) is given, and what it answers. */
export interface ExportJob {
  databasePath: string;
  hmacKey: Buffer | null;
  window: ExportWindow;
  format: ExportFormat;
  generatedAt: string;
}
export type ExportJobResult = { ok: true; built: BuiltExport } | { ok: false; error: string };

/**
 * Builds exports for the running bot off its main thread: at a million events verifying and
 * reading take seconds, and Slack wants every request acknowledged within three. The worker
 * opens its own read-only connection to the bot's database (WAL: it sees every committed row).
 */
export class EvidenceExports {
  constructor(
    private readonly databasePath: string,
    private readonly hmacKey: Buffer | null,
    private readonly now: () => Date,
  ) {}

  build(window: ExportWindow, format: ExportFormat): Promise<BuiltExport> {
    const job: ExportJob = { databasePath: this.databasePath, hmacKey: this.hmacKey, window, format, generatedAt: this.now().toISOString() };
    return new Promise((resolve, reject) => {
      // The .mjs registers tsx first: worker threads do not inherit the loader the bin registered (Node 20).
      const worker = new Worker(new URL('./export-worker.mjs', import.meta.url), { workerData: job });
      worker.once('message', (result: ExportJobResult) => {
        if (!result.ok) return reject(new Error(result.error));
        // Structured cloning hands the bytes back as a plain Uint8Array.
        const { bytes } = result.built.file;
        resolve({ ...result.built, file: { ...result.built.file, bytes: Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength) } });
      });
      worker.once('error', reject);
      // After a message or an error this changes nothing; otherwise the worker died without a word.
      worker.once('exit', (code) => reject(new Error(`the export worker stopped (exit code ${code}) without an answer`)));
    });
  }
}
