import { describe, expect, it } from 'vitest';
import { parsePolicy } from '../../src/config/policy.js';
import { routingFromPolicy } from '../../src/route/routing.js';
import { defaultRules } from '../../src/triage/rules.js';
import { explainFinding, renderExplanation } from '../../src/triage/explain.js';
import { makeFinding } from '../helpers/findings.js';

const policy = parsePolicy(
  `
teams:
  platform: { channel: C0PLATFORM01 }
accounts:
  "111111111111": { team: platform }
rules:
  - name: prod-fast
    match: { tags: { env: prod } }
    severity: sev2
    sla: 4h
  - name: prod-s3-critical
    why: customer exports live here
    match: { controls: ["S3.*"], tags: { env: prod } }
    severity: sev1
    mode: autopilot
`,
  'policy.yml',
);
const prodBucket = makeFinding({ resource: { type: 'AwsS3Bucket', id: 'arn:aws:s3:::customer-exports', region: 'us-east-1', tags: { env: 'prod' } } });

describe('explainFinding', () => {
  const explanation = explainFinding(prodBucket, policy.rules, routingFromPolicy(policy));

  it('lists the matching rules in order, with what each matched on, set, and who overrode it', () => {
    expect(explanation.rulesChecked).toBe(defaultRules.length + 2);
    expect(explanation.matched).toEqual([
      {
        name: 's3-bucket-public',
        origin: 'shipped',
        matchedOn: ['control S3.8'],
        sets: [
          { field: 'severity', value: 'sev1', overriddenBy: 'prod-fast' },
          { field: 'tsc', value: 'CC6.1 CC6.6', overriddenBy: null },
        ],
      },
      {
        name: 'prod-fast',
        origin: 'policy.yml line 7',
        matchedOn: ['tag env=prod'],
        sets: [
          { field: 'severity', value: 'sev2', overriddenBy: 'prod-s3-critical' },
          { field: 'sla', value: '4h', overriddenBy: null },
        ],
      },
      {
        name: 'prod-s3-critical',
        origin: 'policy.yml line 11',
        matchedOn: ['control S3.8', 'tag env=prod'],
        sets: [
          { field: 'severity', value: 'sev1', overriddenBy: null },
          { field: 'mode', value: 'autopilot', overriddenBy: null },
        ],
      },
    ]);
  });

  it('says which setting won each field and what it beat', () => {
    expect(explanation.outcome).toEqual([
      { field: 'severity', value: 'sev1', why: 'by rule prod-s3-critical, over s3-bucket-public (sev1), prod-fast (sev2)' },
      { field: 'due', value: '2026-11-20T12:00:00.000Z', why: 'sla 4h by rule prod-fast' },
      { field: 'mode', value: 'autopilot', why: "by rule prod-s3-critical, over remediation s3-block-public-access's copilot" },
      { field: 'tsc', value: 'CC6.1, CC6.6', why: 'by rule s3-bucket-public' },
      { field: 'route', value: 'C0PLATFORM01 (owner platform)', why: 'no owner/team/Owner/Team tag; account 111111111111 belongs to team platform' },
    ]);
  });

  it('explains fields no rule sets and findings that need no action', () => {
    const unknown = explainFinding(makeFinding({ control: 'Lambda.1', severity: 'MEDIUM', account: '999999999999' }), policy.rules, routingFromPolicy(policy));
    expect(unknown.matched).toEqual([]);
    expect(unknown.outcome.map((o) => o.why)).toEqual([
      'from the severity label MEDIUM; no rule sets a severity',
      'default for sev3: 90 days after first seen',
      'no remediation for Lambda.1: a person fixes it',
      'no rule maps SOC 2 criteria',
      'no owner/team/Owner/Team tag; no team for account 999999999999: unowned, fallback channel',
    ]);
    const passed = explainFinding(makeFinding({ compliance: 'PASSED' }), policy.rules, routingFromPolicy(policy));
    expect(passed.outcome[0]).toEqual({ field: 'severity', value: 'none', why: "no action needed: compliance PASSED, so rule s3-bucket-public's sev1 does not apply" });
  });

  it('renders as text: heading, numbered rules, aligned outcome', () => {
    const lines = renderExplanation(prodBucket, explanation);
    expect(lines[0]).toBe('S3.8 arn:aws:s3:::customer-exports (account 111111111111, us-east-1)');
    expect(lines[1]).toBe(`  3 of ${defaultRules.length + 2} rules matched, in order; a later rule overrides an earlier one field by field:`);
    expect(lines[2]).toBe('    1. s3-bucket-public [shipped] on control S3.8: severity sev1 (overridden by prod-fast), tsc CC6.1 CC6.6');
    expect(lines[4]).toBe('    3. prod-s3-critical [policy.yml line 11] on control S3.8, tag env=prod: severity sev1, mode autopilot');
    expect(lines[5]).toBe('  outcome:');
    expect(lines[6]).toMatch(/^ {4}severity sev1 +by rule prod-s3-critical, over/);
    const whyColumn = (lines[6] ?? '').indexOf('by rule');
    expect((lines[7] ?? '').indexOf('sla 4h')).toBe(whyColumn);
  });
});
