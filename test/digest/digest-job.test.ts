import Database from 'better-sqlite3';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import type { Services } from '../../src/app/services.js';
import { runWeeklyDigest, type DigestConfig, type JobContext } from '../../src/digest/digest-job.js';
import { openDatabase } from '../../src/evidence/database.js';
import { EvidenceLog } from '../../src/evidence/evidence-log.js';
import { FindingsRepo } from '../../src/evidence/findings-repo.js';
import { renderBlocksAsText } from '../../src/sim/render-card.js';
import type { OfflineBot } from '../../src/sim/offline-bot.js';
import { digestChannel, newDatabasePath, Seeder, startBot, TestClock } from './scenario.js';

const config: DigestConfig = { channel: digestChannel, schedule: '0 9 * * 1', timeZone: 'UTC' };
const mondaySlot = '2026-11-23T09:00:00.000Z'; // first firing after 2026-W47 ends

let clock: TestClock;
let databasePath: string;
let offline: OfflineBot;

function seedActivity(at = '2026-11-17T10:00:00.000Z'): void {
  new Seeder(offline.bot.services, clock).detect(at, {
    id: 'finding-1',
    control: 'S3.8',
    resourceId: 'arn:aws:s3:::exports',
    severity: 'sev1',
    mode: 'copilot',
  });
}

function digests(bot = offline) {
  return bot.slack.messages(digestChannel);
}

function digestText(bot = offline): string {
  const [message] = digests(bot);
  return renderBlocksAsText(message?.blocks ?? []);
}

function postsTable(): { week: string; status: string; late: number }[] {
  const db = new Database(databasePath, { readonly: true });
  const rows = db.prepare('SELECT week, status, late FROM digest_posts ORDER BY week').all() as { week: string; status: string; late: number }[];
  db.close();
  return rows;
}

beforeEach(async () => {
  clock = new TestClock(new Date('2026-11-01T00:00:00.000Z'));
  databasePath = newDatabasePath();
  offline = await startBot(clock, databasePath);
});

afterEach(async () => {
  await offline.close();
});

describe('weekly digest job', () => {
  it('posts the last complete week at its slot, records the evidence, and does not post it again', async () => {
    seedActivity();
    clock.set(mondaySlot);
    expect(await runWeeklyDigest(offline.bot, config)).toMatchObject({ outcome: 'posted', week: '2026-W47', late: false });
    clock.advanceHours(1);
    expect(await runWeeklyDigest(offline.bot, config)).toEqual({ outcome: 'already_handled', week: '2026-W47', status: 'posted' });

    expect(digests()).toHaveLength(1);
    expect(digestText()).not.toContain('posted late');
    const posted = offline.bot.services.evidence.all().filter((e) => e.kind === 'digest.posted');
    expect(posted.map((e) => e.data)).toEqual([{ week: '2026-W47', channel: digestChannel, ts: digests()[0]!.ts, late: false }]);
    expect(postsTable()).toEqual([{ week: '2026-W47', status: 'posted', late: 0 }]);
  });

  it('waits for the slot: before Monday 09:00 the week is not due', async () => {
    seedActivity();
    clock.set('2026-11-23T08:59:00.000Z');
    expect(await runWeeklyDigest(offline.bot, config)).toEqual({ outcome: 'not_due', week: '2026-W47', dueAt: mondaySlot });
    expect(digests()).toHaveLength(0);
    expect(postsTable()).toEqual([]);
  });

  it('posts once when two instances on the same database run at the same moment', async () => {
    seedActivity();
    clock.set(mondaySlot);
    // A second process: its own connection to the same file, the same Slack workspace.
    const db = openDatabase(databasePath);
    const services: Services = {
      ...offline.bot.services,
      findings: new FindingsRepo(db),
      evidence: new EvidenceLog(db, clock),
      atomically: (work) => db.transaction(work).immediate(),
    };
    const other: JobContext = { services, db };
    try {
      const runs = await Promise.all([runWeeklyDigest(offline.bot, config), runWeeklyDigest(other, config), runWeeklyDigest(other, config)]);
      expect(runs.map((r) => r.outcome).sort()).toEqual(['already_handled', 'already_handled', 'posted']);
    } finally {
      db.close();
    }
    expect(digests()).toHaveLength(1);
    expect(offline.slack.callsTo('chat.postMessage')).toHaveLength(1);
    expect(offline.bot.services.evidence.all().filter((e) => e.kind === 'digest.posted')).toHaveLength(1);
  });

  it('does not post the week again after a restart', async () => {
    seedActivity();
    clock.set(mondaySlot);
    await runWeeklyDigest(offline.bot, config);
    await offline.close();

    clock.advanceHours(2);
    offline = await startBot(clock, databasePath);
    expect(await runWeeklyDigest(offline.bot, config)).toMatchObject({ outcome: 'already_handled', status: 'posted' });
    expect(digests()).toHaveLength(0); // the restarted bot's Slack saw nothing
    expect(postsTable()).toHaveLength(1);
  });

  it('posts a week missed while the bot was down on the next start, saying it is late', async () => {
    seedActivity();
    clock.set('2026-11-24T14:00:00.000Z'); // Tuesday: Monday 09:00 went by without the bot
    expect(await runWeeklyDigest(offline.bot, config)).toMatchObject({ outcome: 'posted', late: true }); // the run at start
    expect(digests()).toHaveLength(1);
    expect(digestText()).toContain('posted late: the bot was not running on Monday 09:00 (UTC)');
    expect(postsTable()).toEqual([{ week: '2026-W47', status: 'posted', late: 1 }]);
    expect(offline.bot.services.evidence.all().find((e) => e.kind === 'digest.posted')?.data).toMatchObject({ late: true });
  });

  it('catches up only the most recent missed week', async () => {
    seedActivity('2026-11-03T10:00:00.000Z'); // the bot has been around since 2026-W45
    clock.set('2026-11-25T10:00:00.000Z');
    expect(await runWeeklyDigest(offline.bot, config)).toMatchObject({ outcome: 'posted', week: '2026-W47', late: true });
    expect(postsTable().map((r) => r.week)).toEqual(['2026-W47']);
  });

  it('releases the week when Slack refuses the post, and the next run posts it late saying so', async () => {
    seedActivity();
    clock.set(mondaySlot);
    offline.slack.failNext('chat.postMessage', { error: 'channel_not_found' });
    expect(await runWeeklyDigest(offline.bot, config)).toMatchObject({ outcome: 'failed', week: '2026-W47' });
    expect(postsTable()).toEqual([{ week: '2026-W47', status: 'failed', late: 0 }]);

    clock.advanceHours(3);
    expect(await runWeeklyDigest(offline.bot, config)).toMatchObject({ outcome: 'posted', late: true });
    expect(digestText()).toContain('posted late: posting on Monday 09:00 (UTC) failed');
  });

  it('says nothing for a week before the bot was installed', async () => {
    clock.set(mondaySlot);
    expect(await runWeeklyDigest(offline.bot, config)).toEqual({ outcome: 'nothing_to_report', week: '2026-W47' });
    seedActivity('2026-11-23T08:00:00.000Z'); // first evidence after the week ended
    clock.set(mondaySlot);
    expect(await runWeeklyDigest(offline.bot, config)).toEqual({ outcome: 'nothing_to_report', week: '2026-W47' });
    expect(digests()).toHaveLength(0);
  });

  it('follows the configured time zone for the week and the slot', async () => {
    const berlin: DigestConfig = { ...config, timeZone: 'Europe/Berlin' };
    seedActivity('2026-11-15T23:30:00.000Z'); // Monday 00:30 in Berlin: inside 2026-W47 there, not in UTC
    clock.set('2026-11-23T07:59:00.000Z'); // 08:59 in Berlin
    expect(await runWeeklyDigest(offline.bot, berlin)).toMatchObject({ outcome: 'not_due', dueAt: '2026-11-23T08:00:00.000Z' });
    clock.set('2026-11-23T08:00:30.000Z');
    expect(await runWeeklyDigest(offline.bot, berlin)).toMatchObject({ outcome: 'posted', week: '2026-W47', late: false });
    expect(digestText()).toContain('16 Nov 2026 to 22 Nov 2026 (Europe/Berlin)');
    expect(digestText()).toContain('New findings: *1* (Sev1 1)');
    expect(digestText()).toContain('--from 2026-11-15 --to 2026-11-22');
  });

  it('follows the time zone for the attached export too: exactly the digest\'s week, named by its Monday and Sunday', async () => {
    seedActivity('2026-11-15T23:30:00.000Z');
    clock.set('2026-11-23T08:00:30.000Z');
    await runWeeklyDigest(offline.bot, { ...config, timeZone: 'Europe/Berlin' });
    const [file] = offline.slack.files(digestChannel);
    expect(file?.name).toBe('soc2-evidence-2026-11-16-to-2026-11-22.html');
    expect(file?.initialComment).toContain('2026-11-16 to 2026-11-22 (2026-11-15T23:00:00.000Z up to 2026-11-22T23:00:00.000Z)');
    expect(file?.bytes.toString('utf8')).toContain('arn:aws:s3:::exports');
  });
});

describe('the week\'s evidence export attached to the digest', () => {
  const exportEvents = () => offline.bot.services.evidence.all().filter((e) => e.kind.startsWith('export.') || e.kind === 'digest.export_retry');

  it('is shared in the digest\'s thread, holds the week\'s findings, and is evidence', async () => {
    seedActivity();
    clock.set(mondaySlot);
    const run = await runWeeklyDigest(offline.bot, config);
    expect(run).toMatchObject({ outcome: 'posted', attachment: { attached: true, fileName: 'soc2-evidence-2026-11-16-to-2026-11-22.html' } });
    const [file, ...others] = offline.slack.files(digestChannel);
    expect(others).toEqual([]);
    expect(file).toMatchObject({ name: 'soc2-evidence-2026-11-16-to-2026-11-22.html', threadTs: digests()[0]!.ts });
    expect(file!.bytes.toString('utf8')).toContain('arn:aws:s3:::exports');
    expect(file!.initialComment).toContain('2026-11-16 to 2026-11-22 (UTC, both days inclusive)');
    expect(exportEvents().map((e) => ({ kind: e.kind, actor: e.actor.type, week: e.data['digestWeek'], threadTs: e.data['threadTs'] }))).toEqual([
      { kind: 'export.shared', actor: 'bot', week: '2026-W47', threadTs: digests()[0]!.ts },
    ]);
  });

  it('a failed upload keeps the digest, which is not posted again; the next run attaches the export once', async () => {
    seedActivity();
    clock.set(mondaySlot);
    offline.slack.failNext('files.getUploadURLExternal', { status: 500 });
    expect(await runWeeklyDigest(offline.bot, config)).toMatchObject({ outcome: 'posted', attachment: { attached: false } });
    expect(digests()).toHaveLength(1);
    expect(offline.slack.files()).toEqual([]);
    expect(postsTable()).toEqual([{ week: '2026-W47', status: 'posted', late: 0 }]);

    clock.advanceHours(1);
    expect(await runWeeklyDigest(offline.bot, config)).toMatchObject({ outcome: 'attachment_retried', week: '2026-W47', attachment: { attached: true } });
    clock.advanceHours(1);
    expect(await runWeeklyDigest(offline.bot, config)).toEqual({ outcome: 'already_handled', week: '2026-W47', status: 'posted' });

    expect(offline.slack.callsTo('chat.postMessage')).toHaveLength(1);
    expect(offline.slack.files(digestChannel).map((f) => f.threadTs)).toEqual([digests()[0]!.ts]);
    expect(exportEvents().map((e) => e.kind)).toEqual(['export.failed', 'digest.export_retry', 'export.shared']);
  });

  it('a digest whose post failed is attached once, with the post that finally goes out', async () => {
    seedActivity();
    clock.set(mondaySlot);
    offline.slack.failNext('chat.postMessage', { error: 'channel_not_found' });
    expect(await runWeeklyDigest(offline.bot, config)).toMatchObject({ outcome: 'failed' });
    expect(offline.slack.callsTo('files.getUploadURLExternal')).toEqual([]);
    clock.advanceHours(3);
    expect(await runWeeklyDigest(offline.bot, config)).toMatchObject({ outcome: 'posted', attachment: { attached: true } });
    await runWeeklyDigest(offline.bot, config);
    expect(offline.slack.files(digestChannel)).toHaveLength(1);
  });

  it('two instances retrying at once upload it once', async () => {
    seedActivity();
    clock.set(mondaySlot);
    offline.slack.failNext('files.completeUploadExternal', { error: 'internal_error' });
    await runWeeklyDigest(offline.bot, config);
    const db = openDatabase(databasePath);
    const services: Services = {
      ...offline.bot.services,
      evidence: new EvidenceLog(db, clock),
      atomically: (work) => db.transaction(work).immediate(),
    };
    try {
      const runs = await Promise.all([runWeeklyDigest(offline.bot, config), runWeeklyDigest({ services, db }, config)]);
      expect(runs.map((r) => r.outcome).sort()).toEqual(['already_handled', 'attachment_retried']);
    } finally {
      db.close();
    }
    expect(offline.slack.files(digestChannel)).toHaveLength(1);
    expect(exportEvents().map((e) => e.kind)).toEqual(['export.failed', 'digest.export_retry', 'export.shared']);
  });
});
