import type { Clock } from '../domain/clock.js';

/** How one ingest source (a Security Hub poll, a Config poll, an SQS queue) is doing. */
export interface PollStatus {
  lastAttemptAt: string;
  /** null until a poll of this source has succeeded once. */
  lastSuccessAt: string | null;
  /** Why the last attempt failed; null when it succeeded. */
  lastError: string | null;
  consecutiveFailures: number;
}

/**
 * Last-poll bookkeeping for `/readyz`: the bot is ready when every source it polls has
 * succeeded recently. In memory only: after a restart nothing is ready until each source has
 * polled once, which is what a readiness probe should say.
 */
export class PollHealth {
  private readonly sources = new Map<string, PollStatus>();

  constructor(private readonly clock: Clock) {}

  /** Runs one poll of `source`, recording whether it succeeded; the poll's own result or error passes through. */
  async track<T>(source: string, poll: () => Promise<T>): Promise<T> {
    try {
      const result = await poll();
      this.succeeded(source);
      return result;
    } catch (error) {
      this.failed(source, error);
      throw error;
    }
  }

  succeeded(source: string): void {
    const at = this.clock.now().toISOString();
    this.sources.set(source, { lastAttemptAt: at, lastSuccessAt: at, lastError: null, consecutiveFailures: 0 });
  }

  failed(source: string, error: unknown): void {
    const previous = this.sources.get(source);
    this.sources.set(source, {
      lastAttemptAt: this.clock.now().toISOString(),
      lastSuccessAt: previous?.lastSuccessAt ?? null,
      lastError: error instanceof Error ? `${error.name}: ${error.message}` : String(error),
      consecutiveFailures: (previous?.consecutiveFailures ?? 0) + 1,
    });
  }

  lastPoll(source: string): PollStatus | null {
    const status = this.sources.get(source);
    return status ? { ...status } : null;
  }

  /** Ready when each of `sources` last succeeded within `maxAgeMs`; `stale` names the others. */
  ready(sources: readonly string[], maxAgeMs: number): { ok: boolean; stale: string[] } {
    const now = this.clock.now().getTime();
    const stale = sources.filter((source) => {
      const success = this.sources.get(source)?.lastSuccessAt;
      return !success || now - Date.parse(success) > maxAgeMs;
    });
    return { ok: stale.length === 0, stale };
  }
}
