/**
 * The bot's own view of a finding, independent of where it came from (ASFF from
 * Security Hub, or a native GuardDuty event). Everything past the ingest boundary
 * works on this type only.
 */
export type SeverityLabel = 'CRITICAL' | 'HIGH' | 'MEDIUM' | 'LOW' | 'INFORMATIONAL';
export type ComplianceStatus = 'PASSED' | 'FAILED' | 'WARNING' | 'NOT_AVAILABLE';
export type RecordState = 'ACTIVE' | 'ARCHIVED';
export type WorkflowStatus = 'NEW' | 'NOTIFIED' | 'RESOLVED' | 'SUPPRESSED';

export interface FindingResource {
  /** ASFF resource type, e.g. AwsS3Bucket, AwsEc2SecurityGroup, AwsAccount. */
  type: string;
  /** ARN or provider id exactly as the source gave it. */
  id: string;
  region: string;
  /** Resource tags carried in the finding; empty when the source had none. */
  tags: Record<string, string>;
}

export interface Finding {
  /** Source-unique id (ASFF `Id`); with productArn it identifies the finding in Security Hub. */
  id: string;
  productArn: string;
  productName: string;
  /** Security Hub control id (e.g. "S3.8") when the finding is a control check, else null. */
  control: string | null;
  /** Where the control id came from, for traceability of the CIS v1.2 mapping. */
  controlSource: 'SecurityControlId' | 'ControlId' | 'CisRuleId' | 'GeneratorId' | null;
  generatorId: string | null;
  title: string;
  description: string;
  account: string;
  region: string;
  /** The primary resource (ASFF Resources[0]). */
  resource: FindingResource;
  severity: SeverityLabel;
  compliance: ComplianceStatus | null;
  recordState: RecordState;
  workflow: WorkflowStatus | null;
  /** ISO 8601: when the source first observed the problem (FirstObservedAt, else CreatedAt). */
  firstSeenAt: string;
  /** ISO 8601: last update at the source (UpdatedAt). */
  updatedAt: string;
}
