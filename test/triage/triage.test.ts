import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterEach, describe, expect, it } from 'vitest';
import type { Finding } from '../../src/domain/finding.js';
import { parseFindingsText } from '../../src/ingest/normalize.js';
import { defaultCatalogue } from '../../src/remediate/catalogue.js';
import { remediationById } from '../../src/remediate/registry.js';
import { defaultRules, type PolicyRule } from '../../src/triage/rules.js';
import { triage } from '../../src/triage/triage.js';
import { makeFinding } from '../helpers/findings.js';

const fixtures = fileURLToPath(new URL('../fixtures', import.meta.url));

function fixture(relative: string, index = 0): Finding {
  const finding = parseFindingsText(readFileSync(join(fixtures, relative), 'utf8'), relative)[index];
  if (finding === undefined) throw new Error(`no finding ${index} in ${relative}`);
  return finding;
}

const hours = (iso: string, n: number) => new Date(Date.parse(iso) + n * 3_600_000).toISOString();

describe('triage: S3 public access', () => {
  it('FAILED ACTIVE S3.8 is sev1 copilot with the block-public-access fix, due 24 h after first seen', () => {
    const finding = fixture('asff/S3.8-bucket-level-public-access-block-failed.json');
    expect(triage(finding)).toEqual({
      severity: 'sev1',
      mode: 'copilot',
      remediation: 's3-block-public-access',
      dueAt: '2021-07-15T17:06:07.284Z',
      tsc: ['CC6.1', 'CC6.6'],
      reason: expect.stringContaining('sev1 by rule s3-bucket-public on control S3.8 (an S3 bucket may be readable'),
    });
  });

  it.each(['S3.2', 'S3.3', 'S3.8'])('a FAILED %s bucket gets the same rule', (control) => {
    const finding = makeFinding({ control });
    expect(triage(finding)).toMatchObject({ severity: 'sev1', mode: 'copilot', remediation: 's3-block-public-access', dueAt: hours(finding.firstSeenAt, 24) });
  });

  it('FAILED S3.1 (account level) is sev1 copilot with the account-level fix', () => {
    const finding = fixture('asff/S3.1-account-block-public-access-failed.json');
    expect(triage(finding)).toMatchObject({ severity: 'sev1', mode: 'copilot', remediation: 's3-account-block-public-access', dueAt: hours(finding.firstSeenAt, 24), tsc: ['CC6.1', 'CC6.6'] });
  });

  it.each(['asff/S3.2-public-read-prohibited-passed.json', 'asff/S3.3-public-write-prohibited-passed.json'])('PASSED %s needs no action', (file) => {
    const decided = triage(fixture(file));
    expect(decided).toMatchObject({ severity: 'none', dueAt: null, mode: 'manual', remediation: null });
    expect(decided.reason).toContain('compliance PASSED');
  });
});

describe('triage: rule table on the samples', () => {
  it.each([
    ['asff/CloudTrail.1-cis-2.1-all-regions-failed.json', 'sev1', 24],
    ['asff/RDS.2-public-db-instance-failed.json', 'sev1', 24],
    ['asff/IAM.9-cis-1.13-root-mfa-notified-getfindings.json', 'sev1', 24],
    ['asff/EC2.13-cis-4.1-ssh-open-to-world-failed.json', 'sev2', 14 * 24],
    ['asff/EC2.7-ebs-default-encryption-failed.json', 'sev2', 14 * 24],
    ['asff/CloudTrail.2-trail-not-encrypted-failed.json', 'sev2', 14 * 24],
    ['asff/S3.4-server-side-encryption-failed.json', 'sev2', 14 * 24],
    ['asff/IAM.3-access-key-not-rotated-failed.json', 'sev3', 90 * 24],
    ['asff/IAM.8-cis-1.3-unused-credentials-failed.json', 'sev3', 90 * 24],
  ])('%s is %s', (file, severity, dueHours) => {
    const finding = fixture(file);
    const decided = triage(finding);
    expect(decided.severity).toBe(severity);
    // The mode and fix come from what the catalogue can do for the control.
    const entry = defaultCatalogue.get(finding.control ?? '')?.remediation ?? null;
    expect(decided.mode).toBe(entry?.mode ?? 'manual');
    expect(decided.remediation).toBe(entry?.id ?? null);
    expect(decided.dueAt).toBe(hours(finding.firstSeenAt, dueHours));
    expect(decided.reason).toMatch(new RegExp(`^${severity} by rule `));
  });

  it('lets the rule outrank a misleading INFORMATIONAL label (EC2.7 FAILED)', () => {
    const finding = fixture('asff/EC2.7-ebs-default-encryption-failed.json');
    expect(finding.severity).toBe('INFORMATIONAL');
    expect(triage(finding)).toMatchObject({ severity: 'sev2', tsc: ['CC6.1', 'CC6.7'] });
  });

  it('triages both findings of one event by their own rules', () => {
    const file = 'eventbridge/IAM.6-and-RDS.4-custom-action-two-findings.json';
    expect(triage(fixture(file, 0)).severity).toBe('sev1');
    expect(triage(fixture(file, 1)).severity).toBe('sev2');
  });

  it('triages a WARNING control by its rule and says a human must confirm', () => {
    const decided = triage(fixture('eventbridge/S3-cis-2.3-cloudtrail-bucket-public-warning-custom-action.json'));
    expect(decided.severity).toBe('sev1');
    expect(decided.reason).toContain('by rule cloudtrail-bucket-public');
    expect(decided.reason).toContain('compliance is WARNING');
    expect(triage(makeFinding({ compliance: 'NOT_AVAILABLE' })).reason).toContain('compliance is NOT_AVAILABLE');
  });
});

describe('triage: no action', () => {
  it.each([
    [{ compliance: 'PASSED' }, 'compliance PASSED'],
    [{ recordState: 'ARCHIVED' }, 'record ARCHIVED'],
    [{ workflow: 'RESOLVED' }, 'workflow RESOLVED'],
    [{ workflow: 'SUPPRESSED' }, 'workflow SUPPRESSED'],
  ] as const)('%j needs no action', (overrides, why) => {
    const decided = triage(makeFinding(overrides));
    expect(decided).toMatchObject({ severity: 'none', dueAt: null, mode: 'manual', remediation: null });
    expect(decided.reason).toBe(`no action needed: ${why}`);
  });

  it('names every reason that applies', () => {
    expect(triage(fixture('asff/S3.2-public-read-prohibited-passed.json')).reason).toBe('no action needed: workflow RESOLVED, compliance PASSED');
  });

  it('a NOTIFIED finding still needs action', () => {
    expect(triage(makeFinding({ workflow: 'NOTIFIED' })).severity).toBe('sev1');
  });
});

describe('triage: findings without a rule fall back to the severity label', () => {
  it.each([
    ['CRITICAL', 'sev1', 24],
    ['HIGH', 'sev2', 14 * 24],
    ['MEDIUM', 'sev3', 90 * 24],
    ['LOW', 'sev3', 90 * 24],
  ] as const)('unknown control labelled %s is %s', (label, severity, dueHours) => {
    const finding = makeFinding({ control: 'Lambda.1', severity: label });
    const decided = triage(finding);
    expect(decided).toMatchObject({ severity, mode: 'manual', remediation: null, dueAt: hours(finding.firstSeenAt, dueHours), tsc: [] });
    expect(decided.reason).toContain(`${severity} from the severity label ${label} (no rule sets a severity for Lambda.1)`);
    expect(decided.reason).toContain('no SOC 2 criteria mapped');
  });

  it('INFORMATIONAL with no rule needs no action', () => {
    expect(triage(makeFinding({ control: 'Lambda.1', severity: 'INFORMATIONAL' }))).toMatchObject({ severity: 'none', dueAt: null });
  });

  it('GuardDuty (native and ASFF) maps to CC7.2 by product', () => {
    const native = triage(fixture('eventbridge/GuardDuty-native-PortProbeUnprotectedPort-ssh.json'));
    expect(native).toMatchObject({ severity: 'sev3', mode: 'manual', remediation: null, tsc: ['CC7.2'] });
    expect(native.reason).toContain('from the severity label LOW (no rule sets a severity)');
    expect(native.reason).toContain('SOC 2 CC7.2 by rule threat-detection');
    expect(triage(fixture('eventbridge/GuardDuty-IAMUser-ConsoleLogin-asff-custom-action.json'))).toMatchObject({ severity: 'sev3', tsc: ['CC7.2'] });
  });

  it('Inspector findings map to CC7.1', () => {
    const finding = makeFinding({ control: null, controlSource: null, productArn: 'arn:aws:securityhub:us-east-1::product/aws/inspector', productName: 'Inspector', severity: 'CRITICAL' });
    expect(triage(finding)).toMatchObject({ severity: 'sev1', tsc: ['CC7.1'] });
  });
});

describe('triage: properties', () => {
  const originalTz = process.env['TZ'];
  afterEach(() => {
    if (originalTz === undefined) delete process.env['TZ'];
    else process.env['TZ'] = originalTz;
  });

  it('computes deadlines in UTC whatever the host time zone (across a DST change)', () => {
    process.env['TZ'] = 'America/New_York';
    const finding = makeFinding({ control: 'S3.4', firstSeenAt: '2021-03-01T12:00:00.000Z' });
    expect(triage(finding).dueAt).toBe('2021-03-15T12:00:00.000Z');
  });

  it('is pure: same answer twice, input untouched', () => {
    const finding = Object.freeze(makeFinding());
    expect(triage(finding)).toEqual(triage(finding));
  });

  it('returns tsc arrays the caller may change without changing the rule table', () => {
    triage(makeFinding()).tsc.push('X');
    expect(triage(makeFinding()).tsc).toEqual(['CC6.1', 'CC6.6']);
  });

  it('accepts an overriding rule list; the later rule for a control wins', () => {
    const override: PolicyRule = { name: 'ours', origin: 'test', match: { controls: ['S3.8'] }, severity: 'sev3', tsc: ['CC6.1'], mode: 'manual', why: 'policy says so' };
    const decided = triage(makeFinding(), [...defaultRules, override]);
    // The fix still exists; the rule only changes how it is run.
    expect(decided).toMatchObject({ severity: 'sev3', mode: 'manual', remediation: 's3-block-public-access' });
    expect(decided.reason).toContain('sev3 by rule ours on control S3.8 (policy says so)');
    expect(decided.reason).toContain('fix s3-block-public-access in manual mode by rule ours');
  });
});

describe('triage: the shipped rules', () => {
  const controls = defaultRules.flatMap((rule) => rule.match.controls ?? []);

  it('lists each control once', () => {
    expect(new Set(controls).size).toBe(controls.length);
  });

  it('has a rule for every control the catalogue can fix or guide, so none falls back to its label', () => {
    for (const control of defaultCatalogue.keys()) expect(controls).toContain(control);
    for (const entry of defaultCatalogue.values()) {
      if (entry.remediation) expect(remediationById(entry.remediation.id)).toBeDefined();
    }
  });

  it('gives every rule a unique name, a reason and at least one criterion, and no owner or channel', () => {
    expect(new Set(defaultRules.map((rule) => rule.name)).size).toBe(defaultRules.length);
    for (const rule of defaultRules) {
      expect(rule.why?.length).toBeGreaterThan(10);
      expect(rule.tsc?.length).toBeGreaterThan(0);
      expect(rule).not.toHaveProperty('owner');
      expect(rule).not.toHaveProperty('channel');
    }
  });

  it('has a rule for every control the CIS v1.2.0 table maps to', () => {
    for (const control of ['IAM.5', 'IAM.8', 'IAM.3', 'IAM.4', 'IAM.9', 'IAM.6', 'IAM.2', 'IAM.1', 'CloudTrail.1', 'CloudTrail.4', 'CloudTrail.6', 'CloudTrail.2', 'EC2.13', 'EC2.14', 'EC2.2']) {
      expect(controls).toContain(control);
    }
  });
});
