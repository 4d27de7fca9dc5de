import { pino, type Logger } from 'pino';

export type { Logger };

/** Structured JSON logs; anything that could carry a secret is redacted by key. */
export function createLogger(level: string, destination?: NodeJS.WritableStream): Logger {
  return pino(
    {
      level,
      base: { app: 'soc2-bot' },
      redact: {
        paths: ['token', '*.token', 'signingSecret', '*.signingSecret', 'headers.authorization', '*.headers.authorization', 'credentials'],
        censor: '[redacted]',
      },
    },
    destination ?? process.stdout,
  );
}
