/**
 * Runs async work for one key after the work already running for that key in this process, so
 * a key is never worked on twice at once (the outboxes send one card's or one finding's items
 * strictly in order). Keys are forgotten once their last work settles.
 */
export class PerKeyChain<T> {
  private readonly running = new Map<string, Promise<T>>();

  run(key: string, work: () => Promise<T>): Promise<T> {
    const previous = this.running.get(key);
    const run = previous ? previous.then(work, work) : work();
    this.running.set(key, run);
    const forget = () => {
      if (this.running.get(key) === run) this.running.delete(key);
    };
    run.then(forget, forget);
    return run;
  }
}
