import { createBot, type Bot } from './app/bot.js';
import { createLogger } from './app/logger.js';
import { startRealtime } from './app/realtime.js';
import { startSchedule } from './app/schedule.js';
import { parseConfigTargets } from './config/config-targets.js';
import { ConfigError, loadEnv, type Env } from './config/env.js';
import { defaultPolicy, loadPolicyFile, PolicyFileError, type Policy } from './config/policy.js';
import { approvalsConfigured } from './decisions/approvers.js';
import { MigrationError } from './evidence/database.js';
import { routingFromPolicy } from './route/routing.js';

const exConfig = 78;
const exSoftware = 70;

/** `soc2-bot start`: the long-running bot, configured from the environment. Returns the exit status. */
export async function startBot(environment: NodeJS.ProcessEnv): Promise<number> {
  let env: Env;
  let policy: Policy;
  try {
    env = loadEnv(environment);
    policy = env.POLICY_FILE ? loadPolicyFile(env.POLICY_FILE) : defaultPolicy;
  } catch (error) {
    if (error instanceof ConfigError) return fail(error.message, exConfig);
    if (error instanceof PolicyFileError) return fail(`soc2-bot cannot start: policy file ${error.message}`, exConfig);
    throw error;
  }
  const log = createLogger(env.LOG_LEVEL);
  if (!approvalsConfigured(policy)) log.warn('no approvals in the policy: anyone who can see a card may approve its fix (set POLICY_FILE)');
  let bot: Bot;
  try {
    bot = createBot({
      databasePath: env.DATABASE_PATH,
      slack: {
        botToken: env.SLACK_BOT_TOKEN,
        ...(env.SLACK_SIGNING_SECRET ? { signingSecret: env.SLACK_SIGNING_SECRET } : {}),
        ...(env.SLACK_APP_TOKEN ? { appToken: env.SLACK_APP_TOKEN, probePort: env.PORT } : {}),
        ...(env.SLACK_API_URL ? { apiUrl: env.SLACK_API_URL } : {}),
      },
      routing: routingFromPolicy(policy),
      policy,
      ...(env.EVIDENCE_HMAC_KEY ? { evidenceHmacKey: env.EVIDENCE_HMAC_KEY } : {}),
      ...(env.ASSUME_ROLE_NAME
        ? { assumeRole: { roleName: env.ASSUME_ROLE_NAME, ...(env.ASSUME_ROLE_EXTERNAL_ID ? { externalId: env.ASSUME_ROLE_EXTERNAL_ID } : {}) } }
        : {}),
      securityHubRegion: env.securityHubRegion,
      log,
    });
  } catch (error) {
    if (error instanceof MigrationError) return fail(`soc2-bot cannot start: ${error.message}; the database was left as it was`, exSoftware);
    throw error;
  }
  const server = await bot.start(env.PORT);
  // PORT=0 picks a free port; the log names the one actually bound.
  const address = server?.address();
  const port = typeof address === 'object' && address ? address.port : env.PORT;
  log.info({ mode: env.SLACK_APP_TOKEN ? 'socket' : 'http', port, region: env.securityHubRegion }, 'soc2-bot started');
  const schedule = startSchedule(bot, {
    pollSchedule: env.POLL_SCHEDULE,
    digest: env.DIGEST_CHANNEL ? { channel: env.DIGEST_CHANNEL, schedule: env.DIGEST_SCHEDULE, timeZone: env.DIGEST_TIMEZONE } : null,
    oncallUsergroup: env.ONCALL_USERGROUP ?? policy.escalation.oncallUsergroup ?? null,
    configTargets: env.CONFIG_POLL ? (parseConfigTargets(env.CONFIG_POLL) ?? []) : [],
  });

  const realtime = env.SQS_QUEUE_URL ? startRealtime(bot, { queueUrl: env.SQS_QUEUE_URL, maxReceives: env.SQS_MAX_RECEIVES }) : null;

  return new Promise<number>((resolve) => {
    const shutdown = (signal: string) => {
      log.info({ signal }, 'shutting down: no new work, finishing in-flight fixes');
      // Timers, the queue and the Slack listener all stop now; the database closes once their work in flight is done.
      bot
        .stop(Promise.all([schedule.stop(), realtime?.stop()]))
        .then(
          () => resolve(0),
          (error: unknown) => {
            log.error({ err: String(error) }, 'shutdown failed');
            resolve(exSoftware);
          },
        );
    };
    process.once('SIGTERM', () => shutdown('SIGTERM'));
    process.once('SIGINT', () => shutdown('SIGINT'));
  });
}

function fail(message: string, status: number): number {
  process.stderr.write(`${message}\n`);
  return status;
}
