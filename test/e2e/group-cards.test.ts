import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { createLogger } from '../../src/app/logger.js';
import { parsePolicy } from '../../src/config/policy.js';
import { normalize } from '../../src/ingest/normalize.js';
import { deliverCards, recordFindings } from '../../src/route/deliver-cards.js';
import { actionIds } from '../../src/slack/cards.js';
import { buildControlFinding } from '../../src/sim/aws-account.js';
import { startOfflineBot, type OfflineBot } from '../../src/sim/offline-bot.js';

const account = '111111111111';
const channel = 'C0PLATFORM01';
const ana = { id: 'U0ANA00001', name: 'ana' }; // platform approver
const ben = { id: 'U0BEN00001', name: 'ben' }; // not an approver
const allTrue = { BlockPublicAcls: true, IgnorePublicAcls: true, BlockPublicPolicy: true, RestrictPublicBuckets: true };
const policy = parsePolicy(`
teams:
  platform: { channel: ${channel}, approvers: { usergroup: S0PLATFORM } }
`);

let offline: OfflineBot;

beforeEach(async () => {
  offline = await startOfflineBot({
    databasePath: join(mkdtempSync(join(tmpdir(), 'soc2-bot-groups-')), 'e.sqlite'),
    routing: { fallbackChannel: 'C0SECURITY01', tagKeys: ['owner'], owners: { platform: channel }, accounts: {} },
    policy,
    log: createLogger('silent'),
    awsMaxAttempts: 1,
  });
  offline.slack.addUsergroup('S0PLATFORM', [ana.id]);
});

afterEach(async () => {
  await offline.close();
});

function seedBucket(bucket: string) {
  offline.aws.addBucket(bucket, { region: 'us-east-1', publicAccessBlock: null });
  const asff = buildControlFinding({ control: 'S3.8', resourceId: `arn:aws:s3:::${bucket}`, accountId: account, tags: { owner: 'platform' }, updatedAt: '2026-11-20T00:00:00.000Z' });
  offline.aws.addFinding(asff);
  return asff;
}

const buckets = Array.from({ length: 40 }, (_, i) => `team-bucket-${String(i).padStart(2, '0')}`);
const topLevel = () => offline.slack.messages(channel).filter((m) => !m.thread_ts);
const groupButton = (ts: string) => {
  const blocks = offline.slack.message(channel, ts)!.blocks as { type: string; elements?: { action_id?: string; value?: string }[] }[];
  return blocks.flatMap((b) => b.elements ?? []).find((e) => e.action_id === actionIds.approveGroup);
};
const kinds = (findingId: string) => offline.bot.services.evidence.forFinding(findingId).map((e) => e.kind);

async function scanForty() {
  const ids = buckets.map((b) => seedBucket(b).Id!);
  await offline.bot.scan();
  expect(topLevel()).toHaveLength(1);
  const card = topLevel()[0]!;
  const groupId = groupButton(card.ts)?.value;
  if (!groupId) throw new Error('no Approve all button on the group card');
  const approveAll = async (user: { id: string; name: string }, ts = card.ts) => {
    const response = await offline.click({ actionId: actionIds.approveGroup, value: groupId, channel, messageTs: ts, user });
    expect(response.status).toBe(200);
  };
  return { ids, card, groupId, approveAll };
}

describe('grouped cards', () => {
  it('posts one card for 40 public buckets; Approve all fixes each once, with its own evidence, and shows 40 of 40', async () => {
    const { ids, card, approveAll } = await scanForty();
    const posted = JSON.stringify(card.blocks);
    expect(posted).toContain('(40 resources)');
    expect(posted).toContain('Approve all 40');
    expect(posted).toContain('+ BlockPublicAcls: true');

    await approveAll(ana);
    await offline.bot.background.idle();

    for (const bucket of buckets) expect(offline.aws.bucket(bucket)?.publicAccessBlock).toEqual(allTrue);
    expect(offline.aws.callsTo('s3', 'PutPublicAccessBlock')).toHaveLength(40);
    for (const id of ids) {
      expect(offline.bot.services.findings.get(id)?.status).toBe('fixed');
      expect(kinds(id)).toEqual(['finding.detected', 'card.posted', 'decision.approved', 'fix.planned', 'fix.applied', 'fix.verified', 'securityhub.updated']);
      const trail = offline.bot.services.evidence.forFinding(id);
      // Each finding's evidence points at the group card it was approved on.
      expect(trail.find((e) => e.kind === 'card.posted')?.data).toMatchObject({ channel, ts: card.ts, group: { members: 40 } });
      expect(trail.find((e) => e.kind === 'decision.approved')).toMatchObject({ actor: { id: ana.id }, data: { card: { channel, ts: card.ts } } });
      expect(offline.aws.finding(id)?.Workflow?.Status).toBe('RESOLVED');
    }
    const final = JSON.stringify(offline.slack.message(channel, card.ts)!.blocks);
    expect(final).toContain('*40 of 40 fixed*');
    expect(final).toContain(`Approved by <@${ana.id}>`);
    expect(final).not.toContain(actionIds.approveGroup);
    expect(offline.slack.ephemerals.at(-1)).toMatchObject({ user: ana.id });
    expect(offline.slack.ephemerals.at(-1)?.text).toContain('40 fixed, 0 failed');
    // Two redraws (fixing, done), not one per finding.
    expect(offline.slack.callsTo('chat.update')).toHaveLength(2);
    // The next scan posts nothing new for the grouped findings.
    expect((await offline.bot.scan()).cardsPosted).toBe(0);
  });

  it('refuses a clicker who is not an approver, says who is, and records the refusal', async () => {
    const { ids, approveAll } = await scanForty();
    await approveAll(ben);
    await offline.bot.background.idle();
    expect(offline.aws.callsTo('s3', 'PutPublicAccessBlock')).toHaveLength(0);
    expect(offline.slack.ephemerals.at(-1)).toMatchObject({ user: ben.id });
    expect(offline.slack.ephemerals.at(-1)?.text).toContain('<!subteam^S0PLATFORM>');
    for (const id of ids) expect(kinds(id)).toEqual(['finding.detected', 'card.posted', 'approval.refused']);
  });

  it('fixes each bucket once for 20 concurrent Approve all clicks', async () => {
    const { ids, approveAll } = await scanForty();
    await Promise.all(Array.from({ length: 20 }, () => approveAll(ana)));
    await offline.bot.background.idle();
    expect(offline.aws.callsTo('s3', 'PutPublicAccessBlock')).toHaveLength(40);
    for (const id of ids) expect(kinds(id).filter((k) => k === 'decision.approved')).toHaveLength(1);
    expect(offline.slack.ephemerals).toHaveLength(20);
    expect(offline.slack.ephemerals.filter((e) => e.text.startsWith('Nothing to do: all 40'))).toHaveLength(19);
  });

  it('rejects a group id clicked on a card that is not that group\'s', async () => {
    const { groupId } = await scanForty();
    const other = seedBucket('lonely-bucket');
    await offline.bot.scan();
    const single = topLevel().find((m) => JSON.stringify(m.blocks).includes(other.Id!))!;
    await offline.click({ actionId: actionIds.approveGroup, value: groupId, channel, messageTs: single.ts, user: ana });
    await offline.click({ actionId: actionIds.approveGroup, value: 'no-such-group', channel, messageTs: single.ts, user: ana });
    await offline.bot.background.idle();
    expect(offline.aws.callsTo('s3', 'PutPublicAccessBlock')).toHaveLength(0);
    expect(offline.slack.ephemerals.map((e) => e.text)).toEqual([
      expect.stringContaining('does not belong to the card'),
      expect.stringContaining('does not know this group'),
    ]);
  });

  it('One card each gives every waiting member a card of its own, with Exception and Escalate', async () => {
    const { ids, card, groupId } = await scanForty();
    await offline.click({ actionId: actionIds.splitGroup, value: groupId, channel, messageTs: card.ts, user: ben });
    await offline.bot.background.idle();
    expect(await deliverCards(offline.bot.services)).toBe(40);
    const own = topLevel().filter((m) => m.ts !== card.ts);
    expect(own).toHaveLength(40);
    expect(JSON.stringify(own[0]!.blocks)).toContain(actionIds.exception);
    expect(offline.bot.services.findings.get(ids[0]!)?.card?.ts).not.toBe(card.ts);
    expect(JSON.stringify(offline.slack.message(channel, card.ts)!.blocks)).toContain('40 moved to cards of their own');
    // Not grouped again, not posted twice.
    expect(await deliverCards(offline.bot.services)).toBe(0);
  });
});

describe('Security Hub updates and recurrences', () => {
  it('notes an update in the card\'s thread, redraws the card, and never posts a new card', async () => {
    const asff = seedBucket('customer-exports');
    await offline.bot.scan();
    const card = topLevel()[0]!;
    const updated = normalize({ ...asff, Severity: { Label: 'CRITICAL', Normalized: 90 }, Workflow: { Status: 'NOTIFIED' }, UpdatedAt: '2026-11-22T09:30:00.000Z' });
    expect((await recordFindings(offline.bot.services, updated)).updated).toBe(1);
    await deliverCards(offline.bot.services);
    await deliverCards(offline.bot.services);

    expect(topLevel()).toHaveLength(1);
    const notes = offline.slack.messages(channel).filter((m) => m.thread_ts === card.ts);
    expect(notes).toHaveLength(1);
    expect(notes[0]?.text).toBe(':arrows_counterclockwise: Security Hub updated this finding (2026-11-22 09:30 UTC): severity HIGH → CRITICAL; workflow status NEW → NOTIFIED.');
    expect(offline.slack.callsTo('chat.update')).toHaveLength(1);
    const noted = offline.bot.services.evidence.forFinding(asff.Id!).find((e) => e.kind === 'card.noted');
    expect(noted?.data).toMatchObject({ threadTs: card.ts, changes: [{ field: 'severity' }, { field: 'workflow' }] });

    // A re-observation that changes nothing a person acts on is not noted.
    await recordFindings(offline.bot.services, normalize({ ...asff, Severity: { Label: 'CRITICAL', Normalized: 90 }, Workflow: { Status: 'NOTIFIED' }, UpdatedAt: '2026-11-23T00:00:00.000Z' }));
    await deliverCards(offline.bot.services);
    expect(offline.slack.messages(channel).filter((m) => m.thread_ts === card.ts)).toHaveLength(1);
  });

  it('a finding that passed and fails again gets a new card saying "Second time in 30 days", and the count is evidence', async () => {
    const asff = seedBucket('customer-exports');
    await offline.bot.scan();
    const passed = normalize({ ...asff, Compliance: { Status: 'PASSED' }, UpdatedAt: '2026-11-21T00:00:00.000Z' });
    expect((await recordFindings(offline.bot.services, passed)).resolved).toBe(1);
    await deliverCards(offline.bot.services);
    const failing = normalize({ ...asff, Compliance: { Status: 'FAILED' }, UpdatedAt: '2026-11-22T00:00:00.000Z' });
    expect((await recordFindings(offline.bot.services, failing)).recurred).toBe(1);
    expect(await deliverCards(offline.bot.services)).toBe(1);

    const cards = topLevel();
    expect(cards).toHaveLength(2);
    expect(JSON.stringify(cards[1]!.blocks)).toContain('Second time in 30 days');
    const recurred = offline.bot.services.evidence.forFinding(asff.Id!).find((e) => e.kind === 'finding.recurred');
    expect(recurred?.data['occurrencesIn30Days']).toBe(2);
  });
});
