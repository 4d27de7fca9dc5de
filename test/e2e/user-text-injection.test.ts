import Database from 'better-sqlite3';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { createLogger } from '../../src/app/logger.js';
import { parsePolicy } from '../../src/config/policy.js';
import { chainIsSound, verifyChain } from '../../src/evidence/verify-chain.js';
import { buildControlFinding } from '../../src/sim/aws-account.js';
import { startOfflineBot, type OfflineBot } from '../../src/sim/offline-bot.js';
import { actionIds } from '../../src/slack/cards.js';
import { escalationCallbackId, escalationReasonBlock } from '../../src/slack/modals/escalation-modal.js';
import { exceptionBlocks, exceptionCallbackId } from '../../src/slack/modals/exception-modal.js';

/**
 * Text from AWS (a bucket name, resource tags) and from people (an exception's justification
 * and compensating control, an escalation's reason) carrying SQL and Slack metacharacters,
 * driven through the real receiver and ingest: stored verbatim (every statement binds its
 * values), nothing dropped, the evidence chain intact, and every card and message shows it inert.
 */

const channel = 'C0PLATFORM01';
const escalationChannel = 'C0SECURITY01';
const ana = { id: 'U0ANA00001', name: 'ana' };

const dropEvidence = "'); DROP TABLE evidence_events; --";
const orTrue = '" OR 1=1 --';
const mention = '<!channel>';
const link = '<https://evil|click>';

const bucket = `exports${dropEvidence}`;
const resourceId = `arn:aws:s3:::${bucket}`;
const tags = { owner: 'platform', [`cost-center${orTrue}`]: `${dropEvidence} ${mention} ${link}` };
const justification = `The partner feed reads this bucket until Friday ${dropEvidence} ${mention} ${link}`;
const compensatingControl = `WAF rule ${orTrue} ${link}`;
const reason = `Still exposed ${dropEvidence} ${orTrue} ${mention}`;

let offline: OfflineBot;
let databasePath: string;

afterEach(async () => {
  await offline.close();
});

/** What is really in the file, read through a second connection. */
function inFile<T>(read: (db: Database.Database) => T): T {
  const db = new Database(databasePath, { readonly: true });
  try {
    return read(db);
  } finally {
    db.close();
  }
}

const tableNames = () => inFile((db) => db.prepare("SELECT name FROM sqlite_master WHERE type = 'table' ORDER BY name").pluck().all());
const evidenceData = (kind: string) =>
  inFile((db) => db.prepare('SELECT data FROM evidence_events WHERE kind = ? ORDER BY seq').pluck().all(kind) as string[]).map((data) => JSON.parse(data) as Record<string, unknown>);

describe('user- and AWS-controlled text with SQL and Slack metacharacters', () => {
  it('is stored verbatim, leaves every table and the evidence chain intact, and is shown escaped', async () => {
    databasePath = join(mkdtempSync(join(tmpdir(), 'soc2-bot-injection-')), 'e.sqlite');
    offline = await startOfflineBot({
      databasePath,
      routing: { fallbackChannel: escalationChannel, tagKeys: ['owner'], owners: { platform: channel }, accounts: {} },
      policy: parsePolicy(`
teams:
  platform: { channel: ${channel}, approvers: { usergroup: S0PLATFORM } }
escalation: { channel: ${escalationChannel} }
`),
      log: createLogger('silent'),
      awsMaxAttempts: 1,
    });
    offline.slack.addUsergroup('S0PLATFORM', [ana.id]);
    const tablesBefore = tableNames();

    // AWS text: the bucket's name and its tags.
    offline.aws.addBucket(bucket, { region: 'us-east-1', publicAccessBlock: null });
    const asff = buildControlFinding({ control: 'S3.8', resourceId, accountId: '111111111111', tags });
    offline.aws.addFinding(asff);
    await offline.bot.scan();
    const findingId = asff.Id!;
    const card = offline.bot.services.findings.get(findingId)?.card;
    if (!card) throw new Error('no card: the owner tag did not route the finding');
    expect(card.channel).toBe(channel);

    // People's text: an exception through the modal (granted at once: ana approves for platform), then an escalation.
    const metadata = JSON.stringify({ findingId, channel, ts: card.ts });
    const exception = await offline.submitView({
      user: ana,
      callbackId: exceptionCallbackId,
      privateMetadata: metadata,
      values: {
        [exceptionBlocks.justification]: { type: 'plain_text_input', value: justification },
        [exceptionBlocks.expiry]: { type: 'datepicker', value: new Date(Date.now() + 3 * 86_400_000).toISOString().slice(0, 10) },
        [exceptionBlocks.compensating]: { type: 'plain_text_input', value: compensatingControl },
      },
    });
    expect(exception.status).toBe(200);
    expect(await exception.text()).toBe('');
    await offline.bot.background.idle();
    await offline.click({ actionId: actionIds.escalate, value: findingId, channel, messageTs: card.ts, user: ana });
    const escalation = await offline.submitView({
      user: ana,
      callbackId: escalationCallbackId,
      privateMetadata: metadata,
      values: { [escalationReasonBlock]: { type: 'plain_text_input', value: reason } },
    });
    expect(escalation.status).toBe(200);
    await offline.bot.background.idle();
    expect(offline.bot.services.findings.get(findingId)?.status).toBe('excepted');

    // Stored verbatim, in the state table and in the evidence.
    const row = inFile((db) => db.prepare('SELECT resource_id, finding_json FROM findings WHERE id = ?').get(findingId)) as { resource_id: string; finding_json: string };
    expect(row.resource_id).toBe(resourceId);
    expect(JSON.parse(row.finding_json)).toMatchObject({ resource: { id: resourceId, tags } });
    expect(evidenceData('finding.detected')).toEqual([expect.objectContaining({ finding: expect.objectContaining({ resource: expect.objectContaining({ id: resourceId, tags }) }) })]);
    expect(evidenceData('exception.requested')).toEqual([expect.objectContaining({ justification, compensatingControl })]);
    expect(evidenceData('exception.granted')).toEqual([expect.objectContaining({ justification, compensatingControl })]);
    expect(evidenceData('escalation.raised')).toEqual([expect.objectContaining({ reason })]);
    // Security Hub's note is plain text: the justification goes there as written.
    expect(offline.aws.noteHistory(findingId).at(-1)?.Text).toContain(justification);

    // Nothing dropped or rewritten: the same tables, a sound file, a chain that verifies.
    expect(tableNames()).toEqual(tablesBefore);
    expect(tablesBefore).toEqual(expect.arrayContaining(['evidence_events', 'findings']));
    inFile((db) => {
      expect(db.pragma('integrity_check', { simple: true })).toBe('ok');
      expect(chainIsSound(verifyChain(db, null))).toBe(true);
    });

    // Shown, escaped: the card (resource, justification, compensating control), the announcement and the thread note.
    const cardNow = JSON.stringify(offline.slack.message(channel, card.ts)!.blocks);
    expect(cardNow).toContain('&lt;!channel&gt;');
    expect(cardNow).toContain('&lt;https://evil|click&gt;');
    expect(cardNow).toContain(dropEvidence);
    const announcement = offline.slack.messages(escalationChannel).at(-1)!;
    expect(announcement.text).toContain(`Why: Still exposed ${dropEvidence} ${orTrue} &lt;!channel&gt;`);
    const note = offline.slack.messages(channel).find((m) => m.thread_ts === card.ts)!;
    expect(note.text).toContain('&lt;!channel&gt;');
    // No message the bot posted, in any version, nor anything it told a person, carries the live markup.
    const everything = JSON.stringify([offline.slack.messages().map((m) => m.versions), offline.slack.ephemerals]);
    expect(everything).not.toContain(mention);
    expect(everything).not.toContain(link);
  });
});
