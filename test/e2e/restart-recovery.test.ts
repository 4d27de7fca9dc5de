import Database from 'better-sqlite3';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { createLogger } from '../../src/app/logger.js';
import { createBot, type Bot } from '../../src/app/bot.js';
import { actionIds } from '../../src/slack/cards.js';
import { buildControlFinding } from '../../src/sim/aws-account.js';
import { startOfflineBot, type OfflineBot } from '../../src/sim/offline-bot.js';

const channel = 'C0PLATFORM01';
const routing = { fallbackChannel: channel, tagKeys: [], owners: {}, accounts: {} };
let offline: OfflineBot;
let restarted: Bot | null = null;

afterEach(async () => {
  await restarted?.stop();
  restarted = null;
  await offline.close();
});

/** Leaves the finding exactly as a crash between "claimed" and "verified" would. */
async function crashMidFix(applied: boolean) {
  const databasePath = join(mkdtempSync(join(tmpdir(), 'soc2-bot-restart-')), 'e.sqlite');
  offline = await startOfflineBot({ databasePath, routing, log: createLogger('silent'), awsMaxAttempts: 1 });
  offline.aws.addBucket('customer-exports', { region: 'us-east-1', publicAccessBlock: null });
  const asff = buildControlFinding({ control: 'S3.8', resourceId: 'arn:aws:s3:::customer-exports', accountId: '111111111111' });
  offline.aws.addFinding(asff);
  await offline.bot.scan();
  const card = offline.slack.messages(channel)[0]!;
  // The state a crash leaves behind: the fix was claimed, and nothing after that was recorded.
  const db = new Database(databasePath);
  db.prepare("UPDATE findings SET status = 'fixing' WHERE id = ?").run(asff.Id);
  db.close();
  if (applied) {
    offline.aws.addBucket('customer-exports', {
      region: 'us-east-1',
      publicAccessBlock: { BlockPublicAcls: true, IgnorePublicAcls: true, BlockPublicPolicy: true, RestrictPublicBuckets: true },
    });
  }
  return { databasePath, findingId: asff.Id!, card };
}

async function restart(databasePath: string) {
  restarted = createBot({
    databasePath,
    slack: { botToken: offline.botToken, signingSecret: offline.signingSecret, apiUrl: offline.slack.baseUrl, retries: 0 },
    routing,
    securityHubRegion: 'us-east-1',
    aws: { credentials: { accessKeyId: 'AKIDSIMULATED', secretAccessKey: 'simulated' }, maxAttempts: 1 },
    log: createLogger('silent'),
  });
  await restarted.start(0);
  return restarted;
}

describe('restart after a crash mid-fix', () => {
  it('records the fix as verified when the change had taken effect, without applying it again', async () => {
    const { databasePath, findingId, card } = await crashMidFix(true);
    const bot = await restart(databasePath);
    expect(bot.services.findings.get(findingId)?.status).toBe('fixed');
    expect(offline.aws.callsTo('s3', 'PutPublicAccessBlock')).toHaveLength(0);
    // Settled, then the card shows it, then Security Hub is told: the order a normal fix follows.
    expect(bot.services.evidence.forFinding(findingId).slice(-3).map((e) => e.kind)).toEqual(['fix.verified', 'card.updated', 'securityhub.updated']);
    expect(JSON.stringify(offline.slack.message(channel, card.ts)!.blocks)).toContain('Fixed');
    expect(offline.aws.finding(findingId)?.Workflow?.Status).toBe('RESOLVED');
    expect(offline.aws.noteHistory(findingId).at(-1)?.Text).toMatch(/^soc2-bot: s3-block-public-access verified: the interrupted fix had taken effect/);
  });

  it('marks the fix failed and leaves it to a human when the change had not taken effect', async () => {
    const { databasePath, findingId, card } = await crashMidFix(false);
    const bot = await restart(databasePath);
    expect(bot.services.findings.get(findingId)?.status).toBe('fix_failed');
    expect(offline.aws.callsTo('s3', 'PutPublicAccessBlock')).toHaveLength(0);
    expect(offline.aws.bucket('customer-exports')?.publicAccessBlock).toBeNull();
    const text = JSON.stringify(offline.slack.message(channel, card.ts)!.blocks);
    expect(text).toContain('interrupted');
    expect(text).toContain(actionIds.approve); // Retry is offered, not done
    expect(bot.services.evidence.forFinding(findingId).slice(-3).map((e) => e.kind)).toEqual(['fix.failed', 'card.updated', 'securityhub.updated']);
    // Security Hub shows it needs attention again, and why.
    expect(offline.aws.finding(findingId)?.Workflow?.Status).toBe('NOTIFIED');
    expect(offline.aws.noteHistory(findingId).at(-1)?.Text).toBe(
      'soc2-bot: fix failed: a restart interrupted the fix before it took effect; nothing was applied again. Approve again to retry.',
    );
  });
});
