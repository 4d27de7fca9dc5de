import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { createLogger } from '../../src/app/logger.js';
import { normalize } from '../../src/ingest/normalize.js';
import { deliverCards, recordFindings } from '../../src/route/deliver-cards.js';
import { actionIds } from '../../src/slack/cards.js';
import { buildControlFinding } from '../../src/sim/aws-account.js';
import { startOfflineBot, type OfflineBot } from '../../src/sim/offline-bot.js';

const channel = 'C0SECURITY01';
let offline: OfflineBot;

beforeEach(async () => {
  offline = await startOfflineBot({
    databasePath: join(mkdtempSync(join(tmpdir(), 'soc2-bot-resolved-')), 'e.sqlite'),
    routing: { fallbackChannel: channel, tagKeys: [], owners: {}, accounts: {} },
    log: createLogger('silent'),
    awsMaxAttempts: 1,
  });
});

afterEach(async () => {
  await offline.close();
});

function seed(bucket: string) {
  offline.aws.addBucket(bucket, { region: 'us-east-1', publicAccessBlock: null });
  const asff = buildControlFinding({ control: 'S3.8', resourceId: `arn:aws:s3:::${bucket}`, accountId: '111111111111', updatedAt: '2026-11-20T00:00:00.000Z' });
  offline.aws.addFinding(asff);
  return asff;
}

describe('resolved at source', () => {
  it('closes the open card when Security Hub reports the control passing, with evidence', async () => {
    const asff = seed('customer-exports');
    await offline.bot.scan();
    const card = offline.slack.messages(channel)[0]!;
    // The update arrives as the real-time path delivers it: the same finding, now PASSED.
    const passed = normalize({ ...asff, Compliance: { Status: 'PASSED' }, UpdatedAt: '2026-11-21T00:00:00.000Z' });
    expect((await recordFindings(offline.bot.services, passed)).resolved).toBe(1);
    await deliverCards(offline.bot.services);
    expect(offline.bot.services.findings.get(asff.Id!)?.status).toBe('resolved_at_source');
    const text = JSON.stringify(offline.slack.message(channel, card.ts)!.blocks);
    expect(text).toContain('Resolved in Security Hub');
    expect(text).not.toContain(actionIds.approve);
    expect(offline.bot.services.evidence.forFinding(asff.Id!).map((e) => e.kind)).toContain('finding.resolved_at_source');
    // Told once: the next delivery does not redraw it again.
    const updates = offline.slack.callsTo('chat.update').length;
    await deliverCards(offline.bot.services);
    expect(offline.slack.callsTo('chat.update')).toHaveLength(updates);
  });

  it('keeps a fixed finding fixed when our own RESOLVED write-back comes back as an update', async () => {
    const asff = seed('customer-exports');
    await offline.bot.scan();
    const card = offline.slack.messages(channel)[0]!;
    await offline.click({ actionId: actionIds.approve, value: asff.Id!, channel, messageTs: card.ts, user: { id: 'U0ANA00001', name: 'ana' } });
    await offline.bot.background.idle();
    const echoed = normalize({ ...offline.aws.finding(asff.Id!)!, UpdatedAt: '2026-11-26T00:00:00.000Z' });
    expect(echoed[0]?.workflow).toBe('RESOLVED');
    await recordFindings(offline.bot.services, echoed);
    expect(offline.bot.services.findings.get(asff.Id!)?.status).toBe('fixed');
  });
});
