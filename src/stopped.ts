import type {Clock} from './env.js';

/**
 * The time the watcher spent stopped (Ctrl-Z until fg), on the run's clock. The clock keeps
 * running while the process is stopped (performance.now() does), so a job's duration subtracts
 * what this counted. Fed by Env.onSuspend; a run nobody can stop (the library) has none.
 */
export class StoppedTime {
  readonly #clock: Pick<Clock, 'now'>;
  /** the stops that ended, in order: [from, to) on the clock */
  readonly #spans: (readonly [number, number])[] = [];
  #since: number | undefined;

  constructor(clock: Pick<Clock, 'now'>) {
    this.#clock = clock;
  }

  /** SIGTSTP: the process is about to stop */
  stop(): void {
    this.#since ??= this.#clock.now();
  }

  /** SIGCONT: it runs again */
  resume(): void {
    if (this.#since === undefined) return;
    const now = this.#clock.now();
    if (now > this.#since) this.#spans.push([this.#since, now]);
    this.#since = undefined;
  }

  /** Milliseconds stopped between two clock times (a stop still going counts up to `to`). */
  within(from: number, to: number): number {
    let total = 0;
    const spans = this.#since === undefined ? this.#spans : [...this.#spans, [this.#since, to] as const];
    for (const [start, end] of spans) total += Math.max(0, Math.min(end, to) - Math.max(start, from));
    return total;
  }
}
