import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { setupServer } from 'msw/node';
import {
  DeleteBucketEncryptionCommand,
  DeleteBucketPolicyCommand,
  GetBucketEncryptionCommand,
  GetBucketLifecycleConfigurationCommand,
  GetBucketLoggingCommand,
  GetBucketPolicyCommand,
  GetBucketVersioningCommand,
  PutBucketEncryptionCommand,
  PutBucketLoggingCommand,
  PutBucketPolicyCommand,
  PutBucketVersioningCommand,
  S3Client,
} from '@aws-sdk/client-s3';
import { SimulatedAws } from '../../src/sim/aws-account.js';
import { errorOf } from '../helpers/aws-error.js';

const credentials = { accessKeyId: 'AKIDSIMULATED', secretAccessKey: 'sim' };
let sim = new SimulatedAws();
const server = setupServer();
const s3 = new S3Client({ region: 'us-east-1', credentials, maxAttempts: 1 });

beforeAll(() => server.listen({ onUnhandledRequest: 'error' }));
beforeEach(() => {
  sim = new SimulatedAws();
  server.use(...sim.handlers());
});
afterEach(() => server.resetHandlers());
afterAll(() => {
  server.close();
  s3.destroy();
});

describe('S3 default encryption', () => {
  it('reports SSE-S3 for a new bucket, and the not-found error for a bucket from before 2023', async () => {
    sim.addBucket('new-bucket');
    sim.addBucket('old-bucket', { encryption: null });
    const out = await s3.send(new GetBucketEncryptionCommand({ Bucket: 'new-bucket' }));
    expect(out.ServerSideEncryptionConfiguration).toEqual({
      Rules: [{ ApplyServerSideEncryptionByDefault: { SSEAlgorithm: 'AES256' }, BucketKeyEnabled: false }],
    });
    const error = await errorOf(s3.send(new GetBucketEncryptionCommand({ Bucket: 'old-bucket' })));
    expect(error.name).toBe('ServerSideEncryptionConfigurationNotFoundError');
    expect(error.$metadata?.httpStatusCode).toBe(404);
  });

  it('round-trips a KMS rule with a Bucket Key and blocked types, and records it in SDK shape', async () => {
    sim.addBucket('old-bucket', { encryption: null });
    const rule = {
      ApplyServerSideEncryptionByDefault: { SSEAlgorithm: 'aws:kms' as const, KMSMasterKeyID: 'alias/a&b' },
      BucketKeyEnabled: true,
      BlockedEncryptionTypes: { EncryptionType: ['SSE-C' as const] },
    };
    await s3.send(new PutBucketEncryptionCommand({ Bucket: 'old-bucket', ServerSideEncryptionConfiguration: { Rules: [rule] } }));
    expect(sim.bucket('old-bucket')?.encryption).toEqual({ SSEAlgorithm: 'aws:kms', KMSMasterKeyID: 'alias/a&b', BucketKeyEnabled: true, BlockedEncryptionTypes: ['SSE-C'] });
    expect(sim.callsTo('s3', 'PutBucketEncryption')[0]?.input).toEqual({ Bucket: 'old-bucket', ServerSideEncryptionConfiguration: { Rules: [rule] } });
    const out = await s3.send(new GetBucketEncryptionCommand({ Bucket: 'old-bucket' }));
    expect(out.ServerSideEncryptionConfiguration).toEqual({ Rules: [rule] });
  });

  it('rejects a KMS key with SSE-S3, and delete resets to SSE-S3 as S3 does since 2023', async () => {
    sim.addBucket('b-kms', { encryption: { SSEAlgorithm: 'aws:kms', KMSMasterKeyID: 'k', BucketKeyEnabled: true } });
    const error = await errorOf(
      s3.send(
        new PutBucketEncryptionCommand({
          Bucket: 'b-kms',
          ServerSideEncryptionConfiguration: { Rules: [{ ApplyServerSideEncryptionByDefault: { SSEAlgorithm: 'AES256', KMSMasterKeyID: 'k' } }] },
        }),
      ),
    );
    expect(error.name).toBe('InvalidArgument');
    await s3.send(new DeleteBucketEncryptionCommand({ Bucket: 'b-kms' }));
    expect(sim.bucket('b-kms')?.encryption).toEqual({ SSEAlgorithm: 'AES256', BucketKeyEnabled: false });
  });
});

describe('S3 bucket policy', () => {
  it('answers NoSuchBucketPolicy, stores the exact string sent, and deletes', async () => {
    sim.addBucket('with.dots.example');
    expect((await errorOf(s3.send(new GetBucketPolicyCommand({ Bucket: 'with.dots.example' })))).name).toBe('NoSuchBucketPolicy');
    const policy = '{ "Version": "2012-10-17",\n  "Statement": [ {"Effect":"Deny","Principal":"*","Action":"s3:*","Resource":"arn:aws:s3:::with.dots.example/*"} ] }';
    await s3.send(new PutBucketPolicyCommand({ Bucket: 'with.dots.example', Policy: policy }));
    expect(sim.bucket('with.dots.example')?.policy).toBe(policy);
    expect((await s3.send(new GetBucketPolicyCommand({ Bucket: 'with.dots.example' }))).Policy).toBe(policy);
    await s3.send(new DeleteBucketPolicyCommand({ Bucket: 'with.dots.example' }));
    expect(sim.bucket('with.dots.example')?.policy).toBeNull();
  });

  it('rejects a document that is not a JSON policy with MalformedPolicy, recording the call', async () => {
    sim.addBucket('policy-bucket');
    for (const bad of ['not json', '{"Version":"2012-10-17"}']) {
      expect((await errorOf(s3.send(new PutBucketPolicyCommand({ Bucket: 'policy-bucket', Policy: bad })))).name).toBe('MalformedPolicy');
    }
    expect(sim.callsTo('s3', 'PutBucketPolicy').map((c) => c.failedWith)).toEqual(['MalformedPolicy', 'MalformedPolicy']);
    expect(sim.bucket('policy-bucket')?.policy).toBeNull();
  });
});

describe('S3 server access logging', () => {
  it('reads an empty status, enables logging with a partitioned key format, and disables it again', async () => {
    sim.addBucket('source-bucket');
    sim.addBucket('log-bucket');
    expect((await s3.send(new GetBucketLoggingCommand({ Bucket: 'source-bucket' }))).LoggingEnabled).toBeUndefined();
    const enabled = {
      TargetBucket: 'log-bucket',
      TargetPrefix: 'source-bucket/',
      TargetObjectKeyFormat: { PartitionedPrefix: { PartitionDateSource: 'EventTime' as const } },
    };
    await s3.send(new PutBucketLoggingCommand({ Bucket: 'source-bucket', BucketLoggingStatus: { LoggingEnabled: enabled } }));
    expect(sim.bucket('source-bucket')?.logging).toEqual(enabled);
    expect((await s3.send(new GetBucketLoggingCommand({ Bucket: 'source-bucket' }))).LoggingEnabled).toEqual(enabled);
    await s3.send(new PutBucketLoggingCommand({ Bucket: 'source-bucket', BucketLoggingStatus: {} }));
    expect(sim.bucket('source-bucket')?.logging).toBeNull();
    expect(sim.callsTo('s3', 'PutBucketLogging').map((c) => c.input)).toEqual([
      { Bucket: 'source-bucket', BucketLoggingStatus: { LoggingEnabled: enabled } },
      { Bucket: 'source-bucket', BucketLoggingStatus: {} },
    ]);
  });

  it('refuses a log bucket that does not exist or is in another Region, and does not model grants', async () => {
    sim.addBucket('source-bucket');
    sim.addBucket('eu-logs', { region: 'eu-west-1' });
    const put = (TargetBucket: string) =>
      errorOf(s3.send(new PutBucketLoggingCommand({ Bucket: 'source-bucket', BucketLoggingStatus: { LoggingEnabled: { TargetBucket, TargetPrefix: '' } } })));
    expect((await put('missing-logs')).name).toBe('InvalidTargetBucketForLogging');
    expect((await put('eu-logs')).name).toBe('CrossLocationLoggingProhibitted');
    const grants = await errorOf(
      s3.send(
        new PutBucketLoggingCommand({
          Bucket: 'source-bucket',
          BucketLoggingStatus: {
            LoggingEnabled: { TargetBucket: 'eu-logs', TargetPrefix: '', TargetGrants: [{ Grantee: { Type: 'Group', URI: 'http://acs.amazonaws.com/groups/global/AllUsers' }, Permission: 'READ' }] },
          },
        }),
      ),
    );
    expect(grants.$metadata?.httpStatusCode).toBe(501);
    expect(sim.bucket('source-bucket')?.logging).toBeNull();
  });
});

describe('S3 versioning', () => {
  it('reports no status for a never-versioned bucket, then Enabled and Suspended', async () => {
    sim.addBucket('versioned-bucket');
    expect((await s3.send(new GetBucketVersioningCommand({ Bucket: 'versioned-bucket' }))).Status).toBeUndefined();
    for (const Status of ['Enabled', 'Suspended'] as const) {
      await s3.send(new PutBucketVersioningCommand({ Bucket: 'versioned-bucket', VersioningConfiguration: { Status } }));
      expect(sim.bucket('versioned-bucket')?.versioning).toBe(Status);
      expect((await s3.send(new GetBucketVersioningCommand({ Bucket: 'versioned-bucket' }))).Status).toBe(Status);
    }
  });

  it('does not model MFA Delete and answers 501 rather than ignoring it', async () => {
    sim.addBucket('versioned-bucket');
    const error = await errorOf(
      s3.send(new PutBucketVersioningCommand({ Bucket: 'versioned-bucket', VersioningConfiguration: { Status: 'Enabled', MFADelete: 'Enabled' }, MFA: 'arn 123456' })),
    );
    expect(error.$metadata?.httpStatusCode).toBe(501);
    expect(sim.bucket('versioned-bucket')?.versioning).toBeNull();
  });
});

describe('S3 routing', () => {
  it('answers 501 for a bucket subresource it does not model, and NoSuchBucket for the new operations too', async () => {
    sim.addBucket('some-bucket');
    const unsupported = await errorOf(s3.send(new GetBucketLifecycleConfigurationCommand({ Bucket: 'some-bucket' })));
    expect(unsupported.$metadata?.httpStatusCode).toBe(501);
    expect(sim.calls.at(-1)?.operation).toBe('Unsupported');
    expect((await errorOf(s3.send(new GetBucketVersioningCommand({ Bucket: 'no-such-bucket' })))).name).toBe('NoSuchBucket');
  });
});
