import cron, { type ScheduledTask } from 'node-cron';
import { expireExceptions } from '../decisions/exception.js';
import type { ConfigTarget } from '../config/config-targets.js';
import { scanConfig } from '../ingest/config-scan.js';
import { deliverCards } from '../route/deliver-cards.js';
import { runWeeklyDigest, type DigestConfig } from '../digest/digest-job.js';
import { reminderSchedule, runSlaReminders } from '../digest/reminder-job.js';
import type { Bot } from './bot.js';

export interface ScheduleOptions {
  pollSchedule: string;
  /** Null: no digest (no DIGEST_CHANNEL). */
  digest: DigestConfig | null;
  oncallUsergroup: string | null;
  /** AWS Config accounts and Regions polled on the scan schedule (empty: none). */
  configTargets: readonly ConfigTarget[];
}

/**
 * Every recurring job of the bot; each run is logged, a failure never stops the schedule.
 * Each also runs once at start, which is how a missed week or deadline is caught up.
 */
export function startSchedule(bot: Bot, options: ScheduleOptions): { stop(): Promise<void> } {
  const log = bot.services.log;
  const guarded = (name: string, job: () => Promise<unknown>) => () =>
    job().catch((error: unknown) => log.error({ job: name, err: error instanceof Error ? error.message : String(error) }, `${name} failed`));
  const digest = options.digest;
  const jobs: { name: string; expression: string; timezone?: string; run: () => Promise<unknown> }[] = [
    { name: 'scan', expression: options.pollSchedule, run: () => bot.scan() },
    ...(options.configTargets.length > 0
      ? [{ name: 'config-scan', expression: options.pollSchedule, run: () => scanConfig(bot.services, options.configTargets) }]
      : []),
    // Exceptions end on whole UTC days; checking every 10 minutes re-opens them promptly.
    { name: 'exception-expiry', expression: '*/10 * * * *', run: () => expireExceptions(bot.services) },
    // Cards for findings stored by the real-time path, and any post Slack refused earlier.
    { name: 'deliver-cards', expression: '* * * * *', run: () => deliverCards(bot.services) },
    // Card updates and thread replies Slack did not take yet, each once its backoff has passed.
    { name: 'slack-outbox', expression: '*/10 * * * * *', run: () => bot.services.outbox.drain() },
    // Security Hub workflow updates it could not take yet, each once its backoff has passed.
    { name: 'securityhub-writeback', expression: '*/10 * * * * *', run: () => bot.services.writeback.drain() },
    { name: 'sla-reminders', expression: reminderSchedule, run: () => runSlaReminders(bot, { oncallUsergroup: options.oncallUsergroup }) },
    ...(digest ? [{ name: 'weekly-digest', expression: digest.schedule, timezone: digest.timeZone, run: () => runWeeklyDigest(bot, digest) }] : []),
  ];
  const running = new Set<Promise<unknown>>();
  const track = (name: string, run: () => Promise<unknown>) => () => {
    const promise = guarded(name, run)().finally(() => running.delete(promise));
    running.add(promise);
    return promise;
  };
  const tasks: ScheduledTask[] = jobs.map((job) =>
    cron.schedule(job.expression, track(job.name, job.run), { noOverlap: true, name: job.name, ...(job.timezone ? { timezone: job.timezone } : {}) }),
  );
  for (const job of jobs) void track(job.name, job.run)();
  return {
    /** Stops the timers, then waits for runs in progress so the database is not closed under them. */
    async stop() {
      for (const task of tasks) void task.stop();
      await Promise.allSettled([...running]);
    },
  };
}
