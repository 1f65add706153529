import type {Clock} from '../../src/env.js';

interface Timer {
  at: number;
  resolve: () => void;
  signal: AbortSignal | undefined;
}

/**
 * A clock whose time moves only when the test says so. `run()` drives an async task to its end:
 * whenever nothing else can happen (all promise chains settled), it jumps to the next timer.
 */
export class FakeClock implements Clock {
  time = 0;
  readonly sleeps: number[] = [];
  #timers: Timer[] = [];

  now(): number {
    return this.time;
  }

  /** the wall clock: a fixed day, moved on with the fake time */
  wall(): number {
    return Date.UTC(2026, 0, 1) + this.time;
  }

  sleep(ms: number, signal?: AbortSignal): Promise<void> {
    this.sleeps.push(ms);
    return new Promise((resolve) => {
      if (signal?.aborted) return resolve();
      const onAbort = (): void => {
        this.#timers = this.#timers.filter((t) => t !== timer);
        resolve();
      };
      // a timer that fires takes its abort listener with it: a long run adds no listener per sleep
      const timer: Timer = {
        at: this.time + ms,
        resolve: () => {
          signal?.removeEventListener('abort', onAbort);
          resolve();
        },
        signal,
      };
      this.#timers.push(timer);
      signal?.addEventListener('abort', onAbort, {once: true});
    });
  }

  /** Runs `task` to its end, advancing time from timer to timer whenever everything is idle. */
  async run<T>(task: Promise<T>, maxSteps = 1_000_000): Promise<T> {
    let settled = false;
    const watched = task.finally(() => {
      settled = true;
    });
    for (let step = 0; !settled && step < maxSteps; step++) {
      await new Promise((resolve) => setImmediate(resolve));
      if (settled) break;
      this.#timers.sort((a, b) => a.at - b.at);
      const next = this.#timers.shift();
      if (!next) continue;
      this.time = Math.max(this.time, next.at);
      next.resolve();
    }
    return watched;
  }
}

export async function collect<T>(iterable: AsyncIterable<T>): Promise<T[]> {
  const items: T[] = [];
  for await (const item of iterable) items.push(item);
  return items;
}
