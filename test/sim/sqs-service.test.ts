import {
  ChangeMessageVisibilityCommand,
  DeleteMessageBatchCommand,
  DeleteMessageCommand,
  GetQueueUrlCommand,
  ReceiveMessageCommand,
  SendMessageCommand,
  SQSClient,
} from '@aws-sdk/client-sqs';
import { afterAll, beforeEach, describe, expect, it } from 'vitest';
import { SqsService } from '../../src/sim/sqs-service.js';
import { useSimulatedAws } from '../helpers/sim-aws.js';

const { sim } = useSimulatedAws();
const sqs = new SQSClient({ region: 'us-east-1', credentials: { accessKeyId: 'AKIDSIMULATED', secretAccessKey: 'simulated' }, maxAttempts: 1 });
afterAll(() => sqs.destroy());

let now: number;
let service: SqsService;
let queueUrl: string;

beforeEach(() => {
  now = Date.parse('2026-11-25T12:00:00.000Z');
  service = new SqsService({ accountId: sim.aws.accountId, now: () => new Date(now), longPollCapMs: 200 });
  sim.aws.register(service);
  service.addQueue('events-dlq');
  queueUrl = service.addQueue('events', { visibilityTimeoutSeconds: 30, redrive: { deadLetterQueue: 'events-dlq', maxReceiveCount: 2 } });
});

const receive = (extra: Partial<ConstructorParameters<typeof ReceiveMessageCommand>[0]> = {}) =>
  sqs.send(new ReceiveMessageCommand({ QueueUrl: queueUrl, MaxNumberOfMessages: 10, MessageSystemAttributeNames: ['ApproximateReceiveCount'], ...extra }));

describe('SqsService (AWS JSON 1.0, as the SDK speaks it)', () => {
  it('sends and receives with the body checksum the SDK verifies and the receive count', async () => {
    const sent = await sqs.send(new SendMessageCommand({ QueueUrl: queueUrl, MessageBody: '{"hello":"world"}' }));
    expect(sent.MessageId).toMatch(/^[0-9a-f-]{36}$/);
    const out = await receive();
    expect(out.Messages).toEqual([
      { MessageId: sent.MessageId, ReceiptHandle: expect.any(String), MD5OfBody: 'fbc24bcc7a1794758fc1327fcfebdaf6', Body: '{"hello":"world"}', Attributes: { ApproximateReceiveCount: '1' } },
    ]);
    const call = sim.aws.callsTo('sqs', 'ReceiveMessage')[0];
    expect(call?.input).toMatchObject({ QueueUrl: queueUrl, MaxNumberOfMessages: 10 });
  });

  it('hides a received message for the visibility timeout, then delivers it again with a new handle', async () => {
    service.send('events', 'a');
    const first = (await receive()).Messages?.[0];
    expect((await receive()).Messages).toBeUndefined();
    now += 31_000;
    const second = (await receive()).Messages?.[0];
    expect(second?.Attributes?.['ApproximateReceiveCount']).toBe('2');
    expect(second?.ReceiptHandle).not.toBe(first?.ReceiptHandle);
    // A stale handle succeeds without deleting (as SQS); the latest one deletes.
    await sqs.send(new DeleteMessageCommand({ QueueUrl: queueUrl, ReceiptHandle: first?.ReceiptHandle }));
    expect(service.messages('events')).toHaveLength(1);
    await sqs.send(new DeleteMessageCommand({ QueueUrl: queueUrl, ReceiptHandle: second?.ReceiptHandle }));
    expect(service.messages('events')).toHaveLength(0);
  });

  it('changes visibility of a message in flight and refuses one that is not', async () => {
    service.send('events', 'a');
    const handle = (await receive()).Messages?.[0]?.ReceiptHandle;
    await sqs.send(new ChangeMessageVisibilityCommand({ QueueUrl: queueUrl, ReceiptHandle: handle, VisibilityTimeout: 0 }));
    expect((await receive()).Messages).toHaveLength(1);
    now += 60_000;
    await expect(sqs.send(new ChangeMessageVisibilityCommand({ QueueUrl: queueUrl, ReceiptHandle: handle, VisibilityTimeout: 10 }))).rejects.toMatchObject({
      name: 'MessageNotInflight',
    });
  });

  it('moves a message received maxReceiveCount times to the dead-letter queue on the next receive', async () => {
    service.send('events', 'poison');
    for (let i = 0; i < 2; i++) {
      expect((await receive()).Messages).toHaveLength(1);
      now += 31_000;
    }
    expect((await receive()).Messages).toBeUndefined();
    expect(service.messages('events')).toEqual([]);
    expect(service.messages('events-dlq').map((m) => [m.body, m.receiveCount])).toEqual([['poison', 2]]);
  });

  it('long-polls: an empty receive waits, and a message sent meanwhile answers it at once', async () => {
    const started = Date.now();
    expect((await receive({ WaitTimeSeconds: 20 })).Messages).toBeUndefined();
    expect(Date.now() - started).toBeGreaterThanOrEqual(150);
    const waiting = receive({ WaitTimeSeconds: 20 });
    setTimeout(() => service.send('events', 'late'), 20);
    expect((await waiting).Messages?.map((m) => m.Body)).toEqual(['late']);
  });

  it('deletes in batches, reporting bad handles per entry', async () => {
    service.send('events', 'a');
    service.send('events', 'b');
    const handles = (await receive()).Messages?.map((m) => m.ReceiptHandle ?? '') ?? [];
    const out = await sqs.send(
      new DeleteMessageBatchCommand({
        QueueUrl: queueUrl,
        Entries: [...handles.map((h, i) => ({ Id: `m${i}`, ReceiptHandle: h })), { Id: 'bad', ReceiptHandle: 'not-a-handle' }],
      }),
    );
    expect(out.Successful?.map((s) => s.Id)).toEqual(['m0', 'm1']);
    expect(out.Failed).toEqual([expect.objectContaining({ Id: 'bad', Code: 'ReceiptHandleIsInvalid', SenderFault: true })]);
    expect(service.messages('events')).toEqual([]);
  });

  it('names errors as the SDK maps them from the query-compatible code', async () => {
    const missing = service.queueUrl('nope');
    await expect(sqs.send(new ReceiveMessageCommand({ QueueUrl: missing }))).rejects.toMatchObject({ name: 'QueueDoesNotExist', $metadata: { httpStatusCode: 400 } });
    await expect(sqs.send(new DeleteMessageCommand({ QueueUrl: queueUrl, ReceiptHandle: 'garbage' }))).rejects.toMatchObject({ name: 'ReceiptHandleIsInvalid' });
    await expect(sqs.send(new GetQueueUrlCommand({ QueueName: 'events' }))).resolves.toMatchObject({ QueueUrl: queueUrl });
  });
});
