import { createHmac } from 'node:crypto';
import { Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { setupServer } from 'msw/node';
import { App, LogLevel, isValidSlackRequest } from '@slack/bolt';
import { WebClient } from '@slack/web-api';
import { blockActionsBody, blockActionsPayload, signSlackRequest, slashCommandBody } from '../../src/sim/signed-request.js';
import { SimulatedSlack } from '../../src/sim/slack-workspace.js';

const SECRET = 'sim-signing-secret';

describe('signSlackRequest', () => {
  it('signs v0:<ts>:<body> with HMAC-SHA256 and sets the exact headers Bolt expects', () => {
    const body = blockActionsBody({
      user: { id: 'U0ALICE', name: 'alice' },
      actionId: 'approve',
      value: 'finding-1',
      channel: 'C0SEC',
      messageTs: '1700000000.000100',
    });
    const headers = signSlackRequest(SECRET, body, 1_700_000_123);
    const expected = createHmac('sha256', SECRET).update(`v0:1700000123:${body}`).digest('hex');
    expect(headers).toEqual({
      'content-type': 'application/x-www-form-urlencoded',
      'x-slack-request-timestamp': '1700000123',
      'x-slack-signature': `v0=${expected}`,
    });
    const verify = (signingSecret: string, rawBody: string) =>
      isValidSlackRequest({
        signingSecret,
        body: rawBody,
        headers: { 'x-slack-signature': headers['x-slack-signature'], 'x-slack-request-timestamp': 1_700_000_123 },
        nowMilliseconds: 1_700_000_123_000,
      });
    expect(verify(SECRET, body)).toBe(true);
    expect(verify('other-secret', body)).toBe(false);
    expect(verify(SECRET, `${body}&x=1`)).toBe(false);
  });

  it('wraps a block_actions payload in a single form field', () => {
    const options = {
      user: { id: 'U0ALICE', name: 'alice' },
      actionId: 'escalate',
      value: 'finding-2',
      channel: 'C0SEC',
      messageTs: '1700000000.000100',
      triggerId: 'trigger-1',
    };
    const form = new URLSearchParams(blockActionsBody(options));
    expect([...form.keys()]).toEqual(['payload']);
    const payload: unknown = JSON.parse(form.get('payload') ?? '');
    expect(payload).toMatchObject({
      type: 'block_actions',
      user: { id: 'U0ALICE', username: 'alice' },
      container: { type: 'message', message_ts: '1700000000.000100', channel_id: 'C0SEC' },
      channel: { id: 'C0SEC' },
      trigger_id: 'trigger-1',
      actions: [{ type: 'button', action_id: 'escalate', value: 'finding-2' }],
    });
    expect(blockActionsPayload(options).message?.ts).toBe('1700000000.000100');
  });
});

describe('a real Bolt app behind the HTTP receiver', () => {
  const slack = new SimulatedSlack({ token: 'xoxb-sim' });
  // Requests to the local Bolt server pass through; anything else unhandled is a test failure.
  const mocks = setupServer(...slack.handlers());
  const clicks: string[] = [];
  const commands: string[] = [];
  // Built after mocks.listen(): WebClient captures globalThis.fetch when constructed, and
  // Bolt's App constructs one (and calls auth.test) in its own constructor.
  let app: App;
  let url = '';

  beforeAll(async () => {
    mocks.listen({
      onUnhandledRequest: (request, print) => {
        if (new URL(request.url).hostname !== '127.0.0.1') print.error();
      },
    });
    app = new App({ token: 'xoxb-sim', signingSecret: SECRET, logLevel: LogLevel.ERROR });
    app.action('approve', async ({ ack, body, respond }) => {
      await ack();
      clicks.push(body.type === 'block_actions' ? `${body.user.id}:${body.actions[0]?.action_id ?? ''}` : body.type);
      await respond({ replace_original: true, text: 'Approved by alice' });
    });
    app.command('/soc2', async ({ ack, command }) => {
      await ack();
      commands.push(`${command.user_id}:${command.text}`);
    });
    const server = await app.start({ port: 0, host: '127.0.0.1' });
    if (!(server instanceof Server)) throw new Error('expected an http.Server from the HTTP receiver');
    const address: AddressInfo | string | null = server.address();
    if (address === null || typeof address === 'string') throw new Error('server has no port');
    url = `http://127.0.0.1:${address.port}/slack/events`;
  });
  afterAll(async () => {
    await app.stop();
    mocks.close();
  });

  it('accepts a signed button click, runs the handler, and its respond() reaches the message', async () => {
    const posted = await new WebClient('xoxb-sim').chat.postMessage({ channel: 'C0SEC', text: 'S3.8 open-bucket: approve?' });
    const ts = posted.ts ?? '';
    const body = blockActionsBody({
      user: { id: 'U0ALICE', name: 'alice' },
      actionId: 'approve',
      value: 'finding-1',
      channel: 'C0SEC',
      messageTs: ts,
      responseUrl: slack.responseUrlFor('C0SEC', ts),
    });
    const response = await fetch(url, { method: 'POST', headers: { ...signSlackRequest(SECRET, body) }, body });
    expect(response.status).toBe(200);
    expect(clicks).toEqual(['U0ALICE:approve']);
    await expect.poll(() => slack.message('C0SEC', ts)?.text).toBe('Approved by alice');
  });

  it('rejects a request signed with the wrong secret', async () => {
    const body = blockActionsBody({ user: { id: 'U0MALLORY', name: 'mallory' }, actionId: 'approve', value: 'x', channel: 'C0SEC', messageTs: '1.0' });
    const response = await fetch(url, { method: 'POST', headers: { ...signSlackRequest('wrong', body) }, body });
    expect(response.status).toBe(401);
    expect(clicks).not.toContain('U0MALLORY:approve');
  });

  it('accepts a signed slash command', async () => {
    const body = slashCommandBody({ command: '/soc2', text: 'status S3.8', user: { id: 'U0ALICE', name: 'alice' }, channel: 'C0SEC' });
    const response = await fetch(url, { method: 'POST', headers: { ...signSlackRequest(SECRET, body) }, body });
    expect(response.status).toBe(200);
    expect(commands).toEqual(['U0ALICE:status S3.8']);
  });
});
