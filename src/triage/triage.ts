import { addHours } from 'date-fns';
import type { Finding } from '../domain/finding.js';
import type { Severity, Triage } from '../domain/triage.js';
import { defaultCatalogue, type RemediationCatalogue } from '../remediate/catalogue.js';
import { applyRules, type RuleOutcome, winning } from './apply-rules.js';
import { defaultRules, type PolicyRule, severityByLabel, type Sla, slaBySeverity } from './rules.js';

/**
 * Decides severity, deadline, mode and SOC 2 criteria for one finding. Pure: the same finding
 * and rules always give the same answer (deadlines count from firstSeenAt, not from now).
 * `rules` are evaluated in order and a later match overrides an earlier one field by field,
 * so a policy's own rules go after the shipped ones. Fields no rule sets come from the
 * finding (severity label), the severity (SLA) and the remediation catalogue (mode).
 */
export function triage(finding: Finding, rules: readonly PolicyRule[] = defaultRules, catalogue: RemediationCatalogue = defaultCatalogue): Triage {
  const outcome = applyRules(finding, rules);
  const tscSetting = winning(outcome, 'tsc');
  const tsc = [...(tscSetting?.value ?? [])];

  const noAction = noActionReasons(finding);
  if (noAction.length > 0) {
    // The criteria stay: a passing control is evidence for them.
    return { severity: 'none', mode: 'manual', remediation: null, dueAt: null, tsc, reason: `no action needed: ${noAction.join(', ')}` };
  }

  const severitySetting = winning(outcome, 'severity');
  const severity = severitySetting?.value ?? severityByLabel[finding.severity];
  const severityText = severitySetting
    ? `${severity} by rule ${severitySetting.rule.name} on ${matchedOn(outcome, severitySetting.rule)}${severitySetting.rule.why ? ` (${severitySetting.rule.why})` : ''}`
    : `${severity} from the severity label ${finding.severity} (no rule sets a severity${finding.control ? ` for ${finding.control}` : ''})`;
  const criteria = tscSetting ? `SOC 2 ${tsc.join(', ')} by rule ${tscSetting.rule.name}` : 'no SOC 2 criteria mapped';
  const caveat = complianceCaveat(finding);
  if (severity === 'none') {
    return { severity, mode: 'manual', remediation: null, dueAt: null, tsc, reason: `${severityText}: no action; ${criteria}${caveat}` };
  }

  const slaSetting = winning(outcome, 'sla');
  const sla = slaSetting?.value ?? slaBySeverity[severity];
  const due = `due ${slaText(sla)} after first seen${slaSetting ? ` by rule ${slaSetting.rule.name}` : ''}`;
  const remediation = catalogue.get(finding.control ?? '')?.remediation ?? null;
  const { mode, text: fix } = modeOf(remediation, outcome);
  return {
    severity,
    mode,
    remediation: remediation?.id ?? null,
    dueAt: deadline(finding.firstSeenAt, sla),
    tsc,
    reason: `${severityText}; ${due}; ${criteria}; ${fix}${caveat}`,
  };
}

function matchedOn(outcome: RuleOutcome, rule: PolicyRule): string {
  return outcome.hits.find((hit) => hit.rule === rule)?.matchedOn.join(', ') ?? '';
}

function modeOf(remediation: { id: string; mode: Triage['mode'] } | null, outcome: RuleOutcome): { mode: Triage['mode']; text: string } {
  const setting = winning(outcome, 'mode');
  if (remediation === null) {
    // Nothing to run, so a rule asking for autopilot or copilot cannot apply.
    const ignored = setting && setting.value !== 'manual' ? ` (rule ${setting.rule.name}'s ${setting.value} cannot apply)` : '';
    return { mode: 'manual', text: `no automated fix: a person fixes it${ignored}` };
  }
  const mode = setting?.value ?? remediation.mode;
  return { mode, text: `fix ${remediation.id} in ${mode} mode${setting ? ` by rule ${setting.rule.name}` : ''}` };
}

/** Why a finding needs no action whatever the rules say (it passed, or is closed at the source); empty when it needs action. */
export function noActionReasons(finding: Finding): string[] {
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

/** The deadline a severity's default SLA gives, counted from `firstSeenAt`. */
export function dueAt(firstSeenAt: string, severity: Exclude<Severity, 'none'>): string {
  return deadline(firstSeenAt, slaBySeverity[severity]);
}

function deadline(start: string, sla: Sla): string {
  // Days as 24 h periods via addHours: date-fns addDays works in the host's local time, so
  // across a DST change it would move the UTC deadline by an hour depending on where it runs.
  return addHours(new Date(start), 'hours' in sla ? sla.hours : sla.days * 24).toISOString();
}

export function slaText(sla: Sla): string {
  return 'hours' in sla ? `${sla.hours} h` : `${sla.days} days`;
}
