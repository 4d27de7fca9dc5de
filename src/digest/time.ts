/**
 * Wall-clock time in an IANA time zone, with Intl only (no tz library): enough for the
 * digest's weeks and for saying when something happened in the team's own time.
 */

export interface LocalTime {
  year: number;
  /** 1-12 */
  month: number;
  day: number;
  hour: number;
  minute: number;
  second: number;
}

const partFormatters = new Map<string, Intl.DateTimeFormat>();

/** True when the runtime knows the zone (`Europe/Berlin`, `UTC`); for validating configuration. */
export function isTimeZone(timeZone: string): boolean {
  try {
    new Intl.DateTimeFormat('en-US', { timeZone });
    return true;
  } catch {
    return false;
  }
}

export function localTime(instant: Date, timeZone: string): LocalTime {
  let format = partFormatters.get(timeZone);
  if (!format) {
    format = new Intl.DateTimeFormat('en-US', {
      timeZone,
      hourCycle: 'h23',
      year: 'numeric',
      month: 'numeric',
      day: 'numeric',
      hour: 'numeric',
      minute: 'numeric',
      second: 'numeric',
    });
    partFormatters.set(timeZone, format);
  }
  const parts: Record<string, number> = {};
  for (const part of format.formatToParts(instant)) {
    if (part.type !== 'literal') parts[part.type] = Number(part.value);
  }
  const part = (name: string) => parts[name] ?? 0;
  return { year: part('year'), month: part('month'), day: part('day'), hour: part('hour'), minute: part('minute'), second: part('second') };
}

/** Local minus UTC at `instant`, in milliseconds. */
function offsetMs(instant: number, timeZone: string): number {
  const t = localTime(new Date(instant), timeZone);
  return Date.UTC(t.year, t.month - 1, t.day, t.hour, t.minute, t.second) - Math.floor(instant / 1000) * 1000;
}

/**
 * The instant a wall-clock time happens in `timeZone`. A time skipped by a DST jump
 * resolves to an instant after the jump.
 */
export function instantOf(local: LocalTime, timeZone: string): Date {
  const asUtc = Date.UTC(local.year, local.month - 1, local.day, local.hour, local.minute, local.second);
  const first = asUtc - offsetMs(asUtc, timeZone);
  const second = asUtc - offsetMs(first, timeZone);
  return new Date(Math.max(first, second));
}

/** "Monday 09:00" in the zone: how people name a schedule slot. */
export function weekdayAndTime(instant: Date, timeZone: string): string {
  return new Intl.DateTimeFormat('en-GB', { timeZone, weekday: 'long', hour: '2-digit', minute: '2-digit', hourCycle: 'h23' })
    .format(instant)
    .replace(' at ', ' '); // some ICU versions say "Monday at 09:00"
}

/** "16 Nov 2026" in the zone. */
export function shortDate(instant: Date, timeZone: string): string {
  return new Intl.DateTimeFormat('en-GB', { timeZone, day: 'numeric', month: 'short', year: 'numeric' }).format(instant);
}

/** "2026-11-21 08:00 UTC": unambiguous wherever the reader is. */
export function utcMinute(instant: Date): string {
  return `${instant.toISOString().slice(0, 16).replace('T', ' ')} UTC`;
}

const hourMs = 3_600_000;

/** "45 min", "5 h", "3.5 days": rounded for people, not for arithmetic. */
export function formatDuration(ms: number): string {
  const hours = Math.abs(ms) / hourMs;
  if (hours < 1) return `${Math.round(hours * 60)} min`;
  if (hours < 48) return `${round1(hours)} h`;
  return `${round1(hours / 24)} days`;
}

function round1(value: number): string {
  return String(Math.round(value * 10) / 10);
}
