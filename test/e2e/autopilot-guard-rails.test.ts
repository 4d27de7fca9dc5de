import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { createLogger } from '../../src/app/logger.js';
import { parsePolicy } from '../../src/config/policy.js';
import { actionIds } from '../../src/slack/cards.js';
import { buildControlFinding } from '../../src/sim/aws-account.js';
import { startOfflineBot, type OfflineBot } from '../../src/sim/offline-bot.js';

const channel = 'C0SECURITY01';
let offline: OfflineBot;
afterEach(async () => {
  await offline.close();
});

async function start(now: { value: Date }) {
  offline = await startOfflineBot({
    databasePath: join(mkdtempSync(join(tmpdir(), 'soc2-bot-guard-')), 'e.sqlite'),
    routing: { fallbackChannel: channel, tagKeys: [], owners: {}, accounts: {} },
    policy: parsePolicy('autopilot: { maxFixesPerAccountPerHour: 2 }\nescalation: { channel: C0ESCALATE1 }\n'),
    log: createLogger('silent'),
    awsMaxAttempts: 1,
    clock: { now: () => now.value },
  });
}

function seedUnversioned(name: string, tags: Record<string, string> = {}) {
  offline.aws.addBucket(name, { region: 'us-east-1', versioning: null });
  offline.aws.addFinding(buildControlFinding({ control: 'S3.14', resourceId: `arn:aws:s3:::${name}`, accountId: '111111111111', severity: 'LOW', tags }));
}

describe('autopilot guard rails', () => {
  it('trips the circuit breaker after N fixes per account per hour, tells security once, and resets after the hour', async () => {
    const now = { value: new Date('2026-11-25T10:00:00.000Z') };
    await start(now);
    for (const name of ['bucket-1', 'bucket-2', 'bucket-3', 'bucket-4']) seedUnversioned(name);
    await offline.bot.scan();
    expect(offline.aws.callsTo('s3', 'PutBucketVersioning')).toHaveLength(2);
    const held = offline.slack.messages(channel).filter((m) => JSON.stringify(m.blocks).includes('Not fixed automatically'));
    expect(held).toHaveLength(2);
    expect(JSON.stringify(held[0]?.blocks)).toContain(actionIds.approve);
    const told = offline.slack.messages('C0ESCALATE1');
    expect(told).toHaveLength(1);
    expect(told[0]?.text).toContain('Autopilot paused for account 111111111111');

    // An hour later the budget is back.
    now.value = new Date('2026-11-25T11:01:00.000Z');
    seedUnversioned('bucket-5');
    await offline.bot.scan();
    expect(offline.aws.callsTo('s3', 'PutBucketVersioning')).toHaveLength(3);
    expect(offline.aws.bucket('bucket-5')?.versioning).toBe('Enabled');
  });

  it('never fixes a resource tagged to opt out without asking', async () => {
    await start({ value: new Date('2026-11-25T10:00:00.000Z') });
    seedUnversioned('legacy', { 'soc2-bot:no-autopilot': 'yes' });
    await offline.bot.scan();
    expect(offline.aws.callsTo('s3', 'PutBucketVersioning')).toHaveLength(0);
    const card = JSON.stringify(offline.slack.messages(channel)[0]?.blocks);
    expect(card).toContain('tagged soc2-bot:no-autopilot');
    expect(card).toContain(actionIds.approve);
  });
});
