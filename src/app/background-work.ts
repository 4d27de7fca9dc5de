/**
 * Work started after Slack has been answered (a fix after Approve, a reply). Tracked so
 * shutdown can wait for it and tests can wait until the outcome is visible. At most
 * `concurrency` tasks run at once: a burst of clicks must not starve the event loop that
 * acknowledges the next click, and Slack and AWS rate limits favour a steady pace.
 */
export class BackgroundWork {
  private readonly running = new Set<Promise<void>>();
  private readonly waiting: (() => void)[] = [];
  private active = 0;

  constructor(
    private readonly onError: (error: unknown) => void,
    private readonly concurrency = 8,
  ) {}

  run(task: () => Promise<void>): void {
    let start!: () => void;
    const promise = new Promise<void>((resolve) => {
      start = () => {
        this.active += 1;
        // Started on the check phase, not in the macrotask that acknowledged the click: every request
        // of a burst already readable is acknowledged first. A task that throws synchronously is
        // reported like one that rejects.
        new Promise<void>((started) => setImmediate(started))
          .then(task)
          .catch(this.onError)
          .finally(() => {
            this.active -= 1;
            this.running.delete(promise);
            resolve();
            this.waiting.shift()?.();
          });
      };
    });
    this.running.add(promise);
    if (this.active < this.concurrency) start();
    else this.waiting.push(start);
  }

  async idle(): Promise<void> {
    while (this.running.size > 0) await Promise.allSettled([...this.running]);
  }
}
