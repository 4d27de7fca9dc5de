import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { setupServer } from 'msw/node';
import { WebClient } from '@slack/web-api';
import { SimulatedSlack, type SlackMessage } from '../../src/sim/slack-workspace.js';

const TOKEN = 'xoxb-sim-token';
const BASE_URL = 'https://slack.sim.test/api/';

let slack = new SimulatedSlack({ token: TOKEN, baseUrl: BASE_URL });
const server = setupServer();

function client(token = TOKEN): WebClient {
  return new WebClient(token, { slackApiUrl: BASE_URL, retryConfig: { retries: 0 }, rejectRateLimitedCalls: true });
}

beforeAll(() => server.listen({ onUnhandledRequest: 'error' }));
beforeEach(() => {
  slack = new SimulatedSlack({ token: TOKEN, baseUrl: BASE_URL });
  server.use(...slack.handlers());
});
afterEach(() => server.resetHandlers());
afterAll(() => server.close());

/** The fields WebClient puts on its errors (code always; data for platform errors; retryAfter on 429). */
interface SlackClientError extends Error {
  code: unknown;
  data?: unknown;
  retryAfter?: unknown;
}

function isSlackClientError(error: unknown): error is SlackClientError {
  return error instanceof Error && 'code' in error;
}

async function errorOf(promise: Promise<unknown>): Promise<SlackClientError> {
  try {
    await promise;
  } catch (error) {
    if (isSlackClientError(error)) return error;
    throw error;
  }
  throw new Error('expected the call to fail');
}

const card = (status: string) => [
  { type: 'header', text: { type: 'plain_text', text: 'S3.8 open-bucket' } },
  { type: 'section', block_id: 'status', text: { type: 'mrkdwn', text: `*Status:* ${status}` } },
];

describe('SimulatedSlack', () => {
  it('stores a posted card and replaces its blocks on chat.update, keeping versions', async () => {
    const posted: SlackMessage[] = [];
    const updated: string[] = [];
    slack.onPost = (m) => posted.push(m);
    slack.onUpdate = (m, previous) => updated.push(`${previous.text} -> ${m.text}`);

    const web = client();
    const first = await web.chat.postMessage({ channel: 'C0SEC', text: 'pending', blocks: card('pending') });
    const second = await web.chat.postMessage({ channel: 'C0SEC', text: 'other', thread_ts: first.ts });
    expect(first.ts).toBe('1700000000.000100');
    expect(second.ts).toBe('1700000000.000200');
    expect(first.message?.blocks).toEqual(card('pending'));

    await web.chat.update({ channel: 'C0SEC', ts: first.ts ?? '', text: 'fixed', blocks: card('fixed') });
    const stored = slack.message('C0SEC', first.ts ?? '');
    expect(stored?.blocks).toEqual(card('fixed'));
    expect(stored?.versions.map((v) => v.text)).toEqual(['pending', 'fixed']);
    expect(slack.messages('C0SEC')[1]?.thread_ts).toBe(first.ts);
    expect(posted.map((m) => m.text)).toEqual(['pending', 'other']);
    expect(updated).toEqual(['pending -> fixed']);
    expect(slack.calls.map((c) => c.method)).toEqual(['chat.postMessage', 'chat.postMessage', 'chat.update']);
    expect(slack.calls[0]?.args['blocks']).toEqual(card('pending'));
  });

  it('answers message_not_found for an unknown ts and invalid_blocks for a duplicate block_id', async () => {
    const web = client();
    expect((await errorOf(web.chat.update({ channel: 'C0SEC', ts: '1.000000', text: 'x' }))).data).toMatchObject({
      ok: false,
      error: 'message_not_found',
    });
    const duplicate = [...card('a'), { type: 'section', block_id: 'status', text: { type: 'mrkdwn', text: 'again' } }];
    expect((await errorOf(web.chat.postMessage({ channel: 'C0SEC', text: 'x', blocks: duplicate }))).data).toMatchObject({
      error: 'invalid_blocks',
    });
  });

  it('rejects an unknown token with invalid_auth', async () => {
    const error = await errorOf(client('xoxb-wrong').chat.postMessage({ channel: 'C0SEC', text: 'hi' }));
    expect(error.code).toBe('slack_webapi_platform_error');
    expect(error.data).toMatchObject({ ok: false, error: 'invalid_auth' });
    expect(slack.messages()).toHaveLength(0);
  });

  it('surfaces an injected 429 as a rate-limit error with retryAfter, once', async () => {
    slack.failNext('chat.update', { status: 429, retryAfter: 7 });
    const web = client();
    const { ts } = await web.chat.postMessage({ channel: 'C0SEC', text: 'pending', blocks: card('pending') });
    const error = await errorOf(web.chat.update({ channel: 'C0SEC', ts: ts ?? '', text: 'fixed' }));
    expect(error.code).toBe('slack_webapi_rate_limited_error');
    expect(error.retryAfter).toBe(7);
    await web.chat.update({ channel: 'C0SEC', ts: ts ?? '', text: 'fixed' });
    expect(slack.message('C0SEC', ts ?? '')?.text).toBe('fixed');
    expect(slack.callsTo('chat.update').map((c) => c.error)).toEqual(['ratelimited', undefined]);
  });

  it('surfaces an injected 500 as an HTTP error', async () => {
    slack.failNext('*', { status: 500 });
    const error = await errorOf(client().auth.test());
    expect(error.code).toBe('slack_webapi_http_error');
  });

  it('answers auth.test, users.info, conversations.info, postEphemeral and views.open', async () => {
    slack.addUser({ id: 'U0ALICE', name: 'alice', email: 'alice@example.com' });
    slack.addChannel({ id: 'C0SEC', name: 'security' });
    const web = client();
    expect(await web.auth.test()).toMatchObject({ ok: true, user_id: slack.botUserId, team_id: slack.teamId });
    expect((await web.users.info({ user: 'U0ALICE' })).user?.profile?.email).toBe('alice@example.com');
    expect((await web.conversations.info({ channel: 'C0SEC' })).channel?.name).toBe('security');
    expect((await errorOf(web.users.info({ user: 'U0NOBODY' }))).data).toMatchObject({ error: 'user_not_found' });

    await web.chat.postEphemeral({ channel: 'C0SEC', user: 'U0ALICE', text: 'only you' });
    expect(slack.ephemerals).toMatchObject([{ channel: 'C0SEC', user: 'U0ALICE', text: 'only you' }]);

    const opened = await web.views.open({
      trigger_id: 'trigger-1',
      view: { type: 'modal', callback_id: 'exception', title: { type: 'plain_text', text: 'Exception' }, blocks: [] },
    });
    expect(opened.view?.id).toBe(slack.views[0]?.id);
    expect(slack.views[0]?.view).toMatchObject({ callback_id: 'exception' });
  });

  it('applies replace_original posted to a response_url to the message it belongs to', async () => {
    const web = client();
    const { ts } = await web.chat.postMessage({ channel: 'C0SEC', text: 'pending', blocks: card('pending') });
    const url = slack.responseUrlFor('C0SEC', ts ?? '');
    const response = await fetch(url, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ replace_original: true, text: 'approved', blocks: card('approved') }),
    });
    expect(response.status).toBe(200);
    expect(slack.message('C0SEC', ts ?? '')?.blocks).toEqual(card('approved'));
  });
});

describe('SimulatedSlack file uploads (files.getUploadURLExternal, the upload URL, files.completeUploadExternal)', () => {
  it('stores what WebClient.filesUploadV2 shares: name, bytes, channel, thread and comment', async () => {
    const content = 'évidence <html>\n';
    await client().filesUploadV2({ channel_id: 'C0SEC', thread_ts: '1700000000.000100', filename: 'e.html', title: 'E', content, initial_comment: 'week 47' });
    const [file, ...others] = slack.files('C0SEC');
    expect(others).toEqual([]);
    expect(file).toMatchObject({ name: 'e.html', title: 'E', channel: 'C0SEC', threadTs: '1700000000.000100', initialComment: 'week 47' });
    expect(file?.bytes.toString('utf8')).toBe(content);
    expect(slack.callsTo('files.getUploadURLExternal')[0]?.args).toMatchObject({ filename: 'e.html', length: String(Buffer.byteLength(content)) });
  });

  it('refuses to complete a file whose bytes never arrived, and an upload URL it never issued', async () => {
    const reserved = await client().files.getUploadURLExternal({ filename: 'e.csv', length: 3 });
    const error = await errorOf(client().files.completeUploadExternal({ files: [{ id: reserved.file_id ?? '' }], channel_id: 'C0SEC' }));
    expect(error.data).toMatchObject({ error: 'file_not_found' });
    expect((await fetch(`${reserved.upload_url ?? ''}x`, { method: 'POST', body: 'abc' })).status).toBe(404);
    expect(slack.files()).toEqual([]);
  });

  it('keeps a completed file without a channel private: nothing is shared', async () => {
    const reserved = await client().files.getUploadURLExternal({ filename: 'e.csv', length: 3 });
    expect((await fetch(reserved.upload_url ?? '', { method: 'POST', body: 'abc' })).status).toBe(200);
    await client().files.completeUploadExternal({ files: [{ id: reserved.file_id ?? '' }] });
    expect(slack.files()).toEqual([]);
  });
});
