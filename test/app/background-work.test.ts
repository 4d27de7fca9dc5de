import { describe, expect, it } from 'vitest';
import { BackgroundWork } from '../../src/app/background-work.js';

const checkPhase = () => new Promise<void>((resolve) => setImmediate(resolve));

describe('background work', () => {
  it('starts a task after the macrotask that queued it, so the rest of a burst is acknowledged first', async () => {
    const errors: unknown[] = [];
    const background = new BackgroundWork((error) => errors.push(error));
    const started: string[] = [];
    background.run(async () => {
      started.push('task');
    });
    started.push('ack of the next click');
    // Microtasks of the acknowledging macrotask do not start it either.
    await Promise.resolve();
    await Promise.resolve();
    expect(started).toEqual(['ack of the next click']);
    await background.idle();
    expect(started).toEqual(['ack of the next click', 'task']);
    expect(errors).toEqual([]);
  });

  it('runs at most `concurrency` tasks at once and reports a task that throws synchronously', async () => {
    const errors: unknown[] = [];
    const background = new BackgroundWork((error) => errors.push(error), 2);
    let running = 0;
    let most = 0;
    const task = async () => {
      running += 1;
      most = Math.max(most, running);
      await checkPhase();
      running -= 1;
    };
    for (let i = 0; i < 5; i++) background.run(task);
    background.run(() => {
      throw new Error('thrown before any await');
    });
    await background.idle();
    expect(most).toBe(2);
    expect(errors).toEqual([new Error('thrown before any await')]);
  });
});
