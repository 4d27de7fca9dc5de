import { z } from 'zod';
import type { Finding } from '../../domain/finding.js';
import {
  cloudTrailCall,
  getTrail,
  isLogging,
  kmsKeyIdSchema,
  missingOption,
  parseOptions,
  requireTrailIdentity,
  runCloudTrailCall,
  trailNameSchema,
  type CloudTrailOperation,
} from './cloudtrail-trail.js';
import { awsSdk } from '../aws-clients.js';
import { renderDiff } from '../diff.js';
import type { ApiCall, AwsClients, Plan, Remediation, RemediationOptions, State, Verification } from '../remediation.js';

const ID = 'cloudtrail-enable-logging';
const DEFAULT_TRAIL_NAME = 'soc2-bot-audit-trail';

const optionsSchema = z.object({
  /** Where a new trail delivers; its bucket policy must already let CloudTrail write. */
  trailBucket: z
    .string()
    .regex(/^[a-z0-9][a-z0-9.-]{1,61}[a-z0-9]$/, 'must be an S3 bucket name')
    .optional(),
  kmsKeyId: kmsKeyIdSchema.optional(),
  trailName: trailNameSchema.optional(),
});

/** What undoes each call this remediation makes; undo runs them in reverse order. */
const inverse: Partial<Record<string, CloudTrailOperation>> = { StartLogging: 'StopLogging', CreateTrail: 'DeleteTrail' };
const nameOf = z.object({ Name: z.string().min(1) });

/** Diffs show "(none)" rather than "null" for a trail that does not exist yet. */
function shown(state: State): Record<string, string | boolean> {
  return Object.fromEntries(
    Object.entries(state).map(([key, value]) => [key, typeof value === 'boolean' || typeof value === 'string' ? value : '(none)']),
  );
}

function makePlan(finding: Finding, fields: Omit<Plan, 'remediationId' | 'findingId' | 'diff'>): Plan {
  const title = `CloudTrail multi-Region trail (${finding.account})`;
  return { remediationId: ID, findingId: finding.id, ...fields, diff: renderDiff(title, shown(fields.before), shown(fields.after)) };
}

/**
 * Makes sure a multi-Region trail is logging (CloudTrail.1, CIS 2.1). Narrow by design:
 * if any multi-Region trail logs, nothing is done; if one exists but is stopped, only
 * StartLogging is called on it; only when none exists is one created, delivering to the
 * bucket the policy names. Shadow trails are included when listing, because a
 * multi-Region trail created in another Region already covers this one and a second
 * trail would only add cost.
 */
export const cloudTrailEnableLogging: Remediation = {
  id: ID,
  controls: ['CloudTrail.1'],
  cisRules: ['2.1'],
  resourceType: 'AwsAccount',
  mode: 'copilot',
  reversible: true,
  permissions: [
    'cloudtrail:CreateTrail',
    'cloudtrail:DeleteTrail',
    'cloudtrail:DescribeTrails',
    'cloudtrail:GetTrail',
    'cloudtrail:GetTrailStatus',
    'cloudtrail:StartLogging',
    'cloudtrail:StopLogging',
  ],

  async plan(finding: Finding, aws: AwsClients, options?: RemediationOptions): Promise<Plan> {
    const opts = parseOptions(ID, optionsSchema, options);
    const region = finding.resource.region || finding.region;
    const listed = await aws.cloudTrail(region).send(new (awsSdk.cloudTrail().DescribeTrailsCommand)({ includeShadowTrails: true }));
    const trails = (listed.trailList ?? []).map((t) => requireTrailIdentity(t, t.Name ?? '(unnamed)'));
    const multiRegion = trails.filter((t) => t.IsMultiRegionTrail === true);
    const logging = await Promise.all(multiRegion.map((t) => isLogging(aws, region, t.TrailARN)));

    const running = multiRegion.find((_, i) => logging[i]);
    if (running) {
      const state = { MultiRegionTrail: running.TrailARN, IsLogging: true };
      return makePlan(finding, { resourceId: running.TrailARN, region: running.HomeRegion, before: state, after: state, alreadyCompliant: true, calls: [] });
    }

    const stopped = multiRegion[0];
    if (stopped) {
      return makePlan(finding, {
        resourceId: stopped.TrailARN,
        region: stopped.HomeRegion,
        before: { MultiRegionTrail: stopped.TrailARN, IsLogging: false },
        after: { MultiRegionTrail: stopped.TrailARN, IsLogging: true },
        alreadyCompliant: false,
        calls: [cloudTrailCall('StartLogging', { Name: stopped.TrailARN })],
      });
    }

    if (!opts.trailBucket) throw missingOption(ID, 'trailBucket');
    const name = opts.trailName ?? DEFAULT_TRAIL_NAME;
    if (trails.some((t) => t.Name === name)) {
      throw new Error(`${ID}: a single-Region trail is already named "${name}"; set the option "trailName" to another name`);
    }
    const settings = {
      S3BucketName: opts.trailBucket,
      IsMultiRegionTrail: true,
      IncludeGlobalServiceEvents: true,
      EnableLogFileValidation: true,
      ...(opts.kmsKeyId ? { KmsKeyId: opts.kmsKeyId } : {}),
    };
    return makePlan(finding, {
      resourceId: name,
      region,
      before: { MultiRegionTrail: null, IsLogging: false },
      after: { MultiRegionTrail: name, ...settings, IsLogging: true },
      alreadyCompliant: false,
      calls: [cloudTrailCall('CreateTrail', { Name: name, ...settings }), cloudTrailCall('StartLogging', { Name: name })],
    });
  },

  async apply(plan: Plan, aws: AwsClients): Promise<void> {
    for (const call of plan.calls) await runCloudTrailCall(aws, plan.region, call, ['CreateTrail', 'StartLogging']);
  },

  async verify(plan: Plan, aws: AwsClients): Promise<Verification> {
    const trail = await getTrail(aws, plan.region, plan.resourceId);
    const observed = { MultiRegionTrail: trail.TrailARN, IsMultiRegionTrail: trail.IsMultiRegionTrail === true, IsLogging: await isLogging(aws, plan.region, trail.TrailARN) };
    const ok = observed.IsMultiRegionTrail && observed.IsLogging;
    return {
      ok,
      observed,
      detail: ok ? `${trail.Name} is a multi-Region trail and is logging` : `${trail.Name}: IsMultiRegionTrail ${String(observed.IsMultiRegionTrail)}, IsLogging ${String(observed.IsLogging)}`,
    };
  },

  async undo(plan: Plan, aws: AwsClients): Promise<void> {
    const undoCalls: ApiCall[] = [...plan.calls].reverse().map((call) => {
      const operation = inverse[call.operation];
      if (!operation) throw new Error(`unexpected call ${call.service}:${call.operation} in plan`);
      return cloudTrailCall(operation, { Name: nameOf.parse(call.input).Name });
    });
    for (const call of undoCalls) await runCloudTrailCall(aws, plan.region, call, ['StopLogging', 'DeleteTrail']);
  },
};
