import type { Clock } from '../domain/clock.js';
import type { Finding, FindingResource } from '../domain/finding.js';
import { awsSdk, type AwsClients } from '../remediate/aws-clients.js';

/** What looking tags up needs in the bot's IAM policy. */
export const tagLookupPermissions = ['ec2:DescribeTags', 'iam:ListRoleTags', 'iam:ListUserTags', 's3:GetBucketTagging'] as const;

export interface TagLookup {
  /**
   * The findings, each with its resource's tags looked up when the source carried none, so
   * owner tags can route it. A failed lookup leaves the tags empty: the finding still routes
   * by account or to the fallback channel, and is never dropped.
   */
  withTags(findings: readonly Finding[]): Promise<Finding[]>;
}

export interface TagLookupOptions {
  aws: AwsClients;
  clock: Clock;
  /** The bot's logger, or anything with its `warn(fields, message)`. */
  log: { warn(fields: Record<string, unknown>, message: string): void };
  /** How long a resource's tags (or a failure to read them) are reused. */
  ttlMs?: number;
}

type Tags = Record<string, string>;

interface Lookup {
  /** Identifies the resource across findings, for the cache. */
  key: string;
  operation: string;
  read: (aws: AwsClients) => Promise<Tags>;
}

const concurrency = 8;
const maxCached = 10_000;

export function createTagLookup(options: TagLookupOptions): TagLookup {
  const ttlMs = options.ttlMs ?? 5 * 60_000;
  const cache = new Map<string, { until: number; tags: Promise<Tags> }>();
  const warned = new Set<string>();

  // The promise is cached, so findings on one resource looked up in parallel share one call;
  // failures are cached too, so a denied lookup is not retried for every finding.
  function tagsOf(lookup: Lookup, resourceId: string): Promise<Tags> {
    const now = options.clock.now().getTime();
    const hit = cache.get(lookup.key);
    if (hit && hit.until > now) return hit.tags;
    const tags = lookup.read(options.aws).catch((error: unknown) => {
      const code = error instanceof Error ? error.name : 'Error';
      if (!warned.has(`${lookup.operation} ${code}`)) {
        warned.add(`${lookup.operation} ${code}`);
        options.log.warn(
          { operation: lookup.operation, code, resourceId, err: error instanceof Error ? error.message : String(error) },
          'cannot read resource tags; routing such findings by account or to the fallback channel (logged once)',
        );
      }
      return {};
    });
    cache.delete(lookup.key);
    cache.set(lookup.key, { until: now + ttlMs, tags });
    // Insertion order is age order: drop the oldest entries first.
    for (const key of cache.keys()) {
      if (cache.size <= maxCached) break;
      cache.delete(key);
    }
    return tags;
  }

  async function withTag(finding: Finding): Promise<Finding> {
    if (Object.keys(finding.resource.tags).length > 0) return finding;
    const lookup = lookupFor(finding.resource, finding.region);
    if (lookup === null) return finding;
    const tags = await tagsOf(lookup, finding.resource.id);
    return Object.keys(tags).length > 0 ? { ...finding, resource: { ...finding.resource, tags: { ...tags } } } : finding;
  }

  return {
    async withTags(findings) {
      const out: Finding[] = new Array<Finding>(findings.length);
      let next = 0;
      const worker = async () => {
        for (let i = next++; i < findings.length; i = next++) {
          const finding = findings[i];
          if (finding !== undefined) out[i] = await withTag(finding);
        }
      };
      await Promise.all(Array.from({ length: Math.min(concurrency, findings.length) }, worker));
      return out;
    },
  };
}

/** How to read tags for the resource types that have an owner worth routing by; null for the rest. */
function lookupFor(resource: FindingResource, findingRegion: string): Lookup | null {
  const region = resource.region || findingRegion;
  const tail = resource.id.slice(resource.id.lastIndexOf('/') + 1);
  if (resource.type === 'AwsS3Bucket') {
    const bucket = resource.id.startsWith('arn:') ? resource.id.slice(resource.id.lastIndexOf(':') + 1) : resource.id;
    if (!/^[a-z0-9][a-z0-9.-]{1,62}$/.test(bucket)) return null;
    return { key: `s3 ${bucket}`, operation: 'GetBucketTagging', read: (aws) => bucketTags(aws, region, bucket) };
  }
  if (resource.type.startsWith('AwsEc2') && /^[a-z]+-[0-9a-f]+$/.test(tail)) {
    return { key: `ec2 ${region} ${tail}`, operation: 'DescribeTags', read: (aws) => ec2Tags(aws, region, tail) };
  }
  // IAM names come from the ARN; a finding that gives only an id (AIDA...) cannot be looked up by name.
  const iam = /^arn:aws[a-z-]*:iam::\d{12}:(user|role)\/(?:.*\/)?([\w+=,.@-]+)$/.exec(resource.id);
  if (iam?.[1] === 'user' && iam[2] !== undefined && resource.type === 'AwsIamUser') {
    const userName = iam[2];
    return { key: `iam ${resource.id}`, operation: 'ListUserTags', read: (aws) => pairs(awsSdk.iam().paginateListUserTags({ client: aws.iam(region) }, { UserName: userName }), (page) => page.Tags) };
  }
  if (iam?.[1] === 'role' && iam[2] !== undefined && resource.type === 'AwsIamRole') {
    const roleName = iam[2];
    return { key: `iam ${resource.id}`, operation: 'ListRoleTags', read: (aws) => pairs(awsSdk.iam().paginateListRoleTags({ client: aws.iam(region) }, { RoleName: roleName }), (page) => page.Tags) };
  }
  return null;
}

async function bucketTags(aws: AwsClients, region: string, bucket: string): Promise<Tags> {
  try {
    const reply = await aws.s3(region).send(new (awsSdk.s3().GetBucketTaggingCommand)({ Bucket: bucket }));
    return toTags(reply.TagSet);
  } catch (error) {
    // S3 answers "no tags" with an error.
    if (error instanceof Error && error.name === 'NoSuchTagSet') return {};
    throw error;
  }
}

function ec2Tags(aws: AwsClients, region: string, resourceId: string): Promise<Tags> {
  return pairs(awsSdk.ec2().paginateDescribeTags({ client: aws.ec2(region) }, { Filters: [{ Name: 'resource-id', Values: [resourceId] }] }), (page) => page.Tags);
}

async function pairs<P>(pages: AsyncIterable<P>, tagsOfPage: (page: P) => readonly { Key?: string | undefined; Value?: string | undefined }[] | undefined): Promise<Tags> {
  let tags: Tags = {};
  for await (const page of pages) tags = { ...tags, ...toTags(tagsOfPage(page)) };
  return tags;
}

/** fromEntries, not assignment: a tag key such as __proto__ stays an own, ordinary key. */
function toTags(list: readonly { Key?: string | undefined; Value?: string | undefined }[] | undefined): Tags {
  return Object.fromEntries((list ?? []).flatMap(({ Key, Value }) => (Key !== undefined && Value !== undefined ? [[Key, Value] as const] : [])));
}
