import Database from 'better-sqlite3';
import { writeFileSync } from 'node:fs';
import { resolve } from 'node:path';
import { systemClock, type Clock } from '../domain/clock.js';
import type { Db } from '../evidence/database.js';
import { exportFormats, isExportFormat, readEvidenceReport, type ExportFormat } from '../evidence/export/export-file.js';
import { parseDayWindow } from '../evidence/export/export-window.js';
import type { ExportWindow } from '../evidence/export/report.js';
import { headSignerFromEnv, HmacKeyError, type HeadSigner } from '../evidence/head-signature.js';
import { openEvidenceReadOnly, UnreadableDatabaseError } from '../evidence/open-read-only.js';
import { chainIsSound, describeVerification, verifyChain } from '../evidence/verify-chain.js';
import { safeText } from '../ingest/safe-text.js';

export interface EvidenceCommandIo {
  out: (line: string) => void;
  err: (line: string) => void;
  /** DATABASE_PATH and EVIDENCE_HMAC_KEY are read from here; process.env when absent. */
  env?: NodeJS.ProcessEnv;
  /** Stamps the export's "generated at"; the system clock when absent. */
  clock?: Clock;
}

const usage = `usage: soc2-bot evidence verify [--db PATH]
       soc2-bot evidence export --from YYYY-MM-DD --to YYYY-MM-DD --format csv|json|html --out PATH [--db PATH]

  verify   recompute the evidence hash chain and name the first row changed, removed or
           inserted; exit 0 intact, 1 broken, 2 database unreadable
  export   write the evidence of a window (UTC dates, both inclusive) grouped by SOC 2
           criterion, stating the chain's verification; exit 1 if the chain did not verify
  --db     default: $DATABASE_PATH, else ./data/soc2-bot.sqlite

  With EVIDENCE_HMAC_KEY set (hex or base64, 32+ bytes), the signature of the chain head
  is checked too: a copy of the database with every hash recomputed then fails.`;

/** `soc2-bot evidence verify|export`: check the tamper-evident log, or export it for an auditor. */
export async function runEvidenceCommand(args: string[], io: EvidenceCommandIo): Promise<number> {
  const [sub, ...rest] = args;
  if (sub === 'help' || sub === '--help' || sub === '-h') {
    io.out(usage);
    return 0;
  }
  if (sub !== 'verify' && sub !== 'export') return usageError(io, sub ? `unknown subcommand "${safeText(sub, 40)}"` : 'missing subcommand');
  const parsed = parseOptions(rest, sub === 'verify' ? ['--db'] : ['--db', '--from', '--to', '--format', '--out']);
  if ('problem' in parsed) return usageError(io, parsed.problem);
  if (parsed.help) {
    io.out(usage);
    return 0;
  }
  const env = io.env ?? process.env;
  const path = parsed.options.get('--db') ?? (env['DATABASE_PATH'] || './data/soc2-bot.sqlite');
  if (sub === 'verify') return withDatabase(io, env, path, (db, signer) => verify(db, signer, io));
  const request = exportRequest(parsed.options);
  if ('problem' in request) return usageError(io, request.problem);
  // Writing the report over the evidence it was read from would destroy the evidence.
  if (resolve(request.out) === resolve(path)) return usageError(io, '--out is the evidence database itself');
  return withDatabase(io, env, path, (db, signer) => exportWindow(db, signer, request, io));
}

function usageError(io: EvidenceCommandIo, problem: string): number {
  io.err(`soc2-bot evidence: ${problem}`);
  io.err(usage);
  return 64;
}

/** Opens read-only and loads the key; an unreadable database or a bad key is exit 2. */
function withDatabase(io: EvidenceCommandIo, env: NodeJS.ProcessEnv, path: string, work: (db: Db, signer: HeadSigner | null) => number): number {
  let signer: HeadSigner | null;
  try {
    signer = headSignerFromEnv(env);
  } catch (error) {
    if (!(error instanceof HmacKeyError)) throw error;
    io.err(`soc2-bot evidence: ${error.message}`);
    return 2;
  }
  let db: Db | null = null;
  try {
    db = openEvidenceReadOnly(path);
    return work(db, signer);
  } catch (error) {
    if (!(error instanceof UnreadableDatabaseError || error instanceof Database.SqliteError)) throw error;
    io.err(`soc2-bot evidence: ${error instanceof UnreadableDatabaseError ? error.message : `cannot read ${path}: ${error.message}`}`);
    return 2;
  } finally {
    db?.close();
  }
}

function verify(db: Db, signer: HeadSigner | null, io: EvidenceCommandIo): number {
  const result = verifyChain(db, signer);
  for (const line of describeVerification(result)) io.out(line);
  return chainIsSound(result) ? 0 : 1;
}

interface ExportRequest {
  window: ExportWindow;
  format: ExportFormat;
  out: string;
}

function exportWindow(db: Db, signer: HeadSigner | null, request: ExportRequest, io: EvidenceCommandIo): number {
  const generatedAt = (io.clock ?? systemClock).now().toISOString();
  const { report } = readEvidenceReport(db, signer, request.window, generatedAt);
  try {
    writeFileSync(request.out, exportFormats[request.format](report));
  } catch (error) {
    io.err(`soc2-bot evidence: cannot write ${request.out}: ${error instanceof Error ? error.message : String(error)}`);
    return 2;
  }
  const { window, summary, criteria } = report;
  io.out(`wrote ${request.format} export of ${window.from} to ${window.to} to ${request.out}: ${summary.findings} finding(s) under ${criteria.length} criteria`);
  for (const line of describeVerification(report.verification)) io.out(line);
  if (chainIsSound(report.verification)) return 0;
  io.err('soc2-bot evidence: the evidence chain did not verify; the export says so at the top');
  return 1;
}

function exportRequest(options: Map<string, string>): ExportRequest | { problem: string } {
  const missing = ['--from', '--to', '--format', '--out'].filter((name) => !options.has(name));
  if (missing.length) return { problem: `missing ${missing.join(', ')}` };
  const text = (name: string) => options.get(name) ?? '';
  const [fromText, toText, format, out] = [text('--from'), text('--to'), text('--format'), text('--out')] as const;
  const window = parseDayWindow(fromText, toText);
  if ('problem' in window) {
    const problems = {
      bad_from: `--from must be a date YYYY-MM-DD, got "${safeText(fromText, 40)}"`,
      bad_to: `--to must be a date YYYY-MM-DD, got "${safeText(toText, 40)}"`,
      reversed: `--to ${toText} is before --from ${fromText}`,
    };
    return { problem: problems[window.problem] };
  }
  if (!isExportFormat(format)) return { problem: `--format must be csv, json or html, got "${safeText(format, 20)}"` };
  if (!out) return { problem: '--out needs a file path' };
  return { window, format, out };
}

/** `--name value` or `--name=value`, each at most once; no positional arguments. */
function parseOptions(args: string[], allowed: string[]): { options: Map<string, string>; help: boolean } | { problem: string } {
  const options = new Map<string, string>();
  let help = false;
  for (let i = 0; i < args.length; i++) {
    const arg = args[i] ?? '';
    if (arg === '--help' || arg === '-h') {
      help = true;
      continue;
    }
    const eq = arg.indexOf('=');
    const name = eq > 0 ? arg.slice(0, eq) : arg;
    if (!allowed.includes(name)) {
      return { problem: name.startsWith('-') ? `unknown option ${safeText(name, 40)}` : `unexpected argument "${safeText(arg, 60)}"` };
    }
    const value = eq > 0 ? arg.slice(eq + 1) : args[++i];
    if (value === undefined || (eq < 0 && value.startsWith('--'))) return { problem: `${name} needs a value` };
    if (options.has(name)) return { problem: `${name} given more than once` };
    options.set(name, value);
  }
  return { options, help };
}
