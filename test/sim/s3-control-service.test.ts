import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { setupServer } from 'msw/node';
import {
  DeletePublicAccessBlockCommand,
  GetPublicAccessBlockCommand,
  ListAccessPointsCommand,
  PutPublicAccessBlockCommand,
  S3ControlClient,
} from '@aws-sdk/client-s3-control';
import { SimulatedAws } from '../../src/sim/aws-account.js';
import { S3ControlService } from '../../src/sim/s3-control-service.js';
import { errorOf } from '../helpers/aws-error.js';

const credentials = { accessKeyId: 'AKIDSIMULATED', secretAccessKey: 'sim' };
const account = '111122223333';
const allOn = { BlockPublicAcls: true, IgnorePublicAcls: true, BlockPublicPolicy: true, RestrictPublicBuckets: true };

let sim = new SimulatedAws({ accountId: account });
let control = new S3ControlService(account);
const server = setupServer();
const client = new S3ControlClient({ region: 'eu-west-1', credentials, maxAttempts: 1 });

beforeAll(() => server.listen({ onUnhandledRequest: 'error' }));
beforeEach(() => {
  sim = new SimulatedAws({ accountId: account });
  control = new S3ControlService(account);
  sim.register(control);
  server.use(...sim.handlers());
});
afterEach(() => server.resetHandlers());
afterAll(() => {
  server.close();
  client.destroy();
});

describe('S3 Control account Public Access Block', () => {
  it('answers NoSuchPublicAccessBlockConfiguration for an account that never had one', async () => {
    const error = await errorOf(client.send(new GetPublicAccessBlockCommand({ AccountId: account })));
    expect(error.name).toBe('NoSuchPublicAccessBlockConfiguration');
    expect(error.$metadata?.httpStatusCode).toBe(404);
  });

  it('round-trips a configuration, treating omitted settings as false, and records the calls', async () => {
    await client.send(new PutPublicAccessBlockCommand({ AccountId: account, PublicAccessBlockConfiguration: { BlockPublicAcls: true, RestrictPublicBuckets: true } }));
    const expected = { BlockPublicAcls: true, IgnorePublicAcls: false, BlockPublicPolicy: false, RestrictPublicBuckets: true };
    expect(control.publicAccessBlock()).toEqual(expected);
    const out = await client.send(new GetPublicAccessBlockCommand({ AccountId: account }));
    expect(out.PublicAccessBlockConfiguration).toEqual(expected);
    expect(sim.calls.map(({ service, operation, region }) => ({ service, operation, region }))).toEqual([
      { service: 's3control', operation: 'PutPublicAccessBlock', region: 'eu-west-1' },
      { service: 's3control', operation: 'GetPublicAccessBlock', region: 'eu-west-1' },
    ]);
    expect(sim.calls[0]?.input).toEqual({ AccountId: account, PublicAccessBlockConfiguration: expected });
  });

  it('deletes the configuration', async () => {
    control.setPublicAccessBlock(allOn);
    await client.send(new DeletePublicAccessBlockCommand({ AccountId: account }));
    expect(control.publicAccessBlock()).toBeNull();
  });

  it('denies an account other than its own', async () => {
    const error = await errorOf(client.send(new PutPublicAccessBlockCommand({ AccountId: '999999999999', PublicAccessBlockConfiguration: allOn })));
    expect(error.name).toBe('AccessDenied');
    expect(error.$metadata?.httpStatusCode).toBe(403);
    expect(control.publicAccessBlock()).toBeNull();
  });

  it('surfaces an injected fault by name, once', async () => {
    sim.failNext('s3control', 'GetPublicAccessBlock', { status: 403, code: 'AccessDenied', message: 'Access Denied' });
    control.setPublicAccessBlock(allOn);
    expect((await errorOf(client.send(new GetPublicAccessBlockCommand({ AccountId: account })))).name).toBe('AccessDenied');
    expect((await client.send(new GetPublicAccessBlockCommand({ AccountId: account }))).PublicAccessBlockConfiguration).toEqual(allOn);
  });

  it('answers 501 for operations it does not model', async () => {
    const error = await errorOf(client.send(new ListAccessPointsCommand({ AccountId: account })));
    expect(error.$metadata?.httpStatusCode).toBe(501);
    expect(sim.calls.at(-1)?.operation).toBe('Unsupported');
  });
});
