import { z } from 'zod';
import type { Finding } from '../domain/finding.js';
import { timestampSchema } from './asff-schema.js';
import { configComplianceTypes, configEvaluationToFinding } from './config-evaluation.js';
import { partitionOf } from './config-resource.js';
import { InputProblem } from './finding-parse-error.js';

/**
 * AWS Config compliance changes in the two shapes Config delivers them: the EventBridge
 * "Config Rules Compliance Change" event (the change in `detail`) and the SNS compliance
 * notification (the same change in `Message`, a JSON string as SNS delivers it, or an object
 * as the Config guide prints it). Both carry the same fields; only those mapped are typed.
 */
const text = (max: number) => z.string().max(max, `longer than ${max} characters`);
const nonEmpty = (max: number) => text(max).min(1, 'empty');

export const configChangeSchema = z.looseObject({
  awsAccountId: nonEmpty(64),
  awsRegion: nonEmpty(64),
  configRuleName: nonEmpty(256),
  configRuleARN: text(2048).optional(),
  resourceType: nonEmpty(256),
  resourceId: nonEmpty(2048),
  newEvaluationResult: z.looseObject({
    evaluationResultIdentifier: z.looseObject({ orderingTimestamp: timestampSchema.optional() }).optional(),
    complianceType: z.enum(configComplianceTypes),
    resultRecordedTime: timestampSchema,
    annotation: text(1024).nullish(),
  }),
});

type ConfigChange = z.infer<typeof configChangeSchema>;

const configEventType = 'Config Rules Compliance Change';
const snsComplianceMessage = 'ComplianceChangeNotification';

/**
 * Where the compliance change sits in `input` (with its path, for error messages), or null
 * when `input` is not a Config compliance change at all. An SNS notification about anything
 * else (a configuration item change, a Security Hub event) is not one.
 */
export function configChangeIn(input: Record<string, unknown>): { body: unknown; at: readonly PropertyKey[] } | null {
  if (input['detail-type'] === configEventType) return { body: input['detail'], at: ['detail'] };
  if (input['Type'] !== 'Notification' || typeof input['TopicArn'] !== 'string') return null;
  const message = typeof input['Message'] === 'string' ? parseMessage(input['Message']) : input['Message'];
  const isChange = typeof message === 'object' && message !== null && 'messageType' in message && message.messageType === snsComplianceMessage;
  return isChange ? { body: message, at: ['Message'] } : null;
}

function parseMessage(text: string): unknown {
  try {
    const value: unknown = JSON.parse(text);
    return value;
  } catch {
    throw new InputProblem('Message: an SNS notification whose Message is not JSON');
  }
}

export function configChangeToFinding(change: ConfigChange): Finding {
  const result = change.newEvaluationResult;
  return configEvaluationToFinding({
    account: change.awsAccountId,
    region: change.awsRegion,
    partition: partitionOf(change.configRuleARN),
    ruleName: change.configRuleName,
    resourceType: change.resourceType,
    resourceId: change.resourceId,
    recordedArn: null,
    compliance: result.complianceType,
    recordedAt: result.resultRecordedTime,
    evaluatedAt: result.evaluationResultIdentifier?.orderingTimestamp ?? result.resultRecordedTime,
    annotation: result.annotation ?? null,
  });
}
