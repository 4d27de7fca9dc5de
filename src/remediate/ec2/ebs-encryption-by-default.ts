import type { EC2Client } from '@aws-sdk/client-ec2';
import { z } from 'zod';
import type { Finding } from '../../domain/finding.js';
import { awsSdk } from '../aws-clients.js';
import { renderDiff } from '../diff.js';
import type { AwsClients, Plan, Remediation } from '../remediation.js';

/** `AWS::::Account:111122223333` (the ASFF id of an account) or a bare account id. */
export function accountId(resourceId: string): string {
  const id = /^AWS::::Account:(\d{12})$/.exec(resourceId)?.[1] ?? resourceId;
  if (!/^\d{12}$/.test(id)) throw new Error(`"${resourceId}" does not name an AWS account`);
  return id;
}

async function readSetting(ec2: EC2Client): Promise<boolean> {
  const out = await ec2.send(new (awsSdk.ec2().GetEbsEncryptionByDefaultCommand)({}));
  return out.EbsEncryptionByDefault === true;
}

const stateSchema = z.object({ EbsEncryptionByDefault: z.boolean() });

/**
 * Turns on EBS encryption by default for the account in one Region (EC2.7): new volumes
 * and snapshot copies are encrypted from then on; existing volumes are not touched.
 */
export const ebsEncryptionByDefault: Remediation = {
  id: 'ebs-encryption-by-default',
  controls: ['EC2.7'],
  cisRules: [],
  resourceType: 'AwsAccount',
  mode: 'autopilot',
  reversible: true,
  permissions: ['ec2:GetEbsEncryptionByDefault', 'ec2:EnableEbsEncryptionByDefault', 'ec2:DisableEbsEncryptionByDefault'],

  async plan(finding: Finding, aws: AwsClients): Promise<Plan> {
    const account = accountId(finding.resource.id);
    const region = finding.resource.region || finding.region;
    const before = { EbsEncryptionByDefault: await readSetting(aws.ec2(region)) };
    const after = { EbsEncryptionByDefault: true };
    return {
      remediationId: this.id,
      findingId: finding.id,
      resourceId: account,
      region,
      before,
      after,
      diff: renderDiff(`account ${account} EBS defaults in ${region}`, before, after),
      alreadyCompliant: before.EbsEncryptionByDefault,
      calls: before.EbsEncryptionByDefault ? [] : [{ service: 'ec2', operation: 'EnableEbsEncryptionByDefault', input: {} }],
    };
  },

  async apply(plan: Plan, aws: AwsClients): Promise<void> {
    for (const call of plan.calls) {
      if (call.service !== 'ec2' || call.operation !== 'EnableEbsEncryptionByDefault') {
        throw new Error(`unexpected call ${call.service}:${call.operation} in plan`);
      }
      await aws.ec2(plan.region).send(new (awsSdk.ec2().EnableEbsEncryptionByDefaultCommand)({}));
    }
  },

  async verify(plan: Plan, aws: AwsClients) {
    const on = await readSetting(aws.ec2(plan.region));
    return {
      ok: on,
      observed: { EbsEncryptionByDefault: on },
      detail: on ? `EBS encryption by default reads back on in ${plan.region}` : `EBS encryption by default is still off in ${plan.region}`,
    };
  },

  /** Turns the setting off again only if it was off before the fix. */
  async undo(plan: Plan, aws: AwsClients): Promise<void> {
    if (stateSchema.parse(plan.before).EbsEncryptionByDefault) return;
    await aws.ec2(plan.region).send(new (awsSdk.ec2().DisableEbsEncryptionByDefaultCommand)({}));
  },
};
