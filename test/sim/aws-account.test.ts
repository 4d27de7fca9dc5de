import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { setupServer } from 'msw/node';
import {
  DeletePublicAccessBlockCommand,
  GetBucketTaggingCommand,
  GetPublicAccessBlockCommand,
  PutPublicAccessBlockCommand,
  S3Client,
} from '@aws-sdk/client-s3';
import {
  BatchImportFindingsCommand,
  BatchUpdateFindingsCommand,
  GetFindingsCommand,
  type GetFindingsCommandInput,
  SecurityHubClient,
} from '@aws-sdk/client-securityhub';
import { buildControlFinding, SimulatedAws } from '../../src/sim/aws-account.js';
import { errorOf } from '../helpers/aws-error.js';

const credentials = { accessKeyId: 'AKIDSIMULATED', secretAccessKey: 'sim' };
const allOff = { BlockPublicAcls: false, IgnorePublicAcls: false, BlockPublicPolicy: false, RestrictPublicBuckets: false };
const allOn = { BlockPublicAcls: true, IgnorePublicAcls: true, BlockPublicPolicy: true, RestrictPublicBuckets: true };

let sim = new SimulatedAws();
// The handlers read `sim` through the closure, so each test gets a fresh account.
const server = setupServer();
// maxAttempts 1: fault tests must see the first error, not the SDK's retry of it.
const s3 = new S3Client({ region: 'us-east-1', credentials, maxAttempts: 1 });
const hub = new SecurityHubClient({ region: 'us-east-1', credentials, maxAttempts: 1 });

beforeAll(() => server.listen({ onUnhandledRequest: 'error' }));
beforeEach(() => {
  sim = new SimulatedAws();
  server.use(...sim.handlers());
});
afterEach(() => server.resetHandlers());
afterAll(() => {
  server.close();
  s3.destroy();
  hub.destroy();
});

describe('S3', () => {
  it('round-trips a Public Access Block and records the calls', async () => {
    sim.addBucket('open-bucket', { region: 'us-east-1', publicAccessBlock: allOff });
    const before = await s3.send(new GetPublicAccessBlockCommand({ Bucket: 'open-bucket' }));
    expect(before.PublicAccessBlockConfiguration).toEqual(allOff);

    await s3.send(new PutPublicAccessBlockCommand({ Bucket: 'open-bucket', PublicAccessBlockConfiguration: allOn }));
    expect(sim.bucket('open-bucket')?.publicAccessBlock).toEqual(allOn);

    const after = await s3.send(new GetPublicAccessBlockCommand({ Bucket: 'open-bucket' }));
    expect(after.PublicAccessBlockConfiguration).toEqual(allOn);
    expect(sim.calls.map((c) => c.operation)).toEqual(['GetPublicAccessBlock', 'PutPublicAccessBlock', 'GetPublicAccessBlock']);
    expect(sim.calls[1]).toEqual({
      service: 's3',
      operation: 'PutPublicAccessBlock',
      region: 'us-east-1',
      input: { Bucket: 'open-bucket', PublicAccessBlockConfiguration: allOn },
    });
  });

  it('serves dotted bucket names, which the SDK sends path-style', async () => {
    sim.addBucket('logs.example.com', { publicAccessBlock: null });
    await s3.send(new PutPublicAccessBlockCommand({ Bucket: 'logs.example.com', PublicAccessBlockConfiguration: allOn }));
    expect(sim.bucket('logs.example.com')?.publicAccessBlock).toEqual(allOn);
  });

  it('answers NoSuchPublicAccessBlockConfiguration for a bucket that never had one, and after delete', async () => {
    sim.addBucket('bare', { publicAccessBlock: null });
    const error = await errorOf(s3.send(new GetPublicAccessBlockCommand({ Bucket: 'bare' })));
    expect(error.name).toBe('NoSuchPublicAccessBlockConfiguration');
    expect(error.$metadata?.httpStatusCode).toBe(404);

    sim.addBucket('was-blocked', { publicAccessBlock: allOn });
    await s3.send(new DeletePublicAccessBlockCommand({ Bucket: 'was-blocked' }));
    expect(sim.bucket('was-blocked')?.publicAccessBlock).toBeNull();
  });

  it('answers NoSuchBucket for an unknown bucket and PermanentRedirect for the wrong Region', async () => {
    expect((await errorOf(s3.send(new GetPublicAccessBlockCommand({ Bucket: 'missing' })))).name).toBe('NoSuchBucket');

    sim.addBucket('eu-bucket', { region: 'eu-west-1', publicAccessBlock: allOn });
    const wrongRegion = await errorOf(s3.send(new GetPublicAccessBlockCommand({ Bucket: 'eu-bucket' })));
    expect(wrongRegion.name).toBe('PermanentRedirect');
    const euClient = new S3Client({ region: 'eu-west-1', credentials, maxAttempts: 1 });
    try {
      const ok = await euClient.send(new GetPublicAccessBlockCommand({ Bucket: 'eu-bucket' }));
      expect(ok.PublicAccessBlockConfiguration).toEqual(allOn);
    } finally {
      euClient.destroy();
    }
  });

  it('surfaces an injected AccessDenied with its name and status, once', async () => {
    sim.addBucket('locked', { publicAccessBlock: allOff });
    sim.failNext('s3', 'PutPublicAccessBlock', { status: 403, code: 'AccessDenied', message: 'Access Denied' });
    const error = await errorOf(s3.send(new PutPublicAccessBlockCommand({ Bucket: 'locked', PublicAccessBlockConfiguration: allOn })));
    expect(error.name).toBe('AccessDenied');
    expect(error.message).toBe('Access Denied');
    expect(error.$metadata?.httpStatusCode).toBe(403);
    expect(sim.bucket('locked')?.publicAccessBlock).toEqual(allOff);
    expect(sim.calls.at(-1)?.failedWith).toBe('AccessDenied');

    await s3.send(new PutPublicAccessBlockCommand({ Bucket: 'locked', PublicAccessBlockConfiguration: allOn }));
    expect(sim.bucket('locked')?.publicAccessBlock).toEqual(allOn);
  });

  it('keeps a standing fault until cleared, and the SDK retries a one-shot throttle', async () => {
    sim.addBucket('b', { publicAccessBlock: allOn });
    sim.failAlways('s3', '*', { status: 403, code: 'AccessDenied' });
    expect((await errorOf(s3.send(new GetPublicAccessBlockCommand({ Bucket: 'b' })))).name).toBe('AccessDenied');
    expect((await errorOf(s3.send(new GetBucketTaggingCommand({ Bucket: 'b' })))).name).toBe('AccessDenied');
    sim.clearFaults();

    sim.throttleNext('s3', 'GetPublicAccessBlock');
    const retrying = new S3Client({ region: 'us-east-1', credentials, maxAttempts: 3 });
    try {
      const out = await retrying.send(new GetPublicAccessBlockCommand({ Bucket: 'b' }));
      expect(out.PublicAccessBlockConfiguration).toEqual(allOn);
    } finally {
      retrying.destroy();
    }
    expect(sim.callsTo('s3', 'GetPublicAccessBlock').map((c) => c.failedWith)).toEqual(['AccessDenied', 'SlowDown', undefined]);
  });

  it('reads bucket tags, and NoSuchTagSet when there are none', async () => {
    sim.addBucket('tagged', { tags: { owner: 'payments', env: 'prod' } });
    const out = await s3.send(new GetBucketTaggingCommand({ Bucket: 'tagged' }));
    expect(out.TagSet).toEqual([
      { Key: 'owner', Value: 'payments' },
      { Key: 'env', Value: 'prod' },
    ]);
    sim.addBucket('untagged');
    expect((await errorOf(s3.send(new GetBucketTaggingCommand({ Bucket: 'untagged' })))).name).toBe('NoSuchTagSet');
  });
});

describe('Security Hub', () => {
  function seed(count: number): void {
    for (let i = 0; i < count; i += 1) {
      sim.addFinding(
        buildControlFinding({
          control: 'S3.8',
          resourceId: `arn:aws:s3:::bucket-${i}`,
          updatedAt: new Date(Date.UTC(2024, 5, 1, 0, i)).toISOString(),
        }),
      );
    }
  }

  const activeFailedNew: GetFindingsCommandInput['Filters'] = {
    RecordState: [{ Value: 'ACTIVE', Comparison: 'EQUALS' }],
    ComplianceStatus: [{ Value: 'FAILED', Comparison: 'EQUALS' }],
    WorkflowStatus: [{ Value: 'NEW', Comparison: 'EQUALS' }],
  };

  it('paginates 250 findings into pages of 100, 100 and 50 with the filters honoured', async () => {
    seed(250);
    // Noise each filter must exclude.
    sim.addFinding(buildControlFinding({ control: 'S3.2', resourceId: 'arn:aws:s3:::archived', recordState: 'ARCHIVED' }));
    sim.addFinding(buildControlFinding({ control: 'S3.2', resourceId: 'arn:aws:s3:::passed', compliance: 'PASSED' }));
    sim.addFinding(buildControlFinding({ control: 'S3.2', resourceId: 'arn:aws:s3:::suppressed', workflow: 'SUPPRESSED' }));
    sim.addFinding(buildControlFinding({ control: 'S3.2', resourceId: 'arn:aws:s3:::elsewhere', region: 'eu-west-1' }));

    const pages: number[] = [];
    const ids = new Set<string>();
    let token: string | undefined;
    do {
      const out = await hub.send(new GetFindingsCommand({ Filters: activeFailedNew, NextToken: token }));
      pages.push(out.Findings?.length ?? 0);
      for (const f of out.Findings ?? []) ids.add(f.Id ?? '');
      token = out.NextToken;
    } while (token);
    expect(pages).toEqual([100, 100, 50]);
    expect(ids.size).toBe(250);
    expect([...ids].every((id) => id.includes('security-control/S3.8/'))).toBe(true);
  });

  it('honours MaxResults and an UpdatedAt window', async () => {
    seed(30);
    const out = await hub.send(
      new GetFindingsCommand({
        Filters: { UpdatedAt: [{ Start: '2024-06-01T00:10:00.000Z', End: '2024-06-01T00:19:00.000Z' }] },
        MaxResults: 4,
        SortCriteria: [{ Field: 'UpdatedAt', SortOrder: 'desc' }],
      }),
    );
    expect(out.Findings?.map((f) => f.UpdatedAt)).toEqual([
      '2024-06-01T00:19:00.000Z',
      '2024-06-01T00:18:00.000Z',
      '2024-06-01T00:17:00.000Z',
      '2024-06-01T00:16:00.000Z',
    ]);
    expect(out.NextToken).toBeDefined();
  });

  it('rejects a filter it does not simulate instead of ignoring it', async () => {
    const error = await errorOf(hub.send(new GetFindingsCommand({ Filters: { Criticality: [{ Gte: 50 }] } })));
    expect(error.name).toBe('InvalidInputException');
    expect(error.message).toContain('Criticality');
  });

  it('BatchUpdateFindings sets the workflow status, adds the note and reports unknown ids', async () => {
    const finding = buildControlFinding({ control: 'S3.8', resourceId: 'arn:aws:s3:::open-bucket' });
    sim.addFinding(finding);
    const id = finding.Id ?? '';
    const productArn = finding.ProductArn ?? '';
    const out = await hub.send(
      new BatchUpdateFindingsCommand({
        FindingIdentifiers: [
          { Id: id, ProductArn: productArn },
          { Id: 'no-such-finding', ProductArn: productArn },
        ],
        Workflow: { Status: 'RESOLVED' },
        Note: { Text: 'Block Public Access enabled by soc2-bot', UpdatedBy: 'soc2-bot' },
      }),
    );
    expect(out.ProcessedFindings).toEqual([{ Id: id, ProductArn: productArn }]);
    expect(out.UnprocessedFindings).toEqual([
      { FindingIdentifier: { Id: 'no-such-finding', ProductArn: productArn }, ErrorCode: 'FindingNotFound', ErrorMessage: 'Finding Not Found' },
    ]);
    const stored = sim.finding(id);
    expect(stored?.Workflow?.Status).toBe('RESOLVED');
    expect(stored?.Note).toMatchObject({ Text: 'Block Public Access enabled by soc2-bot', UpdatedBy: 'soc2-bot' });
    expect(stored?.UpdatedAt).not.toBe(finding.UpdatedAt);
    expect(sim.noteHistory(id)).toHaveLength(1);

    const resolved = await hub.send(new GetFindingsCommand({ Filters: { WorkflowStatus: [{ Value: 'RESOLVED', Comparison: 'EQUALS' }] } }));
    expect(resolved.Findings?.map((f) => f.Id)).toEqual([id]);
  });

  it('keeps customer-owned fields when a provider re-imports the finding', async () => {
    const finding = buildControlFinding({ control: 'S3.8', resourceId: 'arn:aws:s3:::b', workflow: 'SUPPRESSED' });
    sim.addFinding(finding);
    const out = await hub.send(new BatchImportFindingsCommand({ Findings: [{ ...finding, Title: 'updated', Workflow: { Status: 'NEW' } }] }));
    expect(out).toMatchObject({ SuccessCount: 1, FailedCount: 0 });
    expect(sim.finding(finding.Id ?? '')).toMatchObject({ Title: 'updated', Workflow: { Status: 'SUPPRESSED' } });
  });

  it('surfaces injected ThrottlingException and AccessDeniedException by name', async () => {
    sim.throttleNext('securityhub', 'GetFindings');
    const throttled = await errorOf(hub.send(new GetFindingsCommand({})));
    expect(throttled.name).toBe('ThrottlingException');
    expect(throttled.message).toBe('Rate exceeded');

    sim.failNext('securityhub', 'BatchUpdateFindings', { status: 403, code: 'AccessDeniedException', message: 'not authorized' });
    const denied = await errorOf(
      hub.send(new BatchUpdateFindingsCommand({ FindingIdentifiers: [{ Id: 'x', ProductArn: 'y' }], Workflow: { Status: 'NOTIFIED' } })),
    );
    expect(denied.name).toBe('AccessDeniedException');
    expect(denied.$metadata?.httpStatusCode).toBe(403);
  });
});

describe('STS', () => {
  it('answers GetCallerIdentity with the simulated account', async () => {
    const response = await fetch('https://sts.us-east-1.amazonaws.com/', {
      method: 'POST',
      headers: { 'content-type': 'application/x-www-form-urlencoded' },
      body: 'Action=GetCallerIdentity&Version=2011-06-15',
    });
    expect(response.status).toBe(200);
    expect(await response.text()).toContain(`<Account>${sim.accountId}</Account>`);
  });
});
