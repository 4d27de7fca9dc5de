import {
  ChangeMessageVisibilityCommand,
  DeleteMessageBatchCommand,
  ReceiveMessageCommand,
  type Message,
  type ReceiveMessageCommandOutput,
  type SQSClient,
} from '@aws-sdk/client-sqs';
import type { Logger } from '../app/logger.js';
import type { Finding } from '../domain/finding.js';
import { FindingParseError, parseFindingsText } from './normalize.js';
import type { PollHealth } from './poll-health.js';
import { safeText } from './safe-text.js';

/**
 * The real-time path: EventBridge delivers Security Hub and Config events to an SQS queue
 * (docs/realtime-events.md) and this consumer turns them into stored findings. Delivery is
 * at least once: a message is deleted only after its findings are stored, and storing twice
 * is harmless because the findings repository deduplicates.
 */
export interface SqsEventsOptions {
  client: SQSClient;
  queueUrl: string;
  /** Stores the findings durably (the bot passes recordFindings); the message is deleted only after it returns. */
  store(findings: Finding[]): unknown;
  log: Logger;
  /** The queue's redrive maxReceiveCount: past it, a poison message still here means no redrive policy. */
  maxReceives?: number;
  /** Seconds a receive waits for a message; 20, SQS's maximum, keeps empty receives (and their cost) rare. */
  waitTimeSeconds?: number;
  health?: PollHealth;
}

export interface ReceiveReport {
  received: number;
  /** Messages whose findings were stored and which were then deleted. */
  deleted: number;
  findings: number;
  /** Unparseable or not a finding: left to the redrive policy. */
  poison: number;
  /** Parsed, but storing failed: left to come back after the visibility timeout. */
  retried: number;
}

const defaultMaxReceives = 5;
const maxBackoffMs = 30_000;
/** Poison message ids already reported, so each gets one log line however often it comes back. */
const reportedLimit = 10_000;

export class SqsEventConsumer {
  private readonly reported = new Set<string>();

  constructor(private readonly options: SqsEventsOptions) {}

  /** Polls until `signal` aborts, finishing the batch in hand first; a failed receive is retried with backoff. */
  async run(signal: AbortSignal): Promise<void> {
    let failures = 0;
    while (!signal.aborted) {
      try {
        await this.receiveOnce(signal);
        failures = 0;
      } catch (error) {
        if (signal.aborted) break;
        failures += 1;
        const delay = Math.min(maxBackoffMs, 1000 * 2 ** (failures - 1));
        this.options.log.error({ queueUrl: this.options.queueUrl, err: errorText(error), retryInMs: delay }, 'SQS receive failed; retrying');
        await sleep(delay, signal);
      }
    }
    this.options.log.info({ queueUrl: this.options.queueUrl }, 'SQS consumer stopped');
  }

  /**
   * One long poll and everything it returned: each message is parsed and stored on its own, so
   * one bad message holds up no other; the stored ones are then deleted in one batch.
   */
  async receiveOnce(signal?: AbortSignal): Promise<ReceiveReport> {
    const { client, queueUrl, health } = this.options;
    const source = `sqs:${queueUrl}`;
    let received: ReceiveMessageCommandOutput;
    try {
      received = await client.send(
        new ReceiveMessageCommand({
          QueueUrl: queueUrl,
          MaxNumberOfMessages: 10,
          WaitTimeSeconds: this.options.waitTimeSeconds ?? 20,
          MessageSystemAttributeNames: ['ApproximateReceiveCount'],
        }),
        signal ? { abortSignal: signal } : {},
      );
    } catch (error) {
      // Shutting down is not a failed poll.
      if (!signal?.aborted) health?.failed(source, error);
      throw error;
    }
    health?.succeeded(source);
    const messages = received.Messages ?? [];
    const report: ReceiveReport = { received: messages.length, deleted: 0, findings: 0, poison: 0, retried: 0 };
    const stored: Message[] = [];
    for (const message of messages) {
      const outcome = await this.handle(message);
      if (outcome === 'poison') report.poison += 1;
      else if (outcome === 'retry') report.retried += 1;
      else {
        report.findings += outcome.findings;
        stored.push(message);
      }
    }
    report.deleted = await this.delete(stored);
    return report;
  }

  private async handle(message: Message): Promise<{ findings: number } | 'poison' | 'retry'> {
    let findings: Finding[];
    try {
      findings = parseFindingsText(message.Body ?? '', `sqs message ${message.MessageId ?? '(no id)'}`);
    } catch (error) {
      if (!(error instanceof FindingParseError)) throw error;
      await this.leaveForDeadLetterQueue(message, error.message);
      return 'poison';
    }
    try {
      await this.options.store(findings);
    } catch (error) {
      // Not the message's fault: it stays queued and comes back after its visibility timeout.
      this.options.log.warn({ messageId: message.MessageId, err: errorText(error) }, 'could not store the findings of an SQS message; it will be received again');
      return 'retry';
    }
    return { findings: findings.length };
  }

  /**
   * A message that can never become a finding is not deleted: SQS's redrive policy moves it to
   * the dead-letter queue after maxReceiveCount receives, where a person can look at it. It is
   * made visible again at once so that happens in seconds. Should it come back more often than
   * that (the queue has no redrive policy), it is deleted so it cannot loop forever.
   */
  private async leaveForDeadLetterQueue(message: Message, reason: string): Promise<void> {
    const { log, client, queueUrl } = this.options;
    const receives = Number(message.Attributes?.ApproximateReceiveCount ?? '1');
    const maxReceives = this.options.maxReceives ?? defaultMaxReceives;
    const where = { messageId: message.MessageId, receives, maxReceives, reason };
    if (receives > maxReceives) {
      log.error(
        { ...where, body: safeText(message.Body ?? '', 500) },
        'poison SQS message outlived its maxReceiveCount: the queue has no redrive policy; deleting it so it cannot loop',
      );
      await this.delete([message]);
      return;
    }
    const messageId = message.MessageId ?? '';
    if (!this.reported.has(messageId)) {
      if (this.reported.size >= reportedLimit) this.reported.clear();
      this.reported.add(messageId);
      log.warn(where, "poison SQS message (not a finding): left for the queue's redrive policy to move to the dead-letter queue");
    }
    try {
      await client.send(new ChangeMessageVisibilityCommand({ QueueUrl: queueUrl, ReceiptHandle: message.ReceiptHandle, VisibilityTimeout: 0 }));
    } catch (error) {
      // Harmless: it comes back after its visibility timeout instead.
      log.debug({ messageId, err: errorText(error) }, 'could not make a poison message visible again');
    }
  }

  /** Returns how many were deleted; one that was not is received again and stored as "unchanged". */
  private async delete(messages: readonly Message[]): Promise<number> {
    if (messages.length === 0) return 0;
    const { log, client, queueUrl } = this.options;
    const entries = messages.map((m, i) => ({ Id: String(i), ReceiptHandle: m.ReceiptHandle }));
    try {
      const out = await client.send(new DeleteMessageBatchCommand({ QueueUrl: queueUrl, Entries: entries }));
      for (const failed of out.Failed ?? []) {
        const message = messages[Number(failed.Id)];
        log.warn({ messageId: message?.MessageId, code: failed.Code, error: failed.Message }, 'SQS did not delete a stored message; it will be received again');
      }
      return out.Successful?.length ?? 0;
    } catch (error) {
      log.warn({ count: messages.length, err: errorText(error) }, 'DeleteMessageBatch failed; the stored messages will be received again');
      return 0;
    }
  }
}

function errorText(error: unknown): string {
  return error instanceof Error ? `${error.name}: ${error.message}` : String(error);
}

/** Resolves after `ms`, or at once when `signal` aborts (shutdown must not wait out a backoff). */
function sleep(ms: number, signal: AbortSignal): Promise<void> {
  return new Promise((resolve) => {
    const done = () => {
      clearTimeout(timer);
      signal.removeEventListener('abort', done);
      resolve();
    };
    const timer = setTimeout(done, ms);
    signal.addEventListener('abort', done, { once: true });
  });
}
