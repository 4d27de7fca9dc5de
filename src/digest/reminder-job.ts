import { botActor } from '../evidence/evidence-log.js';
import type { JobContext } from './digest-job.js';
import { actionableSeverities, type ActionableSeverity } from '../evidence/lifecycle.js';
import { isActionableSeverity, openStatuses, slaMs, sqlList } from './digest-stats.js';
import { dueReminder, reminderText, type ReminderCandidate } from './sla-reminders.js';

export interface ReminderConfig {
  /** Slack user group (subteam) id paged when a Sev1 is overdue, e.g. S012ABCDEF; null pages nobody. */
  oncallUsergroup: string | null;
}

/** Frequent enough that an overdue Sev1 pages on-call within minutes of its deadline. */
export const reminderSchedule = '*/15 * * * *';

// A fix in progress is being dealt with: no nagging in its thread.
const remindableSql = sqlList(openStatuses.filter((s) => s !== 'fixing'));
const longestLead = Math.max(...actionableSeverities.map((s) => slaMs(s) / 4));

interface CandidateRow {
  id: string;
  severity: string;
  due_at: string;
  card_channel: string;
  card_ts: string;
}

export type ReminderRun = { posted: number; failed: number };

/** Posts every reminder that is due and not yet sent; each is claimed first, so none goes out twice. */
export async function runSlaReminders({ services, db }: JobContext, config: ReminderConfig): Promise<ReminderRun> {
  const now = services.clock.now();
  const rows = db
    .prepare(`SELECT id, severity, due_at, card_channel, card_ts FROM findings
      WHERE status IN (${remindableSql}) AND due_at <= ? AND card_ts IS NOT NULL AND card_channel IS NOT NULL
      ORDER BY due_at, id`)
    .all(new Date(now.getTime() + longestLead).toISOString()) as CandidateRow[];
  const claim = db.prepare(
    'INSERT OR IGNORE INTO sla_reminders (finding_id, kind, due_at, period, claimed_at) VALUES (?, ?, ?, ?, ?)',
  );
  const release = db.prepare('DELETE FROM sla_reminders WHERE finding_id = ? AND kind = ? AND due_at = ? AND period = ?');
  const run: ReminderRun = { posted: 0, failed: 0 };
  for (const row of rows) {
    const reminder = isActionableSeverity(row.severity) && dueReminder(candidate(row, row.severity), now);
    if (!reminder) continue;
    const key = [reminder.findingId, reminder.kind, reminder.dueAt, reminder.period] as const;
    if (claim.run(...key, now.toISOString()).changes === 0) continue;
    try {
      await services.slack.postText(reminder.card.channel, reminderText(reminder, now, config.oncallUsergroup), reminder.card.ts);
    } catch (error) {
      release.run(...key); // not sent: the next run tries again
      run.failed += 1;
      services.log.error(
        { findingId: reminder.findingId, reminder: reminder.kind, err: error instanceof Error ? error.message : String(error) },
        'SLA reminder could not be posted; the next run retries',
      );
      continue;
    }
    services.evidence.append('reminder.posted', reminder.findingId, botActor, {
      reminder: reminder.kind,
      channel: reminder.card.channel,
      threadTs: reminder.card.ts,
      dueAt: reminder.dueAt,
    });
    run.posted += 1;
  }
  return run;
}

function candidate(row: CandidateRow, severity: ActionableSeverity): ReminderCandidate {
  return { findingId: row.id, severity, dueAt: row.due_at, card: { channel: row.card_channel, ts: row.card_ts } };
}
