import type { IAMClient } from '@aws-sdk/client-iam';
import { z } from 'zod';
import { awsSdk } from '../aws-clients.js';
import type { ApiCall, AwsClients, Plan } from '../remediation.js';

interface PlannedCommand {
  /** Validates the input now; the returned function makes the call. */
  prepare(input: unknown): (client: IAMClient) => Promise<unknown>;
}

/** A plan is stored before it is approved, so its inputs are re-validated before they reach AWS. */
function planned<S extends z.ZodType>(schema: S, send: (client: IAMClient, input: z.output<S>) => Promise<unknown>): PlannedCommand {
  return {
    prepare(input) {
      const parsed = schema.parse(input);
      return (client) => send(client, parsed);
    },
  };
}

const name = z.string().min(1);
const arn = z.string().startsWith('arn:');

/** The IAM password policy fields UpdateAccountPasswordPolicy takes (and GetAccountPasswordPolicy returns). */
export const passwordPolicySchema = z.object({
  MinimumPasswordLength: z.number().int().min(6).max(128),
  RequireSymbols: z.boolean(),
  RequireNumbers: z.boolean(),
  RequireUppercaseCharacters: z.boolean(),
  RequireLowercaseCharacters: z.boolean(),
  AllowUsersToChangePassword: z.boolean(),
  MaxPasswordAge: z.number().int().min(1).max(1095).optional(),
  PasswordReusePrevention: z.number().int().min(1).max(24).optional(),
  HardExpiry: z.boolean().optional(),
});

const commands = {
  UpdateAccessKey: planned(z.strictObject({ UserName: name, AccessKeyId: name, Status: z.enum(['Active', 'Inactive']) }), (c, i) =>
    c.send(new (awsSdk.iam().UpdateAccessKeyCommand)(i)),
  ),
  DeleteLoginProfile: planned(z.strictObject({ UserName: name }), (c, i) => c.send(new (awsSdk.iam().DeleteLoginProfileCommand)(i))),
  DetachUserPolicy: planned(z.strictObject({ UserName: name, PolicyArn: arn }), (c, i) => c.send(new (awsSdk.iam().DetachUserPolicyCommand)(i))),
  AttachUserPolicy: planned(z.strictObject({ UserName: name, PolicyArn: arn }), (c, i) => c.send(new (awsSdk.iam().AttachUserPolicyCommand)(i))),
  CreatePolicyVersion: planned(z.strictObject({ PolicyArn: arn, PolicyDocument: name, SetAsDefault: z.literal(true) }), (c, i) =>
    c.send(new (awsSdk.iam().CreatePolicyVersionCommand)(i)),
  ),
  DeletePolicyVersion: planned(z.strictObject({ PolicyArn: arn, VersionId: name }), (c, i) => c.send(new (awsSdk.iam().DeletePolicyVersionCommand)(i))),
  SetDefaultPolicyVersion: planned(z.strictObject({ PolicyArn: arn, VersionId: name }), (c, i) =>
    c.send(new (awsSdk.iam().SetDefaultPolicyVersionCommand)(i)),
  ),
  UpdateAccountPasswordPolicy: planned(passwordPolicySchema.strict(), (c, i) => c.send(new (awsSdk.iam().UpdateAccountPasswordPolicyCommand)(i))),
  DeleteAccountPasswordPolicy: planned(z.strictObject({}), (c) => c.send(new (awsSdk.iam().DeleteAccountPasswordPolicyCommand)({}))),
} satisfies Record<string, PlannedCommand>;

export type IamOperation = keyof typeof commands;

export function iamCall(operation: IamOperation, input: Record<string, unknown>): ApiCall {
  return { service: 'iam', operation, input };
}

/**
 * Makes the IAM calls in order, refusing any operation this remediation does not make:
 * a tampered or mismatched plan fails before its first call.
 */
export async function sendIamCalls(aws: AwsClients, region: string, calls: readonly ApiCall[], allowed: readonly IamOperation[]): Promise<void> {
  const prepared = calls.map((call) => {
    const operation = allowed.find((op) => op === call.operation);
    if (call.service !== 'iam' || !operation) throw new Error(`unexpected call ${call.service}:${call.operation} in plan`);
    return commands[operation].prepare(call.input);
  });
  for (const send of prepared) await send(aws.iam(region));
}

/** apply for every IAM remediation: exactly the planned calls. */
export function applyIamPlan(allowed: readonly IamOperation[]) {
  return (plan: Plan, aws: AwsClients): Promise<void> => sendIamCalls(aws, plan.region, plan.calls, allowed);
}
