import { tagLookupPermissions } from '../route/tag-lookup.js';
import type { Remediation } from './remediation.js';

/**
 * What the bot calls outside any remediation: reading findings, writing outcomes back,
 * reading owner tags, and the optional Config poll, real-time queue and per-account role
 * (drop the config, sqs and sts actions when those are not used).
 */
export const corePermissions = [
  'securityhub:BatchUpdateFindings',
  'securityhub:GetFindings',
  ...tagLookupPermissions,
  'config:BatchGetResourceConfig',
  'config:DescribeComplianceByConfigRule',
  'config:GetComplianceDetailsByConfigRule',
  'sqs:ReceiveMessage',
  'sqs:DeleteMessage',
  'sqs:ChangeMessageVisibility',
  'sts:AssumeRole',
] as const;

interface Statement {
  Sid: string;
  Effect: 'Allow';
  Action: string[];
  Resource: '*';
}

export interface IamPolicyDocument {
  Version: '2012-10-17';
  Statement: Statement[];
}

/**
 * The bot's least-privilege policy, derived from the remediations' own declarations
 * so it can never drift from the code: one statement per AWS service, actions sorted.
 */
export function buildIamPolicy(remediations: readonly Remediation[]): IamPolicyDocument {
  const byService = new Map<string, Set<string>>();
  for (const action of [...corePermissions, ...remediations.flatMap((r) => r.permissions)]) {
    const [service] = action.split(':');
    if (!service || !/^[a-z0-9-]+:[A-Za-z0-9]+$/.test(action)) throw new Error(`"${action}" is not an IAM action`);
    const actions = byService.get(service) ?? new Set<string>();
    actions.add(action);
    byService.set(service, actions);
  }
  return {
    Version: '2012-10-17',
    Statement: [...byService.entries()]
      .sort(([a], [b]) => a.localeCompare(b))
      .map(([service, actions]) => ({
        Sid: `Soc2Bot${service.replace(/(^|-)([a-z0-9])/g, (_m, _d, c: string) => c.toUpperCase())}`,
        Effect: 'Allow' as const,
        Action: [...actions].sort(),
        Resource: '*' as const,
      })),
  };
}
