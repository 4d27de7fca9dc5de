import { describe, expect, it } from 'vitest';
import { diffFindings, updateNote } from '../../src/route/finding-changes.js';
import { occurrencesWithin, recurrenceWording } from '../../src/route/recurrence.js';
import { makeFinding } from '../helpers/findings.js';

describe('diffFindings', () => {
  it('lists severity, workflow, compliance and record state changes, in that order', () => {
    const before = makeFinding();
    const after = makeFinding({ severity: 'CRITICAL', workflow: 'NOTIFIED', compliance: 'WARNING', recordState: 'ARCHIVED', updatedAt: '2026-11-25T10:00:00.000Z' });
    expect(diffFindings(before, after)).toEqual([
      { field: 'severity', from: 'HIGH', to: 'CRITICAL' },
      { field: 'workflow', from: 'NEW', to: 'NOTIFIED' },
      { field: 'compliance', from: 'FAILED', to: 'WARNING' },
      { field: 'recordState', from: 'ACTIVE', to: 'ARCHIVED' },
    ]);
  });

  it('finds nothing when only UpdatedAt, the title or the description moved', () => {
    const after = makeFinding({ updatedAt: '2026-12-01T00:00:00.000Z', title: 'New title', description: 'reworded' });
    expect(diffFindings(makeFinding(), after)).toEqual([]);
  });

  it('handles a workflow that was absent', () => {
    expect(diffFindings(makeFinding({ workflow: null }), makeFinding({ workflow: 'NEW' }))).toEqual([{ field: 'workflow', from: null, to: 'NEW' }]);
  });
});

describe('updateNote', () => {
  it('says what changed and when, for a card of its own', () => {
    const text = updateNote([{ field: 'severity', from: 'HIGH', to: 'CRITICAL' }, { field: 'workflow', from: null, to: 'NOTIFIED' }], '2026-11-25T10:05:00.000Z', null);
    expect(text).toBe(':arrows_counterclockwise: Security Hub updated this finding (2026-11-25 10:05 UTC): severity HIGH → CRITICAL; workflow status none → NOTIFIED.');
  });

  it('names the resource on a group card, escaped', () => {
    const text = updateNote([{ field: 'compliance', from: 'FAILED', to: 'WARNING' }], '2026-11-25T10:05:00.000Z', 'arn:aws:s3:::<!channel>`x');
    expect(text).toContain('updated `arn:aws:s3:::&lt;!channel&gt;ˋx`');
    expect(text).not.toContain('<!channel>');
  });
});

describe('recurrence', () => {
  const now = new Date('2026-11-30T12:00:00.000Z');

  it('counts only sightings within the 30 days up to now', () => {
    const sightings = ['2026-10-30T11:59:59.000Z', '2026-10-31T12:00:00.000Z', '2026-11-20T00:00:00.000Z', now.toISOString(), '2026-12-01T00:00:00.000Z'];
    expect(occurrencesWithin(sightings, now)).toBe(3);
    expect(occurrencesWithin([], now)).toBe(0);
  });

  it('words the count: nothing for one, then Second, Third, then a number', () => {
    expect([0, 1, 2, 3, 4, 12].map((n) => recurrenceWording(n))).toEqual([
      null,
      null,
      'Second time in 30 days',
      'Third time in 30 days',
      '4 times in 30 days',
      '12 times in 30 days',
    ]);
  });
});
