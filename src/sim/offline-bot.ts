/**
 * The real bot (Bolt HTTP receiver or Socket Mode client, AWS SDK clients, SQLite) wired
 * to a simulated AWS account and Slack workspace through msw. Used by `npm run demo` and
 * the end-to-end tests, so both exercise exactly the production code paths.
 */
import { randomBytes } from 'node:crypto';
import { once } from 'node:events';
import { createServer, type AddressInfo } from 'node:net';
import { setupServer } from 'msw/node';
import { createBot, type Bot } from '../app/bot.js';
import type { Logger } from '../app/logger.js';
import type { Policy } from '../config/policy.js';
import type { Clock } from '../domain/clock.js';
import type { RoutingConfig } from '../route/routing.js';
import { SimulatedAws } from './aws-account.js';
import { CloudTrailService } from './cloudtrail-service.js';
import { ConfigService } from './config-service.js';
import { Ec2Service } from './ec2-service.js';
import { isLoopback } from './forward-to-fake.js';
import { IamService } from './iam-service.js';
import { RdsService } from './rds-service.js';
import { S3ControlService } from './s3-control-service.js';
import { StsService } from './sts-service.js';
import { blockActionsBody, signSlackRequest, viewSubmissionBody, type ViewSubmissionOptions } from './signed-request.js';
import { SimulatedSocketMode } from './slack-socket-mode.js';
import { SimulatedSlack } from './slack-workspace.js';

export interface OfflineBotOptions {
  databasePath: string;
  routing: RoutingConfig;
  policy?: Policy;
  /** Fix through an assumed role per account (the simulated STS trusts the bot's account). */
  assumeRole?: { roleName: string };
  log: Logger;
  region?: string;
  clock?: Clock;
  /** Attempts per AWS call; tests lower it so injected throttling fails fast. */
  awsMaxAttempts?: number;
  /** Slack Web API request timeout; tests of hung calls shorten it. */
  slackTimeoutMs?: number;
  /** Socket Mode instead of the HTTP receiver: Slack's side is a `SimulatedSocketMode`. */
  socketMode?: boolean;
}

/** The simulated services beyond S3 and Security Hub, each registered on the account. */
export interface SimulatedServices {
  s3Control: S3ControlService;
  sts: StsService;
  config: ConfigService;
  ec2: Ec2Service;
  iam: IamService;
  cloudTrail: CloudTrailService;
  rds: RdsService;
}

/** Every simulated service beyond S3 and Security Hub, registered on the account. */
export function registerSimulatedServices(aws: SimulatedAws, now: () => Date = () => new Date()): SimulatedServices {
  const services: SimulatedServices = {
    s3Control: new S3ControlService(aws.accountId),
    sts: new StsService({ accountId: aws.accountId, now }),
    config: new ConfigService({ accountId: aws.accountId }),
    ec2: new Ec2Service({ accountId: aws.accountId }),
    iam: new IamService({ accountId: aws.accountId, now }),
    cloudTrail: new CloudTrailService({ accountId: aws.accountId }),
    rds: new RdsService({ accountId: aws.accountId }),
  };
  for (const service of Object.values(services)) aws.register(service);
  return services;
}

interface OfflineBotBase {
  bot: Bot;
  aws: SimulatedAws;
  services: SimulatedServices;
  slack: SimulatedSlack;
  botToken: string;
  close(): Promise<void>;
}

export interface OfflineBot extends OfflineBotBase {
  signingSecret: string;
  /** Base URL of the bot's Slack endpoint on loopback. */
  url: string;
  /** POSTs a correctly signed button click to the real receiver; returns the HTTP status. */
  click(options: { actionId: string; value: string; channel: string; messageTs: string; user: { id: string; name: string } }): Promise<Response>;
  /** POSTs a correctly signed modal submission; the response carries any field errors. */
  submitView(options: ViewSubmissionOptions): Promise<Response>;
  /** POSTs a raw body with the given headers (for forged or stale requests). */
  post(body: string, headers: Record<string, string>): Promise<Response>;
}

export interface OfflineSocketBot extends OfflineBotBase {
  /** Slack's end of the bot's Socket Mode connection: delivers envelopes, records acks. */
  socket: SimulatedSocketMode;
  /** Base URL of `/healthz` and `/readyz`, served on their own port in Socket Mode. */
  probeUrl: string;
}

export async function startOfflineBot(options: OfflineBotOptions & { socketMode: true }): Promise<OfflineSocketBot>;
export async function startOfflineBot(options: OfflineBotOptions & { socketMode?: false }): Promise<OfflineBot>;
export async function startOfflineBot(options: OfflineBotOptions): Promise<OfflineBot | OfflineSocketBot> {
  const region = options.region ?? 'us-east-1';
  const token = `xoxb-sim-${randomBytes(6).toString('hex')}`;
  const signingSecret = randomBytes(16).toString('hex');
  const clock = options.clock;
  const now = clock ? () => clock.now() : () => new Date();
  const aws = new SimulatedAws({ accountId: '111111111111', now });
  const services = registerSimulatedServices(aws, now);
  const slack = new SimulatedSlack({ token, baseUrl: 'https://slack.sim/api/' });
  const socket = options.socketMode ? await SimulatedSocketMode.start({ baseUrl: slack.baseUrl }) : null;
  const server = setupServer(...aws.handlers(), ...(socket?.handlers() ?? []), ...slack.handlers());
  server.listen({
    onUnhandledRequest(request, print) {
      // The bot's own listener on loopback is real; anything else would be a leak to the internet.
      if (!isLoopback(request.url)) print.error();
    },
  });
  const probePort = socket ? await freePort() : 0;
  const bot = createBot({
    databasePath: options.databasePath,
    slack: {
      botToken: token,
      apiUrl: slack.baseUrl,
      retries: 0,
      ...(options.slackTimeoutMs !== undefined ? { timeoutMs: options.slackTimeoutMs } : {}),
      // A pong may take 2 s here (a busy test machine), and a dropped connection is reopened after that.
      ...(socket ? { appToken: socket.appToken, probePort, socketPingTimeoutMs: 2_000 } : { signingSecret }),
    },
    routing: options.routing,
    ...(options.policy ? { policy: options.policy } : {}),
    ...(options.assumeRole ? { assumeRole: options.assumeRole } : {}),
    securityHubRegion: region,
    aws: {
      credentials: { accessKeyId: 'AKIDSIMULATED', secretAccessKey: 'simulated' },
      maxAttempts: options.awsMaxAttempts ?? 3,
    },
    log: options.log,
    ...(options.clock ? { clock: options.clock } : {}),
  });
  // In Socket Mode this resolves once Slack's hello arrived on the connection.
  const http = await bot.start(0);
  const base = { bot, aws, services, slack, botToken: token };
  if (socket) {
    return {
      ...base,
      socket,
      probeUrl: `http://127.0.0.1:${probePort}`,
      async close() {
        await bot.stop();
        server.close();
        await socket.close();
      },
    };
  }
  if (!http) throw new Error('the HTTP receiver did not start a server');
  const url = `http://127.0.0.1:${(http.address() as AddressInfo).port}/slack/events`;

  const post = (body: string, headers: Record<string, string>) => fetch(url, { method: 'POST', body, headers });
  return {
    ...base,
    signingSecret,
    url,
    click(click) {
      const body = blockActionsBody({ ...click, responseUrl: slack.responseUrlFor(click.channel, click.messageTs) });
      return post(body, { ...signSlackRequest(signingSecret, body) });
    },
    submitView(options) {
      const body = viewSubmissionBody(options);
      return post(body, { ...signSlackRequest(signingSecret, body) });
    },
    post,
    async close() {
      await bot.stop();
      server.close();
    },
  };
}

/** A port free right now: Bolt's Socket Mode receiver does not tell which port its probe server took. */
async function freePort(): Promise<number> {
  const probe = createServer().listen(0, '127.0.0.1');
  await once(probe, 'listening');
  const { port } = probe.address() as AddressInfo;
  probe.close();
  await once(probe, 'close');
  return port;
}
