import { describe, expect, it } from 'vitest';
import { ConfigError, loadEnv } from '../../src/config/env.js';

const valid = {
  SLACK_BOT_TOKEN: 'xoxb-1-2-abc',
  SLACK_SIGNING_SECRET: '8f742231b10e8888abcd99yyyzzz85a5'.replace(/[yz]/g, 'e'),
  SECURITYHUB_REGION: 'eu-west-1',
};

function problems(env: NodeJS.ProcessEnv): string[] {
  try {
    loadEnv(env);
  } catch (error) {
    if (error instanceof ConfigError) return error.problems;
    throw error;
  }
  return [];
}

describe('environment', () => {
  it('accepts a valid HTTP-mode environment and fills defaults', () => {
    const env = loadEnv(valid);
    expect(env).toMatchObject({ PORT: 3000, DATABASE_PATH: './data/soc2-bot.sqlite', securityHubRegion: 'eu-west-1', LOG_LEVEL: 'info' });
  });

  it('takes the Region from AWS_REGION when SECURITYHUB_REGION is not set', () => {
    expect(loadEnv({ ...valid, SECURITYHUB_REGION: undefined, AWS_REGION: 'us-east-2' }).securityHubRegion).toBe('us-east-2');
  });

  it('names every bad variable at once', () => {
    const found = problems({ SLACK_BOT_TOKEN: 'xoxp-user-token', PORT: 'eighty', SLACK_API_URL: 'not a url', POLL_SCHEDULE: 'every day' });
    expect(found).toEqual(
      expect.arrayContaining([
        expect.stringMatching(/^SLACK_BOT_TOKEN: must be a bot token/),
        expect.stringMatching(/^SLACK_SIGNING_SECRET is required in HTTP mode/),
        expect.stringMatching(/^PORT: /),
        expect.stringMatching(/^SLACK_API_URL: /),
        expect.stringMatching(/^SECURITYHUB_REGION is required/),
        expect.stringMatching(/^POLL_SCHEDULE must be a cron expression/),
      ]),
    );
    expect(found).toHaveLength(6);
  });

  it('checks an evidence HMAC key is long enough without echoing it', () => {
    const found = problems({ ...valid, EVIDENCE_HMAC_KEY: 'abcd' });
    expect(found).toEqual([expect.stringMatching(/^EVIDENCE_HMAC_KEY: must be at least 32 bytes/)]);
    expect(found.join()).not.toContain('abcd');
    expect(problems({ ...valid, EVIDENCE_HMAC_KEY: 'ab'.repeat(32) })).toEqual([]);
  });

  it('says a variable is missing rather than describing a type', () => {
    expect(problems({ ...valid, SLACK_BOT_TOKEN: '' })).toEqual(['SLACK_BOT_TOKEN is missing']);
  });

  it('needs no signing secret in Socket Mode', () => {
    expect(problems({ ...valid, SLACK_SIGNING_SECRET: undefined, SLACK_APP_TOKEN: 'xapp-1-A1-1-abc' })).toEqual([]);
  });

  it('never echoes a secret in its messages', () => {
    const secret = 'xoxb-this-is-secret-but-has spaces';
    const error = (() => {
      try {
        loadEnv({ ...valid, SLACK_BOT_TOKEN: secret });
      } catch (e) {
        return e as Error;
      }
      throw new Error('expected a ConfigError');
    })();
    expect(error.message).not.toContain('this-is-secret');
  });
});
