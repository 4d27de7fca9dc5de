/**
 * The bot in a child process (child-bot.ts: the production `soc2-bot start`) and its fakes
 * in this one: a simulated AWS account and Slack workspace served over loopback, which
 * outlive any number of bot processes killed and restarted on the same database.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { createInterface } from 'node:readline';
import { fileURLToPath } from 'node:url';
import { z } from 'zod';
import { SimulatedAws } from '../../src/sim/aws-account.js';
import { startFakeServer, type FakeServer } from '../../src/sim/fake-server.js';
import { registerSimulatedServices, type SimulatedServices } from '../../src/sim/offline-bot.js';
import { blockActionsBody, signSlackRequest, type BlockActionsOptions } from '../../src/sim/signed-request.js';
import { SimulatedSlack } from '../../src/sim/slack-workspace.js';

const repoRoot = fileURLToPath(new URL('../..', import.meta.url));
const childEntry = join(repoRoot, 'test', 'helpers', 'child-bot.ts');

export interface SimulatedWorld {
  aws: SimulatedAws;
  services: SimulatedServices;
  slack: SimulatedSlack;
  fake: FakeServer;
  botToken: string;
  signingSecret: string;
  close(): Promise<void>;
}

/** AWS account 111111111111 and a Slack workspace at the real API URL, served on loopback. */
export async function startSimulatedWorld(): Promise<SimulatedWorld> {
  const botToken = `xoxb-sim-${randomBytes(6).toString('hex')}`;
  const aws = new SimulatedAws({ accountId: '111111111111' });
  const services = registerSimulatedServices(aws);
  const slack = new SimulatedSlack({ token: botToken });
  const fake = await startFakeServer([...aws.handlers(), ...slack.handlers()]);
  return { aws, services, slack, fake, botToken, signingSecret: randomBytes(16).toString('hex'), close: () => fake.close() };
}

/** One line of the bot's JSON log (pino), as far as the tests read it. */
const logLine = z.looseObject({ msg: z.string(), level: z.number(), port: z.number().optional() });
export type LogLine = z.infer<typeof logLine>;

export interface BotProcess {
  /** The Bolt HTTP receiver, `/slack/events` on loopback. */
  url: string;
  readonly log: LogLine[];
  /** Resolves with the first log line (already written or still to come) that matches. */
  logged(match: (line: LogLine) => boolean): Promise<LogLine>;
  /** A correctly signed button click, as Slack posts it; resolves with the bot's HTTP answer. */
  click(click: Omit<BlockActionsOptions, 'responseUrl'>): Promise<Response>;
  /** Sends the signal and resolves when the process has exited. */
  kill(signal: NodeJS.Signals): Promise<Exit>;
  exited: Promise<Exit>;
}

export interface Exit {
  code: number | null;
  signal: NodeJS.Signals | null;
  /** What the process wrote to stderr, for failure messages. */
  stderr: string;
}

export interface BotProcessOptions {
  databasePath: string;
  /** The fallback channel cards go to. */
  channel: string;
  logLevel?: string;
}

/** Starts `soc2-bot start` in a child process against the world's fakes; resolves once it listens. */
export async function startBotProcess(world: SimulatedWorld, options: BotProcessOptions): Promise<BotProcess> {
  const policyFile = join(dirname(options.databasePath), 'policy.yml');
  writeFileSync(policyFile, `fallbackChannel: ${options.channel}\n`);
  const child: ChildProcess = spawn(process.execPath, ['--import', 'tsx', childEntry], {
    cwd: repoRoot,
    stdio: ['ignore', 'pipe', 'pipe'],
    env: {
      PATH: process.env['PATH'] ?? '',
      HOME: process.env['HOME'] ?? '',
      SIM_FAKE_URL: world.fake.url,
      SLACK_BOT_TOKEN: world.botToken,
      SLACK_SIGNING_SECRET: world.signingSecret,
      PORT: '0',
      DATABASE_PATH: options.databasePath,
      POLICY_FILE: policyFile,
      SECURITYHUB_REGION: 'us-east-1',
      AWS_REGION: 'us-east-1',
      AWS_ACCESS_KEY_ID: 'AKIDSIMULATED',
      AWS_SECRET_ACCESS_KEY: 'simulated',
      LOG_LEVEL: options.logLevel ?? 'info',
    },
  });
  let stderr = '';
  child.stderr?.setEncoding('utf8').on('data', (chunk: string) => (stderr += chunk));
  const exited = new Promise<Exit>((resolve) => child.once('exit', (code, signal) => resolve({ code, signal, stderr })));

  const log: LogLine[] = [];
  const waiters: { match: (line: LogLine) => boolean; resolve: (line: LogLine) => void }[] = [];
  createInterface({ input: child.stdout! }).on('line', (text) => {
    const parsed = logLine.safeParse(safeJson(text));
    if (!parsed.success) return;
    log.push(parsed.data);
    for (const waiter of waiters.filter((w) => w.match(parsed.data))) {
      waiters.splice(waiters.indexOf(waiter), 1);
      waiter.resolve(parsed.data);
    }
  });
  const logged = (match: (line: LogLine) => boolean) =>
    new Promise<LogLine>((resolve, reject) => {
      const seen = log.find(match);
      if (seen) return resolve(seen);
      waiters.push({ match, resolve });
      // A process that dies first will never write the line: fail with what it said instead of hanging.
      void exited.then((exit) => reject(new Error(`the bot exited (${exit.code ?? exit.signal}) before logging the line:\n${exit.stderr}`)));
    });

  const started = await logged((line) => line.msg === 'soc2-bot started');
  const url = `http://127.0.0.1:${started.port}/slack/events`;
  return {
    url,
    log,
    logged,
    click(click) {
      const body = blockActionsBody({ ...click, responseUrl: world.slack.responseUrlFor(click.channel, click.messageTs) });
      return fetch(url, { method: 'POST', body, headers: { ...signSlackRequest(world.signingSecret, body) } });
    },
    kill(signal) {
      child.kill(signal);
      return exited;
    },
    exited,
  };
}

function safeJson(text: string): unknown {
  try {
    return JSON.parse(text);
  } catch {
    return null;
  }
}
