import { beforeEach, describe, expect, it } from 'vitest';
import type { Finding } from '../../src/domain/finding.js';
import { parsePolicy } from '../../src/config/policy.js';
import { resolveRoute, routingFromPolicy } from '../../src/route/routing.js';
import { createTagLookup } from '../../src/route/tag-lookup.js';
import { Ec2Service } from '../../src/sim/ec2-service.js';
import { IamService } from '../../src/sim/iam-service.js';
import { makeFinding } from '../helpers/findings.js';
import { useSimulatedAws } from '../helpers/sim-aws.js';

const { sim, clients } = useSimulatedAws();
let ec2: Ec2Service;
let iam: IamService;
let now: Date;
let warnings: { fields: unknown; message: string }[];

beforeEach(() => {
  ec2 = new Ec2Service({ accountId: sim.aws.accountId });
  iam = new IamService({ accountId: sim.aws.accountId });
  sim.aws.register(ec2);
  sim.aws.register(iam);
  now = new Date('2026-11-24T08:00:00Z');
  warnings = [];
});

const lookup = () =>
  createTagLookup({ aws: clients, clock: { now: () => now }, log: { warn: (fields, message) => void warnings.push({ fields, message }) } });

const on = (type: string, id: string): Finding => makeFinding({ resource: { type, id, region: 'us-east-1', tags: {} } });
const routing = routingFromPolicy(
  parsePolicy(`
teams:
  payments: { channel: C0PAYMENTS01 }
  platform: { channel: C0PLATFORM01 }
accounts:
  "111111111111": { team: platform }
`),
);

describe('tag lookup', () => {
  it('reads S3 bucket tags, so the owner tag routes the finding', async () => {
    sim.aws.addBucket('customer-exports', { tags: { owner: 'payments', env: 'prod' } });
    const [finding] = await lookup().withTags([on('AwsS3Bucket', 'arn:aws:s3:::customer-exports')]);
    expect(finding?.resource.tags).toEqual({ owner: 'payments', env: 'prod' });
    expect(resolveRoute(finding!, routing)).toEqual({ channel: 'C0PAYMENTS01', owner: 'payments', via: 'tag' });
  });

  it('reads EC2 tags with DescribeTags, filtered to the resource', async () => {
    ec2.tagResource('sg-0123456789abcdef0', { team: 'payments' });
    ec2.tagResource('sg-0fedcba9876543210', { team: 'platform' });
    const [finding] = await lookup().withTags([on('AwsEc2SecurityGroup', 'arn:aws:ec2:us-east-1:111111111111:security-group/sg-0123456789abcdef0')]);
    expect(finding?.resource.tags).toEqual({ team: 'payments' });
    expect(sim.aws.callsTo('ec2', 'DescribeTags')[0]?.input).toMatchObject({ Filters: [{ Name: 'resource-id', Values: ['sg-0123456789abcdef0'] }] });
  });

  it('reads IAM user and role tags by the name in the ARN', async () => {
    iam.addUser('deploy-bot', { path: '/service/', tags: { owner: 'platform' } });
    iam.addRole('exporter', { tags: { Team: 'payments' } });
    const found = await lookup().withTags([
      on('AwsIamUser', 'arn:aws:iam::111111111111:user/service/deploy-bot'),
      on('AwsIamRole', 'arn:aws:iam::111111111111:role/exporter'),
    ]);
    expect(found.map((f) => f.resource.tags)).toEqual([{ owner: 'platform' }, { Team: 'payments' }]);
  });

  it('caches for five minutes: the second lookup of a resource makes no call', async () => {
    sim.aws.addBucket('customer-exports', { tags: { owner: 'payments' } });
    const tags = lookup();
    const finding = on('AwsS3Bucket', 'arn:aws:s3:::customer-exports');
    await tags.withTags([finding, { ...finding, id: 'another finding on the same bucket' }]);
    await tags.withTags([finding]);
    expect(sim.aws.callsTo('s3', 'GetBucketTagging')).toHaveLength(1);
    now = new Date(now.getTime() + 5 * 60_000 + 1);
    await tags.withTags([finding]);
    expect(sim.aws.callsTo('s3', 'GetBucketTagging')).toHaveLength(2);
  });

  it('keeps tags the source carried and skips resources it cannot look up', async () => {
    const carried = makeFinding({ resource: { type: 'AwsS3Bucket', id: 'arn:aws:s3:::b', region: 'us-east-1', tags: { owner: 'payments' } } });
    const account = on('AwsAccount', 'AWS::::Account:111111111111');
    const byId = on('AwsIamUser', 'arn:aws:iam::111111111111:user/AIDACKCEVSQ6C2EXAMPLE');
    expect(await lookup().withTags([carried, account])).toEqual([carried, account]);
    iam.addUser('someone');
    expect((await lookup().withTags([byId]))[0]?.resource.tags).toEqual({});
    expect(sim.aws.calls.filter((c) => c.operation !== 'ListUserTags')).toEqual([]);
  });

  it('treats an untagged bucket as having no tags, without a warning', async () => {
    sim.aws.addBucket('plain');
    const [finding] = await lookup().withTags([on('AwsS3Bucket', 'arn:aws:s3:::plain')]);
    expect(finding?.resource.tags).toEqual({});
    expect(warnings).toEqual([]);
  });

  it('on AccessDenied logs once, keeps every finding and routes it by account', async () => {
    sim.aws.addBucket('bucket-a', { tags: { owner: 'payments' } });
    sim.aws.addBucket('bucket-b', { tags: { owner: 'payments' } });
    sim.aws.failAlways('s3', 'GetBucketTagging', { status: 403, code: 'AccessDenied', message: 'Access Denied' });
    const findings = [on('AwsS3Bucket', 'arn:aws:s3:::bucket-a'), on('AwsS3Bucket', 'arn:aws:s3:::bucket-b')];
    const found = await lookup().withTags(findings);
    expect(found).toEqual(findings);
    expect(found.map((f) => resolveRoute(f, routing))).toEqual([
      { channel: 'C0PLATFORM01', owner: 'platform', via: 'account' },
      { channel: 'C0PLATFORM01', owner: 'platform', via: 'account' },
    ]);
    expect(sim.aws.callsTo('s3', 'GetBucketTagging').map((c) => c.failedWith)).toEqual(['AccessDenied', 'AccessDenied']);
    expect(warnings).toHaveLength(1);
    expect(warnings[0]?.fields).toMatchObject({ operation: 'GetBucketTagging', code: 'AccessDenied', resourceId: expect.stringMatching(/^arn:aws:s3:::bucket-[ab]$/) });
  });
});
