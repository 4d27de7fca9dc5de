import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { runWeeklyDigest } from '../../src/digest/digest-job.js';
import { readWeekStats } from '../../src/digest/digest-stats.js';
import { parseIsoWeek } from '../../src/digest/iso-week.js';
import { readWindow } from '../../src/evidence/export/read-window.js';
import { actionableSeverities, projectLifecycles, summarize } from '../../src/evidence/lifecycle.js';
import { renderBlocksAsText } from '../../src/sim/render-card.js';
import type { OfflineBot } from '../../src/sim/offline-bot.js';
import { digestChannel, Seeder, startBot, TestClock, type Seeded } from './scenario.js';

const sg = (id: string, resourceId: string): Seeded => ({ id, control: 'EC2.19', resourceId, severity: 'sev2', mode: 'copilot' });
const A: Seeded = { id: 'A', control: 'S3.8', resourceId: 'arn:aws:s3:::exports', severity: 'sev1', mode: 'copilot' };
const B: Seeded = { id: 'B', control: 'S3.4', resourceId: 'arn:aws:s3:::logs', severity: 'sev2', mode: 'copilot' };
const C: Seeded = { id: 'C', control: 'CloudTrail.4', resourceId: 'trail-main', severity: 'sev1', mode: 'autopilot' };
const D: Seeded = { id: 'D', control: 'S3.2', resourceId: 'arn:aws:s3:::public', severity: 'sev1', mode: 'copilot' };
const E: Seeded = { id: 'E', control: 'IAM.3', resourceId: 'user/old-keys', severity: 'sev3', mode: 'manual' };
const F: Seeded = { id: 'F', control: 'IAM.5', resourceId: 'user/no-mfa', severity: 'sev2', mode: 'manual' };
const G = sg('G', 'sg-0aaa');
const H = sg('H', 'sg-0bbb');
const I: Seeded = { id: 'I', control: 'S3.9', resourceId: 'arn:aws:s3:::no-logging', severity: 'sev3', mode: 'manual' };
const J: Seeded = { id: 'J', control: 'IAM.8', resourceId: 'user/unused', severity: 'sev3', mode: 'manual' };
const K: Seeded = { id: 'K', control: 'IAM.22', resourceId: 'user/stale', severity: 'sev3', mode: 'manual' };
const L: Seeded = { id: 'L', control: 'S3.9', resourceId: 'arn:aws:s3:::fine-now', severity: 'sev3', mode: 'copilot' };
const M: Seeded = { id: 'M', control: 'IAM.8', resourceId: 'user/gone', severity: 'sev3', mode: 'manual' };

/**
 * Week 2026-W47 (UTC) is Monday 16 Nov to Sunday 22 Nov; the digest is read on Monday
 * 23 Nov 09:00. Steps are in time order, as the bot would have written them.
 */
function seedWeek(seed: Seeder): void {
  seed.detect('2026-10-01T00:00:00.000Z', G);
  seed.approveAndFix('2026-10-02T00:00:00.000Z', 'G');
  seed.recur('2026-10-10T00:00:00.000Z', 'G');
  seed.approveAndFix('2026-10-11T00:00:00.000Z', 'G');
  seed.detect('2026-11-01T00:00:00.000Z', H);
  seed.detect('2026-11-02T00:00:00.000Z', M);
  seed.approveAndFix('2026-11-02T00:00:00.000Z', 'H');
  seed.detect('2026-11-05T00:00:00.000Z', B);
  seed.detect('2026-11-09T00:00:00.000Z', J);
  seed.detect('2026-11-10T00:00:00.000Z', A); // due 11 Nov: overdue now
  seed.grantException('2026-11-10T12:00:00.000Z', 'J', '2026-12-31T00:00:00.000Z'); // last week, expires later
  // --- the week ---
  seed.detect('2026-11-16T08:00:00.000Z', C);
  seed.detect('2026-11-16T09:00:00.000Z', K);
  seed.autoFix('2026-11-16T10:00:00.000Z', 'C'); // 2 h, no approval
  seed.detect('2026-11-16T12:00:00.000Z', L);
  seed.approveAlreadyCompliant('2026-11-17T12:00:00.000Z', 'L'); // 24 h
  seed.detect('2026-11-17T00:00:00.000Z', D);
  seed.recur('2026-11-17T00:30:00.000Z', 'G');
  seed.approveAndFix('2026-11-17T10:00:00.000Z', 'B'); // 12 days 10 h
  seed.autoFix('2026-11-18T00:30:00.000Z', 'G'); // 24 h; its October approvals do not count
  seed.passOnPoll('2026-11-18T02:00:00.000Z', 'G'); // Security Hub catching up: not a second closure
  seed.approveAndFix('2026-11-18T06:00:00.000Z', 'D'); // 30 h, 6 h past its deadline
  seed.detect('2026-11-18T08:00:00.000Z', E);
  seed.detect('2026-11-18T08:00:00.000Z', I);
  seed.grantException('2026-11-18T12:00:00.000Z', 'I', '2026-11-30T00:00:00.000Z');
  seed.grantException('2026-11-18T13:00:00.000Z', 'K', '2026-11-28T00:00:00.000Z');
  seed.detect('2026-11-19T00:00:00.000Z', F);
  seed.recur('2026-11-19T01:00:00.000Z', 'H');
  seed.passOnPoll('2026-11-19T12:00:00.000Z', 'M'); // fixed by hand after 17.5 days, seen on a poll
  seed.escalate('2026-11-19T02:00:00.000Z', 'A');
  seed.passAtSource('2026-11-20T00:00:00.000Z', 'F'); // fixed by hand after 24 h
  seed.recur('2026-11-20T01:00:00.000Z', 'G');
  seed.expireException('2026-11-21T00:00:00.000Z', 'K', '2026-11-28T00:00:00.000Z'); // ended early
  seed.passOnPoll('2026-11-21T12:00:00.000Z', 'M'); // still passing: not a second closure
  // --- after the week: not counted ---
  seed.approveAndFix('2026-11-23T08:00:00.000Z', 'H');
}

let clock: TestClock;
let offline: OfflineBot;

beforeEach(async () => {
  clock = new TestClock(new Date('2026-10-01T00:00:00.000Z'));
  offline = await startBot(clock);
  seedWeek(new Seeder(offline.bot.services, clock));
  clock.set('2026-11-23T09:00:00.000Z');
});

afterEach(async () => {
  await offline.close();
});

const hour = 3_600_000;

describe('weekly digest statistics', () => {
  it('counts the week exactly: new, fixed, auto-fixed, open, MTTR, breaches, recurrences, exceptions', () => {
    const stats = readWeekStats(offline.bot.db, parseIsoWeek('2026-W47')!, 'UTC', clock.now());
    expect(stats).toMatchObject({
      week: '2026-W47',
      start: '2026-11-16T00:00:00.000Z',
      end: '2026-11-23T00:00:00.000Z',
      detected: { sev1: 2, sev2: 1, sev3: 4 },
      recurred: 3,
      fixed: { automatically: 2, afterApproval: 3, atSource: 2 },
      excepted: 2,
      escalated: 1,
      mttr: {
        sev1: { fixes: 2, meanMs: 16 * hour, late: 1 },
        sev2: { fixes: 3, meanMs: ((298 + 24 + 24) / 3) * hour, late: 0 },
        sev3: { fixes: 2, meanMs: ((24 + 420) / 2) * hour, late: 0 },
      },
      overdue: { count: { sev1: 1, sev2: 0, sev3: 0 } },
      expiringExceptions: { total: 1 },
    });
    expect(stats.open.sev1).toMatchObject({ count: 1, oldest: { findingId: 'A' } });
    // H was fixed on Monday 23 Nov, after the week; "open" is as of now.
    expect(stats.open.sev2).toMatchObject({ count: 1, oldest: { findingId: 'G', firstSeenAt: '2026-10-01T00:00:00.000Z' } });
    expect(stats.open.sev3).toMatchObject({ count: 4, oldest: { findingId: 'J' } });
    expect(stats.overdue.worst.map((f) => f.findingId)).toEqual(['A']);
    expect(stats.recurring.resources).toEqual([
      { findingId: 'G', control: 'EC2.19', resourceType: 'AwsEc2SecurityGroup', resourceId: 'sg-0aaa', recurrences: 3, thisWeek: 2 },
      { findingId: 'H', control: 'EC2.19', resourceType: 'AwsEc2SecurityGroup', resourceId: 'sg-0bbb', recurrences: 1, thisWeek: 1 },
    ]);
    expect(stats.recurring.controls).toEqual([{ control: 'EC2.19', thisWeek: 3, resources: 2 }]);
    expect(stats.expiringExceptions.soonest).toEqual([
      { findingId: 'I', control: 'S3.9', resourceType: 'AwsEc2SecurityGroup', resourceId: 'arn:aws:s3:::no-logging', expiresAt: '2026-11-30T00:00:00.000Z' },
    ]);
  });

  it('posts the digest to the compliance channel saying all of it', async () => {
    const run = await runWeeklyDigest(offline.bot, { channel: digestChannel, schedule: '0 9 * * 1', timeZone: 'UTC' });
    expect(run).toMatchObject({ outcome: 'posted', week: '2026-W47', late: false });
    const [message] = offline.slack.messages(digestChannel);
    const text = renderBlocksAsText(message!.blocks);
    expect(text).toContain('== SOC 2 weekly digest · 2026-W47 ==');
    expect(text).toContain('16 Nov 2026 to 22 Nov 2026 (UTC)');
    expect(text).not.toContain('posted late');
    expect(text).toContain('New findings: *7* (Sev1 2 · Sev2 1 · Sev3 4)');
    expect(text).toContain('Came back after being fixed: *3*');
    expect(text).toContain('Fixed: *7*: 2 automatically, 3 after approval, 2 resolved in Security Hub');
    expect(text).toContain('Exceptions granted: *2*');
    expect(text).toContain('Escalated: *1*');
    expect(text).toContain('Sev1: *1*, oldest `arn:aws:s3:::exports` (S3.8) first seen 13.4 days ago');
    expect(text).toContain('Sev1: 2 fixed, mean 16 h :white_check_mark: within the SLA of 24 h');
    expect(text).toContain('Sev2: 3 fixed, mean 4.8 days :white_check_mark: within the SLA of 14 days');
    expect(text).toContain('Sev3: 2 fixed, mean 9.3 days :white_check_mark: within the SLA of 90 days');
    expect(text).toContain('Fixed after the deadline this week: *1* (Sev1 1)');
    expect(text).toContain('Open past the deadline now: *1* (Sev1 1)');
    expect(text).toContain('Sev1 `arn:aws:s3:::exports` (S3.8) overdue by 12.4 days');
    expect(text).toContain(
      '`sg-0aaa` (EC2.19) came back 3 times (2 this week): fix what keeps re-creating it (a deployment script or template)',
    );
    expect(text).toContain('`sg-0bbb` (EC2.19) came back once (1 this week)\n');
    expect(text).toContain('By control: EC2.19 ×3 on 2 resources');
    expect(text).toContain('*Exceptions expiring within 14 days*\n• `arn:aws:s3:::no-logging` (S3.9) expires 30 Nov 2026');
    expect(text).toContain('soc2-bot evidence export --from 2026-11-16 --to 2026-11-22 --format html --out week.html');
    expect(message!.text).toBe('SOC 2 weekly digest 2026-W47: 7 new, 7 fixed, 6 open, 1 overdue');
  });

  it('agrees with the evidence export on time to fix, late fixes and recurrences', () => {
    const stats = readWeekStats(offline.bot.db, parseIsoWeek('2026-W47')!, 'UTC', clock.now());
    const window = { start: stats.start, end: stats.end };
    const exported = summarize(projectLifecycles(readWindow(offline.bot.db, window).events), window);
    for (const severity of actionableSeverities) {
      const ours = stats.mttr[severity];
      expect({ fixes: ours.fixes, meanHours: ours.meanMs === null ? null : ours.meanMs / hour }).toEqual({
        fixes: exported.mttr[severity].remediated,
        meanHours: exported.mttr[severity].meanHours,
      });
    }
    expect(stats.mttr.sev1.late + stats.mttr.sev2.late + stats.mttr.sev3.late).toBe(exported.slaBreaches.fixedLate);
    expect(stats.recurred).toBe(exported.recurrences);
  });

  it('reads evidence through indexes only: no full scan of the event log', () => {
    const plans: string[] = [];
    const db = offline.bot.db;
    const prepare = db.prepare.bind(db);
    // Record the plan of every statement the digest prepares.
    db.prepare = ((sql: string) => {
      const positional = sql.split('?').length - 1;
      const params = positional ? new Array<null>(positional).fill(null) : [{ start: '', end: '', now: '', horizon: '' }];
      plans.push(...(prepare(`EXPLAIN QUERY PLAN ${sql}`).all(...params) as { detail: string }[]).map((r) => r.detail));
      return prepare(sql);
    }) as typeof db.prepare;
    try {
      readWeekStats(db, parseIsoWeek('2026-W47')!, 'UTC', clock.now());
    } finally {
      db.prepare = prepare;
    }
    expect(plans.length).toBeGreaterThan(5);
    expect(plans.filter((p) => /^SCAN (evidence_events|[a-z])\b/.test(p) && !/USING/.test(p))).toEqual([]);
  });
});
