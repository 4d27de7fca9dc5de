import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { defaultPolicy, loadPolicyFile, parsePolicy, PolicyFileError } from '../../src/config/policy.js';
import { defaultRules } from '../../src/triage/rules.js';

function problems(text: string): string[] {
  try {
    parsePolicy(text, 'policy.yml');
  } catch (error) {
    if (error instanceof PolicyFileError) return error.problems;
    throw error;
  }
  return [];
}

const dir = mkdtempSync(join(tmpdir(), 'soc2-bot-policy-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

describe('policy file', () => {
  it('has safe defaults without a file: the shipped rules, no approvers, default routing', () => {
    expect(defaultPolicy.rules).toBe(defaultRules);
    expect(defaultPolicy.approvals).toBeUndefined();
    expect(defaultPolicy.exceptions).toEqual({ maxDays: { sev1: 7, sev2: 30, sev3: 90 }, separationOfDuties: false });
    expect(defaultPolicy).toMatchObject({ teams: {}, accounts: {}, fallbackChannel: '#soc2-findings', tagKeys: ['owner', 'team', 'Owner', 'Team'] });
  });

  it('reads teams, accounts, rules, approvers, four-eyes, exception limits and escalation', () => {
    const policy = parsePolicy(`
fallbackChannel: C0SEC
tagKeys: [team]
teams:
  platform: { channel: C0PLAT, approvers: { usergroup: S0PLAT, users: [U0ANA] } }
accounts:
  "111111111111": { team: platform }
rules:
  - name: prod
    match: { accounts: ["111111111111"], tags: { env: prod, tier: [1, gold] } }
    sla: 4h
    owner: platform
approvals:
  security: { usergroup: S0SEC }
  fourEyes: { severities: [sev1], accounts: ["111111111111"] }
exceptions:
  maxDays: { sev1: 3, sev2: 14, sev3: 60 }
  separationOfDuties: true
escalation: { channel: C0ESC, oncallUsergroup: S0ONCALL }
`);
    expect(policy.teams['platform']).toEqual({ channel: 'C0PLAT', approvers: { usergroup: 'S0PLAT', users: ['U0ANA'] } });
    expect(policy.accounts).toEqual({ '111111111111': { team: 'platform' } });
    expect(policy.rules.slice(0, -1)).toEqual(defaultRules);
    expect(policy.rules.at(-1)).toEqual({
      name: 'prod',
      origin: 'policy line 9',
      match: { accounts: ['111111111111'], tags: { env: ['prod'], tier: ['1', 'gold'] } },
      sla: { hours: 4 },
      owner: 'platform',
    });
    expect(policy.approvals?.fourEyes).toEqual({ severities: ['sev1'], accounts: ['111111111111'] });
    expect(policy.exceptions.maxDays.sev1).toBe(3);
    expect(policy.escalation).toEqual({ channel: 'C0ESC', oncallUsergroup: 'S0ONCALL' });
  });

  it('ships an example that is valid', () => {
    const example = parsePolicy(readFileSync(new URL('../../config/policy.example.yml', import.meta.url), 'utf8'));
    expect(example.rules.length).toBeGreaterThan(defaultRules.length);
  });
});

describe('policy file problems name the line, the field and what was expected', () => {
  it('bad YAML', () => {
    expect(problems('rules:\n  - name: a\n    match: [\n')).toEqual([expect.stringMatching(/^line \d: not valid YAML: /)]);
    expect(problems('teams: {}\nteams: {}\n')).toEqual([expect.stringMatching(/^line 2: not valid YAML: Map keys must be unique/)]);
  });

  it('unknown key, at the key', () => {
    expect(problems('rules:\n  - name: a\n    match:\n      control: [S3.8]\n    severity: sev1\n')).toEqual(['line 4: rules[0].match: unknown key control']);
    expect(problems('exceptions:\n  separationOfDutie: true\n')).toEqual(['line 2: exceptions: unknown key separationOfDutie']);
    expect(problems('routing: {}\n')).toEqual(['line 1: (top level): unknown key routing']);
  });

  it('says where team approvers moved', () => {
    expect(problems('approvals:\n  teams:\n    platform: { users: [U0ANA] }\n')).toEqual([
      'line 2: approvals: unknown key teams (team approvers moved to teams.<team>.approvers)',
    ]);
  });

  it('wrong type', () => {
    expect(problems('tagKeys: owner\n')).toEqual(['line 1: tagKeys: expected array, received string']);
    expect(problems('rules:\n  - name: a\n    match: { controls: S3.8 }\n    severity: sev1\n')).toEqual(['line 3: rules[0].match.controls: expected array, received string']);
    expect(problems('- a\n')).toEqual(['line 1: (top level): expected object, received array']);
  });

  it('bad severity and mode', () => {
    expect(problems('rules:\n  - name: a\n    match: {}\n    severity: critical\n    mode: auto\n')).toEqual([
      'line 4: rules[0].severity: expected sev1, sev2, sev3 or none',
      'line 5: rules[0].mode: expected autopilot, copilot or manual',
    ]);
  });

  it('bad sla string', () => {
    expect(problems('rules:\n  - name: a\n    match: {}\n    sla: 2 weeks\n')).toEqual(['line 4: rules[0].sla: expected a duration such as 24h or 14d']);
    expect(problems('rules:\n  - name: a\n    match: {}\n    sla: 24\n')).toEqual(['line 4: rules[0].sla: expected a duration such as 24h or 14d']);
  });

  it('bad account id, as a key and as a value', () => {
    expect(problems('teams:\n  platform: { channel: C0PLAT }\naccounts:\n  12345: { team: platform }\n')).toEqual([
      'line 4: accounts["12345"]: expected a 12-digit AWS account id (quote it in YAML)',
    ]);
    // Unquoted, YAML reads the id as a number and drops the leading zero.
    expect(problems('rules:\n  - name: a\n    match: { accounts: [012345678901] }\n    severity: sev1\n')).toEqual([
      'line 3: rules[0].match.accounts[0]: expected a 12-digit AWS account id (quote it in YAML)',
    ]);
  });

  it('bad channel, criterion and rule shape', () => {
    expect(problems('fallbackChannel: #security\n')).toEqual([
      'line 1: fallbackChannel: expected a Slack channel id such as C012ABCDEF (in YAML, text after # is a comment)',
    ]);
    expect(problems('rules:\n  - name: a\n    match: {}\n    tsc: [CC6.1, SOC2]\n')).toEqual(['line 4: rules[0].tsc[1]: expected a SOC 2 criterion such as CC6.1']);
    expect(problems('rules:\n  - name: a\n    match: { controls: [S3.8] }\n')).toEqual([
      'line 2: rules[0]: sets nothing: give at least one of severity, sla, mode, tsc, owner, channel',
    ]);
    expect(problems('rules:\n  - match: {}\n    severity: sev1\n')).toEqual(['line 2: rules[0].name: expected a rule name']);
  });

  it('references to teams that do not exist, and duplicate rule names', () => {
    expect(
      problems(`teams:
  platform: { channel: C0PLAT }
accounts:
  "111111111111": { team: payments }
rules:
  - name: a
    match: {}
    owner: payment
  - name: a
    match: {}
    severity: sev1
`),
    ).toEqual([
      'line 4: accounts["111111111111"].team: no team "payments" under teams (expected one of platform)',
      'line 8: rules[0].owner: no team "payment" under teams (expected one of platform)',
      'line 9: rules[1].name: "a" is already the name of rules.0',
    ]);
  });

  it('names the file and lists every problem when loading', () => {
    const path = join(dir, 'bad.yml');
    writeFileSync(path, 'rules:\n  - name: a\n    match: {}\n    severity: high\nescalation: { channel: nope }\n');
    expect(() => loadPolicyFile(path)).toThrow(PolicyFileError);
    try {
      loadPolicyFile(path);
    } catch (error) {
      expect(error).toMatchObject({ file: path, problems: [expect.stringMatching(/^line 4: rules\[0\]\.severity/), expect.stringMatching(/^line 5: escalation\.channel/)] });
      expect((error as Error).message).toMatch(new RegExp(`^${path.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')}: line 4`));
    }
    expect(() => loadPolicyFile(join(dir, 'missing.yml'))).toThrow(/cannot read/);
  });
});
