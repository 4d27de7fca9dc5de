import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { createLogger } from '../../src/app/logger.js';
import { deliverCards } from '../../src/route/deliver-cards.js';
import { buildControlFinding } from '../../src/sim/aws-account.js';
import { startOfflineBot, type OfflineBot } from '../../src/sim/offline-bot.js';

const channel = 'C0SECURITY01';
let offline: OfflineBot;
afterEach(async () => {
  await offline.close();
});

describe('Slack outages', () => {
  it.each([
    ['a 429 with Retry-After', { status: 429, retryAfter: 30 }],
    ['a 500', { status: 500 }],
    ['an ok:false answer', { error: 'internal_error' }],
  ])('lose no card after %s: it is posted on the next delivery, exactly once', async (_name, fault) => {
    offline = await startOfflineBot({
      databasePath: join(mkdtempSync(join(tmpdir(), 'soc2-bot-outage-')), 'e.sqlite'),
      routing: { fallbackChannel: channel, tagKeys: [], owners: {}, accounts: {} },
      log: createLogger('silent'),
      awsMaxAttempts: 1,
    });
    offline.aws.addBucket('customer-exports', { region: 'us-east-1', publicAccessBlock: null });
    const asff = buildControlFinding({ control: 'S3.8', resourceId: 'arn:aws:s3:::customer-exports', accountId: '111111111111' });
    offline.aws.addFinding(asff);
    offline.slack.failNext('chat.postMessage', fault);

    const first = await offline.bot.scan();
    expect(first).toMatchObject({ new: 1, cardsPosted: 0 });
    expect(offline.slack.messages()).toHaveLength(0);
    expect(offline.bot.services.evidence.forFinding(asff.Id!).map((e) => e.kind)).toEqual(['finding.detected']);

    expect(await deliverCards(offline.bot.services)).toBe(1);
    expect(await deliverCards(offline.bot.services)).toBe(0);
    expect(offline.slack.messages(channel)).toHaveLength(1);
    expect(offline.bot.services.evidence.forFinding(asff.Id!).filter((e) => e.kind === 'card.posted')).toHaveLength(1);
  });
});
