import { describe, expect, it } from 'vitest';
import type { WeekStats } from '../../src/digest/digest-stats.js';
import { buildWeeklyDigest } from '../../src/digest/weekly-digest.js';
import { renderBlocksAsText } from '../../src/sim/render-card.js';

function emptyWeek(): WeekStats {
  const none = { sev1: 0, sev2: 0, sev3: 0 };
  const noFixes = { fixes: 0, meanMs: null, late: 0 };
  return {
    week: '2026-W47',
    timeZone: 'UTC',
    start: '2026-11-16T00:00:00.000Z',
    end: '2026-11-23T00:00:00.000Z',
    asOf: '2026-11-23T09:00:00.000Z',
    detected: { ...none },
    recurred: 0,
    fixed: { automatically: 0, afterApproval: 0, atSource: 0 },
    excepted: 0,
    escalated: 0,
    open: { sev1: { count: 0, oldest: null }, sev2: { count: 0, oldest: null }, sev3: { count: 0, oldest: null } },
    mttr: { sev1: noFixes, sev2: noFixes, sev3: noFixes },
    overdue: { count: { ...none }, worst: [] },
    recurring: { resources: [], controls: [] },
    expiringExceptions: { total: 0, soonest: [] },
  };
}

function sectionTexts(blocks: unknown[]): string[] {
  return blocks.flatMap((b) => {
    const text = (b as { text?: { text?: unknown } }).text?.text;
    return typeof text === 'string' ? [text] : [];
  });
}

describe('weekly digest message', () => {
  it('says so when a week had nothing to report', () => {
    const text = renderBlocksAsText(buildWeeklyDigest(emptyWeek(), null).blocks);
    expect(text).toContain('Nothing came back this week.');
    expect(text).toContain('*Exceptions expiring within 14 days*\nNone.');
    expect(text).toContain('New findings: *0*');
    expect(text).toContain('Sev1: 0\n');
    // A command the CLI accepts (whole UTC days, both inclusive), not the raw instants.
    expect(text).toContain('`soc2-bot evidence export --from 2026-11-16 --to 2026-11-22 --format html --out week.html`');
  });

  it('stays within Block Kit limits and escapes what AWS sent, however long the lists and ids', () => {
    const hostile = `<!channel> ${'x'.repeat(3000)}`;
    const ref = (i: number) => ({ findingId: `f${i}`, control: `<!here>${'C'.repeat(500)}`, resourceType: 'AwsS3Bucket', resourceId: hostile });
    const stats = emptyWeek();
    stats.open.sev1 = { count: 90_000, oldest: { ...ref(0), firstSeenAt: '2026-01-01T00:00:00.000Z' } };
    stats.overdue = {
      count: { sev1: 90_000, sev2: 0, sev3: 0 },
      worst: [1, 2, 3, 4, 5].map((i) => ({ ...ref(i), severity: 'sev1' as const, dueAt: '2026-01-02T00:00:00.000Z' })),
    };
    stats.recurring = {
      resources: [1, 2, 3, 4, 5].map((i) => ({ ...ref(i), recurrences: 40, thisWeek: 3 })),
      controls: [1, 2, 3, 4, 5].map((i) => ({ control: ref(i).control, thisWeek: 9, resources: 3 })),
    };
    stats.expiringExceptions = { total: 40, soonest: [1, 2, 3, 4, 5].map((i) => ({ ...ref(i), expiresAt: '2026-11-30T00:00:00.000Z' })) };

    const card = buildWeeklyDigest(stats, { scheduledAt: '2026-11-23T09:00:00.000Z', reason: 'not_running' });
    expect(card.blocks.length).toBeLessThanOrEqual(50);
    for (const text of sectionTexts(card.blocks)) expect(text.length).toBeLessThanOrEqual(3000);
    const all = JSON.stringify(card.blocks);
    expect(all).not.toContain('<!channel>');
    expect(all).not.toContain('<!here>');
    expect(all).toContain('&lt;!channel&gt;');
    expect(renderBlocksAsText(card.blocks)).toContain('and 35 more');
  });
});
