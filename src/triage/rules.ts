import type { SeverityLabel } from '../domain/finding.js';
import type { Mode, Severity } from '../domain/triage.js';

/** How the bot treats a failing Security Hub control. Data only, so policy can replace the table. */
export interface ControlRule {
  /** Security Hub control ids (consolidated form, e.g. "S3.8") this rule decides. */
  controls: readonly string[];
  severity: Exclude<Severity, 'none'>;
  /** SOC 2 trust services criteria the control evidences. */
  tsc: readonly string[];
  /**
   * Overrides the remediation's declared mode (a policy can make a fix autopilot or
   * manual). Without a remediation the mode is always manual: there is nothing to run.
   */
  mode?: Mode;
  /** Why this severity, in a reviewer's words; quoted in every triage reason. */
  why: string;
}

/** Severity -> time allowed to fix, counted from when the source first saw the problem. */
export const slaBySeverity = {
  sev1: { hours: 24 },
  sev2: { days: 14 },
  sev3: { days: 90 },
} as const satisfies Record<Exclude<Severity, 'none'>, { hours: number } | { days: number }>;

// SOC 2 criteria used below: CC6.1 logical access and protection of data (incl. encryption
// at rest), CC6.2/CC6.3 granting and removing user access, CC6.6 boundary protection against
// outside access, CC6.7 protecting data in transit and at rest when moved, CC7.2 monitoring
// for anomalies (logging), A1.2 backup and recovery.
const publicData = ['CC6.1', 'CC6.6'] as const;
const rootAccount = ['CC6.1', 'CC6.2'] as const;
const userAccess = ['CC6.2', 'CC6.3'] as const;
const network = ['CC6.6'] as const;
const encryption = ['CC6.1', 'CC6.7'] as const;
const logging = ['CC7.2'] as const;

export const defaultRules: readonly ControlRule[] = [
  // sev1: data or the whole account is exposed now.
  {
    controls: ['S3.2', 'S3.3', 'S3.8'],
    severity: 'sev1',
    tsc: publicData,
    why: 'an S3 bucket may be readable or writable by anyone; blocking public access on the bucket fixes it',
  },
  {
    controls: ['S3.1'],
    severity: 'sev1',
    tsc: publicData,
    why: 'account-wide S3 Block Public Access is off, so any bucket can be made public',
  },
  {
    controls: ['RDS.2'],
    severity: 'sev1',
    tsc: publicData,
    why: 'a database instance is reachable from the internet',
  },
  {
    controls: ['IAM.4', 'IAM.6', 'IAM.9'],
    severity: 'sev1',
    tsc: rootAccount,
    why: 'the root user has an access key or no (hardware) MFA; root compromise is account compromise',
  },
  {
    controls: ['CloudTrail.1'],
    severity: 'sev1',
    tsc: logging,
    why: 'no multi-region CloudTrail trail, so API activity is not recorded and incidents cannot be investigated',
  },
  {
    controls: ['CloudTrail.6'],
    severity: 'sev1',
    tsc: ['CC6.1', 'CC7.2'],
    why: 'the bucket holding CloudTrail logs is public: the audit trail can be read or tampered with',
  },

  // sev2: exposure that needs a further step to exploit, or a missing safeguard.
  {
    controls: ['EC2.13', 'EC2.14', 'EC2.18', 'EC2.19', 'EC2.53', 'EC2.54', 'EC2.2'],
    severity: 'sev2',
    tsc: network,
    why: 'a security group lets the internet (or all traffic) reach ports that should be restricted',
  },
  {
    controls: ['EC2.8'],
    severity: 'sev2',
    tsc: ['CC6.1', 'CC6.6'],
    why: 'an instance accepts IMDSv1, so a request-forgery bug in its software can read its role credentials',
  },
  {
    controls: ['IAM.1'],
    severity: 'sev2',
    tsc: ['CC6.1', 'CC6.3'],
    why: 'an IAM policy grants full "*:*" administrator rights',
  },
  {
    controls: ['IAM.7'],
    severity: 'sev2',
    tsc: ['CC6.1'],
    why: 'the account password policy allows weak or never-rotated passwords',
  },
  {
    controls: ['IAM.5'],
    severity: 'sev2',
    tsc: ['CC6.1'],
    why: 'a console user has no MFA',
  },
  {
    controls: ['S3.4', 'CloudTrail.2', 'RDS.3', 'RDS.4', 'EC2.3', 'EC2.7'],
    severity: 'sev2',
    tsc: encryption,
    why: 'data at rest (bucket, trail logs, database, snapshot or EBS volume) is not encrypted',
  },
  {
    controls: ['S3.5'],
    severity: 'sev2',
    tsc: ['CC6.7'],
    why: 'a bucket accepts requests without TLS',
  },
  {
    controls: ['CloudTrail.4', 'GuardDuty.1', 'Config.1'],
    severity: 'sev2',
    tsc: logging,
    why: 'a detection or audit safeguard (log file validation, GuardDuty, AWS Config) is off',
  },

  // sev3: hygiene; fix in the normal course of work.
  {
    controls: ['IAM.3', 'IAM.8', 'IAM.22'],
    severity: 'sev3',
    tsc: userAccess,
    why: 'stale credentials: an access key not rotated in 90 days or credentials left unused',
  },
  {
    controls: ['IAM.2'],
    severity: 'sev3',
    tsc: userAccess,
    why: 'a user has policies attached directly instead of through groups or roles, which makes access hard to review',
  },
  {
    controls: ['CloudTrail.5', 'CloudTrail.7', 'S3.9'],
    severity: 'sev3',
    tsc: logging,
    why: 'logs exist but are not sent to CloudWatch or bucket access is not logged; investigation is harder, not impossible',
  },
  {
    controls: ['S3.14'],
    severity: 'sev3',
    tsc: ['A1.2'],
    why: 'bucket versioning is off, so overwritten or deleted objects cannot be recovered',
  },
];

/** Controls with no rule fall back to the finding's own severity label. */
export const severityByLabel: Readonly<Record<SeverityLabel, Severity>> = {
  CRITICAL: 'sev1',
  HIGH: 'sev2',
  MEDIUM: 'sev3',
  LOW: 'sev3',
  INFORMATIONAL: 'none',
};

/**
 * Criteria for findings with no control rule, by product (the "<company>/<product>" tail of
 * the product ARN). Threat detection evidences monitoring (CC7.2); vulnerability scanning
 * evidences detection of vulnerabilities (CC7.1). Others get none rather than a guess.
 */
export const tscByProduct: Readonly<Record<string, readonly string[]>> = {
  'aws/guardduty': ['CC7.2'],
  'aws/detective': ['CC7.2'],
  'aws/inspector': ['CC7.1'],
};
