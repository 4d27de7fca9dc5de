import type { EC2Client, ModifyInstanceMetadataOptionsCommand } from '@aws-sdk/client-ec2';
import { z } from 'zod';
import type { Finding } from '../../domain/finding.js';
import { awsSdk } from '../aws-clients.js';
import { renderDiff } from '../diff.js';
import type { AwsClients, Plan, Remediation } from '../remediation.js';

/** `arn:aws:ec2:<region>:<account>:instance/i-...` or a bare instance id. */
export function instanceId(resourceId: string): string {
  const id = resourceId.startsWith('arn:') ? (/^arn:[^:]+:ec2:[^:]*:[^:]*:instance\/(.+)$/.exec(resourceId)?.[1] ?? '') : resourceId;
  if (!/^i-[0-9a-f]{8,17}$/.test(id)) throw new Error(`"${resourceId}" does not name an EC2 instance`);
  return id;
}

const metadataSchema = z.object({
  HttpTokens: z.enum(['optional', 'required']),
  HttpEndpoint: z.enum(['enabled', 'disabled']),
  HttpPutResponseHopLimit: z.number().int().min(1).max(64),
});
type Metadata = z.infer<typeof metadataSchema>;

/** The instance's metadata options; EC2 answers InvalidInstanceID.NotFound for an instance that is gone. */
async function readMetadata(ec2: EC2Client, id: string): Promise<Metadata> {
  const out = await ec2.send(new (awsSdk.ec2().DescribeInstancesCommand)({ InstanceIds: [id] }));
  const instance = (out.Reservations ?? []).flatMap((r) => r.Instances ?? []).find((i) => i.InstanceId === id);
  if (!instance) throw new Error(`DescribeInstances did not return ${id}`);
  const options = instance.MetadataOptions;
  return metadataSchema.parse({
    HttpTokens: options?.HttpTokens,
    HttpEndpoint: options?.HttpEndpoint,
    HttpPutResponseHopLimit: options?.HttpPutResponseHopLimit,
  });
}

/** Tokens only; the endpoint and hop limit are sent as they were so nothing else changes. */
function modify(id: string, metadata: Metadata): ModifyInstanceMetadataOptionsCommand {
  return new (awsSdk.ec2().ModifyInstanceMetadataOptionsCommand)({ InstanceId: id, ...metadata });
}

/** Requires IMDSv2 session tokens on one instance (EC2.8); IMDSv1 requests are refused from then on. */
export const ec2RequireImdsv2: Remediation = {
  id: 'ec2-require-imdsv2',
  controls: ['EC2.8'],
  cisRules: [],
  resourceType: 'AwsEc2Instance',
  mode: 'copilot',
  reversible: true,
  permissions: ['ec2:DescribeInstances', 'ec2:ModifyInstanceMetadataOptions'],

  async plan(finding: Finding, aws: AwsClients): Promise<Plan> {
    const id = instanceId(finding.resource.id);
    const region = finding.resource.region || finding.region;
    const before = await readMetadata(aws.ec2(region), id);
    const after: Metadata = { ...before, HttpTokens: 'required' };
    const alreadyCompliant = before.HttpTokens === 'required';
    return {
      remediationId: this.id,
      findingId: finding.id,
      resourceId: id,
      region,
      before,
      after,
      diff: renderDiff(`${id} instance metadata options`, before, after),
      alreadyCompliant,
      calls: alreadyCompliant ? [] : [{ service: 'ec2', operation: 'ModifyInstanceMetadataOptions', input: { InstanceId: id, ...after } }],
    };
  },

  async apply(plan: Plan, aws: AwsClients): Promise<void> {
    for (const call of plan.calls) {
      if (call.service !== 'ec2' || call.operation !== 'ModifyInstanceMetadataOptions') {
        throw new Error(`unexpected call ${call.service}:${call.operation} in plan`);
      }
      const { InstanceId, ...metadata } = metadataSchema.extend({ InstanceId: z.literal(plan.resourceId) }).parse(call.input);
      await aws.ec2(plan.region).send(modify(InstanceId, metadata));
    }
  },

  async verify(plan: Plan, aws: AwsClients) {
    const observed = await readMetadata(aws.ec2(plan.region), plan.resourceId);
    const ok = observed.HttpTokens === 'required';
    return {
      ok,
      observed,
      detail: ok ? `${plan.resourceId} now requires IMDSv2 tokens` : `${plan.resourceId} still accepts IMDSv1 (HttpTokens ${observed.HttpTokens})`,
    };
  },

  /** Puts back the options read before the fix (HttpTokens optional, same endpoint and hop limit). */
  async undo(plan: Plan, aws: AwsClients): Promise<void> {
    await aws.ec2(plan.region).send(modify(plan.resourceId, metadataSchema.parse(plan.before)));
  },
};
