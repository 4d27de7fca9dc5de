import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { createBot, type Bot } from '../../src/app/bot.js';
import { createLogger } from '../../src/app/logger.js';
import { updateFindingCard } from '../../src/remediate/approve-fix.js';
import { buildControlFinding } from '../../src/sim/aws-account.js';
import { startOfflineBot, type OfflineBot } from '../../src/sim/offline-bot.js';
import type { SlackFault, SlackMessage } from '../../src/sim/slack-workspace.js';
import { actionIds } from '../../src/slack/cards.js';
import { TestClock } from '../digest/scenario.js';

const account = '111111111111';
const channel = 'C0PLATFORM01';
const routing = { fallbackChannel: channel, tagKeys: [], owners: {}, accounts: {} };
const ana = { id: 'U0ANA00001', name: 'ana' };
const start = '2026-11-24T10:00:00.000Z';

let offline: OfflineBot;
let restarted: Bot | null = null;
let clock: TestClock;

afterEach(async () => {
  await restarted?.stop();
  restarted = null;
  await offline.close();
});

async function startWithCards(buckets: string[], options: { slackTimeoutMs?: number } = {}) {
  const databasePath = join(mkdtempSync(join(tmpdir(), 'soc2-bot-outbox-')), 'e.sqlite');
  clock = new TestClock(new Date(start));
  offline = await startOfflineBot({ databasePath, routing, log: createLogger('silent'), awsMaxAttempts: 1, clock, ...options });
  const ids = buckets.map((bucket) => {
    offline.aws.addBucket(bucket, { region: 'us-east-1', publicAccessBlock: null });
    const asff = buildControlFinding({ control: 'S3.8', resourceId: `arn:aws:s3:::${bucket}`, accountId: account });
    offline.aws.addFinding(asff);
    return asff.Id!;
  });
  await offline.bot.scan();
  const cards = ids.map((id) => {
    const card = offline.bot.services.findings.get(id)?.card;
    if (!card) throw new Error(`no card for ${id}`);
    return card;
  });
  return { databasePath, ids, cards };
}

/** Slack answers every call to `method` this way until `slackIsBack`. */
function slackIsDown(method: string, fault: SlackFault) {
  for (let i = 0; i < 20; i += 1) offline.slack.failNext(method, fault);
}
const slackIsBack = () => offline.slack.clearFaults();

function advance(ms: number) {
  clock.set(new Date(clock.now().getTime() + ms).toISOString());
}

const cardMessage = (card: { channel: string; ts: string }): SlackMessage => offline.slack.message(card.channel, card.ts)!;
const replies = (card: { channel: string; ts: string }) => offline.slack.messages(card.channel).filter((m) => m.thread_ts === card.ts).map((m) => m.text);
const shown = (version: { blocks: unknown[] }) => {
  const text = JSON.stringify(version.blocks);
  return text.includes('Fixed.') ? 'fixed' : text.includes('applying now') ? 'fixing' : 'other';
};
const cardUpdates = (bot: Bot, findingId: string) => bot.services.evidence.forFinding(findingId).filter((e) => e.kind === 'card.updated').map((e) => e.data['state']);

describe('card updates while Slack is down', () => {
  it.each([
    ['500s', { status: 500 }, 5 * 60_000],
    ['429s with Retry-After', { status: 429, retryAfter: 120 }, 120_000],
  ])('end with the card showing the fix once Slack is back, never "fixing" after "fixed" (%s)', async (_name, fault, wait) => {
    const { ids, cards } = await startWithCards(['customer-exports']);
    const [id, card] = [ids[0]!, cards[0]!];
    slackIsDown('chat.update', fault);

    await offline.click({ actionId: actionIds.approve, value: id, channel: card.channel, messageTs: card.ts, user: ana });
    await offline.bot.background.idle();

    // The fix itself did not wait for Slack: the bucket is private and the finding fixed.
    expect(offline.aws.bucket('customer-exports')?.publicAccessBlock?.BlockPublicAcls).toBe(true);
    expect(offline.bot.services.findings.get(id)?.status).toBe('fixed');
    expect(cardMessage(card).versions).toHaveLength(1);
    expect(cardUpdates(offline.bot, id)).toEqual([]);
    expect(offline.bot.services.outbox.pendingCount()).toBe(1); // "fixing" was replaced by "fixed" while queued

    slackIsBack();
    advance(wait - 1_000);
    if (fault.status === 429) expect(await offline.bot.services.outbox.drain()).toBe(1); // Retry-After is honoured
    advance(1_000);
    expect(await offline.bot.services.outbox.drain()).toBe(0);

    const versions = cardMessage(card).versions.map(shown);
    expect(versions.at(-1)).toBe('fixed');
    expect(versions.slice(versions.indexOf('fixed'))).not.toContain('fixing');
    expect(cardUpdates(offline.bot, id)).toEqual(['fixed']);
  });

  it('sends at once when Slack answers: the normal path does not wait for the timer', async () => {
    const { ids, cards } = await startWithCards(['customer-exports']);
    await offline.click({ actionId: actionIds.approve, value: ids[0]!, channel: cards[0]!.channel, messageTs: cards[0]!.ts, user: ana });
    await offline.bot.background.idle();
    expect(cardMessage(cards[0]!).versions.map(shown)).toEqual(['other', 'fixing', 'fixed']);
    expect(cardUpdates(offline.bot, ids[0]!)).toEqual(['fixing', 'fixed']);
    expect(offline.bot.services.outbox.pendingCount()).toBe(0);
  });
});

describe('order per card', () => {
  it('keeps each card in order with two cards interleaved, and coalesces only updates no reply follows', async () => {
    const { cards } = await startWithCards(['bucket-a', 'bucket-b']);
    const [a, b] = [cards[0]!, cards[1]!];
    const { outbox } = offline.bot.services;
    const update = (card: typeof a, text: string) => outbox.enqueue({ method: 'chat.update', channel: card.channel, ts: card.ts, card: { text, blocks: [] } });
    const reply = (card: typeof a, text: string) => outbox.enqueue({ method: 'chat.postMessage', channel: card.channel, threadTs: card.ts, text });

    offline.slack.failNext('*', { status: 503 });
    offline.slack.failNext('*', { status: 503 });
    await outbox.send({ method: 'chat.update', channel: a.channel, ts: a.ts, card: { text: 'a1', blocks: [] } });
    await outbox.send({ method: 'chat.update', channel: b.channel, ts: b.ts, card: { text: 'b1', blocks: [] } });
    reply(a, 'a-reply');
    update(b, 'b2'); // replaces b1, still queued and followed by nothing
    update(a, 'a2');
    reply(b, 'b-reply');
    update(a, 'a3'); // replaces a2 (nothing after it yet), never a1 (a reply follows it)
    update(b, 'b3');
    expect(outbox.pendingCount()).toBe(6);

    advance(10 * 60_000);
    expect(await outbox.drain()).toBe(0);
    const sent = (card: typeof a) =>
      offline.slack.calls
        .filter((c) => !c.error && c.args['channel'] === card.channel && (c.args['ts'] === card.ts || c.args['thread_ts'] === card.ts))
        .map((c) => c.args['text']);
    expect(sent(a)).toEqual(['a1', 'a-reply', 'a3']);
    expect(sent(b)).toEqual(['b2', 'b-reply', 'b3']);
    expect(cardMessage(a).text).toBe('a3');
    expect(replies(b)).toEqual(['b-reply']);
  });
});

describe('crash safety', () => {
  it('delivers a queued card update after a restart on the same database', async () => {
    const { databasePath, ids, cards } = await startWithCards(['customer-exports']);
    const [id, card] = [ids[0]!, cards[0]!];
    slackIsDown('chat.update', { status: 500 });
    const tracked = offline.bot.services.findings.get(id)!;
    await updateFindingCard(offline.bot.services, tracked, { kind: 'fix_failed', by: ana, at: start, diff: null, error: 'owner unreachable' });
    expect(offline.bot.services.outbox.pendingCount()).toBe(1);
    // The process dies: nothing more is sent from it.
    offline.bot.db.close();
    slackIsBack();

    advance(10 * 60_000);
    restarted = createBot({
      databasePath,
      slack: { botToken: offline.botToken, signingSecret: offline.signingSecret, apiUrl: offline.slack.baseUrl, retries: 0 },
      routing,
      securityHubRegion: 'us-east-1',
      aws: { credentials: { accessKeyId: 'AKIDSIMULATED', secretAccessKey: 'simulated' }, maxAttempts: 1 },
      log: createLogger('silent'),
      clock,
    });
    await restarted.start(0);
    await restarted.background.idle();

    expect(restarted.services.outbox.pendingCount()).toBe(0);
    expect(cardMessage(card).versions).toHaveLength(2);
    expect(JSON.stringify(cardMessage(card).blocks)).toContain('owner unreachable');
    expect(cardUpdates(restarted, id)).toEqual(['fix_failed']);
  });
});

describe('timeouts', () => {
  it.each([
    ['Slack never got the call', 'unprocessed', 2],
    ['Slack applied it but the answer was lost', 'processed', 3],
  ] as const)('retries a timed-out chat.update, which is safe to repeat (%s)', async (_name, timeout, versions) => {
    const { ids, cards } = await startWithCards(['customer-exports'], { slackTimeoutMs: 300 });
    const [id, card] = [ids[0]!, cards[0]!];
    offline.slack.failNext('chat.update', { timeout });
    const tracked = offline.bot.services.findings.get(id)!;
    await updateFindingCard(offline.bot.services, tracked, { kind: 'fix_failed', by: ana, at: start, diff: null, error: 'owner unreachable' });
    expect(offline.bot.services.outbox.pendingCount()).toBe(1);

    advance(10 * 60_000);
    expect(await offline.bot.services.outbox.drain()).toBe(0);
    const message = cardMessage(card);
    expect(message.versions).toHaveLength(versions);
    // Sent twice or once, every version after the original is the same message.
    expect(new Set(message.versions.slice(1).map((v) => JSON.stringify(v))).size).toBe(1);
    expect(JSON.stringify(message.blocks)).toContain('owner unreachable');
    expect(cardUpdates(offline.bot, id)).toEqual(['fix_failed']);
  });
});

describe('thread replies', () => {
  it.each([
    ['a 500', { status: 500 }],
    ['a 429 with Retry-After', { status: 429, retryAfter: 30 }],
    ['a timeout before Slack acted', { timeout: 'unprocessed' }],
  ] as const)('are sent exactly once after %s', async (_name, fault) => {
    const { cards } = await startWithCards(['customer-exports'], { slackTimeoutMs: 300 });
    const card = cards[0]!;
    offline.slack.failNext('chat.postMessage', fault);
    expect(await offline.bot.services.outbox.send({ method: 'chat.postMessage', channel: card.channel, threadTs: card.ts, text: 'reminder' })).not.toBe('idle');
    expect(replies(card)).toEqual([]);
    advance(10 * 60_000);
    expect(await offline.bot.services.outbox.drain()).toBe(0);
    expect(await offline.bot.services.outbox.drain()).toBe(0);
    expect(replies(card)).toEqual(['reminder']);
  });

  it('are sent again after a timeout Slack had acted on: at least once, so a rare duplicate rather than a lost page', async () => {
    const { cards } = await startWithCards(['customer-exports'], { slackTimeoutMs: 300 });
    const card = cards[0]!;
    offline.slack.failNext('chat.postMessage', { timeout: 'processed' });
    await offline.bot.services.outbox.send({ method: 'chat.postMessage', channel: card.channel, threadTs: card.ts, text: 'overdue: paging on-call' });
    expect(replies(card)).toEqual(['overdue: paging on-call']);
    advance(10 * 60_000);
    expect(await offline.bot.services.outbox.drain()).toBe(0);
    expect(replies(card)).toEqual(['overdue: paging on-call', 'overdue: paging on-call']);
  });

  it('gives up on a reply Slack refuses for good, without holding the card\'s later items', async () => {
    const { cards } = await startWithCards(['customer-exports']);
    const card = cards[0]!;
    const { outbox } = offline.bot.services;
    offline.slack.failNext('chat.postMessage', { error: 'thread_not_found' });
    outbox.enqueue({ method: 'chat.postMessage', channel: card.channel, threadTs: card.ts, text: 'lost cause' });
    await outbox.send({ method: 'chat.update', channel: card.channel, ts: card.ts, card: { text: 'after', blocks: [] } });
    expect(outbox.pendingCount()).toBe(0);
    expect(replies(card)).toEqual([]);
    expect(cardMessage(card).text).toBe('after');
  });
});
