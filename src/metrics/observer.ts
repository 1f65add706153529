// --metrics-file and --pushgateway: the run's events (and each poll's outcome) kept as metrics, and
// written or pushed at a calm pace. Built into dist/metrics.cjs, loaded only when one of them is given.
import type {Outcome} from '../api/outcome.js';
import type {Clock, Env} from '../env.js';
import type {Job, ResolvedOptions} from '../options.js';
import type {RunObserver} from '../run.js';
import type {LoopEvent} from '../poll-job.js';
import {sanitize} from '../sanitize.js';
import {say} from '../say.js';
import {exposition} from './exposition.js';
import {replaceFile} from './file.js';
import {groupUrl, Pusher} from './push.js';
import {MetricsBook} from './state.js';

/** A textfile collector reads every scrape (15 s and more): once a second is fresh enough. */
export const FILE_GAP_MS = 1000;
/** Pushes at most this often: a fleet of machines each pushing every second would be a load of its own. */
export const PUSH_GAP_MS = 5000;
/** A push (or a write) with no answer by then is abandoned; the next tick tries again. */
export const SEND_TIMEOUT_MS = 5000;
/** At its end the run waits this long at the most for the last write and push. */
export const END_WAIT_MS = 2000;
/**
 * The gap is at least this many times what the last text took to build: thousands of jobs make a
 * text of megabytes (1000 jobs: about 90 ms of CPU in prom-client), kept to about 5% of a core.
 */
export const TEXT_COST_FACTOR = 20;

/** One place the text goes to. */
export interface Output {
  /** says what failed: `cannot push metrics to …` */
  what: string;
  gapMs: number;
  send(text: string, signal: AbortSignal): Promise<void>;
  close(): void;
}

/** Why a write or a push failed, in a few words (a Node error code says it best). */
function reason(error: unknown): string {
  const code = (error as NodeJS.ErrnoException | undefined)?.code;
  const known: Record<string, string> = {ECONNREFUSED: 'connection refused', ENOTFOUND: 'host not found', ECONNRESET: 'connection reset', EACCES: 'permission denied', ENOSPC: 'no space left on the device'};
  if (code !== undefined) return known[code] ?? code;
  return sanitize(error instanceof Error ? error.message : String(error), 300);
}

/**
 * One output, paced: sent when something changed and its gap since the last send has passed; one
 * send at a time, each with its own timeout; a failure said once and retried after the gap.
 */
export class Paced {
  readonly #output: Output;
  readonly #clock: Clock;
  readonly #text: () => Promise<string>;
  readonly #say: (line: string) => void;
  readonly #stopped = new AbortController();
  #dirty = true;
  #sleeping = false;
  #ended = false;
  #said = false;
  #lastStart = -Infinity;
  #textMs = 0;
  #busy: Promise<void> | undefined;
  #request: AbortController | undefined;

  constructor(output: Output, clock: Clock, text: () => Promise<string>, say: (line: string) => void) {
    this.#output = output;
    this.#clock = clock;
    this.#text = text;
    this.#say = say;
  }

  /** Something changed: send it now, or once the gap has passed. */
  kick(): void {
    this.#dirty = true;
    this.#schedule();
  }

  #schedule(): void {
    if (this.#ended || this.#busy || this.#sleeping || !this.#dirty) return;
    const waitMs = this.#lastStart + Math.max(this.#output.gapMs, TEXT_COST_FACTOR * this.#textMs) - this.#clock.now();
    if (waitMs > 0) {
      this.#sleeping = true;
      void this.#clock.sleep(waitMs, this.#stopped.signal).then(() => {
        this.#sleeping = false;
        this.#schedule();
      });
      return;
    }
    this.#busy = this.#send(SEND_TIMEOUT_MS, ' (retried; the watch goes on)').finally(() => {
      this.#busy = undefined;
      this.#schedule();
    });
  }

  async #send(timeoutMs: number, retried: string): Promise<void> {
    this.#dirty = false;
    this.#lastStart = this.#clock.now();
    const request = new AbortController();
    this.#request = request;
    const settled = new AbortController();
    let timedOut = false;
    void this.#clock.sleep(timeoutMs, settled.signal).then(() => {
      if (settled.signal.aborted) return;
      timedOut = true;
      request.abort();
    });
    try {
      const text = await this.#text();
      this.#textMs = this.#clock.now() - this.#lastStart;
      await this.#output.send(text, request.signal);
    } catch (error) {
      this.#dirty = true; // tried again after the gap, changed or not
      // said once a run: a Pushgateway down for the night must not fill the log
      if (!this.#said) {
        const cutShort = request.signal.aborted && !timedOut; // by end(): the last word, nothing is retried
        const why = timedOut ? `no answer within ${Math.round(timeoutMs / 100) / 10}s` : cutShort ? 'no answer before the run ended' : reason(error);
        this.#say(`${this.#output.what}: ${why}${cutShort ? '' : retried}`);
      }
      this.#said = true;
    } finally {
      settled.abort();
    }
  }

  /** The last send, of the final state, by `deadline` (clock ms) at the latest; then nothing more. */
  async end(deadline: number): Promise<void> {
    this.#ended = true;
    this.#stopped.abort();
    try {
      if (this.#busy) await this.#until(this.#busy, deadline);
      if (this.#busy) {
        this.#request?.abort(); // no answer by the deadline: not waited on
        return;
      }
      const leftMs = deadline - this.#clock.now();
      if (leftMs > 0) await this.#send(leftMs, '');
    } finally {
      this.#output.close();
    }
  }

  /** Waits for `task`, or until `deadline` on the clock, whichever comes first. */
  async #until(task: Promise<void>, deadline: number): Promise<void> {
    const done = new AbortController();
    await Promise.race([task, this.#clock.sleep(Math.max(0, deadline - this.#clock.now()), done.signal)]);
    done.abort();
  }
}

/**
 * Starts the run's metrics: every job `waiting` at once, then each change written or pushed at its
 * pace. Messages go to stderr (not with --quiet); with the terminal display (holdNotices) they wait for its end.
 */
export async function startMetrics(options: Pick<ResolvedOptions, 'metrics' | 'jobs' | 'host' | 'output'>, env: Env, {holdNotices = false}: {holdNotices?: boolean} = {}): Promise<RunObserver> {
  const book = new MetricsBook();
  for (const {kind, hash} of options.jobs) book.job(kind, hash, options.host.label);
  const held: string[] = [];
  const notice = (line: string): void => {
    if (options.output === 'quiet') return;
    if (holdNotices) held.push(line);
    else say(env.stderr, line);
  };
  const outputs: Output[] = [];
  const file = options.metrics?.file;
  if (file !== undefined) {
    const tag = Math.floor(env.random() * 2 ** 32).toString(16);
    outputs.push({what: `cannot write metrics to ${sanitize(file, 200)}`, gapMs: FILE_GAP_MS, send: (text, signal) => replaceFile(file, text, tag, signal), close() {}});
  }
  const base = options.metrics?.pushgateway;
  if (base !== undefined) {
    const pusher = new Pusher(groupUrl(base, await env.hostname()));
    outputs.push({what: `cannot push metrics to ${base}`, gapMs: PUSH_GAP_MS, send: (text, signal) => pusher.push(text, signal), close: () => pusher.close()});
  }
  // one text for both outputs while nothing changed in between
  let version = 0;
  let built: {version: number; text: Promise<string>} | undefined;
  const text = (): Promise<string> => {
    if (built?.version !== version) built = {version, text: exposition(book.jobs)};
    return built.text;
  };
  const paced = outputs.map((output) => new Paced(output, env.clock, text, notice));
  const kick = (): void => {
    version += 1;
    paced.forEach((output) => output.kick());
  };
  kick();
  return {
    handle(event: LoopEvent) {
      if (book.apply(event, env.clock.wall())) kick();
    },
    polled(job: Job, outcome: Outcome) {
      // a poll whose numbers did not change makes no event, yet it is an answer (or a failure)
      if (outcome.type === 'answer' || outcome.type === 'notFound') book.polled(job.kind, job.hash, 'answered', env.clock.wall());
      else if (outcome.type === 'transient') book.polled(job.kind, job.hash, 'failed', env.clock.wall());
      else return;
      kick();
    },
    async end() {
      const deadline = env.clock.now() + END_WAIT_MS;
      await Promise.all(paced.map((output) => output.end(deadline)));
      for (const line of held) say(env.stderr, line);
    },
  };
}
