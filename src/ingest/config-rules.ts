import {
  BatchGetResourceConfigCommand,
  paginateDescribeComplianceByConfigRule,
  paginateGetComplianceDetailsByConfigRule,
  ResourceType,
  type ConfigServiceClient,
  type EvaluationResult,
  type ResourceKey,
} from '@aws-sdk/client-config-service';
import { z } from 'zod';
import type { Finding } from '../domain/finding.js';
import { configComplianceTypes, configEvaluationToFinding, type ConfigEvaluation } from './config-evaluation.js';
import { resourceArnOf } from './config-resource.js';
import { safeText } from './safe-text.js';

/** Whose evaluations the client reads: Config's results name neither account nor partition. */
export interface ConfigScope {
  account: string;
  region: string;
  partition?: string;
}

export interface ConfigPollResult {
  findings: Finding[];
  /** Results that could not be read, with why: reported, not dropped silently. */
  rejected: { rule: string; resourceId: string | null; error: string }[];
  /** Non-compliant rules read. */
  rules: number;
  /** API pages read, every operation counted. */
  pages: number;
}

/** GetComplianceDetailsByConfigRule's largest page; BatchGetResourceConfig's largest batch. */
const pageLimit = 100;

const evaluationResultSchema = z.object({
  EvaluationResultIdentifier: z.object({
    EvaluationResultQualifier: z.object({ ResourceType: z.string().min(1).max(256), ResourceId: z.string().min(1).max(2048) }),
    OrderingTimestamp: z.date().optional(),
  }),
  ComplianceType: z.enum(configComplianceTypes),
  ResultRecordedTime: z.date(),
  Annotation: z.string().max(1024).optional(),
});

/**
 * Every NON_COMPLIANT evaluation of every Config rule in the client's account and Region,
 * reading every page. Config offers no "changed since" filter, so each poll reads the current
 * state whole; the findings repository turns a repeat into "unchanged". Retries on throttling
 * are the SDK's (backoff with jitter, configured on the client).
 */
export async function pollConfigRules(client: ConfigServiceClient, scope: ConfigScope): Promise<ConfigPollResult> {
  const result: ConfigPollResult = { findings: [], rejected: [], rules: 0, pages: 0 };
  const where = { account: scope.account, region: scope.region, partition: scope.partition ?? 'aws' };
  const evaluations: ConfigEvaluation[] = [];
  for await (const page of paginateDescribeComplianceByConfigRule({ client }, { ComplianceTypes: ['NON_COMPLIANT'] })) {
    result.pages += 1;
    for (const rule of page.ComplianceByConfigRules ?? []) {
      if (!rule.ConfigRuleName) continue;
      result.rules += 1;
      const details = paginateGetComplianceDetailsByConfigRule(
        { client, pageSize: pageLimit },
        { ConfigRuleName: rule.ConfigRuleName, ComplianceTypes: ['NON_COMPLIANT'] },
      );
      for await (const detail of details) {
        result.pages += 1;
        for (const raw of detail.EvaluationResults ?? []) {
          const read = readEvaluation(raw, rule.ConfigRuleName, where);
          if ('error' in read) result.rejected.push(read.error);
          else evaluations.push(read.evaluation);
        }
      }
    }
  }
  const arns = await recordedArns(client, evaluations, where, result);
  result.findings = evaluations.map((e) => configEvaluationToFinding({ ...e, recordedArn: arns.get(resourceKey(e)) ?? null }));
  return result;
}

type Where = Required<ConfigScope>;

function readEvaluation(
  raw: EvaluationResult,
  ruleName: string,
  where: Where,
): { evaluation: ConfigEvaluation } | { error: ConfigPollResult['rejected'][number] } {
  const parsed = evaluationResultSchema.safeParse(raw);
  if (!parsed.success) {
    const resourceId = raw.EvaluationResultIdentifier?.EvaluationResultQualifier?.ResourceId ?? null;
    const issue = parsed.error.issues[0];
    const error = issue ? `${issue.path.join('.')}: ${issue.message}` : 'unreadable evaluation result';
    return { error: { rule: ruleName, resourceId, error: safeText(error, 200) } };
  }
  const { EvaluationResultIdentifier: id, ComplianceType, ResultRecordedTime, Annotation } = parsed.data;
  return {
    evaluation: {
      ...where,
      ruleName,
      resourceType: id.EvaluationResultQualifier.ResourceType,
      resourceId: id.EvaluationResultQualifier.ResourceId,
      recordedArn: null,
      compliance: ComplianceType,
      recordedAt: ResultRecordedTime.toISOString(),
      evaluatedAt: (id.OrderingTimestamp ?? ResultRecordedTime).toISOString(),
      annotation: Annotation ?? null,
    },
  };
}

function resourceKey(evaluation: Pick<ConfigEvaluation, 'resourceType' | 'resourceId'>): string {
  return `${evaluation.resourceType}|${evaluation.resourceId}`;
}

/**
 * ARNs of the resources whose ARN does not follow from their id (IAM users, roles and policies
 * are named by unique id, AIDA...), as Config recorded them. Security Hub names them by ARN, so
 * without this the two copies of one problem would not match.
 */
async function recordedArns(
  client: ConfigServiceClient,
  evaluations: readonly ConfigEvaluation[],
  where: Where,
  result: ConfigPollResult,
): Promise<Map<string, string>> {
  const unresolved = new Map<string, ResourceKey>();
  for (const e of evaluations) {
    if (resourceArnOf(e.resourceType, e.resourceId, where) !== null || !isResourceType(e.resourceType)) continue;
    unresolved.set(resourceKey(e), { resourceType: e.resourceType, resourceId: e.resourceId });
  }
  const keys = [...unresolved.values()];
  const arns = new Map<string, string>();
  for (let start = 0; start < keys.length; start += pageLimit) {
    const out = await client.send(new BatchGetResourceConfigCommand({ resourceKeys: keys.slice(start, start + pageLimit) }));
    result.pages += 1;
    for (const item of out.baseConfigurationItems ?? []) {
      // Config answers only for keys it records; the others keep their bare id.
      if (item.resourceType && item.resourceId && item.arn) arns.set(resourceKey({ resourceType: item.resourceType, resourceId: item.resourceId }), item.arn);
    }
  }
  return arns;
}

const recordableTypes: ReadonlySet<string> = new Set(Object.values(ResourceType));

/** Only types the Config API knows can be looked up; any other would fail the whole batch. */
function isResourceType(type: string): type is ResourceType {
  return recordableTypes.has(type);
}
