import type { Finding, SeverityLabel, WorkflowStatus } from '../domain/finding.js';
import type { AsffFinding } from './asff-schema.js';
import { cisRuleFromGeneratorId, controlForCisRule } from './cis-controls.js';
import { InputProblem } from './finding-parse-error.js';
import { located } from './safe-text.js';
import { severityFromScore, toSeverityLabel } from './severity.js';

/** Maps one schema-valid ASFF finding to the bot's Finding. `at` locates it in the input for errors. */
export function asffToFinding(asff: AsffFinding, at: readonly PropertyKey[]): Finding {
  const region = regionOf(asff);
  if (region === null) throw new InputProblem(located(at, 'no region: none of Region, ProductArn or Resources[0].Region names one'));
  const severity = severityOf(asff);
  if (severity === null) {
    const sources = 'Severity.Label, ProductFields["aws/securityhub/SeverityLabel"], Severity.Normalized, Severity.Original or Severity.Product';
    throw new InputProblem(located(at, `no severity: none of ${sources} gives one`));
  }
  const { control, controlSource } = controlOf(asff);
  // The schema guarantees at least one resource; the check keeps the types honest.
  const primary = asff.Resources[0];
  if (primary === undefined) throw new InputProblem(located([...at, 'Resources'], 'needs at least one resource'));
  return {
    id: asff.Id,
    productArn: asff.ProductArn,
    productName: productNameOf(asff),
    control,
    controlSource,
    generatorId: asff.GeneratorId ?? null,
    title: asff.Title,
    description: asff.Description ?? '',
    account: asff.AwsAccountId,
    region,
    resource: {
      type: primary.Type,
      id: primary.Id,
      region: primary.Region ?? region,
      tags: Object.fromEntries(Object.entries(primary.Tags ?? {})),
    },
    severity,
    compliance: asff.Compliance?.Status ?? null,
    recordState: asff.RecordState ?? 'ACTIVE',
    workflow: workflowOf(asff),
    // Both are schema-checked timestamps, so toISOString cannot throw here.
    firstSeenAt: new Date(asff.FirstObservedAt ?? asff.CreatedAt).toISOString(),
    updatedAt: new Date(asff.UpdatedAt).toISOString(),
  };
}

/** Security Hub control ids look like "S3.8", "CloudTrail.1" or, per-standard PCI, "PCI.AutoScaling.1". */
const controlIdPattern = /^[A-Za-z][A-Za-z0-9]*(?:\.[A-Za-z][A-Za-z0-9]*)*\.\d{1,4}$/;
const generatorControl = /(?:^|\/)([A-Za-z][A-Za-z0-9]*\.\d{1,4})$/;

export function isControlId(value: string): boolean {
  return controlIdPattern.test(value);
}

/**
 * The control id, trying the three finding generations newest first: consolidated
 * (Compliance.SecurityControlId), per-standard (ProductFields.ControlId), CIS v1.2.0
 * (rule number mapped through the table), then whatever the GeneratorId ends with.
 * Values that do not look like a control id (e.g. CIS v1.4 "1.14") are skipped, not trusted.
 */
export function controlOf(asff: AsffFinding): Pick<Finding, 'control' | 'controlSource'> {
  const consolidated = asff.Compliance?.SecurityControlId?.trim();
  if (consolidated !== undefined && isControlId(consolidated)) return { control: consolidated, controlSource: 'SecurityControlId' };

  const perStandard = asff.ProductFields?.ControlId?.trim();
  if (perStandard !== undefined && isControlId(perStandard)) return { control: perStandard, controlSource: 'ControlId' };

  const generatorId = asff.GeneratorId ?? '';
  const cisControl = cisControlOf(asff, generatorId);
  if (cisControl !== null) return { control: cisControl, controlSource: 'CisRuleId' };

  const fromGenerator = generatorControl.exec(generatorId)?.[1];
  if (fromGenerator !== undefined) return { control: fromGenerator, controlSource: 'GeneratorId' };
  return { control: null, controlSource: null };
}

/**
 * CIS v1.2.0 findings name only the rule. RuleId is trusted only on Security Hub's own
 * findings (a third-party "RuleId" means something else); the GeneratorId form is explicit.
 */
function cisControlOf(asff: AsffFinding, generatorId: string): string | null {
  const fromRuleId = securityHubOwnProduct.test(asff.ProductArn) ? asff.ProductFields?.RuleId?.trim() : undefined;
  const fromGenerator = cisRuleFromGeneratorId(generatorId);
  for (const rule of [fromRuleId, fromGenerator]) {
    const control = rule ? controlForCisRule(rule) : null;
    if (control !== null) return control;
  }
  return null;
}

const securityHubOwnProduct = /::product\/aws\/securityhub$/;

/** Label first; older findings carry it only in ProductFields or as a 0-100 score. */
export function severityOf(asff: AsffFinding): SeverityLabel | null {
  return (
    asff.Severity.Label ??
    toSeverityLabel(asff.ProductFields?.['aws/securityhub/SeverityLabel']) ??
    severityFromScore(asff.Severity.Normalized) ??
    toSeverityLabel(asff.Severity.Original) ??
    severityFromScore(asff.Severity.Product)
  );
}

const securityHubProductArn = /^arn:[a-z-]+:securityhub:([a-z]{2}(?:-[a-z]+)+-\d{1,2})::product\//;

export function regionOf(asff: AsffFinding): string | null {
  const top = asff.Region?.trim();
  if (top) return top;
  const fromArn = securityHubProductArn.exec(asff.ProductArn)?.[1];
  if (fromArn !== undefined) return fromArn;
  return asff.Resources[0]?.Region?.trim() || null;
}

const legacyWorkflow: Readonly<Record<NonNullable<AsffFinding['WorkflowState']>, WorkflowStatus>> = {
  NEW: 'NEW',
  ASSIGNED: 'NOTIFIED',
  IN_PROGRESS: 'NOTIFIED',
  RESOLVED: 'RESOLVED',
  DEFERRED: 'RESOLVED',
};

export function workflowOf(asff: AsffFinding): WorkflowStatus | null {
  if (asff.Workflow?.Status !== undefined) return asff.Workflow.Status;
  return asff.WorkflowState === undefined ? null : legacyWorkflow[asff.WorkflowState];
}

function productNameOf(asff: AsffFinding): string {
  const named = asff.ProductName ?? asff.ProductFields?.['aws/securityhub/ProductName'] ?? asff.ProductFields?.ProviderName;
  if (named?.trim()) return named.trim();
  // product/<company>/<product> is the last part of every Security Hub product ARN.
  return /\/([^/]+)$/.exec(asff.ProductArn)?.[1] ?? asff.ProductArn;
}
