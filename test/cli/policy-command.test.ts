import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { runPolicyCommand } from '../../src/cli/policy-command.js';
import { defaultRules } from '../../src/triage/rules.js';

const dir = mkdtempSync(join(tmpdir(), 'soc2-bot-policy-command-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

async function run(args: string[]) {
  const out: string[] = [];
  const err: string[] = [];
  const code = await runPolicyCommand(args, { out: (line) => out.push(line), err: (line) => err.push(line) });
  return { code, out, err };
}

function file(name: string, text: string): string {
  const path = join(dir, name);
  writeFileSync(path, text);
  return path;
}

describe('soc2-bot policy check', () => {
  it('accepts a valid policy and says what it holds', async () => {
    const path = file('ok.yml', 'teams:\n  platform: { channel: C0PLAT }\nrules:\n  - name: a\n    match: {}\n    owner: platform\n');
    expect(await run(['check', path])).toEqual({ code: 0, out: [`${path}: valid: 1 rule(s) after the ${defaultRules.length} shipped, 1 team(s), 0 account(s)`], err: [] });
  });

  it('lists every problem with file, line and field, and exits 1', async () => {
    const path = file('bad.yml', 'rules:\n  - name: a\n    match: {}\n    sla: soon\naccounts:\n  "1234": { channel: C0X1 }\n');
    expect(await run(['check', path])).toEqual({
      code: 1,
      out: [],
      err: [`${path}: line 4: rules[0].sla: expected a duration such as 24h or 14d`, `${path}: line 6: accounts["1234"]: expected a 12-digit AWS account id (quote it in YAML)`],
    });
  });

  it('reports a file it cannot read', async () => {
    const { code, err } = await run(['check', join(dir, 'missing.yml')]);
    expect(code).toBe(1);
    expect(err[0]).toMatch(/missing\.yml: cannot read: /);
  });

  it.each([[[]], [['lint', 'x']], [['check']], [['check', 'a', 'b']]])('%j is a usage error (64)', async (args) => {
    const { code, out, err } = await run(args);
    expect(code).toBe(64);
    expect(out).toEqual([]);
    expect(err.join('\n')).toContain('usage: soc2-bot policy check FILE');
  });
});
