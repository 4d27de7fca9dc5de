import { App, HTTPReceiver, SocketModeReceiver } from '@slack/bolt';
import { WebClient } from '@slack/web-api';
import type { BackgroundWork } from '../app/background-work.js';
import type { Logger } from '../app/logger.js';
import type { Services } from '../app/services.js';
import { markDone } from '../decisions/recheck.js';
import { undoFix } from '../decisions/undo.js';
import type { ScanReport } from '../ingest/scan.js';
import { registerApprove } from './actions/approve.js';
import { registerGroupButtons } from './actions/approve-group.js';
import { registerDecisionButton } from './actions/decision-button.js';
import { registerEscalate } from './actions/escalate.js';
import { registerException } from './actions/exception.js';
import { registerUnknownAction } from './actions/unknown-action.js';
import { boltLogger } from './bolt-logger.js';
import { actionIds } from './cards.js';
import { registerSoc2Command } from './commands/soc2.js';
import { registerAppHomeOpened } from './events/app-home-opened.js';
import { rejectFutureTimestamps } from './future-timestamp-guard.js';
import { registerEscalationSubmit } from './views/escalation-submit.js';
import { registerExceptionSubmit } from './views/exception-submit.js';

export interface SlackAppOptions {
  botToken: string;
  /** HTTP mode: every request is verified against it. */
  signingSecret?: string;
  /** Socket Mode when set. */
  appToken?: string;
  /** Another Web API base URL (tests, the offline demo). */
  apiUrl?: string;
  /** Socket Mode: the port the health probes are served on (HTTP mode serves them next to /slack/events). */
  probePort?: number;
  /** Socket Mode: how long a pong may take, which is also the wait before a reconnect (Bolt's default 5 s); tests shorten it. */
  socketPingTimeoutMs?: number;
  log: Logger;
  /** Retries of the Web API client; tests use 0 so an unanswered call fails fast. */
  retries?: number;
  /** Per-request timeout of Web API calls (default 10 s), so a hung call cannot hold up a fix or the outbox. */
  timeoutMs?: number;
  /** Probes served next to `/slack/events` in HTTP mode: path -> check (e.g. `/healthz`, `/readyz`). */
  probes?: Record<string, () => { ok: boolean; detail: Record<string, unknown> }>;
}

/** Builds the Bolt app. Listeners stay thin; the work happens in the core modules they call. */
export function createSlackApp(options: SlackAppOptions): App {
  const logger = boltLogger(options.log);
  const clientOptions = {
    ...baseClientOptions(options),
    ...(options.retries !== undefined ? { retryConfig: { retries: options.retries }, rejectRateLimitedCalls: true } : {}),
  };
  const customRoutes = Object.entries(options.probes ?? {}).map(([path, check]) => ({
    path,
    method: ['GET'],
    handler: (_req: unknown, res: import('node:http').ServerResponse) => {
      const { ok, detail } = check();
      res.writeHead(ok ? 200 : 503, { 'content-type': 'application/json' });
      res.end(JSON.stringify({ ok, ...detail }));
    },
  }));
  if (options.appToken) {
    // Socket Mode has no inbound Slack traffic, but the probes still need a port (container health checks).
    // Built here rather than by App, which cannot pass the ping timeout on. apps.connections.open
    // takes the same API URL and retries as every other call, from a copy: the Socket Mode client
    // writes its own retry default into the object it is given.
    const receiver = new SocketModeReceiver({
      appToken: options.appToken,
      logger,
      customRoutes,
      installerOptions: { port: options.probePort ?? 3000, clientOptions: { ...clientOptions } },
      ...(options.socketPingTimeoutMs !== undefined ? { clientPingTimeout: options.socketPingTimeoutMs } : {}),
    });
    return new App({ token: options.botToken, receiver, logger, clientOptions });
  }
  if (!options.signingSecret) throw new Error('HTTP mode needs a signing secret');
  const receiver = new HTTPReceiver({ signingSecret: options.signingSecret, logger, customRoutes, endpoints: '/slack/events' });
  rejectFutureTimestamps(receiver);
  return new App({ token: options.botToken, receiver, logger, clientOptions });
}

const defaultTimeoutMs = 10_000;

function baseClientOptions(options: SlackAppOptions) {
  return { timeout: options.timeoutMs ?? defaultTimeoutMs, ...(options.apiUrl ? { slackApiUrl: options.apiUrl } : {}) };
}

/**
 * The outbox's client: each call is tried once and a 429 is handed back, not waited out.
 * The outbox keeps the retry schedule itself, durably, so an outage never holds a fix
 * inside the client's own half hour of retries.
 */
export function singleAttemptClient(options: SlackAppOptions): WebClient {
  return new WebClient(options.botToken, {
    ...baseClientOptions(options),
    logger: boltLogger(options.log),
    retryConfig: { retries: 0 },
    rejectRateLimitedCalls: true,
  });
}

/** What listeners may ask of the bot itself, which exists only once everything is wired. */
export interface BotControls {
  /** A scan pass now; while one is running, that one's result. */
  scan(): Promise<ScanReport>;
  scanInProgress(): boolean;
}

export function registerListeners(app: App, services: Services, background: BackgroundWork, bot: BotControls): void {
  registerApprove(app, services, background);
  registerGroupButtons(app, services, background);
  registerException(app, services, background);
  registerExceptionSubmit(app, services, background);
  registerEscalate(app, services);
  // Mark done re-checks a person's manual fix; Undo restores an applied fix's before state.
  registerDecisionButton(app, services, background, actionIds.markDone, markDone);
  registerDecisionButton(app, services, background, actionIds.undo, undoFix);
  registerUnknownAction(app, services);
  registerEscalationSubmit(app, services, background);
  registerSoc2Command(app, services, background, bot);
  registerAppHomeOpened(app, services, background);
}
