import type { Trail } from '@aws-sdk/client-cloudtrail';
import type { z } from 'zod';
import type { Finding } from '../../domain/finding.js';
import { cloudTrailCall, getTrail, runCloudTrailCall, trailOf } from './cloudtrail-trail.js';
import { renderDiff } from '../diff.js';
import type { AwsClients, Plan, Remediation, RemediationOptions, Verification } from '../remediation.js';

type Value = string | boolean | null;

/** One setting of one trail that a control checks and UpdateTrail can set (and set back). */
export interface TrailSetting<V extends Value> {
  /** The Trail field, as GetTrail names it. */
  field: 'KmsKeyId' | 'LogFileValidationEnabled';
  /** Reads the value back from a stored plan's `before`. */
  schema: z.ZodType<V>;
  read(trail: Trail): V;
  holds(value: V): boolean;
  /** The value the fix sets; throws naming a missing or invalid option. */
  target(remediationId: string, options: RemediationOptions | undefined): V;
  /** UpdateTrail parameters that set the value. */
  update(value: V): Record<string, unknown>;
  /** How the value reads in a diff. */
  show(value: V): string | boolean;
}

type Meta = Pick<Remediation, 'id' | 'controls' | 'cisRules' | 'mode'>;

/**
 * A remediation that changes exactly one setting of the trail the finding names, with
 * UpdateTrail in the trail's home Region (the only Region that may change it).
 */
export function trailSettingRemediation<V extends Value>(meta: Meta, setting: TrailSetting<V>): Remediation {
  const { field } = setting;
  const shown = (value: V) => ({ [field]: setting.show(value) });
  return {
    ...meta,
    resourceType: 'AwsCloudTrailTrail',
    reversible: true,
    permissions: ['cloudtrail:GetTrail', 'cloudtrail:UpdateTrail'],

    async plan(finding: Finding, aws: AwsClients, options?: RemediationOptions): Promise<Plan> {
      const target = setting.target(meta.id, options);
      const ref = trailOf(finding);
      const trail = await getTrail(aws, ref.region, ref.trail);
      const current = setting.read(trail);
      const alreadyCompliant = setting.holds(current);
      const after = alreadyCompliant ? current : target;
      return {
        remediationId: meta.id,
        findingId: finding.id,
        resourceId: trail.TrailARN,
        region: trail.HomeRegion,
        before: { [field]: current },
        after: { [field]: after },
        diff: renderDiff(`CloudTrail trail ${trail.Name}`, shown(current), shown(after)),
        alreadyCompliant,
        calls: alreadyCompliant ? [] : [cloudTrailCall('UpdateTrail', { Name: trail.TrailARN, ...setting.update(target) })],
      };
    },

    async apply(plan: Plan, aws: AwsClients): Promise<void> {
      for (const call of plan.calls) await runCloudTrailCall(aws, plan.region, call, ['UpdateTrail']);
    },

    async verify(plan: Plan, aws: AwsClients): Promise<Verification> {
      const observed = setting.read(await getTrail(aws, plan.region, plan.resourceId));
      const ok = setting.holds(observed);
      return {
        ok,
        observed: { [field]: observed },
        detail: `${field} reads back as ${String(setting.show(observed))}${ok ? '' : ': the control still fails'}`,
      };
    },

    async undo(plan: Plan, aws: AwsClients): Promise<void> {
      // Nothing was changed when the plan made no call.
      if (plan.calls.length === 0) return;
      const previous = setting.schema.parse(plan.before[field]);
      const call = cloudTrailCall('UpdateTrail', { Name: plan.resourceId, ...setting.update(previous) });
      await runCloudTrailCall(aws, plan.region, call, ['UpdateTrail']);
    },
  };
}
