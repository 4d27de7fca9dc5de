import type { Finding } from '../domain/finding.js';
import { type PolicyRule, type RuleField, ruleFields, type RuleSettings } from './rules.js';

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
  sets: readonly RuleField[];
}

export interface RuleOutcome {
  hits: RuleHit[];
  settings: { [F in RuleField]: Setting<F>[] };
}

/** Which rules match the finding and what each sets, in order. Pure. */
export function applyRules(finding: Finding, rules: readonly PolicyRule[]): RuleOutcome {
  const outcome: RuleOutcome = { hits: [], settings: { severity: [], sla: [], mode: [], tsc: [], owner: [], channel: [] } };
  for (const { rule, criteria, sets } of compiledRules(rules).candidates(finding.control)) {
    const matchedOn = matchFacts(criteria, finding);
    if (matchedOn === null) continue;
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

/** One criterion of a rule's match: the finding's fact it reads, the patterns it accepts, how the fact is worded. */
interface Criterion {
  read: (finding: Finding) => string | null | undefined;
  matches: (actual: string) => boolean;
  /** Put before the fact in matchedOn, e.g. "control " or "tag env=". */
  label: string;
}

interface CompiledRule {
  rule: PolicyRule;
  /** In the order their facts are reported: controls, Config rules, products, resource types, accounts, regions, tags. */
  criteria: readonly Criterion[];
  sets: readonly RuleField[];
}

interface CompiledRules {
  /** The rules that can match a finding of this control, in rule order: a rule naming exact controls is left out of every other control's list. */
  candidates: (control: string | null) => readonly CompiledRule[];
}

// Rules arrays are read-only and live as long as the policy that holds them, so each is compiled once.
const compiledByRules = new WeakMap<readonly PolicyRule[], CompiledRules>();

/**
 * The rules as matchers, built once per rules array: patterns split into an exact set and
 * regexes, and a control id -> candidate rules map, so one finding is checked only against the
 * rules that can match its control (most shipped rules name exact controls).
 */
function compiledRules(rules: readonly PolicyRule[]): CompiledRules {
  const cached = compiledByRules.get(rules);
  if (cached !== undefined) return cached;
  const compiled = rules.map(compileRule);
  // null: the rule may match any control (none named, or a wildcard), so every list holds it.
  const exactControls = rules.map(({ match: { controls } }) => (controls !== undefined && !controls.some(isGlob) ? new Set(controls) : null));
  const anyControl = compiled.filter((_, index) => exactControls[index] === null);
  const byControl = new Map<string, readonly CompiledRule[]>();
  for (const control of new Set(exactControls.flatMap((controls) => [...(controls ?? [])]))) {
    byControl.set(control, compiled.filter((_, index) => exactControls[index]?.has(control) ?? true));
  }
  const result: CompiledRules = { candidates: (control) => (control === null ? undefined : byControl.get(control)) ?? anyControl };
  compiledByRules.set(rules, result);
  return result;
}

function compileRule(rule: PolicyRule): CompiledRule {
  const { match } = rule;
  const criteria: Criterion[] = [];
  const add = (patterns: readonly string[] | undefined, read: Criterion['read'], label: string) => {
    if (patterns !== undefined) criteria.push({ read, matches: patternMatcher(patterns), label });
  };
  add(match.controls, (finding) => finding.control, 'control ');
  add(match.configRules, configRuleOf, 'Config rule ');
  add(match.products, (finding) => productKey(finding.productArn), 'product ');
  add(match.resourceTypes, (finding) => finding.resource.type, 'resource type ');
  add(match.accounts, (finding) => finding.account, 'account ');
  add(match.regions, (finding) => finding.region, 'region ');
  for (const [key, patterns] of Object.entries(match.tags ?? {})) {
    add(patterns, ({ resource: { tags } }) => (Object.hasOwn(tags, key) ? tags[key] : undefined), `tag ${key}=`);
  }
  return { rule, criteria, sets: ruleFields.filter((field) => rule[field] !== undefined) };
}

/** The facts that satisfy the criteria, or null when one fails. */
function matchFacts(criteria: readonly Criterion[], finding: Finding): string[] | null {
  if (criteria.length === 0) return ['every finding'];
  const facts: string[] = [];
  for (const { read, matches, label } of criteria) {
    const actual = read(finding);
    if (actual === null || actual === undefined || !matches(actual)) return null;
    facts.push(label + actual);
  }
  return facts;
}

/** Config findings name their rule in the generator id, bare or at the end of an ARN-like path. */
function configRuleOf(finding: Finding): string | null {
  const generator = finding.generatorId;
  if (generator === null) return null;
  return generator.slice(generator.lastIndexOf('/') + 1);
}

const isGlob = (pattern: string) => pattern.includes('*');

/** Any of the patterns, where `*` stands for any run of characters. */
function patternMatcher(patterns: readonly string[]): (actual: string) => boolean {
  const exact = new Set(patterns.filter((p) => !isGlob(p)));
  const globs = patterns.filter(isGlob).map((p) => new RegExp(`^${p.split('*').map((part) => part.replace(/[.+?^${}()|[\]\\]/g, '\\$&')).join('.*')}$`, 's'));
  if (globs.length === 0) return (actual) => exact.has(actual);
  return (actual) => exact.has(actual) || globs.some((glob) => glob.test(actual));
}
