import type { Finding } from '../domain/finding.js';
import type { Triage } from '../domain/triage.js';
import { defaultCatalogue, type RemediationCatalogue } from '../remediate/catalogue.js';
import { explainRoute, type Route, type RoutingConfig } from '../route/routing.js';
import { applyRules, type FieldValue, type RuleOutcome, type Setting } from './apply-rules.js';
import { type PolicyRule, type RuleField, slaBySeverity } from './rules.js';
import { noActionReasons, slaText, triage } from './triage.js';

export interface ExplainedRule {
  name: string;
  origin: string;
  matchedOn: string[];
  /** Each field the rule sets, and the later rule that overrode it, if any. */
  sets: { field: RuleField; value: string; overriddenBy: string | null }[];
}

export interface ExplainedOutcome {
  field: 'severity' | 'due' | 'mode' | 'tsc' | 'route';
  value: string;
  why: string;
}

export interface Explanation {
  triage: Triage;
  route: Route;
  rulesChecked: number;
  /** Matching rules in evaluation order. */
  matched: ExplainedRule[];
  outcome: ExplainedOutcome[];
}

/** Which rules matched a finding, what each set, and which setting won each field. Pure. */
export function explainFinding(
  finding: Finding,
  rules: readonly PolicyRule[],
  routing: RoutingConfig,
  catalogue: RemediationCatalogue = defaultCatalogue,
): Explanation {
  const decided = triage(finding, rules, catalogue);
  const { route, why: routeWhy } = explainRoute(finding, { ...routing, rules });
  const outcome = applyRules(finding, rules);
  const matched = outcome.hits.map(({ rule, matchedOn, sets }) => ({
    name: rule.name,
    origin: rule.origin,
    matchedOn,
    sets: sets.map((field) => {
      const history: Setting<RuleField>[] = outcome.settings[field];
      const next = history[history.findIndex((s) => s.rule === rule) + 1];
      return { field, value: show(rule[field] as FieldValue<RuleField>), overriddenBy: next?.rule.name ?? null };
    }),
  }));
  return {
    triage: decided,
    route,
    rulesChecked: rules.length,
    matched,
    outcome: [
      { field: 'severity', value: decided.severity, why: severityWhy(finding, outcome) },
      { field: 'due', value: decided.dueAt ?? '-', why: dueWhy(decided, outcome) },
      { field: 'mode', value: decided.mode, why: modeWhy(finding, decided, outcome, catalogue) },
      { field: 'tsc', value: decided.tsc.join(', ') || '-', why: decidedBy(outcome, 'tsc')?.text ?? 'no rule maps SOC 2 criteria' },
      { field: 'route', value: `${route.channel} (owner ${route.owner ?? 'none: unowned'})`, why: routeWhy },
    ],
  };
}

/** The explanation as indented text lines under a one-line heading for the finding. */
export function renderExplanation(finding: Finding, explanation: Explanation): string[] {
  const heading = `${finding.control ?? finding.productName} ${finding.resource.id} (account ${finding.account}, ${finding.region})`;
  const count = `${explanation.matched.length} of ${explanation.rulesChecked} rules matched`;
  const rules = explanation.matched.map((rule, index) => {
    const sets = rule.sets.map((s) => `${s.field} ${s.value}${s.overriddenBy ? ` (overridden by ${s.overriddenBy})` : ''}`);
    return `    ${index + 1}. ${rule.name} [${rule.origin}] on ${rule.matchedOn.join(', ')}: ${sets.join(', ')}`;
  });
  const width = Math.max(...explanation.outcome.map((o) => o.value.length));
  const outcome = explanation.outcome.map((o) => `    ${o.field.padEnd(8)} ${o.value.padEnd(width)}  ${o.why}`);
  return [
    heading,
    `  ${count}, in order; a later rule overrides an earlier one field by field:`,
    ...(rules.length > 0 ? rules : ['    (none)']),
    '  outcome:',
    ...outcome,
  ];
}

function severityWhy(finding: Finding, outcome: RuleOutcome): string {
  const noAction = noActionReasons(finding);
  const ruled = decidedBy(outcome, 'severity');
  if (noAction.length > 0) return `no action needed: ${noAction.join(', ')}${ruled ? `, so rule ${ruled.rule}'s ${ruled.value} does not apply` : ''}`;
  return ruled?.text ?? `from the severity label ${finding.severity}; no rule sets a severity`;
}

function dueWhy(decided: Triage, outcome: RuleOutcome): string {
  if (decided.severity === 'none') return 'no deadline: no action';
  const ruled = decidedBy(outcome, 'sla');
  return ruled ? `sla ${ruled.value} ${ruled.text}` : `default for ${decided.severity}: ${slaText(slaBySeverity[decided.severity])} after first seen`;
}

function modeWhy(finding: Finding, decided: Triage, outcome: RuleOutcome, catalogue: RemediationCatalogue): string {
  if (decided.severity === 'none') return 'no action';
  const remediation = catalogue.get(finding.control ?? '')?.remediation ?? null;
  const ruled = decidedBy(outcome, 'mode');
  if (remediation === null) {
    const ignored = ruled && ruled.value !== 'manual' ? `, so rule ${ruled.rule}'s ${ruled.value} cannot apply` : '';
    return `no remediation for ${finding.control ?? 'this finding'}: a person fixes it${ignored}`;
  }
  return ruled ? `${ruled.text}, over remediation ${remediation.id}'s ${remediation.mode}` : `declared by remediation ${remediation.id}`;
}

/** The winning setting of a field: its rule, its value and "by rule W, over A (v1), B (v2)"; null when no rule sets it. */
function decidedBy(outcome: RuleOutcome, field: RuleField): { rule: string; value: string; text: string } | null {
  const history: Setting<RuleField>[] = outcome.settings[field];
  const winner = history.at(-1);
  if (winner === undefined) return null;
  const beaten = history.slice(0, -1).map((s) => `${s.rule.name} (${show(s.value)})`);
  return { rule: winner.rule.name, value: show(winner.value), text: `by rule ${winner.rule.name}${beaten.length > 0 ? `, over ${beaten.join(', ')}` : ''}` };
}

/** A setting as a policy file writes it: sev1, 24h, CC6.1 CC6.6. */
function show(value: FieldValue<RuleField>): string {
  if (typeof value === 'string') return value;
  if ('hours' in value) return `${value.hours}h`;
  if ('days' in value) return `${value.days}d`;
  return value.join(' ');
}
