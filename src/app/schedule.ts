import cron, { type ScheduledTask } from 'node-cron';
import { expireExceptions } from '../decisions/exception.js';
import type { Bot } from './bot.js';

export interface ScheduleOptions {
  pollSchedule: string;
}

/** Every recurring job of the bot; each run is logged, a failure never stops the schedule. */
export function startSchedule(bot: Bot, options: ScheduleOptions): { stop(): void } {
  const log = bot.services.log;
  const guarded = (name: string, job: () => Promise<unknown>) => () =>
    job().catch((error: unknown) => log.error({ job: name, err: error instanceof Error ? error.message : String(error) }, `${name} failed`));
  const jobs: [string, string, () => Promise<unknown>][] = [
    ['scan', options.pollSchedule, () => bot.scan()],
    // Exceptions end on whole UTC days; checking every 10 minutes re-opens them promptly.
    ['exception-expiry', '*/10 * * * *', () => expireExceptions(bot.services)],
  ];
  const tasks: ScheduledTask[] = jobs.map(([name, expression, job]) => cron.schedule(expression, guarded(name, job), { noOverlap: true, name }));
  // Catch up at start: a bot that was down should not wait for the next tick.
  for (const [name, , job] of jobs) void guarded(name, job)();
  return {
    stop() {
      for (const task of tasks) void task.stop();
    },
  };
}
