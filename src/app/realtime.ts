import { SqsEventConsumer } from '../ingest/sqs-events.js';
import { recordFindings } from '../route/deliver-cards.js';
import type { Bot } from './bot.js';

export interface RealtimeOptions {
  queueUrl: string;
  /** The queue's redrive maxReceiveCount. */
  maxReceives: number;
}

/** `https://sqs.<region>.amazonaws.com/<account>/<name>` names its Region. */
export function queueRegion(queueUrl: string): string | null {
  return /^https:\/\/sqs[.-]([a-z]{2}(?:-[a-z]+)+-\d)\.amazonaws\.com\//.exec(queueUrl)?.[1] ?? null;
}

/**
 * The real-time path: EventBridge events through SQS, stored as they arrive (the message
 * is deleted only afterwards); cards for them go out on the next delivery tick.
 */
export function startRealtime(bot: Bot, options: RealtimeOptions): { stop(): Promise<void> } {
  const region = queueRegion(options.queueUrl);
  if (!region) throw new Error(`SQS_QUEUE_URL "${options.queueUrl}" is not an SQS queue URL`);
  const consumer = new SqsEventConsumer({
    client: bot.services.aws.sqs(region),
    queueUrl: options.queueUrl,
    store: (findings) => recordFindings(bot.services, findings),
    log: bot.services.log,
    maxReceives: options.maxReceives,
  });
  const controller = new AbortController();
  const running = consumer.run(controller.signal);
  return {
    async stop() {
      controller.abort();
      await running;
    },
  };
}
