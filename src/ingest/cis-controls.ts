/**
 * CIS AWS Foundations Benchmark v1.2.0 rule -> Security Hub control id.
 * CIS v1.2.0 findings carry only the rule number (ProductFields.RuleId or the GeneratorId),
 * so triage, which is keyed by control id, needs this table. Only rules with a published
 * one-to-one control are listed; an unlisted rule yields no control id.
 */
export const cisV120RuleToControl: Readonly<Record<string, string>> = Object.freeze({
  '1.2': 'IAM.5',
  '1.3': 'IAM.8',
  '1.4': 'IAM.3',
  '1.12': 'IAM.4',
  '1.13': 'IAM.9',
  '1.14': 'IAM.6',
  '1.16': 'IAM.2',
  '1.22': 'IAM.1',
  '2.1': 'CloudTrail.1',
  '2.2': 'CloudTrail.4',
  '2.3': 'CloudTrail.6',
  '2.7': 'CloudTrail.2',
  '4.1': 'EC2.13',
  '4.2': 'EC2.14',
  '4.3': 'EC2.2',
});

const cisV120GeneratorRule = /(?:^|\/)cis-aws-foundations-benchmark\/v\/1\.2\.0\/rule\/(\d{1,2}\.\d{1,2})$/;

/** The control for a CIS v1.2.0 rule number, or null when the rule has no mapped control. */
export function controlForCisRule(rule: string): string | null {
  // Own-property check: a rule id like "constructor" must not reach Object.prototype.
  return Object.hasOwn(cisV120RuleToControl, rule) ? (cisV120RuleToControl[rule] ?? null) : null;
}

/** The CIS v1.2.0 rule number named by a GeneratorId such as `arn:...:ruleset/cis-aws-foundations-benchmark/v/1.2.0/rule/4.1`. */
export function cisRuleFromGeneratorId(generatorId: string): string | null {
  return cisV120GeneratorRule.exec(generatorId)?.[1] ?? null;
}
