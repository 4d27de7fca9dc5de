import Database from 'better-sqlite3';
import { existsSync } from 'node:fs';
import { systemClock, type Clock } from '../domain/clock.js';
import { digestExportFormat, weekExportWindow } from '../digest/digest-export.js';
import { readWeekStats } from '../digest/digest-stats.js';
import { lastCompleteWeek, parseIsoWeek, type IsoWeek } from '../digest/iso-week.js';
import { isTimeZone } from '../digest/time.js';
import { buildWeeklyDigest } from '../digest/weekly-digest.js';
import { readEvidenceReport, renderExportFile } from '../evidence/export/export-file.js';
import { headSignerFromEnv, HmacKeyError, type HeadSigner } from '../evidence/head-signature.js';
import { UnmigratedDatabaseError } from '../evidence/open-read-only.js';
import { describeVerification } from '../evidence/verify-chain.js';
import { safeText } from '../ingest/safe-text.js';
import { renderBlocksAsText } from '../sim/render-card.js';
import { limits } from '../slack/cards.js';

export interface DigestCommandIo {
  out: (line: string) => void;
  err: (line: string) => void;
  /** DATABASE_PATH and DIGEST_TIMEZONE are read from here; defaults to process.env. */
  env?: Record<string, string | undefined>;
  clock?: Clock;
}

export const digestUsage = `usage: soc2-bot digest --dry-run [--week 2026-W47] [--db PATH]

Print the weekly digest as text, without posting it (the running bot posts it on DIGEST_SCHEDULE).

  --dry-run    required: print only
  --week WEEK  ISO week to report on (default: the last complete week)
  --db PATH    evidence database (default: DATABASE_PATH, else ./data/soc2-bot.sqlite); opened read-only
  -h, --help   show this text

Weeks and times follow DIGEST_TIMEZONE (default UTC). The week's HTML evidence export, which the
bot attaches in the digest's thread, is built too and named (checked with EVIDENCE_HMAC_KEY when set).
Exit status: 0 printed, 2 the database could not be read, 64 usage error, 78 bad DIGEST_TIMEZONE or EVIDENCE_HMAC_KEY.`;

const command = 'soc2-bot digest';

interface Options {
  week: IsoWeek | null;
  db: string | null;
}

function parseArgs(args: string[]): Options | 'help' | string {
  const options: Options = { week: null, db: null };
  let dryRun = false;
  for (let i = 0; i < args.length; i += 1) {
    const arg = args[i];
    const value = args[i + 1];
    switch (arg) {
      case '-h':
      case '--help':
        return 'help';
      case '--dry-run':
        dryRun = true;
        break;
      case '--week':
        options.week = value === undefined ? null : parseIsoWeek(value);
        if (!options.week) return `--week needs an ISO week such as 2026-W47, got ${value === undefined ? 'nothing' : safeText(value, 40)}`;
        i += 1;
        break;
      case '--db':
        if (!value) return '--db needs a path';
        options.db = value;
        i += 1;
        break;
      default:
        return `unknown argument ${safeText(arg ?? '', 80)}`;
    }
  }
  return dryRun ? options : 'only --dry-run is available: the running bot posts the digest itself';
}

/** `soc2-bot digest --dry-run`: args are what follows the subcommand. Returns the exit status. */
export async function runDigestCommand(args: string[], io: DigestCommandIo): Promise<number> {
  const options = parseArgs(args);
  if (options === 'help') {
    io.out(digestUsage);
    return 0;
  }
  if (typeof options === 'string') {
    io.err(`${command}: ${options}`);
    io.err(digestUsage);
    return 64;
  }
  const env = io.env ?? process.env;
  const timeZone = env['DIGEST_TIMEZONE'] || 'UTC';
  if (!isTimeZone(timeZone)) {
    io.err(`${command}: DIGEST_TIMEZONE ${safeText(timeZone, 80)} is not a time zone such as Europe/Berlin`);
    return 78;
  }
  let signer: HeadSigner | null;
  try {
    signer = headSignerFromEnv(env);
  } catch (error) {
    if (!(error instanceof HmacKeyError)) throw error;
    io.err(`${command}: ${error.message}`);
    return 78;
  }
  const path = options.db ?? (env['DATABASE_PATH'] || './data/soc2-bot.sqlite');
  const now = (io.clock ?? systemClock).now();
  const week = options.week ?? lastCompleteWeek(now, timeZone);
  if (!existsSync(path)) {
    io.err(`${command}: no database at ${safeText(path, 300)} (give --db PATH or set DATABASE_PATH)`);
    return 2;
  }
  let text: string;
  let attachment: string[];
  try {
    // Read-only: a dry run must not migrate, or write to, the bot's database.
    const db = new Database(path, { readonly: true, fileMustExist: true });
    try {
      text = renderBlocksAsText(buildWeeklyDigest(readWeekStats(db, week, timeZone, now), null).blocks);
      const { report, events } = readEvidenceReport(db, signer, weekExportWindow(week, timeZone), now.toISOString());
      const file = renderExportFile(report, digestExportFormat);
      attachment = [
        `would attach ${file.name} in the digest's thread: ${file.bytes.length} bytes, ${events} evidence events, ${report.summary.findings} findings`,
        ...describeVerification(report.verification).map((line) => `  ${line}`),
      ];
    } finally {
      db.close();
    }
  } catch (error) {
    if (!(error instanceof Database.SqliteError || error instanceof UnmigratedDatabaseError)) throw error;
    io.err(`${command}: cannot read ${safeText(path, 300)}: ${safeText(error.message, 500)}`);
    return 2;
  }
  // Resource ids and names come from AWS: no control characters reach the terminal.
  for (const line of text.split('\n')) io.out(safeText(line, limits.sectionText));
  io.out('');
  for (const line of attachment) io.out(safeText(line, limits.sectionText));
  io.out('(dry run: nothing was posted)');
  return 0;
}
