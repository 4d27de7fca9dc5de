import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { setupServer } from 'msw/node';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { createLogger } from '../../src/app/logger.js';
import { actionIds } from '../../src/slack/cards.js';
import { createSlackApp } from '../../src/slack/app.js';
import { exceptionBlocks, exceptionCallbackId } from '../../src/slack/modals/exception-modal.js';
import { buildControlFinding } from '../../src/sim/aws-account.js';
import { startOfflineBot, type OfflineSocketBot } from '../../src/sim/offline-bot.js';
import { appHomeOpenedEvent, blockActionsPayload, slashCommandPayload, viewSubmissionPayload } from '../../src/sim/signed-request.js';
import { SimulatedSocketMode } from '../../src/sim/slack-socket-mode.js';
import { SimulatedSlack } from '../../src/sim/slack-workspace.js';

const account = '111111111111';
const channel = 'C0PLATFORM01';
const ana = { id: 'U0ANA00001', name: 'ana' };
const allTrue = { BlockPublicAcls: true, IgnorePublicAcls: true, BlockPublicPolicy: true, RestrictPublicBuckets: true };

let offline: OfflineSocketBot;
let findingId: string;
let cardTs: string;

const approveClick = () =>
  blockActionsPayload({
    actionId: actionIds.approve,
    value: findingId,
    channel,
    messageTs: cardTs,
    user: ana,
    responseUrl: offline.slack.responseUrlFor(channel, cardTs),
  });

const soc2 = (text: string, responseUrl?: string) =>
  slashCommandPayload({ command: '/soc2', text, user: ana, channel, ...(responseUrl ? { responseUrl } : {}) });

describe('Socket Mode, end to end through the real Socket Mode client', () => {
  beforeEach(async () => {
    offline = await startOfflineBot({
      databasePath: join(mkdtempSync(join(tmpdir(), 'soc2-bot-socket-')), 'evidence.sqlite'),
      routing: { fallbackChannel: 'C0SECURITY01', tagKeys: ['owner'], owners: {}, accounts: { [account]: channel } },
      log: createLogger('silent'),
      awsMaxAttempts: 1,
      socketMode: true,
    });
    offline.aws.addBucket('customer-exports', { region: 'us-east-1', publicAccessBlock: null });
    const asff = buildControlFinding({ control: 'S3.8', resourceId: 'arn:aws:s3:::customer-exports', accountId: account, severity: 'HIGH' });
    offline.aws.addFinding(asff);
    findingId = asff.Id!;
    await offline.bot.scan();
    const card = offline.slack.messages(channel).find((m) => JSON.stringify(m.blocks).includes(findingId));
    if (!card) throw new Error('no card was posted for the finding');
    cardTs = card.ts;
  });

  afterEach(async () => {
    await offline.close();
  });

  it('opens the connection with the app-level token and serves /healthz on its own port', async () => {
    // Only the app-level token asked for a socket, once; no Web API call failed on the way.
    expect(offline.socket.appToken).toMatch(/^xapp-/);
    expect(offline.socket.connectionRequests).toEqual([offline.socket.appToken]);
    expect(offline.socket.connections).toBe(1);
    expect(offline.slack.calls.filter((call) => call.error !== undefined)).toEqual([]);

    const health = await fetch(`${offline.probeUrl}/healthz`);
    expect(health.status).toBe(200);
    expect(await health.json()).toEqual({ ok: true });
    const ready = await fetch(`${offline.probeUrl}/readyz`);
    expect(ready.status).toBe(200); // the scan in beforeEach succeeded
  });

  it('acks an Approve envelope, makes the bucket private and updates the card in place', async () => {
    const ack = await offline.socket.deliver('interactive', approveClick());
    expect(ack.payload).toEqual({});
    await offline.bot.background.idle();

    expect(offline.aws.bucket('customer-exports')?.publicAccessBlock).toEqual(allTrue);
    expect(offline.slack.callsTo('chat.update').map((call) => call.args['ts'])).toContain(cardTs);
    const card = JSON.stringify(offline.slack.message(channel, cardTs)?.blocks);
    expect(card).toContain('Fixed.');
    expect(card).toContain(`<@${ana.id}>`);
    expect(card).not.toContain(actionIds.approve);
    expect(offline.bot.services.evidence.forFinding(findingId).map((event) => event.kind)).toContain('fix.verified');
  });

  it('fixes once when the same Approve arrives in two envelopes at once (a redelivery), and tells the second who acted', async () => {
    const acks = await Promise.all([offline.socket.deliver('interactive', approveClick()), offline.socket.deliver('interactive', approveClick())]);
    expect(acks.map((ack) => ack.payload)).toEqual([{}, {}]);
    await offline.bot.background.idle();

    expect(offline.aws.callsTo('s3', 'PutPublicAccessBlock')).toHaveLength(1);
    expect(offline.aws.bucket('customer-exports')?.publicAccessBlock).toEqual(allTrue);
    expect(offline.slack.ephemerals).toHaveLength(1);
    expect(offline.slack.ephemerals[0]?.text).toMatch(/approved it at/);
    const kinds = offline.bot.services.evidence.forFinding(findingId).map((event) => event.kind);
    expect(kinds.filter((kind) => kind === 'decision.approved')).toHaveLength(1);
    expect(kinds.filter((kind) => kind === 'click.ignored')).toHaveLength(1);
  });

  it('answers /soc2 status through the response_url after a bare ack, and /soc2 help inside the ack', async () => {
    const status = await offline.socket.deliver('slash_commands', soc2('status', offline.slack.responseUrlFor(channel, 'command.1')));
    expect(status.payload).toEqual({});
    await offline.bot.background.idle();
    expect(offline.slack.ephemerals).toHaveLength(1);
    expect(offline.slack.ephemerals[0]?.text).toMatch(/^1 open SOC 2 finding, /);
    expect(JSON.stringify(offline.slack.ephemerals[0]?.blocks)).toContain('customer-exports');

    const help = await offline.socket.deliver('slash_commands', soc2('help'));
    expect(help.payload).toMatchObject({ response_type: 'ephemeral' });
    expect(JSON.stringify(help.payload['blocks'])).toContain('/soc2 status');
  });

  it('answers an exception request without a justification inside the modal, through the ack', async () => {
    const ack = await offline.socket.deliver(
      'interactive',
      viewSubmissionPayload({
        user: ana,
        callbackId: exceptionCallbackId,
        privateMetadata: JSON.stringify({ findingId, channel, ts: cardTs }),
        values: {
          [exceptionBlocks.justification]: { type: 'plain_text_input', value: null },
          [exceptionBlocks.expiry]: { type: 'datepicker', value: new Date(Date.now() + 3 * 86_400_000).toISOString().slice(0, 10) },
          [exceptionBlocks.compensating]: { type: 'plain_text_input', value: null },
        },
      }),
    );
    expect(ack.payload).toMatchObject({ response_action: 'errors', errors: { [exceptionBlocks.justification]: expect.any(String) } });
    expect(ack.payload['errors']).not.toHaveProperty(exceptionBlocks.expiry);
    await offline.bot.background.idle();
    expect(offline.bot.services.evidence.forFinding(findingId).map((event) => event.kind)).not.toContain('exception.requested');
    expect(JSON.stringify(offline.slack.message(channel, cardTs)?.blocks)).toContain(actionIds.approve);
  });

  it('publishes the Home tab for an app_home_opened events_api envelope', async () => {
    const ack = await offline.socket.deliver('events_api', appHomeOpenedEvent({ user: ana.id, tab: 'home', botUserId: offline.slack.botUserId }));
    expect(ack.payload).toEqual({});
    await offline.bot.background.idle();
    expect(offline.slack.callsTo('views.publish').map((call) => call.args['user_id'])).toEqual([ana.id]);
    expect(JSON.stringify(offline.slack.homes.get(ana.id)?.view)).toContain('customer-exports');
  });

  it('reconnects with a fresh URL when Slack drops the connection, and keeps taking clicks', async () => {
    const reconnected = offline.socket.nextConnection();
    offline.socket.dropConnection();
    await reconnected;
    expect(offline.socket.connections).toBe(2);
    expect(offline.socket.connectionRequests).toEqual([offline.socket.appToken, offline.socket.appToken]);

    const ack = await offline.socket.deliver('interactive', approveClick());
    expect(ack.payload).toEqual({});
    await offline.bot.background.idle();
    expect(offline.aws.bucket('customer-exports')?.publicAccessBlock).toEqual(allTrue);
  });
});

describe('Socket Mode start-up', () => {
  it('stops with invalid_auth on a wrong app-level token instead of retrying, and never opens a socket', async () => {
    const slack = new SimulatedSlack({ token: 'xoxb-sim-0000', baseUrl: 'https://slack.sim/api/' });
    const socket = await SimulatedSocketMode.start({ baseUrl: slack.baseUrl });
    const server = setupServer(...socket.handlers(), ...slack.handlers());
    server.listen({ onUnhandledRequest: 'error' });
    try {
      const app = createSlackApp({
        botToken: 'xoxb-sim-0000',
        appToken: 'xapp-1-A0SOC2BOT-revoked',
        apiUrl: 'https://slack.sim/api/',
        retries: 0,
        log: createLogger('silent'),
      });
      await expect(app.start()).rejects.toMatchObject({ data: { error: 'invalid_auth' } });
      expect(socket.connectionRequests).toEqual(['xapp-1-A0SOC2BOT-revoked']);
      expect(socket.connections).toBe(0);
    } finally {
      server.close();
      await socket.close();
    }
  });
});
