import type { Finding } from '../domain/finding.js';

const configProduct = /::product\/aws\/config$/;

/**
 * What makes two findings one problem whichever source reported them: the same check on the
 * same resource, in the same account and Region. The check is the Security Hub control when
 * known, else, for AWS Config findings (Config's own, or Security Hub's "AWS Config" product
 * findings, both titled with the rule name), the Config rule. So an AWS Config evaluation and
 * the Security Hub finding for that rule and resource share a key.
 *
 * Other findings (GuardDuty, Inspector, third parties) have no key and stay deduplicated by id.
 * Migration 005 computes the same key in SQL for rows stored before it: keep the two in step.
 */
export function dedupKey(finding: Finding): string | null {
  const check = finding.control ?? (isConfigFinding(finding) ? `config-rule:${finding.title}` : null);
  return check === null ? null : [check, finding.account, finding.region, finding.resource.id].join('|');
}

/** An AWS Config evaluation, ours or Security Hub's copy: it says whether a check passes, and little else. */
export function isConfigFinding(finding: Pick<Finding, 'productArn'>): boolean {
  return configProduct.test(finding.productArn);
}
