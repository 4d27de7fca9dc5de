import { z } from 'zod';

/** Every setting the bot reads from its environment, validated once at start-up. */
const envSchema = z
  .object({
    SLACK_BOT_TOKEN: z.string().regex(/^xoxb-[\w-]+$/, 'must be a bot token starting with xoxb-'),
    SLACK_SIGNING_SECRET: z.string().regex(/^[0-9a-f]{16,}$/i, 'must be the app\'s signing secret (hex)').optional(),
    SLACK_APP_TOKEN: z.string().regex(/^xapp-[\w-]+$/, 'must be an app-level token starting with xapp-').optional(),
    SLACK_API_URL: z.url({ protocol: /^https?$/, message: 'must be an http(s) URL' }).optional(),
    PORT: z.coerce.number().int().min(0).max(65535).default(3000),
    DATABASE_PATH: z.string().min(1).default('./data/soc2-bot.sqlite'),
    ROUTING_FILE: z.string().min(1).optional(),
    POLL_SCHEDULE: z.string().min(1).default('*/15 * * * *'),
    SECURITYHUB_REGION: z.string().regex(/^[a-z]{2}(-[a-z]+)+-\d$/, 'must be an AWS Region such as us-east-1').optional(),
    LOG_LEVEL: z.enum(['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent']).default('info'),
  })
  .superRefine((env, ctx) => {
    // HTTP mode verifies every request with the signing secret; Socket Mode authenticates the socket instead.
    if (!env.SLACK_APP_TOKEN && !env.SLACK_SIGNING_SECRET) {
      ctx.addIssue({ code: 'custom', path: ['SLACK_SIGNING_SECRET'], message: 'is required in HTTP mode (without SLACK_APP_TOKEN)' });
    }
  });

export type Env = z.infer<typeof envSchema>;

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
  if (parsed.success) return parsed.data;
  const problems = parsed.error.issues.map((issue) => {
    const name = issue.path.join('.') || 'environment';
    const missing = issue.code === 'invalid_type' && blankAsUnset[name] === undefined;
    return missing ? `${name} is missing` : `${name} ${issue.message}`;
  });
  throw new ConfigError(problems);
}
