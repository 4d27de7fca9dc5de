import { createHash } from 'node:crypto';
import type { ComplianceStatus, Finding, RecordState } from '../domain/finding.js';
import { controlForConfigRule } from './config-rule-controls.js';
import { asffResourceType, resourceArnOf } from './config-resource.js';

export const configComplianceTypes = ['COMPLIANT', 'NON_COMPLIANT', 'NOT_APPLICABLE', 'INSUFFICIENT_DATA'] as const;
export type ConfigComplianceType = (typeof configComplianceTypes)[number];

/**
 * One AWS Config rule evaluation of one resource, whichever way it arrived (a compliance change
 * event, an SNS notification or GetComplianceDetailsByConfigRule): the common input of the mapping.
 */
export interface ConfigEvaluation {
  account: string;
  region: string;
  partition: string;
  ruleName: string;
  /** Config's resource type and id, e.g. AWS::IAM::User and AIDA...: the evaluation's identity. */
  resourceType: string;
  resourceId: string;
  /** The ARN Config recorded for the resource, when the caller looked it up. */
  recordedArn: string | null;
  compliance: ConfigComplianceType;
  /** ISO 8601: when Config recorded the result. */
  recordedAt: string;
  /** ISO 8601: the configuration change or periodic run that was evaluated. */
  evaluatedAt: string;
  annotation: string | null;
}

/**
 * Security Hub's mapping of Config results, except NOT_APPLICABLE: Config says it for a
 * resource the rule no longer covers (often a deleted one), so there is nothing to fix and
 * the record is archived, which triage reads as "no action".
 */
const complianceMapping: Readonly<Record<ConfigComplianceType, { compliance: ComplianceStatus; recordState: RecordState }>> = {
  NON_COMPLIANT: { compliance: 'FAILED', recordState: 'ACTIVE' },
  COMPLIANT: { compliance: 'PASSED', recordState: 'ACTIVE' },
  NOT_APPLICABLE: { compliance: 'NOT_AVAILABLE', recordState: 'ARCHIVED' },
  INSUFFICIENT_DATA: { compliance: 'WARNING', recordState: 'ACTIVE' },
};

/**
 * The Finding for an evaluation. Its id is derived from rule + Config's own resource key, so
 * every report of the same evaluation (event, notification or poll, resolved ARN or not) lands
 * on the same finding. Product, title and severity follow Security Hub's own "AWS Config"
 * findings (product aws/config, title = rule name, MEDIUM), so the two read alike on a card.
 */
export function configEvaluationToFinding(evaluation: ConfigEvaluation): Finding {
  const { account, region, partition, ruleName, resourceType, resourceId } = evaluation;
  const control = controlForConfigRule(ruleName);
  const { compliance, recordState } = complianceMapping[evaluation.compliance];
  const resourceKey = createHash('sha256').update(`${resourceType}|${resourceId}`).digest('hex').slice(0, 40);
  const note = evaluation.annotation?.trim() ? `: ${evaluation.annotation.trim()}` : '';
  return {
    id: `arn:${partition}:config:${region}:${account}:config-rule/${ruleName}/evaluation/${resourceKey}`,
    productArn: `arn:${partition}:securityhub:${region}::product/aws/config`,
    productName: 'Config',
    control,
    // The rule name is the generator; a control, when known, comes from it through the table.
    controlSource: control === null ? null : 'GeneratorId',
    generatorId: ruleName,
    title: ruleName,
    description: `AWS Config rule ${ruleName} evaluated ${resourceType} ${resourceId} as ${evaluation.compliance}${note}`,
    account,
    region,
    resource: {
      type: asffResourceType(resourceType),
      id: evaluation.recordedArn ?? resourceArnOf(resourceType, resourceId, { partition, region, account }) ?? resourceId,
      region,
      tags: {},
    },
    severity: 'MEDIUM',
    compliance,
    recordState,
    workflow: null,
    firstSeenAt: new Date(evaluation.evaluatedAt).toISOString(),
    updatedAt: new Date(evaluation.recordedAt).toISOString(),
  };
}
