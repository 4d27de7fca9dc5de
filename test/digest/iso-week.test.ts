import { describe, expect, it } from 'vitest';
import { firstFiring } from '../../src/digest/schedule-slot.js';
import { formatIsoWeek, lastCompleteWeek, parseIsoWeek, weekBounds, weekContaining } from '../../src/digest/iso-week.js';
import { formatDuration, isTimeZone, weekdayAndTime } from '../../src/digest/time.js';

const bounds = (week: string, zone: string) => {
  const { start, end } = weekBounds(parseIsoWeek(week)!, zone);
  return [start.toISOString(), end.toISOString()];
};

describe('ISO weeks in a time zone', () => {
  it('parses only real weeks', () => {
    expect(parseIsoWeek('2026-W47')).toEqual({ year: 2026, week: 47 });
    expect(parseIsoWeek('2026-W53')).toEqual({ year: 2026, week: 53 }); // 2026 has 53 weeks
    expect(parseIsoWeek('2027-W53')).toBeNull();
    expect(parseIsoWeek('2026-W00')).toBeNull();
    expect(parseIsoWeek('2026-47')).toBeNull();
  });

  it('puts the days around New Year in the right year', () => {
    expect(formatIsoWeek(weekContaining(new Date('2027-01-01T12:00:00Z'), 'UTC'))).toBe('2026-W53');
    expect(formatIsoWeek(weekContaining(new Date('2025-12-29T12:00:00Z'), 'UTC'))).toBe('2026-W01');
    expect(bounds('2026-W01', 'UTC')).toEqual(['2025-12-29T00:00:00.000Z', '2026-01-05T00:00:00.000Z']);
  });

  it('starts and ends weeks at local midnight, across daylight saving changes', () => {
    expect(bounds('2026-W47', 'UTC')).toEqual(['2026-11-16T00:00:00.000Z', '2026-11-23T00:00:00.000Z']);
    expect(bounds('2026-W47', 'Europe/Berlin')).toEqual(['2026-11-15T23:00:00.000Z', '2026-11-22T23:00:00.000Z']);
    // Europe moves to summer time on Sunday 29 March 2026: that week is an hour short.
    expect(bounds('2026-W13', 'Europe/Berlin')).toEqual(['2026-03-22T23:00:00.000Z', '2026-03-29T22:00:00.000Z']);
    expect(bounds('2026-W47', 'America/New_York')).toEqual(['2026-11-16T05:00:00.000Z', '2026-11-23T05:00:00.000Z']);
    expect(bounds('2026-W47', 'Asia/Kolkata')).toEqual(['2026-11-15T18:30:00.000Z', '2026-11-22T18:30:00.000Z']);
  });

  it('reports on the week that has ended, as the zone sees it', () => {
    const mondayMorningInBerlin = new Date('2026-11-22T23:30:00Z');
    expect(formatIsoWeek(lastCompleteWeek(mondayMorningInBerlin, 'Europe/Berlin'))).toBe('2026-W47');
    expect(formatIsoWeek(lastCompleteWeek(mondayMorningInBerlin, 'UTC'))).toBe('2026-W46');
  });
});

describe('schedule slots', () => {
  it('finds the first firing of the cron expression after a moment, in the zone', () => {
    const end = new Date('2026-11-22T23:00:00Z');
    expect(firstFiring('0 9 * * 1', 'Europe/Berlin', end)?.toISOString()).toBe('2026-11-23T08:00:00.000Z');
    expect(firstFiring('30 0 9 * * 1', 'UTC', end)?.toISOString()).toBe('2026-11-23T09:00:30.000Z');
    expect(firstFiring('0 9 1 1 *', 'UTC', end)).toBeNull(); // yearly: not within a week
    expect(weekdayAndTime(new Date('2026-11-23T08:00:00Z'), 'Europe/Berlin')).toBe('Monday 09:00');
  });

  it('knows real time zones and words durations for people', () => {
    expect(isTimeZone('Europe/Berlin')).toBe(true);
    expect(isTimeZone('Mars/Olympus')).toBe(false);
    expect([30 * 60_000, 5 * 3_600_000, 14 * 86_400_000].map(formatDuration)).toEqual(['30 min', '5 h', '14 days']);
  });
});
