import type {JobKind, WatchEvent} from '../events.js';
import type {RetryNotice} from '../poll-job.js';

/** The contract's `state` label values, in the order the text lists them. */
export const METRIC_STATES = ['waiting', 'running', 'retrying', 'done', 'error'] as const;
export type MetricState = (typeof METRIC_STATES)[number];

/** What the metrics say of one job: the figures of its last event, and when the server last answered well. */
export interface JobMetrics {
  readonly kind: JobKind;
  readonly hash: string;
  host: string;
  phase: 'waiting' | 'running' | 'done' | 'error';
  /** a request failed and is being retried: set by a retry notice or a failed poll, cleared by the next answer */
  retrying: boolean;
  bytes: number | null;
  totalBytes: number | null;
  files: number | null;
  totalFiles: number | null;
  rate: number | null;
  eta: number | null;
  exitCode: number | null;
  /** wall clock, ms since the epoch */
  lastAnswerMs: number | null;
}

/** What a poll came to, as far as the metrics care: an answer (found or not), or a failure. */
export type PollResult = 'answered' | 'failed';

export function metricState(job: JobMetrics): MetricState {
  if (job.phase === 'done' || job.phase === 'error') return job.phase;
  return job.retrying ? 'retrying' : job.phase;
}

/**
 * Every job of a run, by kind and hash, in the order first seen. Fed the event stream (and, in the
 * CLI, every poll's result, since a poll whose numbers did not change makes no event).
 */
export class MetricsBook {
  readonly #jobs = new Map<string, JobMetrics>();

  get jobs(): Iterable<JobMetrics> {
    return this.#jobs.values();
  }

  /** The job, made `waiting` with no figures when first named. */
  job(kind: JobKind, hash: string, host: string): JobMetrics {
    const key = `${kind}\0${hash}`;
    let job = this.#jobs.get(key);
    if (!job) {
      job = {kind, hash, host, phase: 'waiting', retrying: false, bytes: null, totalBytes: null, files: null, totalFiles: null, rate: null, eta: null, exitCode: null, lastAnswerMs: null};
      this.#jobs.set(key, job);
    }
    return job;
  }

  /** Takes one event in, seen at `nowMs` (wall clock); false when it changed nothing the text shows. */
  apply(event: WatchEvent | RetryNotice, nowMs: number): boolean {
    const job = this.#jobs.get(`${event.kind}\0${event.hash}`) ?? this.job(event.kind, event.hash, 'host' in event ? event.host : '');
    if (job.phase === 'done' || job.phase === 'error') return false; // a job's last event is its last word
    if (event.event === 'retry') {
      const changed = !job.retrying;
      job.retrying = true;
      return changed;
    }
    if (event.event === 'output') return false;
    job.host = event.host;
    job.retrying = false;
    job.bytes = event.bytes;
    job.totalBytes = event.totalBytes;
    job.files = event.files;
    job.totalFiles = event.totalFiles;
    job.rate = event.rate;
    job.eta = event.eta;
    if (event.event === 'error') {
      job.phase = 'error';
      job.exitCode = event.exitCode;
    } else {
      // waiting, progress and done events each come from an answer (a not-found is an answer too)
      job.phase = event.event === 'waiting' ? 'waiting' : event.event === 'progress' ? 'running' : 'done';
      if (event.event === 'done') job.exitCode = 0;
      job.lastAnswerMs = nowMs;
    }
    return true;
  }

  /** One poll's result, at `nowMs`: an answer stamps the job and ends a retry; a failure starts one. */
  polled(kind: JobKind, hash: string, result: PollResult, nowMs: number): void {
    const job = this.#jobs.get(`${kind}\0${hash}`);
    if (!job || job.phase === 'done' || job.phase === 'error') return;
    if (result === 'answered') {
      job.retrying = false;
      job.lastAnswerMs = nowMs;
    } else {
      job.retrying = true;
    }
  }
}
