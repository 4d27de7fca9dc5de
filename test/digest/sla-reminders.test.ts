import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { runSlaReminders, type ReminderConfig } from '../../src/digest/reminder-job.js';
import { dueReminder, reminderText } from '../../src/digest/sla-reminders.js';
import { buildControlFinding } from '../../src/sim/aws-account.js';
import type { OfflineBot } from '../../src/sim/offline-bot.js';
import { account, startBot, teamChannel, TestClock } from './scenario.js';

const oncall = 'S0ONCALL01';
const config: ReminderConfig = { oncallUsergroup: oncall };

let clock: TestClock;
let offline: OfflineBot;
let sev1Id: string;
let sev2Id: string;

/** Two findings scanned from Security Hub, each with its card in the team channel. */
async function scanFindings(): Promise<void> {
  offline.aws.addBucket('exports', { region: 'us-east-1', publicAccessBlock: null });
  const sev1 = buildControlFinding({ control: 'S3.8', resourceId: 'arn:aws:s3:::exports', accountId: account, createdAt: '2026-11-20T00:00:00.000Z' });
  const sev2 = buildControlFinding({
    control: 'IAM.5',
    resourceId: `arn:aws:iam::${account}:user/bob`,
    resourceType: 'AwsIamUser',
    accountId: account,
    severity: 'MEDIUM',
    createdAt: '2026-11-09T00:00:00.000Z',
  });
  offline.aws.addFinding(sev1);
  offline.aws.addFinding(sev2);
  sev1Id = sev1.Id!;
  sev2Id = sev2.Id!;
  await offline.bot.scan();
}

function card(findingId: string) {
  const tracked = offline.bot.services.findings.get(findingId);
  if (!tracked?.card) throw new Error(`no card for ${findingId}`);
  return tracked.card;
}

function replies(findingId: string): string[] {
  const { channel, ts } = card(findingId);
  return offline.slack
    .messages(channel)
    .filter((m) => m.thread_ts === ts)
    .map((m) => m.text);
}

async function remindAt(iso: string) {
  clock.set(iso);
  return runSlaReminders(offline.bot, config);
}

beforeEach(async () => {
  clock = new TestClock(new Date('2026-11-20T01:00:00.000Z'));
  offline = await startBot(clock);
  await scanFindings();
});

afterEach(async () => {
  await offline.close();
});

describe('SLA reminders', () => {
  it('replies in the card thread at 75% and when overdue, at most once a day, paging on-call for an overdue Sev1', async () => {
    expect(offline.bot.services.findings.get(sev1Id)?.triage).toMatchObject({ severity: 'sev1', dueAt: '2026-11-21T00:00:00.000Z' });
    expect(offline.bot.services.findings.get(sev2Id)?.triage).toMatchObject({ severity: 'sev2', dueAt: '2026-11-23T00:00:00.000Z' });

    // Sev2: 14 days from 9 Nov, so 75% was reached on 19 Nov 12:00. Sev1: 24 h, 75% at 18:00 today.
    expect(await remindAt('2026-11-20T01:00:00.000Z')).toEqual({ posted: 1, waiting: 0 });
    expect(replies(sev2Id)).toEqual([expect.stringContaining('75% of the time to fix has passed.* This Sev2 finding is due in 3 days (2026-11-23 00:00 UTC)')]);
    expect(replies(sev1Id)).toEqual([]);

    expect(await remindAt('2026-11-20T02:00:00.000Z')).toEqual({ posted: 0, waiting: 0 });
    expect(await remindAt('2026-11-20T18:00:00.000Z')).toEqual({ posted: 1, waiting: 0 });
    expect(replies(sev1Id)).toEqual([expect.stringContaining('This Sev1 finding is due in 6 h (2026-11-21 00:00 UTC)')]);

    expect(await remindAt('2026-11-21T00:15:00.000Z')).toEqual({ posted: 1, waiting: 0 });
    const overdue = replies(sev1Id).at(-1)!;
    expect(overdue).toContain('Overdue by 15 min');
    expect(overdue).toContain(`<!subteam^${oncall}>`);

    expect(await remindAt('2026-11-21T12:00:00.000Z')).toEqual({ posted: 0, waiting: 0 });
    expect(await remindAt('2026-11-22T00:15:00.000Z')).toEqual({ posted: 1, waiting: 0 });
    expect(replies(sev1Id)).toHaveLength(3);
    expect(replies(sev1Id).at(-1)).toContain('Overdue by 24.3 h');

    expect(await remindAt('2026-11-23T01:00:00.000Z')).toEqual({ posted: 2, waiting: 0 });
    expect(replies(sev2Id).at(-1)).toContain('Overdue by 1 h');
    expect(replies(sev2Id).at(-1)).not.toContain('subteam');
    expect(replies(sev2Id)).toHaveLength(2);
    expect(replies(sev1Id)).toHaveLength(4);

    // Every reminder is a thread reply, never a new message in the channel, and each is evidence.
    expect(offline.slack.messages(teamChannel).filter((m) => !m.thread_ts)).toHaveLength(2);
    const evidence = offline.bot.services.evidence.forFinding(sev1Id).filter((e) => e.kind === 'reminder.posted');
    expect(evidence.map((e) => e.data['reminder'])).toEqual(['sla75', 'overdue', 'overdue', 'overdue']);
    expect(evidence[0]?.data).toEqual({ reminder: 'sla75', channel: teamChannel, threadTs: card(sev1Id).ts, dueAt: '2026-11-21T00:00:00.000Z' });
  });

  it('does not remind about a finding that is no longer open', async () => {
    offline.bot.services.findings.transition(sev2Id, ['open'], 'fixed');
    expect(await remindAt('2026-11-25T00:00:00.000Z')).toEqual({ posted: 1, waiting: 0 });
    expect(replies(sev2Id)).toEqual([]);
  });

  it('keeps a reply Slack refused in the outbox and sends it once, when Slack answers again', async () => {
    offline.slack.failNext('chat.postMessage', { status: 429, retryAfter: 60 });
    expect(await remindAt('2026-11-20T01:00:00.000Z')).toEqual({ posted: 0, waiting: 1 });
    expect(replies(sev2Id)).toEqual([]);
    expect(offline.bot.services.evidence.forFinding(sev2Id).filter((e) => e.kind === 'reminder.posted')).toEqual([]);
    // The next run does not claim it again; the outbox delivers it once Retry-After has passed.
    expect(await remindAt('2026-11-20T01:00:59.000Z')).toEqual({ posted: 0, waiting: 0 });
    expect(await offline.bot.services.outbox.drain()).toBe(1);
    clock.set('2026-11-20T01:01:00.000Z');
    expect(await offline.bot.services.outbox.drain()).toBe(0);
    expect(replies(sev2Id)).toHaveLength(1);
    expect(offline.bot.services.evidence.forFinding(sev2Id).filter((e) => e.kind === 'reminder.posted')).toHaveLength(1);
    expect(await remindAt('2026-11-20T01:15:00.000Z')).toEqual({ posted: 0, waiting: 0 });
    expect(replies(sev2Id)).toHaveLength(1);
  });
});

describe('reminder wording', () => {
  const candidate = { findingId: 'f', severity: 'sev1' as const, dueAt: '2026-11-21T00:00:00.000Z', card: { channel: 'C1', ts: '1.1' } };

  it('says plainly when no on-call group is configured to page', () => {
    const now = new Date('2026-11-21T02:00:00.000Z');
    const reminder = dueReminder(candidate, now)!;
    expect(reminder).toMatchObject({ kind: 'overdue', period: 0 });
    expect(reminderText(reminder, now, null)).toContain('no on-call group is configured (ONCALL_USERGROUP), so nobody was paged');
  });

  it('is not due before 75% of the SLA', () => {
    expect(dueReminder(candidate, new Date('2026-11-20T17:59:59.000Z'))).toBeNull();
    expect(dueReminder(candidate, new Date('2026-11-20T18:00:00.000Z'))).toMatchObject({ kind: 'sla75', period: 0 });
  });
});
