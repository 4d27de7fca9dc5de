import { spawnSync } from 'node:child_process';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';

const bin = join(import.meta.dirname, '..', '..', 'bin', 'soc2-bot.js');

function start(env: Record<string, string>) {
  return spawnSync(process.execPath, [bin, 'start'], { env: { PATH: process.env.PATH ?? '', ...env }, encoding: 'utf8', timeout: 30_000 });
}

describe('soc2-bot start', () => {
  it('refuses to start on a bad environment with one message naming every bad variable', () => {
    const run = start({ SLACK_BOT_TOKEN: 'nope', PORT: '-1' });
    expect(run.status).toBe(78);
    expect(run.stderr).toContain('soc2-bot cannot start: 4 configuration problem(s)');
    for (const name of ['SLACK_BOT_TOKEN', 'SLACK_SIGNING_SECRET', 'PORT', 'SECURITYHUB_REGION']) expect(run.stderr).toContain(name);
    expect(run.stdout).toBe('');
  });

  it('refuses a policy file with a bad field, naming the file, the line and the field', () => {
    const dir = mkdtempSync(join(tmpdir(), 'soc2-bot-start-'));
    const policy = join(dir, 'policy.yml');
    writeFileSync(policy, 'fallbackChannel: C0SEC\naccounts:\n  12345: { channel: C0X }\n');
    const run = start({
      SLACK_BOT_TOKEN: 'xoxb-1-2-3',
      SLACK_SIGNING_SECRET: 'abcdef0123456789abcdef0123456789',
      SECURITYHUB_REGION: 'us-east-1',
      POLICY_FILE: policy,
      DATABASE_PATH: join(dir, 'db.sqlite'),
    });
    expect(run.status).toBe(78);
    expect(run.stderr).toContain(`soc2-bot cannot start: policy file ${policy}: line 3: accounts["12345"]: expected a 12-digit AWS account id`);
  });

  it('refuses the retired ROUTING_FILE, saying where routing moved', () => {
    const run = start({ SLACK_BOT_TOKEN: 'xoxb-1-2-3', SLACK_SIGNING_SECRET: 'abcdef0123456789abcdef0123456789', SECURITYHUB_REGION: 'us-east-1', ROUTING_FILE: 'routing.yml' });
    expect(run.status).toBe(78);
    expect(run.stderr).toMatch(/ROUTING_FILE.*is no longer read.*POLICY_FILE/);
  });
});
