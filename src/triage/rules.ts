import type { SeverityLabel } from '../domain/finding.js';
import type { Mode, Severity } from '../domain/triage.js';

/** Time allowed to fix, counted from when the source first saw the problem. */
export type Sla = { hours: number } | { days: number };

/**
 * What a rule looks at. Every criterion given must hold; within one, any listed value may
 * match, and `*` in a value matches any run of characters. An empty match takes every finding.
 */
export interface RuleMatch {
  /** Security Hub control ids, e.g. S3.8. */
  controls?: readonly string[];
  /** AWS Config rule names, compared with the last path segment of the finding's generator id. */
  configRules?: readonly string[];
  /** "<company>/<product>" from the product ARN, e.g. aws/guardduty. */
  products?: readonly string[];
  /** ASFF resource types, e.g. AwsS3Bucket. */
  resourceTypes?: readonly string[];
  accounts?: readonly string[];
  regions?: readonly string[];
  /** Resource tag key -> accepted values. */
  tags?: Readonly<Record<string, readonly string[]>>;
}

/** What a rule may decide; a later matching rule overrides an earlier one field by field. */
export interface RuleSettings {
  severity?: Severity;
  sla?: Sla;
  /** Overrides the remediation's declared mode; without a remediation the mode stays manual. */
  mode?: Mode;
  /** SOC 2 trust services criteria the finding evidences. */
  tsc?: readonly string[];
  /** Team that owns the finding: its channel and approvers apply. */
  owner?: string;
  channel?: string;
}

export const ruleFields = ['severity', 'sla', 'mode', 'tsc', 'owner', 'channel'] as const satisfies readonly (keyof RuleSettings)[];
export type RuleField = (typeof ruleFields)[number];

export interface PolicyRule extends RuleSettings {
  name: string;
  match: RuleMatch;
  /** Why, in a reviewer's words; quoted in the triage reason when the rule sets the severity. */
  why?: string;
  /** Where the rule is written, for explanations: "shipped" or "<file> line <n>". */
  origin: string;
}

/** Severity -> time allowed to fix, when no rule sets an SLA. */
export const slaBySeverity = {
  sev1: { hours: 24 },
  sev2: { days: 14 },
  sev3: { days: 90 },
} as const satisfies Record<Exclude<Severity, 'none'>, Sla>;

/** Findings no rule gives a severity go by their own label. */
export const severityByLabel: Readonly<Record<SeverityLabel, Severity>> = {
  CRITICAL: 'sev1',
  HIGH: 'sev2',
  MEDIUM: 'sev3',
  LOW: 'sev3',
  INFORMATIONAL: 'none',
};

// SOC 2 criteria used below: CC6.1 logical access and protection of data (incl. encryption
// at rest), CC6.2/CC6.3 granting and removing user access, CC6.6 boundary protection against
// outside access, CC6.7 protecting data in transit and at rest when moved, CC7.1 detecting
// vulnerabilities, CC7.2 monitoring for anomalies (logging), A1.2 backup and recovery.
const publicData = ['CC6.1', 'CC6.6'] as const;
const rootAccount = ['CC6.1', 'CC6.2'] as const;
const userAccess = ['CC6.2', 'CC6.3'] as const;
const network = ['CC6.6'] as const;
const encryption = ['CC6.1', 'CC6.7'] as const;
const logging = ['CC7.2'] as const;

function controlRule(name: string, controls: string[], severity: Exclude<Severity, 'none'>, tsc: readonly string[], why: string): PolicyRule {
  return { name, origin: 'shipped', match: { controls }, severity, tsc, why };
}

/**
 * The shipped policy, evaluated before the user's rules so any of them can be overridden.
 * Kept as typed data rather than a YAML file: it is checked by the compiler and the tests,
 * and the bot cannot start with a missing or edited copy of it.
 */
export const defaultRules: readonly PolicyRule[] = [
  // By product, for findings that are not control checks. Broad, so they come first.
  {
    name: 'threat-detection',
    origin: 'shipped',
    match: { products: ['aws/guardduty', 'aws/detective'] },
    tsc: ['CC7.2'],
    why: 'threat detection evidences monitoring for anomalies',
  },
  {
    name: 'vulnerability-scanning',
    origin: 'shipped',
    match: { products: ['aws/inspector'] },
    tsc: ['CC7.1'],
    why: 'vulnerability scanning evidences detection of vulnerabilities',
  },

  // sev1: data or the whole account is exposed now.
  controlRule('s3-bucket-public', ['S3.2', 'S3.3', 'S3.8'], 'sev1', publicData, 'an S3 bucket may be readable or writable by anyone; blocking public access on the bucket fixes it'),
  controlRule('s3-account-public-access', ['S3.1'], 'sev1', publicData, 'account-wide S3 Block Public Access is off, so any bucket can be made public'),
  controlRule('rds-public', ['RDS.2'], 'sev1', publicData, 'a database instance is reachable from the internet'),
  controlRule('root-account', ['IAM.4', 'IAM.6', 'IAM.9'], 'sev1', rootAccount, 'the root user has an access key or no (hardware) MFA; root compromise is account compromise'),
  controlRule('cloudtrail-off', ['CloudTrail.1'], 'sev1', logging, 'no multi-region CloudTrail trail, so API activity is not recorded and incidents cannot be investigated'),
  controlRule('cloudtrail-bucket-public', ['CloudTrail.6'], 'sev1', ['CC6.1', 'CC7.2'], 'the bucket holding CloudTrail logs is public: the audit trail can be read or tampered with'),

  // sev2: exposure that needs a further step to exploit, or a missing safeguard.
  controlRule('security-group-open', ['EC2.13', 'EC2.14', 'EC2.18', 'EC2.19', 'EC2.53', 'EC2.54', 'EC2.2'], 'sev2', network, 'a security group lets the internet (or all traffic) reach ports that should be restricted'),
  controlRule('imdsv1', ['EC2.8'], 'sev2', ['CC6.1', 'CC6.6'], 'an instance accepts IMDSv1, so a request-forgery bug in its software can read its role credentials'),
  controlRule('iam-full-admin', ['IAM.1'], 'sev2', ['CC6.1', 'CC6.3'], 'an IAM policy grants full "*:*" administrator rights'),
  controlRule('password-policy', ['IAM.7'], 'sev2', ['CC6.1'], 'the account password policy allows weak or never-rotated passwords'),
  controlRule('console-user-no-mfa', ['IAM.5'], 'sev2', ['CC6.1'], 'a console user has no MFA'),
  controlRule('unencrypted-at-rest', ['S3.4', 'CloudTrail.2', 'RDS.3', 'RDS.4', 'EC2.3', 'EC2.7'], 'sev2', encryption, 'data at rest (bucket, trail logs, database, snapshot or EBS volume) is not encrypted'),
  controlRule('s3-no-tls', ['S3.5'], 'sev2', ['CC6.7'], 'a bucket accepts requests without TLS'),
  controlRule('detection-off', ['CloudTrail.4', 'GuardDuty.1', 'Config.1'], 'sev2', logging, 'a detection or audit safeguard (log file validation, GuardDuty, AWS Config) is off'),

  // sev3: hygiene; fix in the normal course of work.
  controlRule('stale-credentials', ['IAM.3', 'IAM.8', 'IAM.22'], 'sev3', userAccess, 'stale credentials: an access key not rotated in 90 days or credentials left unused'),
  controlRule('user-direct-policies', ['IAM.2'], 'sev3', userAccess, 'a user has policies attached directly instead of through groups or roles, which makes access hard to review'),
  controlRule('logging-gaps', ['CloudTrail.5', 'CloudTrail.7', 'S3.9'], 'sev3', logging, 'logs exist but are not sent to CloudWatch or bucket access is not logged; investigation is harder, not impossible'),
  controlRule('s3-versioning-off', ['S3.14'], 'sev3', ['A1.2'], 'bucket versioning is off, so overwritten or deleted objects cannot be recovered'),
];
