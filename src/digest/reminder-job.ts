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

/** posted: Slack took it in this run; waiting: queued in the outbox, which retries it. */
export type ReminderRun = { posted: number; waiting: number };

/**
 * Posts every reminder that is due and not yet sent. Each is claimed and queued in the outbox
 * in one transaction, so none goes out twice and none is lost when Slack is down.
 */
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
  const run: ReminderRun = { posted: 0, waiting: 0 };
  for (const row of rows) {
    const reminder = isActionableSeverity(row.severity) && dueReminder(candidate(row, row.severity), now);
    if (!reminder) continue;
    const { channel, ts } = reminder.card;
    const key = services.atomically(() => {
      if (claim.run(reminder.findingId, reminder.kind, reminder.dueAt, reminder.period, now.toISOString()).changes === 0) return null;
      return services.outbox.enqueue({
        method: 'chat.postMessage',
        channel,
        threadTs: ts,
        text: reminderText(reminder, now, config.oncallUsergroup),
        evidence: { kind: 'reminder.posted', findingId: reminder.findingId, data: { reminder: reminder.kind, channel, threadTs: ts, dueAt: reminder.dueAt } },
      });
    });
    if (key === null) continue;
    if ((await services.outbox.deliver(key)) === 'idle') run.posted += 1;
    else run.waiting += 1;
  }
  return run;
}

function candidate(row: CandidateRow, severity: ActionableSeverity): ReminderCandidate {
  return { findingId: row.id, severity, dueAt: row.due_at, card: { channel: row.card_channel, ts: row.card_ts } };
}
