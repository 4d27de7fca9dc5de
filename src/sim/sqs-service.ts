/**
 * Simulated Amazon SQS (standard queues) in the protocol the current SDK speaks: AWS JSON 1.0,
 * `POST /` with `X-Amz-Target: AmazonSQS.<Operation>`, and errors in the query-compatible form
 * (`x-amzn-query-error: AWS.SimpleQueueService.NonExistentQueue;Sender`, which the SDK maps back
 * to QueueDoesNotExist). Models what a consumer relies on: long polling, visibility timeouts,
 * receipt handles (only the latest one deletes), ApproximateReceiveCount and a redrive policy
 * that moves a message to its dead-letter queue once it was received maxReceiveCount times.
 */
import { createHash, randomUUID } from 'node:crypto';
import { HttpResponse } from 'msw';
import { z } from 'zod';
import { ApiError, failing, unsupported, type AwsFault, type Routed, type SimService } from './aws-service.js';
import { jsonReply, parseJsonInput, readJsonBody, targetOperation } from './json-protocol.js';

export interface QueueOptions {
  /** Seconds a received message stays invisible unless the receive asks otherwise (SQS default 30). */
  visibilityTimeoutSeconds?: number;
  /** Moves a message to `deadLetterQueue` (same Region) when received more than maxReceiveCount times. */
  redrive?: { deadLetterQueue: string; maxReceiveCount: number };
}

export interface SimMessage {
  messageId: string;
  body: string;
  receiveCount: number;
  sentAt: number;
  firstReceivedAt: number | null;
  /** Epoch ms from which the message can be received again. */
  visibleAt: number;
  /** The handle of the latest receive: the only one that deletes or changes visibility. */
  receiptHandle: string | null;
}

interface Queue {
  name: string;
  region: string;
  visibilityTimeoutSeconds: number;
  redrive: QueueOptions['redrive'] | null;
  messages: SimMessage[];
  /** Long polls waiting for a message. */
  waiters: Set<() => void>;
}

const HOST = /^sqs\.([a-z0-9-]+)\.amazonaws\.com$/;
const maxVisibilitySeconds = 43_200;

/** Query-protocol error codes of the SDK's error names (the SDK maps them back by these). */
const queryErrorCodes: Readonly<Record<string, string>> = {
  QueueDoesNotExist: 'AWS.SimpleQueueService.NonExistentQueue',
  MessageNotInflight: 'AWS.SimpleQueueService.MessageNotInflight',
  TooManyEntriesInBatchRequest: 'AWS.SimpleQueueService.TooManyEntriesInBatchRequest',
  EmptyBatchRequest: 'AWS.SimpleQueueService.EmptyBatchRequest',
  BatchEntryIdsNotDistinct: 'AWS.SimpleQueueService.BatchEntryIdsNotDistinct',
};

const invalidParameter = { status: 400, code: 'InvalidParameterValue' };

const queueUrl = z.string().min(1);
const sendInput = z.strictObject({ QueueUrl: queueUrl, MessageBody: z.string().min(1).max(262_144), DelaySeconds: z.number().int().min(0).max(900).optional() });
const receiveInput = z.strictObject({
  QueueUrl: queueUrl,
  MaxNumberOfMessages: z.number().int().min(1).max(10).optional(),
  WaitTimeSeconds: z.number().int().min(0).max(20).optional(),
  VisibilityTimeout: z.number().int().min(0).max(maxVisibilitySeconds).optional(),
  MessageSystemAttributeNames: z.array(z.string()).optional(),
  AttributeNames: z.array(z.string()).optional(),
  MessageAttributeNames: z.array(z.string()).optional(),
});
const deleteInput = z.strictObject({ QueueUrl: queueUrl, ReceiptHandle: z.string().min(1) });
const deleteBatchInput = z.strictObject({ QueueUrl: queueUrl, Entries: z.array(z.strictObject({ Id: z.string().min(1).max(80), ReceiptHandle: z.string().min(1) })) });
const visibilityInput = z.strictObject({ QueueUrl: queueUrl, ReceiptHandle: z.string().min(1), VisibilityTimeout: z.number().int().min(0).max(maxVisibilitySeconds) });
const queueUrlInput = z.strictObject({ QueueName: z.string().min(1), QueueOwnerAWSAccountId: z.string().optional() });

export class SqsService implements SimService {
  readonly name = 'sqs';
  private readonly accountId: string;
  private readonly now: () => Date;
  private readonly longPollCapMs: number;
  /** Keyed by `region/name`. */
  private readonly queues = new Map<string, Queue>();

  /**
   * `longPollCapMs` bounds how long an empty long poll really waits (SQS waits WaitTimeSeconds),
   * so tests need not sit through 20 seconds; visibility follows `now`, so tests can move time.
   */
  constructor(options: { accountId: string; now?: () => Date; longPollCapMs?: number }) {
    this.accountId = options.accountId;
    this.now = options.now ?? (() => new Date());
    this.longPollCapMs = options.longPollCapMs ?? 20_000;
  }

  // ---- seeding and inspection -------------------------------------------------

  /** Creates the queue; returns its URL. */
  addQueue(name: string, options: QueueOptions = {}, region = 'us-east-1'): string {
    this.queues.set(`${region}/${name}`, {
      name,
      region,
      visibilityTimeoutSeconds: options.visibilityTimeoutSeconds ?? 30,
      redrive: options.redrive ?? null,
      messages: [],
      waiters: new Set(),
    });
    return this.queueUrl(name, region);
  }

  queueUrl(name: string, region = 'us-east-1'): string {
    return `https://sqs.${region}.amazonaws.com/${this.accountId}/${name}`;
  }

  /** Enqueues a message as SendMessage would; returns its id. */
  send(queueName: string, body: string, region = 'us-east-1'): string {
    return this.enqueue(this.queueNamed(queueName, region), body, 0);
  }

  /** Copies of every message still in the queue, in flight or not. */
  messages(queueName: string, region = 'us-east-1'): SimMessage[] {
    return this.queueNamed(queueName, region).messages.map((m) => ({ ...m }));
  }

  // ---- SimService ---------------------------------------------------------------

  handles(hostname: string): boolean {
    return HOST.test(hostname);
  }

  regionOf(hostname: string): string {
    return HOST.exec(hostname)?.[1] ?? 'us-east-1';
  }

  async route(request: Request, region: string): Promise<Routed> {
    const operation = targetOperation(request, 'AmazonSQS');
    const body = await readJsonBody(request);
    if (body instanceof ApiError) return failing(operation || 'Unknown', null, body);
    const routes: Record<string, () => Response | Promise<Response>> = {
      SendMessage: () => this.sendMessage(parseJsonInput(sendInput, body, invalidParameter)),
      ReceiveMessage: () => this.receiveMessage(parseJsonInput(receiveInput, body, invalidParameter), request.signal),
      DeleteMessage: () => this.deleteMessage(parseJsonInput(deleteInput, body, invalidParameter)),
      DeleteMessageBatch: () => this.deleteMessageBatch(parseJsonInput(deleteBatchInput, body, invalidParameter)),
      ChangeMessageVisibility: () => this.changeVisibility(parseJsonInput(visibilityInput, body, invalidParameter)),
      GetQueueUrl: () => this.getQueueUrl(parseJsonInput(queueUrlInput, body, invalidParameter), region),
    };
    const run = routes[operation];
    return run ? { operation, input: body, run } : unsupported(`SQS X-Amz-Target=${request.headers.get('x-amz-target') ?? '(none)'}`);
  }

  errorReply(fault: AwsFault, requestId: string): Response {
    const queryCode = queryErrorCodes[fault.code] ?? fault.code;
    return HttpResponse.json(
      { __type: `com.amazonaws.sqs#${fault.code}`, message: fault.message ?? fault.code },
      {
        status: fault.status,
        headers: {
          'content-type': 'application/x-amz-json-1.0',
          'x-amzn-query-error': `${queryCode};${fault.status >= 500 ? 'Receiver' : 'Sender'}`,
          'x-amzn-requestid': requestId,
        },
      },
    );
  }

  requestIdHeaders(requestId: string): Record<string, string> {
    return { 'x-amzn-requestid': requestId };
  }

  // ---- operations -----------------------------------------------------------------

  private sendMessage(input: z.output<typeof sendInput>): Response {
    const queue = this.queueAt(input.QueueUrl);
    const messageId = this.enqueue(queue, input.MessageBody, input.DelaySeconds ?? 0);
    return jsonReply({ MessageId: messageId, MD5OfMessageBody: md5(input.MessageBody) }, '1.0');
  }

  /** Long polling: with nothing to receive, waits for a send (or the wait to end) before answering empty. */
  private async receiveMessage(input: z.output<typeof receiveInput>, signal: AbortSignal): Promise<Response> {
    const queue = this.queueAt(input.QueueUrl);
    let received = this.take(queue, input);
    const waitMs = Math.min((input.WaitTimeSeconds ?? 0) * 1000, this.longPollCapMs);
    if (received.length === 0 && waitMs > 0) {
      await waitForMessage(queue, waitMs, signal);
      received = this.take(queue, input);
    }
    const attributeNames = new Set([...(input.MessageSystemAttributeNames ?? []), ...(input.AttributeNames ?? [])]);
    const messages = received.map((m) => ({
      MessageId: m.messageId,
      ReceiptHandle: m.receiptHandle,
      MD5OfBody: md5(m.body),
      Body: m.body,
      ...(attributeNames.size > 0 ? { Attributes: attributesOf(m, attributeNames) } : {}),
    }));
    return jsonReply(messages.length > 0 ? { Messages: messages } : {}, '1.0');
  }

  private take(queue: Queue, input: z.output<typeof receiveInput>): SimMessage[] {
    const now = this.now().getTime();
    const visibilityMs = (input.VisibilityTimeout ?? queue.visibilityTimeoutSeconds) * 1000;
    const taken: SimMessage[] = [];
    for (const message of [...queue.messages]) {
      if (taken.length >= (input.MaxNumberOfMessages ?? 1)) break;
      if (message.visibleAt > now) continue;
      if (queue.redrive && message.receiveCount >= queue.redrive.maxReceiveCount) {
        this.moveToDeadLetterQueue(queue, message);
        continue;
      }
      message.receiveCount += 1;
      message.firstReceivedAt ??= now;
      message.visibleAt = now + visibilityMs;
      message.receiptHandle = Buffer.from(`${message.messageId}|${message.receiveCount}|${randomUUID()}`).toString('base64url');
      taken.push(message);
    }
    return taken;
  }

  private moveToDeadLetterQueue(queue: Queue, message: SimMessage): void {
    const redrive = queue.redrive;
    if (!redrive) return;
    queue.messages.splice(queue.messages.indexOf(message), 1);
    const deadLetterQueue = this.queueNamed(redrive.deadLetterQueue, queue.region);
    deadLetterQueue.messages.push({ ...message, visibleAt: 0, receiptHandle: null });
  }

  private deleteMessage(input: z.output<typeof deleteInput>): Response {
    this.remove(this.queueAt(input.QueueUrl), input.ReceiptHandle);
    return jsonReply({}, '1.0');
  }

  private deleteMessageBatch(input: z.output<typeof deleteBatchInput>): Response {
    const queue = this.queueAt(input.QueueUrl);
    if (input.Entries.length === 0) throw new ApiError({ status: 400, code: 'EmptyBatchRequest', message: 'There should be at least one DeleteMessageBatchRequestEntry in the request.' });
    if (input.Entries.length > 10) throw new ApiError({ status: 400, code: 'TooManyEntriesInBatchRequest', message: 'Maximum number of entries per request are 10.' });
    if (new Set(input.Entries.map((e) => e.Id)).size !== input.Entries.length) {
      throw new ApiError({ status: 400, code: 'BatchEntryIdsNotDistinct', message: 'Id must be distinct among the batch entries.' });
    }
    const successful: { Id: string }[] = [];
    const failed: { Id: string; SenderFault: boolean; Code: string; Message: string }[] = [];
    for (const entry of input.Entries) {
      try {
        this.remove(queue, entry.ReceiptHandle);
        successful.push({ Id: entry.Id });
      } catch (error) {
        if (!(error instanceof ApiError)) throw error;
        failed.push({ Id: entry.Id, SenderFault: true, Code: error.fault.code, Message: error.message });
      }
    }
    return jsonReply({ Successful: successful, Failed: failed }, '1.0');
  }

  /**
   * As SQS: a malformed handle is an error; a stale handle (the message was received again
   * since) succeeds without deleting; a message already deleted succeeds.
   */
  private remove(queue: Queue, receiptHandle: string): void {
    const messageId = messageIdOf(receiptHandle);
    const index = queue.messages.findIndex((m) => m.messageId === messageId && m.receiptHandle === receiptHandle);
    if (index >= 0) queue.messages.splice(index, 1);
  }

  private changeVisibility(input: z.output<typeof visibilityInput>): Response {
    const queue = this.queueAt(input.QueueUrl);
    messageIdOf(input.ReceiptHandle);
    const now = this.now().getTime();
    const message = queue.messages.find((m) => m.receiptHandle === input.ReceiptHandle);
    if (!message || message.visibleAt <= now) {
      throw new ApiError({ status: 400, code: 'MessageNotInflight', message: 'Message does not exist or is not available for visibility timeout change.' });
    }
    message.visibleAt = now + input.VisibilityTimeout * 1000;
    if (input.VisibilityTimeout === 0) wake(queue);
    return jsonReply({}, '1.0');
  }

  private getQueueUrl(input: z.output<typeof queueUrlInput>, region: string): Response {
    return jsonReply({ QueueUrl: this.queueUrl(this.queueNamed(input.QueueName, region).name, region) }, '1.0');
  }

  // ---- helpers ------------------------------------------------------------------------

  private enqueue(queue: Queue, body: string, delaySeconds: number): string {
    const now = this.now().getTime();
    const messageId = randomUUID();
    queue.messages.push({ messageId, body, receiveCount: 0, sentAt: now, firstReceivedAt: null, visibleAt: now + delaySeconds * 1000, receiptHandle: null });
    wake(queue);
    return messageId;
  }

  /** A queue URL is answered only for this account, at its own Region's endpoint. */
  private queueAt(url: string): Queue {
    const match = /^https:\/\/sqs\.([a-z0-9-]+)\.amazonaws\.com\/(\d{12})\/([\w-]{1,80})$/.exec(url);
    if (!match || match[2] !== this.accountId) throw queueDoesNotExist();
    return this.queueNamed(match[3] ?? '', match[1] ?? '');
  }

  private queueNamed(name: string, region: string): Queue {
    const queue = this.queues.get(`${region}/${name}`);
    if (!queue) throw queueDoesNotExist();
    return queue;
  }
}

function queueDoesNotExist(): ApiError {
  return new ApiError({ status: 400, code: 'QueueDoesNotExist', message: 'The specified queue does not exist.' });
}

function messageIdOf(receiptHandle: string): string {
  const [messageId, count] = Buffer.from(receiptHandle, 'base64url').toString('utf8').split('|');
  if (!messageId || !count) {
    throw new ApiError({ status: 404, code: 'ReceiptHandleIsInvalid', message: `The input receipt handle "${receiptHandle}" is not a valid receipt handle.` });
  }
  return messageId;
}

function attributesOf(message: SimMessage, names: ReadonlySet<string>): Record<string, string> {
  const all: Record<string, string> = {
    ApproximateReceiveCount: String(message.receiveCount),
    SentTimestamp: String(message.sentAt),
    ApproximateFirstReceiveTimestamp: String(message.firstReceivedAt ?? message.sentAt),
  };
  return Object.fromEntries(Object.entries(all).filter(([name]) => names.has('All') || names.has(name)));
}

function md5(text: string): string {
  return createHash('md5').update(text, 'utf8').digest('hex');
}

function wake(queue: Queue): void {
  for (const resolve of queue.waiters) resolve();
  queue.waiters.clear();
}

/** Resolves on the next send to the queue, after `ms`, or when the caller goes away. */
function waitForMessage(queue: Queue, ms: number, signal: AbortSignal): Promise<void> {
  return new Promise((resolve) => {
    const done = () => {
      clearTimeout(timer);
      queue.waiters.delete(done);
      signal.removeEventListener('abort', done);
      resolve();
    };
    const timer = setTimeout(done, ms);
    timer.unref();
    queue.waiters.add(done);
    signal.addEventListener('abort', done, { once: true });
  });
}
