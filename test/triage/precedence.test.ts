import { describe, expect, it } from 'vitest';
import { parsePolicy } from '../../src/config/policy.js';
import { applyRules } from '../../src/triage/apply-rules.js';
import type { PolicyRule } from '../../src/triage/rules.js';
import { triage } from '../../src/triage/triage.js';
import { makeFinding } from '../helpers/findings.js';

const rule = (name: string, fields: Omit<PolicyRule, 'name' | 'origin'>): PolicyRule => ({ name, origin: 'test', ...fields });
const tagged = (tags: Record<string, string>) => makeFinding({ resource: { type: 'AwsS3Bucket', id: 'arn:aws:s3:::customer-exports', region: 'us-east-1', tags } });

describe('rule precedence', () => {
  it('lets a later rule override an earlier one field by field', () => {
    const rules = [
      rule('base', { match: {}, severity: 'sev3', sla: { days: 30 }, tsc: ['CC6.1'] }),
      rule('prod', { match: { tags: { env: ['prod'] } }, severity: 'sev1' }),
      rule('fast', { match: { controls: ['S3.8'] }, sla: { hours: 4 } }),
    ];
    const decided = triage(tagged({ env: 'prod' }), rules);
    // severity from prod, sla from fast, tsc from base: each field has its own winner.
    expect(decided).toMatchObject({ severity: 'sev1', dueAt: '2026-11-20T12:00:00.000Z', tsc: ['CC6.1'] });
    expect(decided.reason).toContain('sev1 by rule prod');
    expect(decided.reason).toContain('due 4 h after first seen by rule fast');
    expect(decided.reason).toContain('SOC 2 CC6.1 by rule base');
  });

  it('keeps an earlier setting when the later rule does not match', () => {
    const rules = [rule('base', { match: {}, severity: 'sev3' }), rule('prod', { match: { tags: { env: ['prod'] } }, severity: 'sev1' })];
    expect(triage(tagged({ env: 'dev' }), rules).severity).toBe('sev3');
  });

  it('lets the user file override the shipped rules, and leaves the fields it does not set', () => {
    const policy = parsePolicy(`
rules:
  - name: relaxed-s3
    match: { controls: [S3.8], accounts: ["111111111111"] }
    severity: sev2
    mode: autopilot
`);
    expect(policy.rules.at(-1)).toMatchObject({ name: 'relaxed-s3', origin: 'policy line 3' });
    const decided = triage(makeFinding(), policy.rules);
    // Severity and mode from the file; criteria from the shipped s3-bucket-public rule.
    expect(decided).toMatchObject({ severity: 'sev2', mode: 'autopilot', remediation: 's3-block-public-access', tsc: ['CC6.1', 'CC6.6'] });
    expect(decided.dueAt).toBe('2026-12-04T08:00:00.000Z');
    expect(triage(makeFinding({ account: '222222222222' }), policy.rules)).toMatchObject({ severity: 'sev1', mode: 'copilot' });
  });

  it('turns a finding into no action with severity none, keeping its criteria', () => {
    const rules = [rule('s3', { match: { controls: ['S3.8'] }, severity: 'sev1', tsc: ['CC6.1'] }), rule('accepted', { match: { regions: ['us-east-1'] }, severity: 'none', why: 'risk accepted' })];
    const decided = triage(makeFinding(), rules);
    expect(decided).toMatchObject({ severity: 'none', mode: 'manual', remediation: null, dueAt: null, tsc: ['CC6.1'] });
    expect(decided.reason).toContain('none by rule accepted on region us-east-1 (risk accepted): no action');
  });

  it('cannot make a finding without a remediation run on autopilot', () => {
    const decided = triage(makeFinding({ control: 'Lambda.1' }), [rule('auto', { match: {}, mode: 'autopilot' })]);
    expect(decided.mode).toBe('manual');
    expect(decided.reason).toContain("rule auto's autopilot cannot apply");
  });
});

describe('rule matching', () => {
  const matches = (match: PolicyRule['match'], finding = makeFinding()) => applyRules(finding, [rule('r', { match, severity: 'sev1' })]).hits.length === 1;

  it.each([
    [{ controls: ['S3.8'] }, true],
    [{ controls: ['S3.*'] }, true],
    [{ controls: ['S3.1'] }, false],
    [{ products: ['aws/securityhub'] }, true],
    [{ products: ['aws/guardduty'] }, false],
    [{ resourceTypes: ['AwsS3Bucket'] }, true],
    [{ resourceTypes: ['AwsEc2*'] }, false],
    [{ accounts: ['111111111111'] }, true],
    [{ accounts: ['222222222222'] }, false],
    [{ regions: ['us-*'] }, true],
    [{ regions: ['eu-west-1'] }, false],
    [{ controls: ['S3.8'], regions: ['eu-west-1'] }, false],
    [{}, true],
  ] as const)('%j matches: %s', (match, expected) => {
    expect(matches(match)).toBe(expected);
  });

  it('matches tags by key and any listed value', () => {
    expect(matches({ tags: { env: ['prod', 'production'] } }, tagged({ env: 'production' }))).toBe(true);
    expect(matches({ tags: { env: ['prod'], team: ['payments'] } }, tagged({ env: 'prod' }))).toBe(false);
    expect(matches({ tags: { constructor: ['*'] } }, tagged({}))).toBe(false);
  });

  it('matches Config rules by the generator id the Config ingest sets', () => {
    const config = makeFinding({ control: null, generatorId: 'securityhub-s3-bucket-versioning-enabled-1a2b3c' });
    expect(matches({ configRules: ['securityhub-s3-bucket-versioning-enabled-*'] }, config)).toBe(true);
    expect(matches({ configRules: ['s3-bucket-logging-enabled'] }, config)).toBe(false);
  });

  it('keeps rule order when rules naming exact controls, wildcards and no control are mixed', () => {
    // One array for every finding below: it is compiled once, so each control must get its own candidates.
    const rules = [
      rule('exact-s3.8', { match: { controls: ['S3.8'] }, severity: 'sev3' }),
      rule('wildcard-s3', { match: { controls: ['S3.*', 'IAM.3'] }, severity: 'sev2' }),
      rule('any', { match: { regions: ['us-east-1'] }, tsc: ['CC6.1'] }),
      rule('exact-s3.1', { match: { controls: ['S3.1'] }, severity: 'sev1' }),
      rule('no-control', { match: { controls: [] }, severity: 'sev1' }),
    ];
    const names = (control: string | null) => applyRules(makeFinding({ control }), rules).hits.map((hit) => hit.rule.name);
    expect(names('S3.8')).toEqual(['exact-s3.8', 'wildcard-s3', 'any']);
    expect(names('S3.1')).toEqual(['wildcard-s3', 'any', 'exact-s3.1']);
    expect(names('IAM.3')).toEqual(['wildcard-s3', 'any']);
    expect(names('EC2.2')).toEqual(['any']);
    expect(names(null)).toEqual(['any']);
    expect(triage(makeFinding({ control: 'S3.1' }), rules).reason).toContain('sev1 by rule exact-s3.1 on control S3.1');
  });

  it('says what matched', () => {
    const hit = applyRules(tagged({ env: 'prod' }), [rule('r', { match: { controls: ['S3.8'], tags: { env: ['prod'] } }, sla: { hours: 4 } })]).hits[0];
    expect(hit).toMatchObject({ matchedOn: ['control S3.8', 'tag env=prod'], sets: ['sla'] });
  });
});
