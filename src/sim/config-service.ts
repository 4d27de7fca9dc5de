/**
 * Simulated AWS Config (rule compliance only) in the AWS JSON 1.1 protocol the SDK speaks:
 * `POST /` with `X-Amz-Target: StarlingDoveService.<Operation>`, JSON bodies, timestamps as
 * epoch seconds, errors as `{"__type": code, "message": ...}`. Models what the ingest poller
 * reads: DescribeComplianceByConfigRule, GetComplianceDetailsByConfigRule and
 * BatchGetResourceConfig, each paged or limited as Config does.
 */
import { HttpResponse } from 'msw';
import { z } from 'zod';
import { ApiError, failing, unsupported, type AwsFault, type Routed, type SimService } from './aws-service.js';
import { jsonReply, paged, parseJsonInput as parse, readJsonBody, targetOperation } from './json-protocol.js';

export type SimComplianceType = 'COMPLIANT' | 'NON_COMPLIANT' | 'NOT_APPLICABLE' | 'INSUFFICIENT_DATA';

export interface SimEvaluation {
  ruleName: string;
  resourceType: string;
  resourceId: string;
  compliance: SimComplianceType;
  recordedAt: Date;
  /** The change or periodic run evaluated; defaults to recordedAt. */
  orderedAt?: Date;
  annotation?: string;
}

export interface SimRecordedResource {
  resourceType: string;
  resourceId: string;
  resourceName?: string;
  arn: string;
}

const HOST = /^config\.([a-z0-9-]+)\.amazonaws\.com$/;
const invalidToken = new ApiError({ status: 400, code: 'InvalidNextTokenException', message: 'The specified next token is invalid.' });
const complianceType = z.enum(['COMPLIANT', 'NON_COMPLIANT', 'NOT_APPLICABLE', 'INSUFFICIENT_DATA']);

// Strict: a parameter the sim does not apply must fail the test, not be dropped silently.
const describeComplianceInput = z.strictObject({
  ConfigRuleNames: z.array(z.string()).max(25).optional(),
  ComplianceTypes: z.array(complianceType).optional(),
  NextToken: z.string().optional(),
});
const complianceDetailsInput = z.strictObject({
  ConfigRuleName: z.string().min(1).max(128),
  ComplianceTypes: z.array(complianceType).optional(),
  Limit: z.number().int().min(0).max(100).optional(),
  NextToken: z.string().optional(),
});
const batchGetInput = z.strictObject({
  resourceKeys: z.array(z.strictObject({ resourceType: z.string().min(1), resourceId: z.string().min(1) })).min(1).max(100),
});

export class ConfigService implements SimService {
  readonly name = 'config';
  private readonly accountId: string;
  /** Rules that answer per page of DescribeComplianceByConfigRule (Config sets its own page size). */
  private readonly rulesPerPage: number;
  /** Keyed by Region, then rule name; each rule's evaluations keyed by resource type and id. */
  private readonly rules = new Map<string, Map<string, Map<string, SimEvaluation>>>();
  private readonly resources = new Map<string, SimRecordedResource>();

  constructor(options: { accountId: string; rulesPerPage?: number }) {
    this.accountId = options.accountId;
    this.rulesPerPage = options.rulesPerPage ?? 25;
  }

  // ---- seeding ------------------------------------------------------------------

  addRule(ruleName: string, region = 'us-east-1'): void {
    const rules = this.rules.get(region) ?? new Map<string, Map<string, SimEvaluation>>();
    if (!rules.has(ruleName)) rules.set(ruleName, new Map());
    this.rules.set(region, rules);
  }

  /** Records (or replaces) the rule's latest evaluation of one resource; adds the rule if needed. */
  putEvaluation(evaluation: SimEvaluation, region = 'us-east-1'): void {
    this.addRule(evaluation.ruleName, region);
    this.rules.get(region)?.get(evaluation.ruleName)?.set(`${evaluation.resourceType}|${evaluation.resourceId}`, { ...evaluation });
  }

  /** A resource the configuration recorder knows, for BatchGetResourceConfig. */
  addResource(resource: SimRecordedResource, region = 'us-east-1'): void {
    this.resources.set(`${region}|${resource.resourceType}|${resource.resourceId}`, { ...resource });
  }

  // ---- SimService ---------------------------------------------------------------

  handles(hostname: string): boolean {
    return HOST.test(hostname);
  }

  regionOf(hostname: string): string {
    return HOST.exec(hostname)?.[1] ?? 'us-east-1';
  }

  async route(request: Request, region: string): Promise<Routed> {
    const operation = targetOperation(request, 'StarlingDoveService');
    const body = await readJsonBody(request);
    if (body instanceof ApiError) return failing(operation || 'Unknown', null, body);
    switch (operation) {
      case 'DescribeComplianceByConfigRule':
        return { operation, input: body, run: () => this.describeCompliance(parse(describeComplianceInput, body), region) };
      case 'GetComplianceDetailsByConfigRule':
        return { operation, input: body, run: () => this.complianceDetails(parse(complianceDetailsInput, body), region) };
      case 'BatchGetResourceConfig':
        return { operation, input: body, run: () => this.batchGetResourceConfig(parse(batchGetInput, body), region) };
      default:
        return unsupported(`Config X-Amz-Target=${request.headers.get('x-amz-target') ?? '(none)'}`);
    }
  }

  errorReply(fault: AwsFault, requestId: string): Response {
    return HttpResponse.json(
      { __type: fault.code, message: fault.message ?? fault.code },
      { status: fault.status, headers: { 'content-type': 'application/x-amz-json-1.1', 'x-amzn-requestid': requestId } },
    );
  }

  requestIdHeaders(requestId: string): Record<string, string> {
    return { 'x-amzn-requestid': requestId };
  }

  // ---- operations -----------------------------------------------------------------

  private describeCompliance(input: z.output<typeof describeComplianceInput>, region: string): Response {
    const wanted = input.ComplianceTypes ?? [];
    const rules = [...(this.rules.get(region) ?? new Map<string, Map<string, SimEvaluation>>()).entries()]
      .filter(([name]) => !input.ConfigRuleNames || input.ConfigRuleNames.includes(name))
      .map(([name, evaluations]) => ({ name, compliance: ruleCompliance([...evaluations.values()]) }))
      .filter((rule) => wanted.length === 0 || wanted.includes(rule.compliance.type));
    const { page, next } = paged(rules, input.NextToken, this.rulesPerPage, invalidToken);
    return jsonReply({
      ComplianceByConfigRules: page.map((rule) => ({
        ConfigRuleName: rule.name,
        Compliance: {
          ComplianceType: rule.compliance.type,
          ...(rule.compliance.type === 'NON_COMPLIANT' ? { ComplianceContributorCount: { CappedCount: rule.compliance.failing, CapExceeded: false } } : {}),
        },
      })),
      ...(next ? { NextToken: next } : {}),
    }, '1.1');
  }

  private complianceDetails(input: z.output<typeof complianceDetailsInput>, region: string): Response {
    const evaluations = this.rules.get(region)?.get(input.ConfigRuleName);
    if (!evaluations) {
      throw new ApiError({ status: 400, code: 'NoSuchConfigRuleException', message: `The ConfigRule '${input.ConfigRuleName}' provided in the request is invalid. Please check the configRule name.` });
    }
    const wanted = input.ComplianceTypes ?? [];
    const matching = [...evaluations.values()].filter((e) => wanted.length === 0 || wanted.includes(e.compliance));
    const { page, next } = paged(matching, input.NextToken, input.Limit || 100, invalidToken);
    return jsonReply({
      EvaluationResults: page.map((e) => ({
        EvaluationResultIdentifier: {
          EvaluationResultQualifier: { ConfigRuleName: e.ruleName, ResourceType: e.resourceType, ResourceId: e.resourceId },
          OrderingTimestamp: epochSeconds(e.orderedAt ?? e.recordedAt),
        },
        ComplianceType: e.compliance,
        ResultRecordedTime: epochSeconds(e.recordedAt),
        ConfigRuleInvokedTime: epochSeconds(e.recordedAt),
        ...(e.annotation ? { Annotation: e.annotation } : {}),
      })),
      ...(next ? { NextToken: next } : {}),
    }, '1.1');
  }

  /** Keys Config does not record are left out of the answer, as Config does. */
  private batchGetResourceConfig(input: z.output<typeof batchGetInput>, region: string): Response {
    const items = input.resourceKeys.flatMap((key) => {
      const resource = this.resources.get(`${region}|${key.resourceType}|${key.resourceId}`);
      return resource
        ? [{ accountId: this.accountId, awsRegion: region, resourceType: resource.resourceType, resourceId: resource.resourceId, resourceName: resource.resourceName, arn: resource.arn, configurationItemStatus: 'OK' }]
        : [];
    });
    return jsonReply({ baseConfigurationItems: items, unprocessedResourceKeys: [] }, '1.1');
  }
}

/** A rule is NON_COMPLIANT when any resource is; COMPLIANT when every evaluated resource is. */
function ruleCompliance(evaluations: SimEvaluation[]): { type: SimComplianceType; failing: number } {
  const failing = evaluations.filter((e) => e.compliance === 'NON_COMPLIANT').length;
  if (failing > 0) return { type: 'NON_COMPLIANT', failing };
  return { type: evaluations.some((e) => e.compliance === 'COMPLIANT') ? 'COMPLIANT' : 'INSUFFICIENT_DATA', failing: 0 };
}

function epochSeconds(date: Date): number {
  return date.getTime() / 1000;
}
