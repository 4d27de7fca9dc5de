import type { ExportWindow } from './report.js';

const dayMs = 86_400_000;

/** Midnight UTC of a real calendar date `YYYY-MM-DD` (2026-02-30 is refused), or null. */
export function utcDay(text: string): number | null {
  const match = /^(\d{4})-(\d{2})-(\d{2})$/.exec(text);
  if (!match) return null;
  const [year, month, day] = [Number(match[1]), Number(match[2]), Number(match[3])];
  const t = Date.UTC(year, month - 1, day);
  const d = new Date(t);
  return d.getUTCFullYear() === year && d.getUTCMonth() === month - 1 && d.getUTCDate() === day ? t : null;
}

/** `YYYY-MM-DD` of the UTC day `instant` falls in. */
export function utcDate(instant: Date): string {
  return instant.toISOString().slice(0, 10);
}

/** What is wrong with a pair of dates; each caller words it for its own users. */
export type DayWindowProblem = 'bad_from' | 'bad_to' | 'reversed';

/**
 * Whole UTC days `from` to `to`, both inclusive, as the CLI and `/soc2 export` read them:
 * the end instant is exclusive, so the whole of the last day is in.
 */
export function parseDayWindow(from: string, to: string): ExportWindow | { problem: DayWindowProblem } {
  const start = utcDay(from);
  const end = utcDay(to);
  if (start === null) return { problem: 'bad_from' };
  if (end === null) return { problem: 'bad_to' };
  if (end < start) return { problem: 'reversed' };
  return { from, to, start: new Date(start).toISOString(), end: new Date(end + dayMs).toISOString() };
}

/** Calendar days the window spans (a one-day window is 1). */
export function windowDays(window: ExportWindow): number {
  return Math.round((Date.parse(window.end) - Date.parse(window.start)) / dayMs);
}

/** The window as people read it: whole UTC days when it is that, else the exact instants too. */
export function windowLabel(window: ExportWindow): string {
  const utcDays = window.start === `${window.from}T00:00:00.000Z` && window.end === new Date((utcDay(window.to) ?? 0) + dayMs).toISOString();
  return utcDays
    ? `${window.from} to ${window.to} (UTC, both days inclusive)`
    : `${window.from} to ${window.to} (${window.start} up to ${window.end})`;
}
