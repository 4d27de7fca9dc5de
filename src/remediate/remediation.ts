import type { Finding } from '../domain/finding.js';
import type { Mode } from '../domain/triage.js';
import type { AwsClients } from './aws-clients.js';

export type { AwsClients };


/** One AWS API call a plan intends to make (apply makes exactly these). */
export interface ApiCall {
  service: string;
  operation: string;
  input: Record<string, unknown>;
}

export interface Plan {
  remediationId: string;
  findingId: string;
  resourceId: string;
  region: string;
  /** Live state read by plan, as JSON-serialisable data. */
  before: Record<string, unknown>;
  /** The state apply will produce. */
  after: Record<string, unknown>;
  /** Human-readable before/after diff, one line per changed or kept setting. */
  diff: string;
  /** True when the resource already meets the control: apply does nothing. */
  alreadyCompliant: boolean;
  calls: ApiCall[];
}

export interface Verification {
  ok: boolean;
  /** State read back after apply. */
  observed: Record<string, unknown>;
  detail: string;
}

export interface Remediation {
  id: string;
  /** Security Hub control ids this remediation answers. */
  controls: string[];
  resourceType: string;
  mode: Mode;
  reversible: boolean;
  /** IAM actions the bot needs for plan, apply and verify. */
  permissions: string[];
  plan(finding: Finding, aws: AwsClients): Promise<Plan>;
  apply(plan: Plan, aws: AwsClients): Promise<void>;
  verify(plan: Plan, aws: AwsClients): Promise<Verification>;
}
