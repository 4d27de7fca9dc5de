import { z } from 'zod';
import type { Finding } from '../../domain/finding.js';
import { awsSdk } from '../aws-clients.js';
import { renderDiff } from '../diff.js';
import type { AwsClients, Plan, Remediation, Verification } from '../remediation.js';

const DB_ARN = /^arn:aws[a-z-]*:rds:([a-z0-9-]+):\d{12}:db:(.+)$/;
const DB_IDENTIFIER = /^[A-Za-z][A-Za-z0-9]*(?:-[A-Za-z0-9]+)*$/;

/** `arn:aws:rds:region:account:db:name` (Region from the ARN) or a bare DBInstanceIdentifier. */
export function dbInstanceOf(finding: Finding): { identifier: string; region: string } {
  const id = finding.resource.id;
  const match = DB_ARN.exec(id);
  const identifier = id.startsWith('arn:') ? match?.[2] : id;
  if (!identifier || !DB_IDENTIFIER.test(identifier) || identifier.length > 63) {
    throw new Error(`"${id}" does not name an RDS DB instance`);
  }
  return { identifier, region: match?.[1] ?? (finding.resource.region || finding.region) };
}

async function readPubliclyAccessible(aws: AwsClients, region: string, identifier: string): Promise<boolean> {
  const out = await aws.rds(region).send(new (awsSdk.rds().DescribeDBInstancesCommand)({ DBInstanceIdentifier: identifier }));
  const instance = out.DBInstances?.[0];
  if (!instance) throw new Error(`RDS returned no DB instance for ${identifier}`);
  return instance.PubliclyAccessible === true;
}

const modifyInput = z.strictObject({
  DBInstanceIdentifier: z.string().min(1),
  PubliclyAccessible: z.boolean(),
  ApplyImmediately: z.literal(true),
});

function modifyInputFor(identifier: string, publiclyAccessible: boolean): z.input<typeof modifyInput> {
  return { DBInstanceIdentifier: identifier, PubliclyAccessible: publiclyAccessible, ApplyImmediately: true };
}

/** Validated, since a plan may come back from storage. */
async function modify(aws: AwsClients, region: string, input: unknown): Promise<void> {
  await aws.rds(region).send(new (awsSdk.rds().ModifyDBInstanceCommand)(modifyInput.parse(input)));
}

/**
 * Makes a DB instance private (RDS.2): PubliclyAccessible=false removes the public DNS
 * resolution of its endpoint. Only that one setting changes; security groups and subnets
 * stay as they are. RDS applies this setting at once (ApplyImmediately is stated anyway).
 */
export const rdsDisablePublicAccess: Remediation = {
  id: 'rds-disable-public-access',
  controls: ['RDS.2'],
  cisRules: [],
  resourceType: 'AwsRdsDbInstance',
  mode: 'copilot',
  reversible: true,
  permissions: ['rds:DescribeDBInstances', 'rds:ModifyDBInstance'],

  async plan(finding: Finding, aws: AwsClients): Promise<Plan> {
    const { identifier, region } = dbInstanceOf(finding);
    const publiclyAccessible = await readPubliclyAccessible(aws, region, identifier);
    const before = { PubliclyAccessible: publiclyAccessible };
    const after = { PubliclyAccessible: false };
    return {
      remediationId: this.id,
      findingId: finding.id,
      resourceId: identifier,
      region,
      before,
      after,
      diff: renderDiff(`RDS DB instance ${identifier}`, before, after),
      alreadyCompliant: !publiclyAccessible,
      calls: publiclyAccessible
        ? [{ service: 'rds', operation: 'ModifyDBInstance', input: modifyInputFor(identifier, false) }]
        : [],
    };
  },

  async apply(plan: Plan, aws: AwsClients): Promise<void> {
    for (const call of plan.calls) {
      if (call.service !== 'rds' || call.operation !== 'ModifyDBInstance') throw new Error(`unexpected call ${call.service}:${call.operation} in plan`);
      await modify(aws, plan.region, call.input);
    }
  },

  async verify(plan: Plan, aws: AwsClients): Promise<Verification> {
    const publiclyAccessible = await readPubliclyAccessible(aws, plan.region, plan.resourceId);
    return {
      ok: !publiclyAccessible,
      observed: { PubliclyAccessible: publiclyAccessible },
      detail: publiclyAccessible ? 'PubliclyAccessible still reads back as true' : 'PubliclyAccessible reads back as false',
    };
  },

  async undo(plan: Plan, aws: AwsClients): Promise<void> {
    if (plan.calls.length === 0) return;
    const before = z.object({ PubliclyAccessible: z.boolean() }).parse(plan.before);
    await modify(aws, plan.region, modifyInputFor(plan.resourceId, before.PubliclyAccessible));
  },
};
