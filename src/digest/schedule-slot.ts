import cron from 'node-cron';

const minuteMs = 60_000;
const searchMs = 7 * 86_400_000;

/**
 * The first time at or after `from` that the cron expression fires in `timeZone`, found by
 * asking node-cron's own matcher minute by minute (its next-run API counts from the real
 * clock, not ours), or null when it does not fire within a week.
 */
export function firstFiring(expression: string, timeZone: string, from: Date): Date | null {
  const seconds = cron.parse(expression).second;
  const task = cron.createTask(expression, () => undefined, { timezone: timeZone });
  try {
    const firstMinute = Math.floor(from.getTime() / minuteMs) * minuteMs;
    for (let minute = firstMinute; minute <= from.getTime() + searchMs; minute += minuteMs) {
      for (const second of seconds) {
        const at = new Date(minute + second * 1000);
        if (at >= from && task.match(at)) return at;
      }
    }
    return null;
  } finally {
    void task.destroy();
  }
}
