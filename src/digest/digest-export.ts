/**
 * The weekly digest's attachment: the week's HTML evidence export, shared in the digest's
 * thread. The evidence log is the ledger that keeps it to one upload per week: after
 * `digest.posted` (or a `digest.export_retry` claim) comes `export.shared` or
 * `export.failed`. Only a failure is retried, and only by the run that appends the retry
 * claim; an attempt that never recorded an outcome (the process stopped mid-upload) is
 * left alone rather than risk a second copy, as the digest itself is.
 */
import type { Services } from '../app/services.js';
import type { Db } from '../evidence/database.js';
import { botActor } from '../evidence/evidence-log.js';
import type { ExportFormat } from '../evidence/export/export-file.js';
import type { ExportWindow } from '../evidence/export/report.js';
import { shareExport } from '../evidence/export/share-export.js';
import { weekBounds, type IsoWeek } from './iso-week.js';
import { localTime } from './time.js';

export const digestExportFormat: ExportFormat = 'html';

export type AttachmentOutcome = { attached: true; fileId: string; fileName: string } | { attached: false; error: string };

/** Exactly the digest's week (local Monday 00:00 to the next), labelled with its Monday and Sunday. */
export function weekExportWindow(week: IsoWeek, timeZone: string): ExportWindow {
  const { start, end } = weekBounds(week, timeZone);
  const localDate = (instant: Date) => {
    const t = localTime(instant, timeZone);
    return `${t.year}-${String(t.month).padStart(2, '0')}-${String(t.day).padStart(2, '0')}`;
  };
  return { from: localDate(start), to: localDate(new Date(end.getTime() - 1)), start: start.toISOString(), end: end.toISOString() };
}

/** Shares the week's export in the digest's thread; the outcome is evidence either way. */
export async function attachWeekExport(services: Services, week: string, window: ExportWindow, digest: { channel: string; ts: string }): Promise<AttachmentOutcome> {
  const outcome = await shareExport(services, {
    window,
    format: digestExportFormat,
    channel: digest.channel,
    threadTs: digest.ts,
    actor: botActor,
    digestWeek: week,
  });
  return outcome.ok ? { attached: true, fileId: outcome.fileId, fileName: outcome.file.name } : { attached: false, error: outcome.error };
}

type AttachmentState = 'attached' | 'failed' | 'unsettled';

/** Where the week's attachment stands, from the latest evidence about it. */
function attachmentState(db: Db, week: string): AttachmentState {
  const kind = db
    .prepare(`SELECT kind FROM evidence_events
      WHERE (kind IN ('digest.posted', 'digest.export_retry') AND json_extract(data, '$.week') = @week)
         OR (kind IN ('export.shared', 'export.failed') AND json_extract(data, '$.digestWeek') = @week)
      ORDER BY seq DESC LIMIT 1`)
    .pluck()
    .get({ week }) as string | undefined;
  return kind === 'export.shared' ? 'attached' : kind === 'export.failed' ? 'failed' : 'unsettled';
}

/**
 * After a failed attachment, tries once more; null when there is nothing to retry (already
 * attached, or another run holds it). The claim and the check are one write transaction,
 * so of two instances at most one uploads.
 */
export async function retryWeekExport(
  services: Services,
  db: Db,
  week: string,
  window: ExportWindow,
  digest: { channel: string; ts: string },
): Promise<AttachmentOutcome | null> {
  const claimed = services.atomically(() => {
    const state = attachmentState(db, week);
    if (state === 'unsettled') {
      services.log.info({ week }, 'the weekly digest export was being attached and never recorded an outcome (stopped mid-upload, or the digest predates attachments); not retrying to avoid a duplicate');
    }
    if (state !== 'failed') return false;
    services.evidence.append('digest.export_retry', null, botActor, { week });
    return true;
  });
  return claimed ? attachWeekExport(services, week, window, digest) : null;
}
