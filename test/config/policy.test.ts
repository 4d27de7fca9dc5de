import { describe, expect, it } from 'vitest';
import { defaultPolicy, parsePolicy, PolicyFileError } from '../../src/config/policy.js';

function problems(text: string): string[] {
  try {
    parsePolicy(text, 'policy.yml');
  } catch (error) {
    if (error instanceof PolicyFileError) return error.problems;
    throw error;
  }
  return [];
}

describe('policy file', () => {
  it('has safe defaults without a file', () => {
    expect(defaultPolicy.approvals).toBeUndefined();
    expect(defaultPolicy.exceptions).toEqual({ maxDays: { sev1: 7, sev2: 30, sev3: 90 }, separationOfDuties: false });
  });

  it('reads approvers, four-eyes, exception limits and escalation', () => {
    const policy = parsePolicy(`
approvals:
  security: { usergroup: S0SEC }
  teams:
    platform: { usergroup: S0PLAT, users: [U0ANA] }
  fourEyes: { severities: [sev1], accounts: ["111111111111"] }
exceptions:
  maxDays: { sev1: 3, sev2: 14, sev3: 60 }
  separationOfDuties: true
escalation: { channel: C0ESC, oncallUsergroup: S0ONCALL }
`);
    expect(policy.approvals?.teams['platform']).toEqual({ usergroup: 'S0PLAT', users: ['U0ANA'] });
    expect(policy.approvals?.fourEyes).toEqual({ severities: ['sev1'], accounts: ['111111111111'] });
    expect(policy.exceptions.maxDays.sev1).toBe(3);
    expect(policy.escalation).toEqual({ channel: 'C0ESC', oncallUsergroup: 'S0ONCALL' });
  });

  it('names the line, the field and what was expected', () => {
    const found = problems(`approvals:
  teams:
    platform:
      usergroup: platform-team
exceptions:
  maxDays: { sev1: 0, sev2: 14, sev3: 60 }
  separationOfDutie: true
`);
    expect(found).toEqual(
      expect.arrayContaining([
        expect.stringMatching(/^line 4: approvals\.teams\.platform\.usergroup: expected a Slack user group id/),
        expect.stringMatching(/^line 6: exceptions\.maxDays\.sev1: /),
        expect.stringMatching(/^line 6: exceptions: unknown key separationOfDutie|^line \d+: exceptions: unknown key separationOfDutie/),
      ]),
    );
  });

  it('reports YAML syntax errors with their line', () => {
    expect(problems('approvals:\n  teams: [\n')[0]).toMatch(/^line \d+: not valid YAML/);
  });
});
