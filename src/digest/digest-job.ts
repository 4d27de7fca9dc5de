/**
 * Posts the weekly digest at most once per week. The week reported on is the last complete
 * ISO week in the configured zone; it is due at the schedule's first firing after the week
 * ends. Run it on the digest schedule (in the configured zone) and once at start: catch-up
 * covers only that most recent week, so a run after a longer outage posts the latest week
 * late and never backfills older ones, which would only be noise by then
 * (`soc2-bot digest --dry-run --week` shows any past week).
 */
import type { Services } from '../app/services.js';
import type { Db } from '../evidence/database.js';
import { botActor } from '../evidence/evidence-log.js';
import { attachWeekExport, retryWeekExport, weekExportWindow, type AttachmentOutcome } from './digest-export.js';
import { readWeekStats } from './digest-stats.js';
import { DigestPosts, type DigestPostStatus } from './digest-posts.js';
import { formatIsoWeek, lastCompleteWeek, weekBounds } from './iso-week.js';
import { firstFiring } from './schedule-slot.js';
import { buildWeeklyDigest, type LateNote } from './weekly-digest.js';

export interface DigestConfig {
  /** Slack channel id the digest goes to. */
  channel: string;
  /** node-cron expression, e.g. "0 9 * * 1" (Monday 09:00). */
  schedule: string;
  /** IANA zone for the schedule and the week's boundaries, e.g. "Europe/Berlin". */
  timeZone: string;
}

/** What the job needs from a running bot (`Bot` has both). */
export interface JobContext {
  services: Services;
  db: Db;
}

export type DigestRun =
  /** `attachment`: the week's evidence export in the digest's thread; a failure is retried by a later run. */
  | { outcome: 'posted'; week: string; ts: string; late: boolean; attachment: AttachmentOutcome }
  /** The digest was already posted; this run attached the export an earlier run failed to. */
  | { outcome: 'attachment_retried'; week: string; attachment: AttachmentOutcome }
  | { outcome: 'not_due'; week: string; dueAt: string }
  | { outcome: 'already_handled'; week: string; status: DigestPostStatus }
  /** Nothing was recorded before the week ended: the bot was not installed yet. */
  | { outcome: 'nothing_to_report'; week: string }
  | { outcome: 'failed'; week: string; error: string };

/** A post a few minutes after the slot is the slot (cron ticks, slow start), not "late". */
const lateAfterMs = 5 * 60_000;

export async function runWeeklyDigest({ services, db }: JobContext, config: DigestConfig): Promise<DigestRun> {
  const now = services.clock.now();
  const week = lastCompleteWeek(now, config.timeZone);
  const name = formatIsoWeek(week);
  const { end } = weekBounds(week, config.timeZone);
  // A schedule that does not fire within a week of the week's end makes the week due at once.
  const dueAt = firstFiring(config.schedule, config.timeZone, end) ?? end;
  if (now < dueAt) return { outcome: 'not_due', week: name, dueAt: dueAt.toISOString() };

  const posts = new DigestPosts(db);
  const existing = posts.get(name);
  const exportWindow = weekExportWindow(week, config.timeZone);
  if (existing?.status === 'posted' && existing.where) {
    const attachment = await retryWeekExport(services, db, name, exportWindow, existing.where);
    if (attachment) return { outcome: 'attachment_retried', week: name, attachment };
  }
  if (existing && existing.status !== 'failed') {
    if (existing.status === 'claimed') {
      services.log.warn(
        { week: name, claimedAt: existing.claimedAt, claimedBy: existing.claimedBy, channel: config.channel },
        'weekly digest was claimed but never confirmed posted (the process stopped mid-post?); not posting again to avoid a duplicate: check the channel',
      );
    }
    return { outcome: 'already_handled', week: name, status: existing.status };
  }
  const firstEvidence = db.prepare('SELECT at FROM evidence_events ORDER BY seq LIMIT 1').pluck().get() as string | undefined;
  if (firstEvidence === undefined || firstEvidence >= end.toISOString()) return { outcome: 'nothing_to_report', week: name };

  const late: LateNote | null =
    now.getTime() - dueAt.getTime() > lateAfterMs
      ? { scheduledAt: dueAt.toISOString(), reason: existing?.status === 'failed' ? 'post_failed' : 'not_running' }
      : null;
  if (!posts.claim(name, now)) {
    return { outcome: 'already_handled', week: name, status: posts.get(name)?.status ?? 'claimed' };
  }
  let where: { channel: string; ts: string };
  try {
    where = await services.slack.post(config.channel, buildWeeklyDigest(readWeekStats(db, week, config.timeZone, now), late));
  } catch (error) {
    // Released for the next run (at start or on schedule), which will say the post is late.
    posts.markFailed(name);
    const message = error instanceof Error ? error.message : String(error);
    services.log.error({ week: name, channel: config.channel, err: message }, 'weekly digest could not be posted; the next run retries');
    return { outcome: 'failed', week: name, error: message };
  }
  // Past this point the digest is in Slack: a failure here leaves the claim standing rather than post twice.
  services.atomically(() => {
    posts.markPosted(name, where, services.clock.now(), late !== null);
    services.evidence.append('digest.posted', null, botActor, { week: name, channel: where.channel, ts: where.ts, late: late !== null });
  });
  // Only now, with the digest safely recorded: a failed upload can neither lose it nor post it twice.
  const attachment = await attachWeekExport(services, name, exportWindow, where);
  return { outcome: 'posted', week: name, ts: where.ts, late: late !== null, attachment };
}
