import Database from 'better-sqlite3';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { createLogger } from '../../src/app/logger.js';
import { actionIds } from '../../src/slack/cards.js';
import { buildControlFinding } from '../../src/sim/aws-account.js';
import { startOfflineBot, type OfflineBot } from '../../src/sim/offline-bot.js';
import { blockActionsBody, signSlackRequest } from '../../src/sim/signed-request.js';

const account = '111111111111';
const channel = 'C0PLATFORM01';
const ana = { id: 'U0ANA00001', name: 'ana' };
const ben = { id: 'U0BEN00001', name: 'ben' };
const allTrue = { BlockPublicAcls: true, IgnorePublicAcls: true, BlockPublicPolicy: true, RestrictPublicBuckets: true };

let offline: OfflineBot;
let databasePath: string;

function evidenceKinds(findingId?: string): string[] {
  // A second, independent connection: the evidence is really in the file.
  const db = new Database(databasePath, { readonly: true });
  const rows = findingId
    ? db.prepare('SELECT kind FROM evidence_events WHERE finding_id = ? ORDER BY seq').pluck().all(findingId)
    : db.prepare('SELECT kind FROM evidence_events ORDER BY seq').pluck().all();
  db.close();
  return rows as string[];
}

function seedPublicBucket(bucket: string) {
  offline.aws.addBucket(bucket, { region: 'us-east-1', publicAccessBlock: null });
  const asff = buildControlFinding({ control: 'S3.8', resourceId: `arn:aws:s3:::${bucket}`, accountId: account, severity: 'HIGH' });
  offline.aws.addFinding(asff);
  return asff.Id!;
}

async function scanAndGetCard(findingId: string) {
  await offline.bot.scan();
  const card = offline.slack.messages(channel).find((m) => JSON.stringify(m.blocks).includes(findingId));
  if (!card) throw new Error('no card was posted for the finding');
  return card;
}

beforeEach(async () => {
  databasePath = join(mkdtempSync(join(tmpdir(), 'soc2-bot-e2e-')), 'evidence.sqlite');
  offline = await startOfflineBot({
    databasePath,
    routing: { fallbackChannel: 'C0SECURITY01', tagKeys: ['owner'], owners: {}, accounts: { [account]: channel } },
    log: createLogger('silent'),
    awsMaxAttempts: 1,
  });
});

afterEach(async () => {
  await offline.close();
});

describe('a public bucket, from Security Hub to a fixed bucket', () => {
  it('polls, posts a card with the diff, fixes on a signed Approve, updates the card, resolves the finding and logs evidence', async () => {
    const findingId = seedPublicBucket('customer-exports');
    offline.aws.addFinding(
      buildControlFinding({ control: 'S3.2', resourceId: 'arn:aws:s3:::already-fine', accountId: account, compliance: 'PASSED', workflow: 'RESOLVED' }),
    );

    const card = await scanAndGetCard(findingId);
    expect(offline.slack.messages()).toHaveLength(1); // the PASSED finding is filtered out at the source
    const posted = JSON.stringify(card.blocks);
    expect(posted).toContain('S3.8');
    expect(posted).toContain('Sev1');
    expect(posted).toContain('CC6.1');
    expect(posted).toContain('- BlockPublicAcls: false');
    expect(posted).toContain('+ BlockPublicAcls: true');
    expect(posted).toContain(actionIds.approve);

    const response = await offline.click({ actionId: actionIds.approve, value: findingId, channel, messageTs: card.ts, user: ana });
    expect(response.status).toBe(200);
    await offline.bot.background.idle();

    expect(offline.aws.bucket('customer-exports')?.publicAccessBlock).toEqual(allTrue);
    expect(offline.slack.callsTo('chat.update').length).toBeGreaterThanOrEqual(1);
    const updated = offline.slack.message(channel, card.ts)!;
    const finalBlocks = JSON.stringify(updated.blocks);
    expect(finalBlocks).toContain('Fixed.');
    expect(finalBlocks).toContain(`<@${ana.id}>`);
    // Decision buttons are gone; only Undo remains (the fix is reversible).
    expect(finalBlocks).not.toContain(actionIds.approve);
    expect(finalBlocks).not.toContain(actionIds.exception);
    expect(finalBlocks).toContain(actionIds.undo);

    const hub = offline.aws.finding(findingId)!;
    expect(hub.Workflow?.Status).toBe('RESOLVED');
    expect(offline.aws.noteHistory(findingId).at(-1)?.Text).toContain('s3-block-public-access');

    expect(evidenceKinds(findingId)).toEqual([
      'finding.detected',
      'card.posted',
      'decision.approved',
      'fix.planned',
      'card.updated',
      'fix.applied',
      'fix.verified',
      'card.updated',
      'securityhub.updated',
    ]);
    const db = new Database(databasePath, { readonly: true });
    const decision = db.prepare("SELECT actor_id, actor_name, at FROM evidence_events WHERE kind = 'decision.approved'").get() as {
      actor_id: string;
      actor_name: string;
      at: string;
    };
    const planned = JSON.parse(db.prepare("SELECT data FROM evidence_events WHERE kind = 'fix.planned'").pluck().get() as string);
    db.close();
    expect(decision).toMatchObject({ actor_id: ana.id, actor_name: ana.name });
    expect(planned.before).toEqual({ Configured: false, BlockPublicAcls: false, IgnorePublicAcls: false, BlockPublicPolicy: false, RestrictPublicBuckets: false });
    expect(planned.after).toEqual(allTrue);
    expect(planned.calls).toEqual([
      { service: 's3', operation: 'PutPublicAccessBlock', input: { Bucket: 'customer-exports', PublicAccessBlockConfiguration: allTrue } },
    ]);
  });

  it('does not post a second card for the same finding on the next poll', async () => {
    const findingId = seedPublicBucket('customer-exports');
    await scanAndGetCard(findingId);
    const again = await offline.bot.scan();
    expect(again.cardsPosted).toBe(0);
    expect(offline.slack.messages(channel)).toHaveLength(1);
  });

  it('shows AccessDenied on the card in plain words, keeps the finding open and records the failure', async () => {
    const findingId = seedPublicBucket('customer-exports');
    const card = await scanAndGetCard(findingId);
    offline.aws.failAlways('s3', 'PutPublicAccessBlock', { status: 403, code: 'AccessDenied', message: 'Access Denied' });

    await offline.click({ actionId: actionIds.approve, value: findingId, channel, messageTs: card.ts, user: ana });
    await offline.bot.background.idle();

    expect(offline.aws.bucket('customer-exports')?.publicAccessBlock).toBeNull();
    const text = JSON.stringify(offline.slack.message(channel, card.ts)!.blocks);
    expect(text).toContain('Fix failed');
    expect(text).toContain('AccessDenied');
    expect(text).toContain('s3:PutBucketPublicAccessBlock');
    expect(text).toContain('Retry fix'); // still open: the buttons stay
    expect(offline.aws.finding(findingId)?.Workflow?.Status).toBe('NOTIFIED');
    expect(offline.aws.noteHistory(findingId).at(-1)?.Text).toContain('AccessDenied');
    expect(evidenceKinds(findingId)).toContain('fix.failed');
    expect(evidenceKinds(findingId)).not.toContain('fix.verified');
    expect(offline.bot.services.findings.get(findingId)?.status).toBe('fix_failed');
  });

  it('fixes once for 20 identical concurrent clicks and a Slack retry, and tells the others who acted', async () => {
    const findingId = seedPublicBucket('customer-exports');
    const card = await scanAndGetCard(findingId);
    const clicks = await Promise.all(
      Array.from({ length: 20 }, (_, i) =>
        offline.click({ actionId: actionIds.approve, value: findingId, channel, messageTs: card.ts, user: i % 2 ? ben : ana }),
      ),
    );
    // Slack retries a delivery it thinks failed, with X-Slack-Retry-Num: the same click again.
    const body = blockActionsBody({ actionId: actionIds.approve, value: findingId, channel, messageTs: card.ts, user: ana });
    const retry = await offline.post(body, { ...signSlackRequest(offline.signingSecret, body), 'x-slack-retry-num': '1', 'x-slack-retry-reason': 'http_timeout' });
    await offline.bot.background.idle();
    expect(clicks.every((r) => r.status === 200)).toBe(true);
    expect(retry.status).toBe(200);
    expect(offline.aws.callsTo('s3', 'PutPublicAccessBlock')).toHaveLength(1);
    expect(evidenceKinds(findingId).filter((k) => k === 'decision.approved')).toHaveLength(1);
    expect(offline.slack.ephemerals).toHaveLength(20);
    expect(offline.slack.ephemerals[0]?.text).toMatch(/approved it at/);
    // The refused clicks are evidence too.
    expect(evidenceKinds(findingId).filter((k) => k === 'click.ignored')).toHaveLength(20);
  });

  it('re-plans instead of applying a stale diff when the bucket changed after the card was posted', async () => {
    const findingId = seedPublicBucket('customer-exports');
    const card = await scanAndGetCard(findingId);
    // Someone fixes half of it by hand after the card went out.
    const half = { BlockPublicAcls: true, IgnorePublicAcls: true, BlockPublicPolicy: false, RestrictPublicBuckets: false };
    offline.aws.addBucket('customer-exports', { region: 'us-east-1', publicAccessBlock: half });

    await offline.click({ actionId: actionIds.approve, value: findingId, channel, messageTs: card.ts, user: ana });
    await offline.bot.background.idle();
    expect(offline.aws.callsTo('s3', 'PutPublicAccessBlock')).toHaveLength(0);
    expect(offline.aws.bucket('customer-exports')?.publicAccessBlock).toEqual(half);
    const replanned = JSON.stringify(offline.slack.message(channel, card.ts)!.blocks);
    expect(replanned).toContain('  BlockPublicAcls: true'); // now unchanged context, not a change
    expect(replanned).toContain('- BlockPublicPolicy: false');
    expect(replanned).toContain(actionIds.approve);
    expect(offline.slack.ephemerals.at(-1)?.text).toContain('resource changed since this card was posted');
    expect(evidenceKinds(findingId)).toContain('fix.replanned');

    // Approving what is now shown applies it.
    await offline.click({ actionId: actionIds.approve, value: findingId, channel, messageTs: card.ts, user: ana });
    await offline.bot.background.idle();
    expect(offline.aws.bucket('customer-exports')?.publicAccessBlock).toEqual(allTrue);
  });
  // Forged, stale and replayed requests and tampered button values: test/e2e/forged-requests.test.ts.
});
