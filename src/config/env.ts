import cron from 'node-cron';
import { z } from 'zod';
import { isTimeZone } from '../digest/time.js';
import { parseHmacKey } from '../evidence/head-signature.js';
import { parseConfigTargets } from './config-targets.js';

const region = z.string().regex(/^[a-z]{2}(-[a-z]+)+-\d$/, 'must be an AWS Region such as us-east-1');

/** Every setting the bot reads from its environment, validated once at start-up. */
const envSchema = z
  .object({
    SLACK_BOT_TOKEN: z.string().regex(/^xoxb-[\w-]+$/, 'must be a bot token starting with xoxb-'),
    SLACK_SIGNING_SECRET: z.string().regex(/^[0-9a-f]{16,}$/i, 'must be the app\'s signing secret (hex)').optional(),
    SLACK_APP_TOKEN: z.string().regex(/^xapp-[\w-]+$/, 'must be an app-level token starting with xapp-').optional(),
    SLACK_API_URL: z.url({ protocol: /^https?$/, message: 'must be an http(s) URL' }).optional(),
    PORT: z.coerce.number({ error: 'must be a port number' }).int('must be a port number').min(0).max(65535).default(3000),
    DATABASE_PATH: z.string().min(1).default('./data/soc2-bot.sqlite'),
    // Routing moved into the policy file; refusing the old variable beats silently ignoring it.
    ROUTING_FILE: z
      .undefined({ error: 'is no longer read: move its fallbackChannel, tagKeys, owners (as teams.<team>.channel) and accounts into POLICY_FILE (see config/policy.example.yml)' })
      .optional(),
    POLICY_FILE: z.string().min(1).optional(),
    POLL_SCHEDULE: z.string().min(1).default('*/15 * * * *'),
    SECURITYHUB_REGION: region.optional(),
    AWS_REGION: region.optional(),
    AWS_DEFAULT_REGION: region.optional(),
    DIGEST_CHANNEL: z.string().regex(/^[CG][A-Z0-9]{2,}$/, 'must be a Slack channel id such as C012ABCDEF').optional(),
    DIGEST_SCHEDULE: z.string().min(1).default('0 9 * * 1'),
    DIGEST_TIMEZONE: z.string().refine(isTimeZone, 'must be an IANA time zone such as Europe/Berlin').default('UTC'),
    ONCALL_USERGROUP: z.string().regex(/^S[A-Z0-9]{2,}$/, 'must be a Slack user group id such as S012ABCDEF').optional(),
    EVIDENCE_HMAC_KEY: z
      .string()
      .refine((text) => {
        try {
          parseHmacKey(text);
          return true;
        } catch {
          return false;
        }
      }, 'must be at least 32 bytes, hex or base64 (for example: openssl rand -hex 32)')
      .optional(),
    SQS_QUEUE_URL: z.string().regex(/^https:\/\/sqs[.-][a-z0-9-]+\.amazonaws\.com\/\d{12}\/[\w-]+(\.fifo)?$/, 'must be an SQS queue URL such as https://sqs.eu-west-1.amazonaws.com/111111111111/soc2-bot-events').optional(),
    SQS_MAX_RECEIVES: z.coerce.number().int().min(1).max(1000).default(5),
    ASSUME_ROLE_NAME: z.string().regex(/^([\w+=,.@-]+\/)*[\w+=,.@-]{1,64}$/, 'must be an IAM role name (optionally with its path)').optional(),
    ASSUME_ROLE_EXTERNAL_ID: z.string().min(2).max(1224).optional(),
    CONFIG_POLL: z
      .string()
      .refine((text) => parseConfigTargets(text) !== null, 'must list account:Region pairs, e.g. 111111111111:eu-west-1,222222222222:us-east-1')
      .optional(),
    LOG_LEVEL: z.enum(['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent']).default('info'),
  });

export type Env = z.output<typeof envSchema> & { securityHubRegion: string };

export class ConfigError extends Error {
  constructor(readonly problems: string[]) {
    super(`soc2-bot cannot start: ${problems.length} configuration problem(s):\n${problems.map((p) => `  - ${p}`).join('\n')}`);
    this.name = 'ConfigError';
  }
}

/** Parses the environment; throws one ConfigError naming every bad variable, never echoing a secret's value. */
export function loadEnv(source: NodeJS.ProcessEnv): Env {
  const blankAsUnset = Object.fromEntries(Object.entries(source).filter(([, v]) => v !== undefined && v !== ''));
  const parsed = envSchema.safeParse(blankAsUnset);
  const problems = parsed.success
    ? []
    : parsed.error.issues.map((issue) => {
        const name = issue.path.join('.') || 'environment';
        return issue.code === 'invalid_type' && blankAsUnset[name] === undefined ? `${name} is missing` : `${name}: ${issue.message}`;
      });
  // Checks across variables run on the raw values, so they are reported together with the rest.
  const { SLACK_APP_TOKEN, SLACK_SIGNING_SECRET, SECURITYHUB_REGION, AWS_REGION, AWS_DEFAULT_REGION, POLL_SCHEDULE } = blankAsUnset;
  // HTTP mode verifies every request with the signing secret; Socket Mode authenticates the socket instead.
  if (!SLACK_APP_TOKEN && !SLACK_SIGNING_SECRET) problems.push('SLACK_SIGNING_SECRET is required in HTTP mode (without SLACK_APP_TOKEN)');
  const securityHubRegion = SECURITYHUB_REGION ?? AWS_REGION ?? AWS_DEFAULT_REGION;
  if (!securityHubRegion) problems.push('SECURITYHUB_REGION is required (or AWS_REGION): the Region of your Security Hub');
  for (const [name, value, example] of [
    ['POLL_SCHEDULE', POLL_SCHEDULE, '*/15 * * * *'],
    ['DIGEST_SCHEDULE', blankAsUnset['DIGEST_SCHEDULE'], '0 9 * * 1'],
  ] as const) {
    if (value !== undefined && !cron.validate(value)) problems.push(`${name} must be a cron expression such as "${example}"`);
  }
  if (!parsed.success || problems.length > 0 || !securityHubRegion) throw new ConfigError(problems);
  return { ...parsed.data, securityHubRegion };
}
