/**
 * A stateful stand-in for the Slack Web API (and interaction response_urls). The bot's
 * real WebClient talks to it through msw, so posting, updating and failing behave as
 * they would against slack.com, while tests and the demo can read what was shown.
 */
import { http, HttpResponse, type HttpHandler } from 'msw';
import { parseJsonOrUndefined } from '../app/parse-json.js';

export interface MessageVersion {
  text: string;
  blocks: unknown[];
}

export interface SlackMessage {
  channel: string;
  ts: string;
  text: string;
  blocks: unknown[];
  thread_ts?: string;
  /** Bot user id of the poster. */
  user: string;
  /** Every version, oldest first; the last one is the current text/blocks. */
  versions: MessageVersion[];
  deleted: boolean;
}

export interface EphemeralMessage {
  channel: string;
  user: string;
  text: string;
  blocks: unknown[];
  thread_ts?: string;
  message_ts: string;
}

export interface OpenedView {
  id: string;
  trigger_id: string;
  view: unknown;
}

export interface PublishedHome {
  id: string;
  view: Record<string, unknown>;
}

/** A file shared through files.getUploadURLExternal, its upload URL and files.completeUploadExternal. */
export interface UploadedFile {
  id: string;
  name: string;
  title: string | null;
  bytes: Buffer;
  channel: string;
  threadTs: string | null;
  initialComment: string | null;
}

export interface SlackCall {
  /** Web API method, `response_url` for posts to an interaction's response URL, `upload_url` for file bytes. */
  method: string;
  args: Record<string, unknown>;
  /** Slack's error string when the call was answered with ok:false. */
  error?: string;
}

export interface SlackFault {
  /** HTTP status; 200 (the default when `error` is set) gives an ok:false body. */
  status?: number;
  error?: string;
  /** Seconds, sent as Retry-After (Slack does so on 429). */
  retryAfter?: number;
  /**
   * No answer ever comes (until the client gives up and aborts): 'processed' means Slack
   * acted on the call before the answer was lost, 'unprocessed' that it did not.
   */
  timeout?: 'processed' | 'unprocessed';
}

export interface SlackChannel {
  id: string;
  name: string;
  isPrivate?: boolean;
}

export interface SlackUser {
  id: string;
  name: string;
  realName?: string;
  email?: string;
  tz?: string;
  isBot?: boolean;
}

export interface SimulatedSlackOptions {
  /** The only token accepted (the bot token the app is configured with). */
  token: string;
  baseUrl?: string;
  botUserId?: string;
  botId?: string;
  teamId?: string;
  teamDomain?: string;
  onPost?: (message: SlackMessage) => void;
  onUpdate?: (message: SlackMessage, previous: MessageVersion) => void;
}

const RESPONSE_URL_BASE = 'https://hooks.slack.com/actions/';
const UPLOAD_URL_BASE = 'https://files.slack.com/upload/v1/';
const JSON_ARGS = ['blocks', 'attachments', 'view', 'metadata', 'files'] as const;

/** A Slack API error answered as HTTP 200 {ok:false, error}. */
class SlackApiError extends Error {
  constructor(
    readonly error: string,
    readonly detail: Record<string, unknown> = {},
  ) {
    super(error);
  }
}

type Args = Record<string, unknown>;
type Method = (args: Args) => Record<string, unknown>;

export class SimulatedSlack {
  readonly calls: SlackCall[] = [];
  readonly ephemerals: EphemeralMessage[] = [];
  readonly views: OpenedView[] = [];
  /** The Home tab last published for each user id. */
  readonly homes = new Map<string, PublishedHome>();
  readonly baseUrl: string;
  readonly botUserId: string;
  readonly teamId: string;
  onPost: ((message: SlackMessage) => void) | undefined;
  onUpdate: ((message: SlackMessage, previous: MessageVersion) => void) | undefined;

  private readonly token: string;
  private readonly botId: string;
  private readonly teamDomain: string;
  private readonly stored: SlackMessage[] = [];
  private readonly channels = new Map<string, SlackChannel>();
  private readonly users = new Map<string, SlackUser>();
  private readonly usergroups = new Map<string, string[]>();
  private readonly responseUrls = new Map<string, { channel: string; ts: string }>();
  private readonly faults: { method: string; fault: SlackFault }[] = [];
  /** Reserved by files.getUploadURLExternal; bytes arrive at the upload URL, then completion shares them. */
  private readonly uploads = new Map<string, { name: string; bytes: Buffer | null }>();
  private readonly sharedFiles: UploadedFile[] = [];
  private messageCounter = 0;
  private idCounter = 0;

  constructor(options: SimulatedSlackOptions) {
    this.token = options.token;
    this.baseUrl = options.baseUrl ?? 'https://slack.com/api/';
    this.botUserId = options.botUserId ?? 'U0SOC2BOT';
    this.botId = options.botId ?? 'B0SOC2BOT';
    this.teamId = options.teamId ?? 'T0SIMTEAM';
    this.teamDomain = options.teamDomain ?? 'sim-workspace';
    this.onPost = options.onPost;
    this.onUpdate = options.onUpdate;
  }

  // ---- seeding and inspection -------------------------------------------------

  addChannel(channel: SlackChannel): void {
    this.channels.set(channel.id, { ...channel });
  }

  /** A user group (subteam) and its members, for usergroups.users.list. */
  addUsergroup(id: string, members: string[]): void {
    this.usergroups.set(id, [...members]);
  }

  addUser(user: SlackUser): void {
    this.users.set(user.id, { ...user });
  }

  /** Copies of the stored messages, oldest first, optionally for one channel. */
  messages(channel?: string): SlackMessage[] {
    return this.stored.filter((m) => channel === undefined || m.channel === channel).map((m) => structuredClone(m));
  }

  message(channel: string, ts: string): SlackMessage | undefined {
    const found = this.find(channel, ts);
    return found ? structuredClone(found) : undefined;
  }

  callsTo(method: string): SlackCall[] {
    return this.calls.filter((c) => c.method === method);
  }

  /** A response_url bound to a posted message, to put in a simulated interaction payload. */
  responseUrlFor(channel: string, ts: string): string {
    const id = `${this.teamId}/${this.nextId()}/${ts.replace('.', '')}`;
    this.responseUrls.set(id, { channel, ts });
    return `${RESPONSE_URL_BASE}${id}`;
  }

  /** The next call to `method` ('*' for any, 'response_url' for response URLs) fails this way. */
  failNext(method: string, fault: SlackFault): void {
    this.faults.push({ method, fault });
  }

  /** Copies of the files shared so far, oldest first, optionally in one channel. */
  files(channel?: string): UploadedFile[] {
    return this.sharedFiles.filter((f) => channel === undefined || f.channel === channel).map((f) => ({ ...f, bytes: Buffer.from(f.bytes) }));
  }

  clearFaults(): void {
    this.faults.length = 0;
  }

  // ---- HTTP -------------------------------------------------------------------

  handlers(): HttpHandler[] {
    return [
      http.all(({ request }) => request.url.startsWith(this.baseUrl), ({ request }) => this.serveApi(request)),
      http.post(({ request }) => request.url.startsWith(RESPONSE_URL_BASE), ({ request }) => this.serveResponseUrl(request)),
      http.post(({ request }) => request.url.startsWith(UPLOAD_URL_BASE), ({ request }) => this.serveUpload(request)),
    ];
  }

  private async serveApi(request: Request): Promise<Response> {
    const url = new URL(request.url);
    const method = url.href.slice(this.baseUrl.length).split(/[?#]/)[0] ?? '';
    const { args, token } = await readArgs(request, url);
    const call: SlackCall = { method, args };
    this.calls.push(call);

    const fault = this.nextFault(method);
    if (fault?.timeout) {
      if (fault.timeout === 'processed') this.answer(method, args, token, call);
      call.error = 'timeout';
      return unanswered(request);
    }
    if (fault) return faultResponse(fault, call);
    return this.answer(method, args, token, call);
  }

  private answer(method: string, args: Args, token: string | undefined, call: SlackCall): Response {
    // Slack checks the token before anything else, and says not_authed when there is none.
    if (token === undefined || token !== this.token) {
      call.error = token === undefined ? 'not_authed' : 'invalid_auth';
      return HttpResponse.json({ ok: false, error: call.error });
    }
    const handler = this.methods[method];
    if (!handler) {
      call.error = 'unknown_method';
      return HttpResponse.json({ ok: false, error: 'unknown_method' });
    }
    try {
      return HttpResponse.json({ ok: true, ...handler(args) });
    } catch (error) {
      if (!(error instanceof SlackApiError)) throw error;
      call.error = error.error;
      return HttpResponse.json({ ok: false, error: error.error, ...error.detail });
    }
  }

  private async serveResponseUrl(request: Request): Promise<Response> {
    const id = request.url.slice(RESPONSE_URL_BASE.length);
    const body = parseJsonObject(await request.text()) ?? {};
    const call: SlackCall = { method: 'response_url', args: { ...body, url: request.url } };
    this.calls.push(call);
    const faulted = this.takeFault('response_url', call);
    if (faulted) return faulted;
    const target = this.responseUrls.get(id);
    if (!target) {
      call.error = 'expired_url';
      return HttpResponse.json({ ok: false, error: 'expired_url' }, { status: 404 });
    }
    const text = stringArg(body, 'text') ?? '';
    const blocks = Array.isArray(body['blocks']) ? body['blocks'] : [];
    const original = this.find(target.channel, target.ts);
    if (body['delete_original'] === true && original) {
      original.deleted = true;
    } else if (body['replace_original'] === true && original) {
      this.replace(original, { text, blocks });
    } else if (body['response_type'] === 'in_channel') {
      this.post({ channel: target.channel, text, blocks, thread_ts: stringArg(body, 'thread_ts') });
    } else {
      this.ephemerals.push({ channel: target.channel, user: '', text, blocks, message_ts: this.nextTs() });
    }
    return HttpResponse.json({ ok: true });
  }

  /** The file service: raw bytes, or a multipart form holding the file (what WebClient.filesUploadV2 sends); 200 "OK - <size>". */
  private async serveUpload(request: Request): Promise<Response> {
    const id = request.url.slice(UPLOAD_URL_BASE.length);
    const call: SlackCall = { method: 'upload_url', args: { url: request.url } };
    this.calls.push(call);
    const faulted = this.takeFault('upload_url', call);
    if (faulted) return faulted;
    const upload = this.uploads.get(id);
    if (!upload) {
      call.error = 'not_found';
      return new HttpResponse('Not Found', { status: 404 });
    }
    let bytes: Buffer;
    if ((request.headers.get('content-type') ?? '').startsWith('multipart/form-data')) {
      const file = [...(await request.formData()).values()].find((value) => typeof value !== 'string');
      bytes = Buffer.from(typeof file === 'object' ? await file.arrayBuffer() : new ArrayBuffer(0));
    } else {
      bytes = Buffer.from(await request.arrayBuffer());
    }
    upload.bytes = bytes;
    return new HttpResponse(`OK - ${bytes.length}`, { status: 200 });
  }

  private takeFault(method: string, call: SlackCall): Response | undefined {
    const fault = this.nextFault(method);
    return fault ? faultResponse(fault, call) : undefined;
  }

  private nextFault(method: string): SlackFault | undefined {
    const index = this.faults.findIndex((f) => f.method === '*' || f.method === method);
    return index < 0 ? undefined : this.faults.splice(index, 1)[0]?.fault;
  }

  // ---- Web API methods ----------------------------------------------------------

  private readonly methods: Record<string, Method> = {
    'auth.test': () => ({
      url: `https://${this.teamDomain}.slack.com/`,
      team: this.teamDomain,
      user: 'soc2-bot',
      team_id: this.teamId,
      user_id: this.botUserId,
      bot_id: this.botId,
      is_enterprise_install: false,
    }),

    'chat.postMessage': (args) => {
      const channel = requireString(args, 'channel', 'channel_not_found');
      const { text, blocks } = messageContent(args);
      const message = this.post({ channel, text, blocks, thread_ts: stringArg(args, 'thread_ts') });
      return { channel, ts: message.ts, message: this.wireMessage(message) };
    },

    'chat.update': (args) => {
      const channel = requireString(args, 'channel', 'channel_not_found');
      const ts = requireString(args, 'ts', 'message_not_found');
      const message = this.find(channel, ts);
      if (!message || message.deleted) throw new SlackApiError('message_not_found');
      const next: MessageVersion = {
        text: stringArg(args, 'text') ?? message.text,
        blocks: args['blocks'] === undefined ? message.blocks : checkedBlocks(args['blocks']),
      };
      if (next.text === '' && next.blocks.length === 0) throw new SlackApiError('no_text');
      this.replace(message, next);
      return { channel, ts, text: message.text, message: this.wireMessage(message) };
    },

    'chat.postEphemeral': (args) => {
      const channel = requireString(args, 'channel', 'channel_not_found');
      const user = requireString(args, 'user', 'user_not_in_channel');
      const { text, blocks } = messageContent(args);
      const message_ts = this.nextTs();
      this.ephemerals.push({ channel, user, text, blocks, thread_ts: stringArg(args, 'thread_ts'), message_ts });
      return { message_ts };
    },

    'views.open': (args) => {
      const trigger_id = requireString(args, 'trigger_id', 'invalid_trigger_id');
      const view = args['view'];
      if (typeof view !== 'object' || view === null) throw new SlackApiError('invalid_arguments');
      const id = `V${this.nextId()}`;
      this.views.push({ id, trigger_id, view });
      return { view: { id, team_id: this.teamId, ...view, state: { values: {} }, hash: `${id}.hash` } };
    },

    'views.publish': (args) => {
      const user = requireString(args, 'user_id', 'invalid_arguments');
      const view = args['view'];
      if (!isRecord(view) || view['type'] !== 'home') throw new SlackApiError('invalid_arguments');
      if (!Array.isArray(view['blocks'])) throw new SlackApiError('invalid_arguments');
      // Views take up to 100 blocks, and Slack reports layout problems as invalid_arguments here.
      const problems = blockProblems(view['blocks'], 100, '/view/blocks');
      if (problems.length > 0) {
        throw new SlackApiError('invalid_arguments', { response_metadata: { messages: problems.map((p) => `[ERROR] ${p}`) } });
      }
      const id = this.homes.get(user)?.id ?? `V${this.nextId()}`;
      this.homes.set(user, { id, view });
      return { view: { id, team_id: this.teamId, ...view, state: { values: {} }, hash: `${id}.${this.nextId()}` } };
    },

    'conversations.info': (args) => {
      const channel = this.channels.get(requireString(args, 'channel', 'channel_not_found'));
      if (!channel) throw new SlackApiError('channel_not_found');
      const isPrivate = channel.isPrivate === true;
      return {
        channel: { id: channel.id, name: channel.name, is_channel: !isPrivate, is_group: isPrivate, is_private: isPrivate, is_member: true, is_archived: false },
      };
    },

    'usergroups.users.list': (args) => {
      const members = this.usergroups.get(requireString(args, 'usergroup', 'no_such_subteam'));
      if (!members) throw new SlackApiError('no_such_subteam');
      return { users: [...members] };
    },

    'chat.getPermalink': (args) => {
      const channel = requireString(args, 'channel', 'channel_not_found');
      const ts = requireString(args, 'message_ts', 'message_not_found');
      if (!this.find(channel, ts)) throw new SlackApiError('message_not_found');
      return { channel, permalink: `https://${this.teamDomain}.slack.com/archives/${channel}/p${ts.replace('.', '')}` };
    },

    'files.getUploadURLExternal': (args) => {
      const name = requireString(args, 'filename', 'invalid_arguments');
      const length = Number(args['length']);
      if (!Number.isInteger(length) || length < 1) throw new SlackApiError('invalid_arguments');
      const id = `F${this.nextId()}`;
      this.uploads.set(id, { name, bytes: null });
      return { upload_url: `${UPLOAD_URL_BASE}${id}`, file_id: id };
    },

    'files.completeUploadExternal': (args) => {
      const files = args['files'];
      if (!Array.isArray(files) || files.length === 0) throw new SlackApiError('invalid_arguments');
      const entries = files.map((entry: unknown) => {
        const id = isRecord(entry) ? stringArg(entry, 'id') : undefined;
        const upload = id === undefined ? undefined : this.uploads.get(id);
        // Slack cannot complete a file whose bytes never arrived.
        if (id === undefined || !upload?.bytes) throw new SlackApiError('file_not_found');
        return { id, upload, title: isRecord(entry) ? (stringArg(entry, 'title') ?? null) : null };
      });
      const channel = stringArg(args, 'channel_id');
      for (const { id, upload, title } of entries) {
        this.uploads.delete(id);
        // Without a channel the file stays private to the uploader: nothing is shared.
        if (channel === undefined || upload.bytes === null) continue;
        this.sharedFiles.push({
          id,
          name: upload.name,
          title,
          bytes: upload.bytes,
          channel,
          threadTs: stringArg(args, 'thread_ts') ?? null,
          initialComment: stringArg(args, 'initial_comment') ?? null,
        });
      }
      return { files: entries.map(({ id, upload, title }) => ({ id, name: upload.name, title: title ?? upload.name, size: upload.bytes?.length ?? 0 })) };
    },

    'users.info': (args) => {
      const user = this.users.get(requireString(args, 'user', 'user_not_found'));
      if (!user) throw new SlackApiError('user_not_found');
      const realName = user.realName ?? user.name;
      return {
        user: {
          id: user.id,
          team_id: this.teamId,
          name: user.name,
          real_name: realName,
          tz: user.tz ?? 'UTC',
          is_bot: user.isBot === true,
          deleted: false,
          profile: { real_name: realName, display_name: user.name, ...(user.email ? { email: user.email } : {}) },
        },
      };
    },
  };

  private post(content: { channel: string; text: string; blocks: unknown[]; thread_ts: string | undefined }): SlackMessage {
    const message: SlackMessage = {
      channel: content.channel,
      ts: this.nextTs(),
      text: content.text,
      blocks: content.blocks,
      ...(content.thread_ts ? { thread_ts: content.thread_ts } : {}),
      user: this.botUserId,
      versions: [{ text: content.text, blocks: content.blocks }],
      deleted: false,
    };
    this.stored.push(message);
    this.onPost?.(structuredClone(message));
    return message;
  }

  private replace(message: SlackMessage, next: MessageVersion): void {
    const previous: MessageVersion = { text: message.text, blocks: message.blocks };
    message.text = next.text;
    message.blocks = next.blocks;
    message.versions.push(next);
    this.onUpdate?.(structuredClone(message), structuredClone(previous));
  }

  private find(channel: string, ts: string): SlackMessage | undefined {
    return this.stored.find((m) => m.channel === channel && m.ts === ts);
  }

  /** The message object Slack returns: no simulator bookkeeping. */
  private wireMessage(message: SlackMessage): Record<string, unknown> {
    return {
      type: 'message',
      user: message.user,
      bot_id: this.botId,
      team: this.teamId,
      text: message.text,
      blocks: message.blocks,
      ts: message.ts,
      ...(message.thread_ts ? { thread_ts: message.thread_ts } : {}),
    };
  }

  /** Monotonic, Slack-shaped: 1700000000.000100, 1700000000.000200, ... */
  private nextTs(): string {
    this.messageCounter += 1;
    const micros = this.messageCounter * 100;
    return `${1_700_000_000 + Math.floor(micros / 1_000_000)}.${String(micros % 1_000_000).padStart(6, '0')}`;
  }

  private nextId(): string {
    this.idCounter += 1;
    return String(this.idCounter).padStart(9, '0');
  }
}

function faultResponse(fault: SlackFault, call: SlackCall): Response {
  const status = fault.status ?? 200;
  const error = fault.error ?? (status === 429 ? 'ratelimited' : status >= 500 ? 'internal_error' : 'fatal_error');
  call.error = error;
  const headers: Record<string, string> = fault.retryAfter === undefined ? {} : { 'retry-after': String(fault.retryAfter) };
  return HttpResponse.json({ ok: false, error }, { status, headers });
}

/** Holds the request open until the client aborts it (its timeout); the client then sees no answer. */
async function unanswered(request: Request): Promise<Response> {
  await new Promise<void>((resolve) => {
    if (request.signal.aborted) resolve();
    request.signal.addEventListener('abort', () => resolve(), { once: true });
  });
  return HttpResponse.error();
}

// ---- request decoding -------------------------------------------------------------

/** Form or JSON body plus query string; JSON-valued form fields (blocks, view...) decoded. */
async function readArgs(request: Request, url: URL): Promise<{ args: Args; token: string | undefined }> {
  const args: Args = Object.fromEntries(url.searchParams);
  const contentType = request.headers.get('content-type') ?? '';
  const body = await request.text();
  if (contentType.includes('application/json')) {
    Object.assign(args, parseJsonObject(body) ?? {});
  } else {
    Object.assign(args, Object.fromEntries(new URLSearchParams(body)));
  }
  for (const key of JSON_ARGS) {
    const value = args[key];
    if (typeof value === 'string') args[key] = parseJsonOrUndefined(value) ?? new MalformedJson(value);
  }
  const bearer = /^Bearer\s+(.+)$/i.exec(request.headers.get('authorization') ?? '')?.[1];
  const formToken = typeof args['token'] === 'string' ? args['token'] : undefined;
  delete args['token'];
  return { args, token: bearer ?? formToken };
}

/** Marks a JSON-valued argument that did not parse, so the method can answer *_format errors. */
class MalformedJson {
  constructor(readonly raw: string) {}
}


function parseJsonObject(text: string): Record<string, unknown> | undefined {
  const value = parseJsonOrUndefined(text);
  return typeof value === 'object' && value !== null && !Array.isArray(value) ? { ...value } : undefined;
}

function stringArg(args: Args, key: string): string | undefined {
  const value = args[key];
  return typeof value === 'string' ? value : undefined;
}

function requireString(args: Args, key: string, error: string): string {
  const value = stringArg(args, key);
  if (!value) throw new SlackApiError(error);
  return value;
}

function messageContent(args: Args): MessageVersion {
  const text = stringArg(args, 'text') ?? '';
  const blocks = args['blocks'] === undefined ? [] : checkedBlocks(args['blocks']);
  if (text === '' && blocks.length === 0 && args['attachments'] === undefined) throw new SlackApiError('no_text');
  if (text.length > 40_000) throw new SlackApiError('msg_too_long');
  return { text, blocks };
}

// ---- Block Kit limits ---------------------------------------------------------------

/** Rejects what Slack rejects, with the same error names, so layout bugs fail tests. */
function checkedBlocks(value: unknown): unknown[] {
  if (value instanceof MalformedJson) throw new SlackApiError('invalid_blocks_format');
  if (!Array.isArray(value)) throw new SlackApiError('invalid_blocks_format');
  const problems = blockProblems(value);
  if (problems.length > 0) {
    throw new SlackApiError('invalid_blocks', { errors: problems, response_metadata: { messages: problems.map((p) => `[ERROR] ${p}`) } });
  }
  return value;
}

function blockProblems(blocks: unknown[], maxBlocks = 50, pointer = '/blocks'): string[] {
  const problems: string[] = [];
  const blockIds = new Set<string>();
  if (blocks.length > maxBlocks) problems.push(`no more than ${maxBlocks} items allowed [json-pointer:${pointer}]`);
  blocks.forEach((block, i) => {
    const at = `[json-pointer:${pointer}/${i}]`;
    if (!isRecord(block) || typeof block['type'] !== 'string') {
      problems.push(`missing required field: type ${at}`);
      return;
    }
    const blockId = block['block_id'];
    if (typeof blockId === 'string') {
      if (blockIds.has(blockId)) problems.push(`duplicate block_id ${blockId} ${at}`);
      blockIds.add(blockId);
    }
    const textLength = (key: string) => {
      const text = block[key];
      return isRecord(text) && typeof text['text'] === 'string' ? text['text'].length : 0;
    };
    switch (block['type']) {
      case 'header':
        if (textLength('text') > 150) problems.push(`must be less than 151 characters ${at}/text`);
        break;
      case 'section': {
        if (textLength('text') > 3000) problems.push(`must be less than 3001 characters ${at}/text`);
        const fields = Array.isArray(block['fields']) ? block['fields'] : [];
        if (fields.length > 10) problems.push(`no more than 10 items allowed ${at}/fields`);
        fields.forEach((field, f) => {
          if (isRecord(field) && typeof field['text'] === 'string' && field['text'].length > 2000) {
            problems.push(`must be less than 2001 characters ${at}/fields/${f}`);
          }
        });
        if (block['text'] === undefined && fields.length === 0) problems.push(`must provide text or fields ${at}`);
        break;
      }
      case 'actions': {
        const elements = Array.isArray(block['elements']) ? block['elements'] : [];
        if (elements.length > 25) problems.push(`no more than 25 items allowed ${at}/elements`);
        const actionIds = new Set<string>();
        elements.forEach((element, e) => {
          if (!isRecord(element)) return;
          const actionId = element['action_id'];
          if (typeof actionId === 'string') {
            if (actionIds.has(actionId)) problems.push(`duplicate action_id ${actionId} ${at}/elements/${e}`);
            actionIds.add(actionId);
          }
          const label = element['text'];
          if (element['type'] === 'button' && isRecord(label) && typeof label['text'] === 'string' && label['text'].length > 75) {
            problems.push(`must be less than 76 characters ${at}/elements/${e}/text`);
          }
          if (typeof element['value'] === 'string' && element['value'].length > 2000) {
            problems.push(`must be less than 2001 characters ${at}/elements/${e}/value`);
          }
        });
        break;
      }
      case 'context':
        if (Array.isArray(block['elements']) && block['elements'].length > 10) problems.push(`no more than 10 items allowed ${at}/elements`);
        break;
    }
  });
  return problems;
}

function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}
