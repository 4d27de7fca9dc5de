import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { createLogger } from '../../src/app/logger.js';
import { parsePolicy } from '../../src/config/policy.js';
import { actionIds } from '../../src/slack/cards.js';
import { buildControlFinding } from '../../src/sim/aws-account.js';
import { startOfflineBot, type OfflineBot } from '../../src/sim/offline-bot.js';

const channel = 'C0PLATFORM01';
const ana = { id: 'U0ANA00001', name: 'ana' };
const ben = { id: 'U0BEN00001', name: 'ben' };
let offline: OfflineBot;

beforeEach(async () => {
  offline = await startOfflineBot({
    databasePath: join(mkdtempSync(join(tmpdir(), 'soc2-bot-auto-')), 'e.sqlite'),
    routing: { fallbackChannel: 'C0SECURITY01', tagKeys: ['owner'], owners: { platform: channel }, accounts: {} },
    policy: parsePolicy(`teams:\n  platform: { channel: ${channel}, approvers: { users: [U0ANA00001] } }\n`),
    log: createLogger('silent'),
    awsMaxAttempts: 1,
  });
});

afterEach(async () => {
  await offline.close();
});

async function seedUnversionedBucket() {
  offline.aws.addBucket('build-artifacts', { region: 'us-east-1', versioning: null });
  const asff = buildControlFinding({ control: 'S3.14', resourceId: 'arn:aws:s3:::build-artifacts', accountId: '111111111111', severity: 'LOW', tags: { owner: 'platform' } });
  offline.aws.addFinding(asff);
  await offline.bot.scan();
  return asff.Id!;
}

describe('autopilot', () => {
  it('fixes at once, then posts an FYI card with Undo; Undo by an approver restores the previous state', async () => {
    const findingId = await seedUnversionedBucket();
    expect(offline.aws.bucket('build-artifacts')?.versioning).toBe('Enabled');
    const card = offline.slack.messages(channel)[0]!;
    const text = JSON.stringify(card.blocks);
    expect(text).toContain('Fixed automatically');
    expect(text).toContain(actionIds.undo);
    expect(text).not.toContain(actionIds.approve);
    const kinds = offline.bot.services.evidence.forFinding(findingId).map((e) => e.kind);
    expect(kinds).toEqual(expect.arrayContaining(['card.posted', 'fix.planned', 'fix.applied', 'fix.verified']));
    expect(kinds).not.toContain('decision.approved'); // nobody was asked: the policy decided
    expect(offline.aws.finding(findingId)?.Workflow?.Status).toBe('RESOLVED');

    // Someone who may not approve may not undo either.
    await offline.click({ actionId: actionIds.undo, value: findingId, channel, messageTs: card.ts, user: ben });
    await offline.bot.background.idle();
    expect(offline.aws.bucket('build-artifacts')?.versioning).toBe('Enabled');
    expect(offline.slack.ephemerals.at(-1)?.text).toContain('cannot undo');

    await offline.click({ actionId: actionIds.undo, value: findingId, channel, messageTs: card.ts, user: ana });
    await offline.bot.background.idle();
    // S3 cannot return a bucket to "never versioned": Suspended is the honest undo.
    expect(offline.aws.bucket('build-artifacts')?.versioning).toBe('Suspended');
    expect(offline.bot.services.findings.get(findingId)?.status).toBe('open');
    const after = JSON.stringify(offline.slack.message(channel, card.ts)!.blocks);
    expect(after).toContain('Undone');
    expect(after).toContain(actionIds.approve);
    expect(offline.bot.services.evidence.forFinding(findingId).map((e) => e.kind)).toEqual(expect.arrayContaining(['decision.undo', 'fix.undone']));
    expect(offline.aws.finding(findingId)?.Workflow?.Status).toBe('NOTIFIED');

    // A second Undo click finds nothing to undo.
    await offline.click({ actionId: actionIds.undo, value: findingId, channel, messageTs: card.ts, user: ana });
    await offline.bot.background.idle();
    expect(offline.slack.ephemerals.at(-1)?.text).toContain('no applied fix to undo');
  });

  it('does not fix the same finding twice when scans overlap', async () => {
    offline.aws.addBucket('build-artifacts', { region: 'us-east-1', versioning: null });
    offline.aws.addFinding(buildControlFinding({ control: 'S3.14', resourceId: 'arn:aws:s3:::build-artifacts', accountId: '111111111111', severity: 'LOW' }));
    await Promise.all([offline.bot.scan(), offline.bot.scan(), offline.bot.scan()]);
    expect(offline.aws.callsTo('s3', 'PutBucketVersioning')).toHaveLength(1);
    expect(offline.slack.messages().filter((m) => !m.thread_ts)).toHaveLength(1);
  });
});
