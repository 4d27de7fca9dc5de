import cron from 'node-cron';
import { createBot, type Bot } from './app/bot.js';
import { createLogger } from './app/logger.js';
import { ConfigError, loadEnv, type Env } from './config/env.js';
import { loadRoutingFile, RoutingFileError } from './config/routing-file.js';
import { MigrationError } from './evidence/database.js';
import { defaultRouting, type RoutingConfig } from './route/routing.js';

const exConfig = 78;
const exSoftware = 70;

/** `soc2-bot start`: the long-running bot, configured from the environment. Returns the exit status. */
export async function startBot(environment: NodeJS.ProcessEnv): Promise<number> {
  let env: Env;
  let routing: RoutingConfig;
  try {
    env = loadEnv(environment);
    routing = env.ROUTING_FILE ? loadRoutingFile(env.ROUTING_FILE) : defaultRouting;
  } catch (error) {
    if (error instanceof ConfigError) return fail(error.message, exConfig);
    if (error instanceof RoutingFileError) return fail(`soc2-bot cannot start: routing file ${error.message}`, exConfig);
    throw error;
  }
  const log = createLogger(env.LOG_LEVEL);
  let bot: Bot;
  try {
    bot = createBot({
      databasePath: env.DATABASE_PATH,
      slack: {
        botToken: env.SLACK_BOT_TOKEN,
        ...(env.SLACK_SIGNING_SECRET ? { signingSecret: env.SLACK_SIGNING_SECRET } : {}),
        ...(env.SLACK_APP_TOKEN ? { appToken: env.SLACK_APP_TOKEN } : {}),
        ...(env.SLACK_API_URL ? { apiUrl: env.SLACK_API_URL } : {}),
      },
      routing,
      securityHubRegion: env.securityHubRegion,
      log,
    });
  } catch (error) {
    if (error instanceof MigrationError) return fail(`soc2-bot cannot start: ${error.message}; the database was left as it was`, exSoftware);
    throw error;
  }
  await bot.start(env.PORT);
  log.info({ mode: env.SLACK_APP_TOKEN ? 'socket' : 'http', port: env.PORT, region: env.securityHubRegion }, 'soc2-bot started');
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

function fail(message: string, status: number): number {
  process.stderr.write(`${message}\n`);
  return status;
}
