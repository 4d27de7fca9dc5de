import { addHours } from 'date-fns';
import type { Finding } from '../domain/finding.js';
import type { Severity, Triage } from '../domain/triage.js';
import { defaultCatalogue, type RemediationCatalogue } from '../remediate/catalogue.js';
import { type ControlRule, defaultRules, severityByLabel, slaBySeverity, tscByProduct } from './rules.js';

export { defaultRules, type ControlRule } from './rules.js';

/**
 * Decides severity, deadline, mode and SOC 2 criteria for one finding. Pure: the same finding
 * and rules always give the same answer (deadlines count from firstSeenAt, not from now).
 * `rules` defaults to the built-in table; on duplicate control ids the later rule wins, so
 * `[...defaultRules, override]` overrides. The remediation (and its default mode) comes
 * from the catalogue the remediations declare; a rule's `mode` overrides that default.
 */
export function triage(
  finding: Finding,
  rules: readonly ControlRule[] = defaultRules,
  catalogue: RemediationCatalogue = defaultCatalogue,
): Triage {
  const rule = finding.control === null ? undefined : ruleIndex(rules).get(finding.control);

  const noAction = noActionReasons(finding);
  if (noAction.length > 0) {
    // The rule's criteria stay: a passing control is evidence for them.
    const tsc = [...(rule?.tsc ?? [])];
    return { severity: 'none', mode: 'manual', remediation: null, dueAt: null, tsc, reason: `no action needed: ${noAction.join(', ')}` };
  }

  const caveat = complianceCaveat(finding);
  if (rule !== undefined) {
    const name = `control rule ${rule.controls.join('/')}`;
    const remediation = catalogue.get(finding.control ?? '')?.remediation ?? null;
    const mode = remediation ? (rule.mode ?? remediation.mode) : 'manual';
    const fix = remediation ? `; fix ${remediation.id} in ${mode} mode${rule.mode ? ' (rule override)' : ''}` : '';
    const reason = `${name} matched ${finding.control}: ${rule.why}; ${rule.severity}, ${slaText(rule.severity)}${fix}${caveat}`;
    return {
      severity: rule.severity,
      mode,
      remediation: remediation?.id ?? null,
      dueAt: dueAt(finding.firstSeenAt, rule.severity),
      tsc: [...rule.tsc],
      reason,
    };
  }
  return byLabel(finding, caveat);
}

/** Findings without a rule (unknown controls, GuardDuty, Inspector, third parties) go by their own label. */
function byLabel(finding: Finding, caveat: string): Triage {
  const severity = severityByLabel[finding.severity];
  const product = productKey(finding.productArn);
  const tsc = Object.hasOwn(tscByProduct, product) ? [...(tscByProduct[product] ?? [])] : [];
  const what = finding.control === null ? `not a control check (${finding.productName})` : `no control rule for ${finding.control}`;
  const outcome = severity === 'none' ? 'no action' : `${severity}, ${slaText(severity)}`;
  const criteria = tsc.length > 0 ? `SOC 2 ${tsc.join(', ')} by product ${product}` : `no SOC 2 criteria mapped for product ${product}`;
  return {
    severity,
    mode: 'manual',
    remediation: null,
    dueAt: severity === 'none' ? null : dueAt(finding.firstSeenAt, severity),
    tsc,
    reason: `label fallback: ${what}; severity label ${finding.severity} gives ${outcome}; ${criteria}${caveat}`,
  };
}

function noActionReasons(finding: Finding): string[] {
  const reasons: string[] = [];
  if (finding.recordState === 'ARCHIVED') reasons.push('record ARCHIVED');
  if (finding.workflow === 'RESOLVED' || finding.workflow === 'SUPPRESSED') reasons.push(`workflow ${finding.workflow}`);
  if (finding.compliance === 'PASSED') reasons.push('compliance PASSED');
  return reasons;
}

/** WARNING / NOT_AVAILABLE mean Security Hub could not evaluate the check: triaged anyway, but said so. */
function complianceCaveat(finding: Finding): string {
  if (finding.compliance !== 'WARNING' && finding.compliance !== 'NOT_AVAILABLE') return '';
  return `; compliance is ${finding.compliance} (Security Hub could not evaluate the check), so a human must confirm the failure`;
}

export function dueAt(firstSeenAt: string, severity: Exclude<Severity, 'none'>): string {
  const start = new Date(firstSeenAt);
  const sla = slaBySeverity[severity];
  // Days as 24 h periods via addHours: date-fns addDays works in the host's local time, so
  // across a DST change it would move the UTC deadline by an hour depending on where it runs.
  return addHours(start, 'hours' in sla ? sla.hours : sla.days * 24).toISOString();
}

function slaText(severity: Exclude<Severity, 'none'>): string {
  const sla = slaBySeverity[severity];
  return 'hours' in sla ? `due ${sla.hours} h after first seen` : `due ${sla.days} days after first seen`;
}

function productKey(productArn: string): string {
  return /product\/([^/]+\/[^/]+)$/.exec(productArn)?.[1] ?? productArn;
}

const indexes = new WeakMap<readonly ControlRule[], ReadonlyMap<string, ControlRule>>();

function ruleIndex(rules: readonly ControlRule[]): ReadonlyMap<string, ControlRule> {
  let index = indexes.get(rules);
  if (index === undefined) {
    index = new Map(rules.flatMap((rule) => rule.controls.map((control) => [control, rule] as const)));
    indexes.set(rules, index);
  }
  return index;
}
