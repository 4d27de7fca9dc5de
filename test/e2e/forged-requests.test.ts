import Database from 'better-sqlite3';
import { createHmac } from 'node:crypto';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { createLogger } from '../../src/app/logger.js';
import { actionIds } from '../../src/slack/cards.js';
import { buildControlFinding } from '../../src/sim/aws-account.js';
import { startOfflineBot, type OfflineBot } from '../../src/sim/offline-bot.js';
import { blockActionsBody, signSlackRequest, slashCommandBody } from '../../src/sim/signed-request.js';

/**
 * Requests that did not come from Slack, or not for this card, sent to the real Bolt HTTP
 * receiver: none may be accepted, and none may change AWS, Slack or the evidence.
 */

const account = '111111111111';
const channel = 'C0PLATFORM01';
const ana = { id: 'U0ANA00001', name: 'ana' };
const form = 'application/x-www-form-urlencoded';
/** Bolt's HTTPReceiver reads at most 4 MB of body. */
const boltBodyLimit = 4 * 1024 * 1024;

let offline: OfflineBot;
let databasePath: string;

function evidenceRows(): { kind: string; finding_id: string | null; data: string }[] {
  // A second connection: what is really in the file.
  const db = new Database(databasePath, { readonly: true });
  const rows = db.prepare('SELECT kind, finding_id, data FROM evidence_events ORDER BY seq').all() as { kind: string; finding_id: string | null; data: string }[];
  db.close();
  return rows;
}

/** Two public buckets, two cards in the same channel. */
async function twoCards() {
  const ids = ['customer-exports', 'payroll-archive'].map((bucket) => {
    offline.aws.addBucket(bucket, { region: 'us-east-1', publicAccessBlock: null });
    const asff = buildControlFinding({ control: 'S3.8', resourceId: `arn:aws:s3:::${bucket}`, accountId: account, severity: 'HIGH' });
    offline.aws.addFinding(asff);
    return asff.Id!;
  });
  await offline.bot.scan();
  const [first, second] = ids.map((id) => {
    const card = offline.slack.messages(channel).find((m) => JSON.stringify(m.blocks).includes(id));
    if (!card) throw new Error(`no card for ${id}`);
    return { id, ts: card.ts };
  });
  return { first: first!, second: second! };
}

/** Everything an accepted request could have changed. */
function sideEffects() {
  return {
    evidence: evidenceRows().length,
    slackCalls: offline.slack.calls.length,
    awsCalls: offline.aws.calls.length,
    views: offline.slack.views.length,
    updates: offline.slack.callsTo('chat.update').length,
  };
}

beforeEach(async () => {
  databasePath = join(mkdtempSync(join(tmpdir(), 'soc2-bot-forged-')), 'evidence.sqlite');
  offline = await startOfflineBot({
    databasePath,
    routing: { fallbackChannel: 'C0SECURITY01', tagKeys: ['owner'], owners: {}, accounts: { [account]: channel } },
    log: createLogger('silent'),
    awsMaxAttempts: 1,
  });
});

afterEach(async () => {
  vi.useRealTimers();
  await offline.close();
});

interface Forgery {
  name: string;
  /** 401 for a failed signature check; 413 when Bolt refuses to read the body at all. */
  status: 401 | 413;
  request(approve: string, now: number): { body: string; headers: Record<string, string> };
  /** Sent this long after it was signed (the server's clock moved on): a captured request replayed. */
  sentLaterMs?: number;
}

const forgeries: Forgery[] = [
  { name: 'signed with the wrong secret', status: 401, request: (body, now) => ({ body, headers: { ...signSlackRequest('0'.repeat(32), body, now) } }) },
  { name: 'stale timestamp (6 minutes old)', status: 401, request: (body, now) => ({ body, headers: { ...signSlackRequest(offline.signingSecret, body, now - 360) } }) },
  { name: 'future timestamp (6 minutes ahead)', status: 401, request: (body, now) => ({ body, headers: { ...signSlackRequest(offline.signingSecret, body, now + 360) } }) },
  { name: 'no signature headers', status: 401, request: (body) => ({ body, headers: { 'content-type': form } }) },
  {
    name: 'timestamp but no signature',
    status: 401,
    request: (body, now) => ({ body, headers: { 'content-type': form, 'x-slack-request-timestamp': String(now) } }),
  },
  {
    name: 'body tampered after signing',
    status: 401,
    request: (body, now) => ({ body: body.replace(actionIds.approve, actionIds.undo), headers: { ...signSlackRequest(offline.signingSecret, body, now) } }),
  },
  {
    name: "another request's signature",
    status: 401,
    request: (body, now) => {
      const other = slashCommandBody({ command: '/soc2', text: 'help', user: ana, channel });
      return { body, headers: { ...signSlackRequest(offline.signingSecret, other, now) } };
    },
  },
  {
    name: 'a valid request replayed 10 minutes later',
    status: 401,
    sentLaterMs: 10 * 60_000,
    request: (body, now) => ({ body, headers: { ...signSlackRequest(offline.signingSecret, body, now) } }),
  },
  {
    name: 'unknown signature version v1=',
    status: 401,
    request: (body, now) => {
      const digest = createHmac('sha256', offline.signingSecret).update(`v0:${now}:${body}`).digest('hex');
      return { body, headers: { 'content-type': form, 'x-slack-request-timestamp': String(now), 'x-slack-signature': `v1=${digest}` } };
    },
  },
  {
    name: 'non-numeric timestamp, signed with the real secret',
    status: 401,
    request: (body) => ({
      body,
      headers: {
        'content-type': form,
        'x-slack-request-timestamp': 'soon',
        'x-slack-signature': `v0=${createHmac('sha256', offline.signingSecret).update(`v0:soon:${body}`).digest('hex')}`,
      },
    }),
  },
  {
    name: 'signature without the hash',
    status: 401,
    request: (body, now) => ({ body, headers: { 'content-type': form, 'x-slack-request-timestamp': String(now), 'x-slack-signature': 'v0=' } }),
  },
  {
    name: 'huge body (3 MB) with a forged signature',
    status: 401,
    request: (body, now) => {
      const huge = `${body}&padding=${'x'.repeat(3 * 1024 * 1024)}`;
      return { body: huge, headers: { ...signSlackRequest('0'.repeat(32), huge, now) } };
    },
  },
  {
    name: "body over Bolt's 4 MB limit, correctly signed",
    status: 413,
    request: (body, now) => {
      const huge = `${body}&padding=${'x'.repeat(boltBodyLimit)}`;
      return { body: huge, headers: { ...signSlackRequest(offline.signingSecret, huge, now) } };
    },
  },
];

describe('forged, stale and replayed Slack requests', () => {
  it('accepts none of them and changes nothing (AWS, Slack, evidence)', async () => {
    const { first } = await twoCards();
    const before = sideEffects();
    const approve = blockActionsBody({ actionId: actionIds.approve, value: first.id, channel, messageTs: first.ts, user: ana });

    const results: { name: string; status: number }[] = [];
    for (const forgery of forgeries) {
      const now = Math.floor(Date.now() / 1000);
      const { body, headers } = forgery.request(approve, now);
      // Only Date moves: Bolt reads Date.now() for its 5-minute window; the HTTP stack keeps real timers.
      if (forgery.sentLaterMs !== undefined) vi.useFakeTimers({ toFake: ['Date'], now: Date.now() + forgery.sentLaterMs });
      const response = await offline.post(body, headers);
      vi.useRealTimers();
      results.push({ name: forgery.name, status: response.status });
    }
    await offline.bot.background.idle();

    const accepted = results.filter((r) => r.status >= 200 && r.status < 300);
    console.info(
      `forged Slack requests: ${results.length} tried, ${accepted.length} accepted\n${results.map((r) => `  ${r.status} ${r.name}`).join('\n')}`,
    );
    expect(accepted).toEqual([]);
    expect(results).toEqual(forgeries.map((f) => ({ name: f.name, status: f.status })));
    expect(sideEffects()).toEqual(before);
    expect(offline.aws.bucket('customer-exports')?.publicAccessBlock).toBeNull();
    expect(offline.bot.services.findings.get(first.id)?.status).toBe('open');

    // The same click, correctly signed now, is accepted: the rejections were the forgeries' own doing.
    const genuine = await offline.post(approve, { ...signSlackRequest(offline.signingSecret, approve) });
    await offline.bot.background.idle();
    expect(genuine.status).toBe(200);
    expect(offline.bot.services.findings.get(first.id)?.status).toBe('fixed');
  });
});

describe('signed clicks whose payload does not match the card', () => {
  it('acts on nothing when a button value names the other card’s finding, and records the refused approval', async () => {
    const { first, second } = await twoCards();
    const before = sideEffects();
    const tampered = [actionIds.approve, actionIds.exception, actionIds.escalate, actionIds.grantException, actionIds.markDone, actionIds.undo];

    const responses = [];
    for (const actionId of tampered) {
      responses.push(await offline.click({ actionId, value: second.id, channel, messageTs: first.ts, user: ana }));
    }
    await offline.bot.background.idle();

    expect(responses.map((r) => r.status)).toEqual(tampered.map(() => 200));
    // Nothing acted: no AWS call at all, no modal, both findings still open, both cards unchanged.
    expect(offline.aws.calls.length).toBe(before.awsCalls);
    expect(offline.slack.views).toHaveLength(before.views);
    expect(offline.slack.callsTo('chat.update')).toHaveLength(before.updates);
    expect(offline.bot.services.findings.get(first.id)?.status).toBe('open');
    expect(offline.bot.services.findings.get(second.id)?.status).toBe('open');
    // The only evidence is the refused approval, naming the card it was clicked on.
    const added = evidenceRows().slice(before.evidence);
    expect(added.map((row) => [row.kind, row.finding_id])).toEqual([['click.ignored', second.id]]);
    expect(JSON.parse(added[0]!.data)).toMatchObject({ action: 'approve', outcome: 'not_this_card', card: { channel, ts: first.ts } });
    // Each clicker is told nothing was done.
    expect(offline.slack.ephemerals).toHaveLength(tampered.length);
    for (const told of offline.slack.ephemerals) expect(told.text).toMatch(/nothing was done|no (applied fix|exception request)/i);
  });

  it('acknowledges an unknown action id at once, acts on nothing, and records the ignored click', async () => {
    const { first } = await twoCards();
    const before = sideEffects();
    const response = await offline.click({ actionId: 'soc2_delete_everything', value: first.id, channel, messageTs: first.ts, user: ana });
    await offline.bot.background.idle();
    // Acknowledged by the bot (unanswered, Bolt would have replied 404 after 3 s and Slack shown the user an error).
    expect(response.status).toBe(200);
    // Nothing acted: no AWS or Slack call, no modal, the card and the finding as they were.
    expect({ ...sideEffects(), evidence: before.evidence }).toEqual(before);
    expect(offline.bot.services.findings.get(first.id)?.status).toBe('open');
    // The only evidence is the ignored click, naming the action and the card it came from.
    const added = evidenceRows().slice(before.evidence);
    expect(added.map((row) => [row.kind, row.finding_id])).toEqual([['click.ignored', null]]);
    expect(JSON.parse(added[0]!.data)).toEqual({ action: 'soc2_delete_everything', outcome: 'unknown_action', card: { channel, ts: first.ts }, told: '' });
  });

  it('leaves every known action to its own listener: each is acknowledged once and none is recorded as unknown', async () => {
    const { first } = await twoCards();
    const before = evidenceRows().length;
    const known = Object.values(actionIds);
    const responses = [];
    for (const actionId of known) responses.push(await offline.click({ actionId, value: first.id, channel, messageTs: first.ts, user: ana }));
    await offline.bot.background.idle();
    expect(responses.map((r) => r.status)).toEqual(known.map(() => 200));
    expect(evidenceRows().slice(before).filter((row) => row.data.includes('unknown_action'))).toEqual([]);
    // A near miss of a known id is still unknown.
    const nearMiss = await offline.click({ actionId: `${actionIds.approve}_`, value: first.id, channel, messageTs: first.ts, user: ana });
    expect(nearMiss.status).toBe(200);
    expect(evidenceRows().at(-1)).toMatchObject({ kind: 'click.ignored', finding_id: null });
    expect(JSON.parse(evidenceRows().at(-1)!.data)).toMatchObject({ action: `${actionIds.approve}_`, outcome: 'unknown_action' });
  });
});
