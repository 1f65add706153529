import type {Clock} from '../env.js';
import type {JobKind, StatusEvent} from '../events.js';
import type {LoopEvent, RetryNotice} from '../poll-job.js';
import {jobKey} from '../job-key.js';
import {jobLabel} from './renderer.js';

/** Where a job stands, as the last event left it. */
export type JobPhase = 'waiting' | 'progress' | 'done' | 'error';

/**
 * What a renderer knows about one job: the same for plain lines and the terminal display, so both
 * tell the same story. `own` holds what only one renderer needs (its pacing, its drawn width).
 */
export interface JobState<Own> {
  readonly kind: JobKind;
  readonly hash: string;
  /** `upload 3f9a…`, uncut */
  readonly label: string;
  phase: JobPhase;
  /** the last event with numbers (retry notices carry none) */
  last: StatusEvent | undefined;
  /** the first `progress` event: where the average rate of the summary counts from */
  first: StatusEvent | undefined;
  /** clock time (ms) the current not-found wait began (the run's start for a job never found); undefined when not waiting */
  waitingSince: number | undefined;
  /** a not-found answer came before any progress: a `done` then did not happen at the first poll */
  waitedToAppear: boolean;
  /** the failure being retried now: set by a retry notice, cleared by the next answer */
  retry: RetryNotice | undefined;
  /** an extraction: its latest output line (server text: sanitize before a terminal) */
  latestLine: string | undefined;
  readonly own: Own;
}

/** Every job of a run, in the order they were first named (argv's, when given up front). */
export class JobStates<Own> {
  readonly #jobs = new Map<string, JobState<Own>>();
  readonly #clock: Clock;
  readonly #startedAt: number;
  readonly #own: () => Own;

  constructor(clock: Clock, own: () => Own, jobs: readonly {kind: JobKind; hash: string}[] = []) {
    this.#clock = clock;
    this.#startedAt = clock.now();
    this.#own = own;
    for (const {kind, hash} of jobs) this.get(kind, hash);
  }

  get list(): JobState<Own>[] {
    return [...this.#jobs.values()];
  }

  get(kind: JobKind, hash: string): JobState<Own> {
    const key = jobKey({kind, hash});
    let job = this.#jobs.get(key);
    if (!job) {
      const label = jobLabel(kind, hash);
      job = {kind, hash, label, phase: 'waiting', last: undefined, first: undefined, waitingSince: this.#startedAt, waitedToAppear: false, retry: undefined, latestLine: undefined, own: this.#own()};
      this.#jobs.set(key, job);
    }
    return job;
  }

  /** Takes one event into its job's state; returns that job. */
  apply(e: LoopEvent): JobState<Own> {
    const job = this.get(e.kind, e.hash);
    if (e.event === 'retry') {
      job.retry = e;
      return job;
    }
    if (e.event === 'output') {
      // an extraction's output: the latest line is shown under its counts; the state is unchanged
      job.latestLine = e.lines.at(-1) ?? job.latestLine;
      return job;
    }
    job.retry = undefined;
    job.last = e;
    if (e.event === 'waiting') {
      // a job seen before and now not found has vanished: its wait starts now, not at the run's start
      if (job.phase !== 'waiting') job.waitingSince = this.#clock.now();
      if (!job.first) job.waitedToAppear = true;
    } else {
      job.waitingSince = undefined;
      if (e.event === 'progress') job.first ??= e;
    }
    job.phase = e.event;
    return job;
  }
}
