/**
 * Slack's side of Socket Mode. `apps.connections.open` (an msw handler) checks the app-level
 * token and hands out a single-use loopback WebSocket URL; the server behind it says hello,
 * delivers envelopes as Slack does and records the acknowledgements the bot sends back. The
 * bot's real Socket Mode client (undici's WebSocket) connects to it, so the transport, the
 * envelope handling and Bolt's acks all run for real.
 */
import { randomBytes, randomUUID } from 'node:crypto';
import { once } from 'node:events';
import type { AddressInfo } from 'node:net';
import { http, HttpResponse, type HttpHandler } from 'msw';
import { WebSocketServer, type RawData, type WebSocket } from 'ws';
import { z } from 'zod';

/** What Slack delivers in envelopes; `hello` and `disconnect` are control messages without one. */
export type EnvelopeType = 'events_api' | 'interactive' | 'slash_commands';

export interface SocketAck {
  envelopeId: string;
  /** The bot's answer: {} for a bare ack, else e.g. `{ response_action: 'errors', errors }` or a command's reply. */
  payload: Record<string, unknown>;
}

/** An acknowledgement as a client sends it: the envelope's id and an optional response payload. */
const ackSchema = z.strictObject({ envelope_id: z.string().min(1), payload: z.record(z.string(), z.unknown()).optional() });

export class SimulatedSocketMode {
  readonly appToken = `xapp-1-A0SOC2BOT-${randomBytes(6).toString('hex')}`;
  /** Tokens presented to apps.connections.open, in order, accepted or not. */
  readonly connectionRequests: string[] = [];
  /** Every acknowledgement received, in order. */
  readonly acks: SocketAck[] = [];
  /** WebSocket connections that were greeted with hello. */
  connections = 0;

  private readonly tickets = new Set<string>();
  private readonly pendingAcks = new Map<string, (ack: SocketAck) => void>();
  private connectionWaiters: (() => void)[] = [];
  private socket: WebSocket | null = null;

  private constructor(
    private readonly server: WebSocketServer,
    private readonly baseUrl: string,
    private readonly appId: string,
  ) {
    server.on('connection', (socket, request) => this.accept(socket, request.url ?? '/'));
  }

  /** Listens on a free loopback port; `baseUrl` is the Web API base the bot calls (SimulatedSlack's). */
  static async start(options: { baseUrl: string; appId?: string }): Promise<SimulatedSocketMode> {
    const server = new WebSocketServer({ host: '127.0.0.1', port: 0 });
    await once(server, 'listening');
    return new SimulatedSocketMode(server, options.baseUrl, options.appId ?? 'A0SOC2BOT');
  }

  /** Put before SimulatedSlack's handlers: this method takes the app token, which that fake refuses. */
  handlers(): HttpHandler[] {
    return [http.post(`${this.baseUrl}apps.connections.open`, ({ request }) => this.open(request))];
  }

  /**
   * Sends an envelope on the live connection; resolves with the bot's ack. Slack lets the ack
   * carry a response for slash commands and modal submissions only.
   */
  deliver(type: EnvelopeType, payload: object): Promise<SocketAck> {
    const socket = this.socket;
    if (!socket || socket.readyState !== socket.OPEN) throw new Error('the bot has no open Socket Mode connection');
    const envelopeId = randomUUID();
    const acked = new Promise<SocketAck>((resolve) => this.pendingAcks.set(envelopeId, resolve));
    const payloadType = 'type' in payload ? payload.type : undefined;
    const acceptsResponse = type === 'slash_commands' || (type === 'interactive' && payloadType === 'view_submission');
    socket.send(
      JSON.stringify({
        envelope_id: envelopeId,
        type,
        payload,
        accepts_response_payload: acceptsResponse,
        ...(type === 'events_api' ? { retry_attempt: 0, retry_reason: '' } : {}),
      }),
    );
    return acked;
  }

  /** Resolves once the next connection has been greeted. */
  nextConnection(): Promise<void> {
    return new Promise((resolve) => this.connectionWaiters.push(resolve));
  }

  /** Closes the live connection from Slack's side without warning, as when a Slack host goes away. */
  dropConnection(): void {
    this.socket?.close(1001, 'going away');
  }

  async close(): Promise<void> {
    for (const client of this.server.clients) client.terminate();
    await new Promise<void>((resolve, reject) => this.server.close((error) => (error ? reject(error) : resolve())));
  }

  private open(request: Request): Response {
    const token = /^Bearer\s+(\S+)$/i.exec(request.headers.get('authorization') ?? '')?.[1];
    this.connectionRequests.push(token ?? '');
    // Slack's answers: no token, a bot or user token where an app-level one is needed, a wrong one.
    if (token === undefined) return HttpResponse.json({ ok: false, error: 'not_authed' });
    if (!token.startsWith('xapp-')) return HttpResponse.json({ ok: false, error: 'not_allowed_token_type' });
    if (token !== this.appToken) return HttpResponse.json({ ok: false, error: 'invalid_auth' });
    const ticket = randomUUID();
    this.tickets.add(ticket);
    const { port } = this.server.address() as AddressInfo;
    return HttpResponse.json({ ok: true, url: `ws://127.0.0.1:${port}/link/?ticket=${ticket}&app_id=${this.appId}` });
  }

  private accept(socket: WebSocket, path: string): void {
    const ticket = new URL(path, 'ws://127.0.0.1').searchParams.get('ticket');
    // A URL from apps.connections.open works once.
    if (ticket === null || !this.tickets.delete(ticket)) {
      socket.close(1008, 'invalid ticket');
      return;
    }
    this.socket = socket;
    this.connections += 1;
    socket.on('message', (data) => this.receive(data));
    socket.send(
      JSON.stringify({
        type: 'hello',
        num_connections: 1,
        debug_info: { host: 'applink-sim', build_number: 1, approximate_connection_time: 18060 },
        connection_info: { app_id: this.appId },
      }),
    );
    const waiters = this.connectionWaiters;
    this.connectionWaiters = [];
    for (const resolve of waiters) resolve();
  }

  private receive(data: RawData): void {
    // Anything but a well-formed ack is a bug in the bot: fail loudly rather than leave a delivery waiting.
    const parsed = ackSchema.parse(JSON.parse(String(data)));
    const ack: SocketAck = { envelopeId: parsed.envelope_id, payload: parsed.payload ?? {} };
    this.acks.push(ack);
    this.pendingAcks.get(ack.envelopeId)?.(ack);
    this.pendingAcks.delete(ack.envelopeId);
  }
}
