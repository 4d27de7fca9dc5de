import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { createLogger } from '../../src/app/logger.js';
import { actionIds } from '../../src/slack/cards.js';
import { buildControlFinding } from '../../src/sim/aws-account.js';
import { startOfflineBot, type OfflineBot } from '../../src/sim/offline-bot.js';
import { TestClock } from '../digest/scenario.js';

const account = '111111111111';
const channel = 'C0PLATFORM01';
const ana = { id: 'U0ANA00001', name: 'ana' };
const buckets = ['bucket-a', 'bucket-b', 'bucket-c', 'bucket-d', 'bucket-e'];

let offline: OfflineBot;
let clock: TestClock;

afterEach(async () => {
  await offline.close();
});

/** Five public buckets in one account and channel: one group card (grouping.minFindings defaults to 5). */
async function groupCard() {
  clock = new TestClock(new Date('2026-11-24T10:00:00.000Z'));
  offline = await startOfflineBot({
    databasePath: join(mkdtempSync(join(tmpdir(), 'soc2-bot-group-outbox-')), 'e.sqlite'),
    routing: { fallbackChannel: channel, tagKeys: [], owners: {}, accounts: {} },
    log: createLogger('silent'),
    awsMaxAttempts: 1,
    clock,
  });
  const ids = buckets.map((bucket) => {
    offline.aws.addBucket(bucket, { region: 'us-east-1', publicAccessBlock: null });
    const asff = buildControlFinding({ control: 'S3.8', resourceId: `arn:aws:s3:::${bucket}`, accountId: account });
    offline.aws.addFinding(asff);
    return asff.Id!;
  });
  await offline.bot.scan();
  const cards = offline.slack.messages(channel).filter((m) => !m.thread_ts);
  expect(cards).toHaveLength(1);
  const card = cards[0]!;
  const groupId = offline.bot.services.groups.ofFinding(ids[0]!)?.id;
  if (!groupId) throw new Error('the findings were not grouped');
  return { ids, card, groupId };
}

const groupCardEvidence = () => offline.bot.services.evidence.all().filter((e) => e.kind === 'group_card.updated');

describe('group card redraws through the Slack outbox', () => {
  it('end with the card showing "5 of 5 fixed" once Slack is back after 500s during Approve all', async () => {
    const { ids, card, groupId } = await groupCard();
    for (let i = 0; i < 10; i += 1) offline.slack.failNext('chat.update', { status: 500 });

    const response = await offline.click({ actionId: actionIds.approveGroup, value: groupId, channel, messageTs: card.ts, user: ana });
    expect(response.status).toBe(200);
    await offline.bot.background.idle();

    // The fixes did not wait for Slack; the card could not be redrawn yet, and the redraw is queued, not dropped.
    for (const id of ids) expect(offline.bot.services.findings.get(id)?.status).toBe('fixed');
    expect(offline.slack.message(channel, card.ts)!.versions).toHaveLength(1);
    expect(offline.slack.callsTo('chat.update').length).toBeGreaterThan(0);
    expect(groupCardEvidence()).toEqual([]);
    // The "fixing" redraw was replaced by the final one while both waited.
    expect(offline.bot.services.outbox.pendingCount()).toBe(1);

    offline.slack.clearFaults();
    clock.set(new Date(clock.now().getTime() + 10 * 60_000).toISOString());
    expect(await offline.bot.services.outbox.drain()).toBe(0);

    const shown = offline.slack.message(channel, card.ts)!;
    expect(shown.versions).toHaveLength(2);
    expect(JSON.stringify(shown.blocks)).toContain('*5 of 5 fixed*');
    expect(JSON.stringify(shown.blocks)).not.toContain(actionIds.approveGroup);
    // One evidence row for the group, written when Slack took the redraw, saying what the card shows.
    expect(groupCardEvidence()).toHaveLength(1);
    expect(groupCardEvidence()[0]).toMatchObject({
      findingId: null,
      data: { groupId, channel, ts: card.ts, members: 5, fixed: 5, fixing: 0, failed: 0 },
    });
  });

  it('records each redraw Slack takes at once: fixing, then done', async () => {
    const { card, groupId } = await groupCard();
    await offline.click({ actionId: actionIds.approveGroup, value: groupId, channel, messageTs: card.ts, user: ana });
    await offline.bot.background.idle();
    expect(offline.bot.services.outbox.pendingCount()).toBe(0);
    expect(groupCardEvidence().map((e) => [e.data['fixing'], e.data['fixed']])).toEqual([
      [5, 0],
      [0, 5],
    ]);
  });
});
