import { instantOf, localTime } from './time.js';

/** An ISO 8601 week: weeks start on Monday; week 1 holds the year's first Thursday. */
export interface IsoWeek {
  year: number;
  week: number;
}

const dayMs = 86_400_000;

/** Day of the week of a UTC calendar date, Monday = 0. */
function mondayIndex(utcDate: number): number {
  return (new Date(utcDate).getUTCDay() + 6) % 7;
}

/** Midnight UTC of the Monday that starts the week, as a calendar date. */
function mondayOf(week: IsoWeek): number {
  const january4 = Date.UTC(week.year, 0, 4); // always in week 1
  return january4 - mondayIndex(january4) * dayMs + (week.week - 1) * 7 * dayMs;
}

function weekOfCalendarDate(utcDate: number): IsoWeek {
  const thursday = utcDate + (3 - mondayIndex(utcDate)) * dayMs;
  const year = new Date(thursday).getUTCFullYear();
  return { year, week: Math.floor((thursday - Date.UTC(year, 0, 1)) / (7 * dayMs)) + 1 };
}

function weeksIn(year: number): number {
  return weekOfCalendarDate(Date.UTC(year, 11, 28)).week;
}

export function formatIsoWeek(week: IsoWeek): string {
  return `${week.year}-W${String(week.week).padStart(2, '0')}`;
}

/** "2026-W47" → the week, or null when it is not a real ISO week. */
export function parseIsoWeek(text: string): IsoWeek | null {
  const match = /^(\d{4})-W(\d{2})$/.exec(text);
  if (!match) return null;
  const week = { year: Number(match[1]), week: Number(match[2]) };
  return week.week >= 1 && week.week <= weeksIn(week.year) ? week : null;
}

/** The week `instant` falls in, on the calendar of `timeZone`. */
export function weekContaining(instant: Date, timeZone: string): IsoWeek {
  const t = localTime(instant, timeZone);
  return weekOfCalendarDate(Date.UTC(t.year, t.month - 1, t.day));
}

function previousWeek(week: IsoWeek): IsoWeek {
  return weekOfCalendarDate(mondayOf(week) - 7 * dayMs);
}

/** The most recent week that has ended at `instant`: the one a weekly digest reports on. */
export function lastCompleteWeek(instant: Date, timeZone: string): IsoWeek {
  return previousWeek(weekContaining(instant, timeZone));
}

/** [start, end): local Monday 00:00 of the week and of the next one, as instants. */
export function weekBounds(week: IsoWeek, timeZone: string): { start: Date; end: Date } {
  const midnight = (utcDate: number) => {
    const d = new Date(utcDate);
    return instantOf({ year: d.getUTCFullYear(), month: d.getUTCMonth() + 1, day: d.getUTCDate(), hour: 0, minute: 0, second: 0 }, timeZone);
  };
  const monday = mondayOf(week);
  return { start: midnight(monday), end: midnight(monday + 7 * dayMs) };
}
