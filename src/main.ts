import cron from 'node-cron';
import { createBot } from './app/bot.js';
import { createLogger } from './app/logger.js';
import { ConfigError, loadEnv } from './config/env.js';
import { loadRoutingFile } from './config/routing-file.js';
import { defaultRouting } from './route/routing.js';

/** `soc2-bot start`: the long-running bot, configured from the environment. */
export async function startBot(environment: NodeJS.ProcessEnv): Promise<number> {
  let env;
  try {
    env = loadEnv(environment);
  } catch (error) {
    if (error instanceof ConfigError) {
      process.stderr.write(`${error.message}\n`);
      return 78; // EX_CONFIG
    }
    throw error;
  }
  const log = createLogger(env.LOG_LEVEL);
  const region = env.SECURITYHUB_REGION ?? environment.AWS_REGION ?? environment.AWS_DEFAULT_REGION;
  if (!region) {
    process.stderr.write('soc2-bot cannot start: set SECURITYHUB_REGION (or AWS_REGION) to the Region of your Security Hub\n');
    return 78;
  }
  if (!cron.validate(env.POLL_SCHEDULE)) {
    process.stderr.write(`soc2-bot cannot start: POLL_SCHEDULE "${env.POLL_SCHEDULE}" is not a cron expression\n`);
    return 78;
  }
  const routing = env.ROUTING_FILE ? loadRoutingFile(env.ROUTING_FILE) : defaultRouting;
  const bot = createBot({
    databasePath: env.DATABASE_PATH,
    slack: {
      botToken: env.SLACK_BOT_TOKEN,
      ...(env.SLACK_SIGNING_SECRET ? { signingSecret: env.SLACK_SIGNING_SECRET } : {}),
      ...(env.SLACK_APP_TOKEN ? { appToken: env.SLACK_APP_TOKEN } : {}),
      ...(env.SLACK_API_URL ? { apiUrl: env.SLACK_API_URL } : {}),
    },
    routing,
    securityHubRegion: region,
    log,
  });
  await bot.start(env.PORT);
  log.info({ mode: env.SLACK_APP_TOKEN ? 'socket' : 'http', port: env.PORT, region }, 'soc2-bot started');
  const runScan = () =>
    bot.scan().catch((error: unknown) => log.error({ err: error instanceof Error ? error.message : String(error) }, 'scan failed'));
  const task = cron.schedule(env.POLL_SCHEDULE, runScan, { noOverlap: true });
  void runScan();

  await new Promise<void>((resolve) => {
    const shutdown = (signal: string) => {
      log.info({ signal }, 'shutting down: no new work, finishing in-flight fixes');
      void task.stop();
      bot.stop().then(resolve, (error: unknown) => {
        log.error({ err: String(error) }, 'shutdown failed');
        resolve();
      });
    };
    process.once('SIGTERM', () => shutdown('SIGTERM'));
    process.once('SIGINT', () => shutdown('SIGINT'));
  });
  return 0;
}
