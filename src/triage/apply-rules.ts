import type { Finding } from '../domain/finding.js';
import { type PolicyRule, type RuleField, ruleFields, type RuleMatch, type RuleSettings } from './rules.js';

export type FieldValue<F extends RuleField> = NonNullable<RuleSettings[F]>;

/** One rule's setting of one field, in rule order: the last entry is the one that holds. */
export interface Setting<F extends RuleField> {
  rule: PolicyRule;
  value: FieldValue<F>;
}

export interface RuleHit {
  rule: PolicyRule;
  /** The facts of the finding that satisfied the match, e.g. "control S3.8", "tag env=prod". */
  matchedOn: string[];
  sets: RuleField[];
}

export interface RuleOutcome {
  hits: RuleHit[];
  settings: { [F in RuleField]: Setting<F>[] };
}

/** Which rules match the finding and what each sets, in order. Pure. */
export function applyRules(finding: Finding, rules: readonly PolicyRule[]): RuleOutcome {
  const outcome: RuleOutcome = { hits: [], settings: { severity: [], sla: [], mode: [], tsc: [], owner: [], channel: [] } };
  for (const rule of rules) {
    const matchedOn = matchFacts(rule.match, finding);
    if (matchedOn === null) continue;
    const sets = ruleFields.filter((field) => rule[field] !== undefined);
    for (const field of sets) record(outcome.settings, field, rule);
    outcome.hits.push({ rule, matchedOn, sets });
  }
  return outcome;
}

/** The setting that holds for a field: the last matching rule that set it. */
export function winning<F extends RuleField>(outcome: RuleOutcome, field: F): Setting<F> | undefined {
  return outcome.settings[field].at(-1) as Setting<F> | undefined;
}

function record<F extends RuleField>(settings: RuleOutcome['settings'], field: F, rule: PolicyRule): void {
  const value = rule[field];
  if (value !== undefined) (settings[field] as Setting<F>[]).push({ rule, value: value as FieldValue<F> });
}

/** "<company>/<product>" from a product ARN, e.g. aws/guardduty; the ARN itself when it has no such tail. */
export function productKey(productArn: string): string {
  return /product\/([^/]+\/[^/]+)$/.exec(productArn)?.[1] ?? productArn;
}

/** The facts that satisfy the match, or null when one criterion fails. */
function matchFacts(match: RuleMatch, finding: Finding): string[] | null {
  const facts: string[] = [];
  const criteria: [readonly string[] | undefined, string | null, string][] = [
    [match.controls, finding.control, 'control'],
    [match.configRules, configRuleOf(finding), 'Config rule'],
    [match.products, productKey(finding.productArn), 'product'],
    [match.resourceTypes, finding.resource.type, 'resource type'],
    [match.accounts, finding.account, 'account'],
    [match.regions, finding.region, 'region'],
  ];
  for (const [patterns, actual, label] of criteria) {
    if (patterns === undefined) continue;
    if (actual === null || !patterns.some((p) => globMatches(p, actual))) return null;
    facts.push(`${label} ${actual}`);
  }
  for (const [key, patterns] of Object.entries(match.tags ?? {})) {
    const actual = Object.hasOwn(finding.resource.tags, key) ? finding.resource.tags[key] : undefined;
    if (actual === undefined || !patterns.some((p) => globMatches(p, actual))) return null;
    facts.push(`tag ${key}=${actual}`);
  }
  return facts.length > 0 ? facts : ['every finding'];
}

/** Config findings name their rule in the generator id, bare or at the end of an ARN-like path. */
function configRuleOf(finding: Finding): string | null {
  const generator = finding.generatorId;
  if (generator === null) return null;
  return generator.slice(generator.lastIndexOf('/') + 1);
}

const compiled = new Map<string, RegExp>();

function globMatches(pattern: string, actual: string): boolean {
  if (!pattern.includes('*')) return pattern === actual;
  let regex = compiled.get(pattern);
  if (regex === undefined) {
    regex = new RegExp(`^${pattern.split('*').map((part) => part.replace(/[.+?^${}()|[\]\\]/g, '\\$&')).join('.*')}$`, 's');
    compiled.set(pattern, regex);
  }
  return regex.test(actual);
}
