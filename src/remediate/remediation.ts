import type { Finding } from '../domain/finding.js';
import type { Mode } from '../domain/triage.js';
import type { AwsClients } from './aws-clients.js';

export type { AwsClients };

/** One AWS API call a plan intends to make (apply makes exactly these, in order). */
export interface ApiCall {
  service: string;
  operation: string;
  input: Record<string, unknown>;
}

/** A JSON-serialisable snapshot of a resource's relevant settings. */
export type State = Record<string, unknown>;

export interface Plan {
  remediationId: string;
  findingId: string;
  /** The resource the calls act on (bucket name, group id, user name, ...). */
  resourceId: string;
  region: string;
  /** Live state read by plan. */
  before: State;
  /** The state apply will produce. */
  after: State;
  /** Human-readable before/after diff. */
  diff: string;
  /** True when the resource already meets the control: apply does nothing. */
  alreadyCompliant: boolean;
  calls: ApiCall[];
}

export interface Verification {
  ok: boolean;
  /** State read back after apply. */
  observed: State;
  detail: string;
}

/** Options a policy can set for a remediation (a KMS key, a log bucket, replacement CIDRs). */
export type RemediationOptions = Record<string, unknown>;

export interface Remediation {
  id: string;
  /** Security Hub control ids this remediation answers. */
  controls: string[];
  /** CIS AWS Foundations v1.2.0 rule ids that map to those controls (their findings name only the rule). */
  cisRules: string[];
  resourceType: string;
  mode: Mode;
  reversible: boolean;
  /** Every IAM action plan, apply, verify and undo call; the shipped IAM policy is generated from these. */
  permissions: string[];
  plan(finding: Finding, aws: AwsClients, options?: RemediationOptions): Promise<Plan>;
  apply(plan: Plan, aws: AwsClients): Promise<void>;
  verify(plan: Plan, aws: AwsClients): Promise<Verification>;
  /** Restores `plan.before` exactly; present only when reversible. */
  undo?(plan: Plan, aws: AwsClients): Promise<void>;
}

/**
 * Controls the bot must not fix itself (root-only actions, a person's own MFA device,
 * no in-place fix): the card says exactly what a person must do, and "Mark done" re-checks.
 */
export interface ManualGuidance {
  id: string;
  controls: string[];
  cisRules: string[];
  /** One line: why the bot cannot do it. */
  why: string;
  /** Numbered steps a person follows, concrete enough to act on without searching. */
  steps: string[];
  /** How the bot re-checks after "Mark done" (the read-only calls it makes). */
  recheck: string;
}
