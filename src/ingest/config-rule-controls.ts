/**
 * AWS Config rule -> Security Hub control id, for the rules Security Hub creates to run its
 * controls ("service-linked" rules, named `securityhub-<rule>-<suffix>`). Security Hub reports
 * those evaluations as control findings, so knowing the control lets a Config evaluation and
 * the control finding be recognised as one problem (see dedup-key.ts).
 *
 * Source: the "AWS Config rule" line of each control in the Security Hub controls reference;
 * a few rules appear under the name Security Hub gives its own custom rule (e.g.
 * `multi-region-cloud-trail-enabled`) as well as the managed rule's name. Rules shared by
 * several controls with different parameters are left out on purpose, because the rule name
 * alone cannot say which control it is: `iam-password-policy` (IAM.7, IAM.10-IAM.17) and
 * `iam-user-unused-credentials-check` (IAM.8 at 90 days, IAM.22 at 45 days).
 */
const ruleToControl: Readonly<Record<string, string>> = Object.freeze({
  'access-keys-rotated': 'IAM.3',
  'cloud-trail-cloud-watch-logs-enabled': 'CloudTrail.5',
  'cloud-trail-encryption-enabled': 'CloudTrail.2',
  'cloud-trail-log-file-validation': 'CloudTrail.4',
  'cloud-trail-log-file-validation-enabled': 'CloudTrail.4',
  'ec2-ebs-encryption-by-default': 'EC2.7',
  'ec2-imdsv2-check': 'EC2.8',
  'iam-policy-no-statements-with-admin-access': 'IAM.1',
  'iam-root-access-key-check': 'IAM.4',
  'iam-user-no-policies-check': 'IAM.2',
  'mfa-enabled-for-iam-console-access': 'IAM.5',
  'multi-region-cloud-trail-enabled': 'CloudTrail.1',
  'multi-region-cloudtrail-enabled': 'CloudTrail.1',
  'rds-instance-public-access-check': 'RDS.2',
  'rds-storage-encrypted': 'RDS.3',
  'restricted-rdp': 'EC2.14',
  'restricted-ssh': 'EC2.13',
  'root-account-hardware-mfa-enabled': 'IAM.6',
  'root-account-mfa-enabled': 'IAM.9',
  's3-account-level-public-access-blocks-periodic': 'S3.1',
  's3-bucket-level-public-access-prohibited': 'S3.8',
  's3-bucket-logging-enabled': 'S3.9',
  's3-bucket-public-read-prohibited': 'S3.2',
  's3-bucket-public-write-prohibited': 'S3.3',
  's3-bucket-ssl-requests-only': 'S3.5',
  's3-bucket-versioning-enabled': 'S3.14',
  'vpc-default-security-group-closed': 'EC2.2',
});

const serviceLinkedPrefix = 'securityhub-';

/**
 * The control a Security Hub service-linked rule runs, or null. Only `securityhub-` rules are
 * mapped: a customer's own instance of the same managed rule is not a Security Hub control,
 * and Security Hub reports it as an "AWS Config" product finding instead.
 */
export function controlForConfigRule(ruleName: string): string | null {
  if (!ruleName.startsWith(serviceLinkedPrefix)) return null;
  const rule = ruleName.slice(serviceLinkedPrefix.length);
  // The suffix Security Hub appends ("-791d3b9c") is optional here: some tools strip it.
  const withoutSuffix = rule.replace(/-[A-Za-z0-9]+$/, '');
  for (const candidate of [rule, withoutSuffix]) {
    // Own-property check: a rule named "constructor" must not reach Object.prototype.
    if (Object.hasOwn(ruleToControl, candidate)) return ruleToControl[candidate] ?? null;
  }
  return null;
}
