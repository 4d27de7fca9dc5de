/**
 * Sets up a simulated account from real findings: for each failing finding whose control
 * the bot can fix, the resource the finding names is created in the non-compliant state
 * that control describes, so a fix plans, applies and verifies against that very resource.
 * Resources are named with the remediations' own parsers, so seeder and fix always agree.
 */
import type { Finding } from '../domain/finding.js';
import { defaultCatalogue } from '../remediate/catalogue.js';
import { trailOf } from '../remediate/cloudtrail/cloudtrail-trail.js';
import { accountId } from '../remediate/ec2/ebs-encryption-by-default.js';
import { securityGroupId } from '../remediate/ec2/security-group-rules.js';
import { iamUserReference } from '../remediate/iam/iam-user.js';
import { dbInstanceOf } from '../remediate/rds/rds-disable-public-access.js';
import { findingAccount } from '../remediate/s3/s3-account-block-public-access.js';
import { bucketName } from '../remediate/s3/s3-block-public-access.js';
import type { BucketState, SimulatedAws } from './aws-account.js';
import type { RuleSeed, SecurityGroupRuleState } from './ec2-service.js';
import type { SimulatedServices } from './offline-bot.js';

export interface SeededResource {
  findingId: string;
  control: string;
  region: string;
  /** What now exists in the simulated account, in words. */
  created: string;
}

export interface SkippedFinding {
  findingId: string;
  control: string | null;
  reason: string;
}

export interface SeedReport {
  seeded: SeededResource[];
  skipped: SkippedFinding[];
}

interface SeedContext {
  aws: SimulatedAws;
  services: SimulatedServices;
  region: string;
  now: Date;
}

/** Creates the non-compliant resource; returns what it created, in words. */
type Seeder = (finding: Finding, context: SeedContext) => string;

const DAY_MS = 86_400_000;
const WORLD = '0.0.0.0/0';
/** The restricted rule a seeded group also has, so a fix is seen to keep it. */
const RESTRICTED_RULE: RuleSeed = { protocol: 'tcp', fromPort: 443, toPort: 443, cidrIpv4: '10.0.0.0/8', description: 'internal HTTPS' };
const ALL_OUTBOUND: RuleSeed = { protocol: '-1', cidrIpv4: WORLD };
const CLOUDTRAIL_1_TRAIL = 'management-events';

const SEEDERS: Readonly<Record<string, Seeder>> = {
  'S3.1': (finding, { services }) => {
    const account = findingAccount(finding);
    services.s3Control.setPublicAccessBlock(null);
    return `account ${account}: no account-level Public Access Block`;
  },
  'S3.4': (finding, context) => `${upsertBucket(finding, context, { encryption: null })}: no default encryption (a bucket from before 2023)`,
  'S3.8': (finding, context) => `${upsertBucket(finding, context, { publicAccessBlock: null })}: no bucket-level Public Access Block`,
  'EC2.7': (finding, { services, region }) => {
    const account = accountId(finding.resource.id);
    services.ec2.setEbsEncryptionByDefault(region, false);
    return `account ${account}: EBS encryption by default off in ${region}`;
  },
  'EC2.13': openIngress(22),
  'EC2.14': openIngress(3389),
  // EC2.18 allows world-open 80 and 443 by default; SSH is what its findings most often name.
  'EC2.18': openIngress(22),
  'IAM.3': accessKey('active access key created 200 days ago, never rotated', (ago) => ({ createDate: ago(200) })),
  'IAM.8': accessKey('active access key last used 120 days ago', (ago, region) => ({
    createDate: ago(400),
    lastUsed: { LastUsedDate: ago(120), ServiceName: 's3', Region: region },
  })),
  'CloudTrail.1': (finding, { services, region }) => {
    const account = accountId(finding.resource.id);
    const multiRegion = services.cloudTrail.trails().filter((t) => t.isMultiRegionTrail);
    for (const { name, ...trail } of multiRegion) services.cloudTrail.addTrail(name, { ...trail, isLogging: false });
    // A stopped trail, not none at all: StartLogging then suffices, with no log bucket for the policy to name.
    if (multiRegion.length === 0) services.cloudTrail.addTrail(CLOUDTRAIL_1_TRAIL, { homeRegion: region, isMultiRegionTrail: true, isLogging: false });
    const names = multiRegion.length > 0 ? multiRegion.map((t) => t.name) : [CLOUDTRAIL_1_TRAIL];
    return `account ${account}: multi-Region trail ${names.join(', ')} not logging`;
  },
  'CloudTrail.2': (finding, { services }) => {
    const { trail, region } = trailOf(finding);
    const name = /:trail\/(.+)$/.exec(trail)?.[1] ?? trail;
    const { name: _name, ...existing } = services.cloudTrail.trail(name) ?? { name };
    // Single-Region unless already seeded: a logging multi-Region trail would pass a CloudTrail.1 finding seeded alongside.
    services.cloudTrail.addTrail(name, { isLogging: true, isMultiRegionTrail: false, ...existing, homeRegion: region, kmsKeyId: null });
    return `trail ${name} (home ${region}): log files not encrypted with KMS`;
  },
  'RDS.2': (finding, { services }) => {
    const { identifier, region } = dbInstanceOf(finding);
    const { identifier: _id, ...existing } = services.rds.dbInstance(identifier, region) ?? { identifier };
    services.rds.addDbInstance(identifier, { ...existing, region, publiclyAccessible: true });
    return `DB instance ${identifier} (${region}): publicly accessible`;
  },
};

/**
 * Seeds `aws` and `services` (the same simulated account) from `findings`. A finding for
 * another account is skipped rather than faked: the simulated account has one id.
 */
export function seedFromFindings(aws: SimulatedAws, services: SimulatedServices, findings: readonly Finding[]): SeedReport {
  const report: SeedReport = { seeded: [], skipped: [] };
  const seededBy = new Map<string, string>();
  const now = new Date();
  for (const finding of findings) {
    const region = finding.resource.region || finding.region;
    const key = `${finding.control ?? ''}|${region}|${finding.resource.id}`;
    const skip = (reason: string) => report.skipped.push({ findingId: finding.id, control: finding.control, reason });
    const reason = skipReason(finding, aws.accountId, seededBy.get(key));
    const seeder = seederFor(finding.control);
    if (reason !== null || !seeder || finding.control === null) {
      skip(reason ?? 'no seeder');
      continue;
    }
    try {
      const created = seeder(finding, { aws, services, region, now });
      report.seeded.push({ findingId: finding.id, control: finding.control, region, created });
      seededBy.set(key, finding.id);
    } catch (error) {
      // A resource id the remediation's own parser rejects cannot be seeded either.
      skip(error instanceof Error ? error.message : String(error));
    }
  }
  return report;
}

function seederFor(control: string | null): Seeder | undefined {
  return control !== null && Object.hasOwn(SEEDERS, control) ? SEEDERS[control] : undefined;
}

/** Why this finding is not seeded, or null when it is. */
function skipReason(finding: Finding, simulatedAccount: string, seededBy: string | undefined): string | null {
  const control = finding.control;
  if (finding.compliance !== 'FAILED') return `not failing (compliance ${finding.compliance ?? 'none'})`;
  if (finding.recordState !== 'ACTIVE') return 'archived';
  if (control === null) return 'not a control finding';
  const entry = defaultCatalogue.get(control);
  if (!entry) return `no remediation for ${control}`;
  if (!entry.remediation) return `${control} has manual guidance only`;
  const other = [finding.account, resourceAccount(finding.resource.id)].find((a) => a !== undefined && a !== simulatedAccount);
  if (other !== undefined) return `other account: skipped (${other}; the simulated account is ${simulatedAccount})`;
  if (seededBy !== undefined) return `same control and resource as finding ${seededBy}: already seeded`;
  if (!seederFor(control)) return `no seeder for ${control}: the simulated account cannot be set up for it yet`;
  return null;
}

/** The account an ARN or `AWS::::Account:<id>` names, when it names one. */
function resourceAccount(resourceId: string): string | undefined {
  return /^AWS::::Account:(\d{12})$/.exec(resourceId)?.[1] ?? /^arn:[^:]+:[^:]*:[^:]*:(\d{12}):/.exec(resourceId)?.[1];
}

/** Creates the bucket, or changes one a finding seeded before; returns its name for the report. */
function upsertBucket(finding: Finding, { aws, region }: SeedContext, change: Partial<BucketState>): string {
  const name = bucketName(finding.resource.id);
  const existing = aws.bucket(name);
  if (existing && existing.region !== region) throw new Error(`bucket ${name} was already seeded in ${existing.region}`);
  aws.addBucket(name, { ...existing, region, ...change });
  return `s3://${name} (${region})`;
}

/** A group open to the world on `port`, next to a restricted rule the fix must keep. */
function openIngress(port: number): Seeder {
  return (finding, { services, region }) => {
    const groupId = securityGroupId(finding.resource.id);
    const existing = services.ec2.securityGroup(groupId);
    const seeds = (egress: boolean) => (existing?.rules ?? []).filter((r) => r.isEgress === egress).map(ruleSeed);
    const open: RuleSeed = { protocol: 'tcp', fromPort: port, toPort: port, cidrIpv4: WORLD };
    const ingress = existing ? seeds(false) : [RESTRICTED_RULE];
    if (!ingress.some((r) => r.protocol === 'tcp' && r.fromPort === port && r.toPort === port && r.cidrIpv4 === WORLD)) ingress.push(open);
    services.ec2.addSecurityGroup({
      groupId,
      region,
      ...(existing ? { groupName: existing.groupName, description: existing.description, vpcId: existing.vpcId } : {}),
      ingress,
      egress: existing ? seeds(true) : [ALL_OUTBOUND],
    });
    return `security group ${groupId} (${region}): tcp ${port} open to ${WORLD}, plus tcp 443 from 10.0.0.0/8`;
  };
}

function ruleSeed({ ruleId: _ruleId, isEgress: _isEgress, ...seed }: SecurityGroupRuleState): RuleSeed {
  return seed;
}

type KeySeed = Parameters<SimulatedServices['iam']['addAccessKey']>[1];

/** The user the finding names (created if new) gets one more access key, failing the control. */
function accessKey(what: string, key: (ago: (days: number) => string, region: string) => KeySeed): Seeder {
  return (finding, { services, region, now }) => {
    const reference = iamUserReference(finding.resource.id);
    if ('accessKeyId' in reference) throw new Error('the finding names an access key, not its user: the sim cannot tell whose key it is');
    // AWS Config names a user by its unique id alone; the sim then names the user after that id.
    const userName = 'userName' in reference ? reference.userName : reference.userId;
    if (!services.iam.user(userName)) services.iam.addUser(userName, 'userId' in reference ? { userId: reference.userId } : {});
    const ago = (days: number) => new Date(now.getTime() - days * DAY_MS).toISOString();
    services.iam.addAccessKey(userName, key(ago, region));
    return `IAM user ${userName}: ${what}`;
  };
}
