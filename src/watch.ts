import type {Clock} from './env.js';
import {eventFactory, type ErrorEvent, type JobKind, type OutputEvent, type ProgressNumbers, type StatusFields, type WatchEvent} from './events.js';
import {ExitCode} from './exit-codes.js';
import {sameNumbers, type Progress, type RawAnswer} from './api/decode.js';
import {jobType, type Job, type JobMode} from './jobs.js';
import type {Outcome, Transient} from './api/outcome.js';
import {formatDuration} from './duration.js';
import {RateMeter, eta} from './rate.js';
import type {StoppedTime} from './stopped.js';

/** Failures in a row are given up on once they have lasted this long with no good answer. */
export const GIVE_UP_AFTER_FAILURES_MS = 60_000;
/** Backoff between retries never grows past this. */
export const MAX_BACKOFF_MS = 30_000;
/** A pCloud rate limit (4010...) is waited out at least this long, then longer at each try. */
export const RATE_LIMIT_BACKOFF_MS = 10_000;
/**
 * Before the server ever answered, a refused connection or a protocol mismatch means a wrong host
 * or port: given up on once it has lasted this long (a server being restarted gets a few tries).
 */
export const FIRST_CONTACT_WINDOW_MS = 10_000;

export interface JobSpec {
  kind: JobKind;
  hash: string;
  /** the job's row in the table (jobs.ts); absent: the kind's own */
  mode?: JobMode;
  /** the row's code (`--link`), for the hints */
  code?: string;
  /** the `host` field of events */
  host: string;
  /** api.pcloud.com / eapi.pcloud.com: a lasting "not found" gets the `server` hint */
  genericHost: boolean;
  intervalMs: number;
  waitMs: number;
  timeoutMs: number;
  stallMs: number;
  /** many jobs: each starts at its own point of the interval, so their polls never come in one burst */
  firstPollDelayMs?: number;
}

/** Why a run was stopped from outside: the signal's `reason`. */
export interface Interruption {
  exitCode: number;
  message: string;
  /** the output is gone (stdout closed or full): the jobs end, but nothing more is shown */
  silent?: boolean;
}

export interface WatchDeps {
  /**
   * One request for this job's progress, with `params` added to the progresshash (extract: `lines`).
   * Must not throw; must end soon after `signal` aborts.
   */
  poll(signal: AbortSignal, params: Record<string, string>): Promise<Outcome>;
  clock: Clock;
  random(): number;
  /** clock time the run started: `elapsed` and `--timeout` count from it */
  startedAt: number;
  /** aborted with an Interruption on SIGINT/SIGTERM */
  signal: AbortSignal;
  /** the time the watcher spent stopped (Ctrl-Z): a job's `duration` leaves it out */
  stopped?: StoppedTime;
}

/** Not part of the JSON stream: tells people (plain/TTY output) that a request failed and is retried. */
export interface RetryNotice {
  event: 'retry';
  kind: JobKind;
  hash: string;
  message: string;
  attempt: number;
  delayMs: number;
}

export type LoopEvent = WatchEvent | RetryNotice;
export type {OutputEvent};

const EMPTY: ProgressNumbers = {bytes: null, totalBytes: null, files: null, totalFiles: null, percent: null, currentFile: null};

/** Exponential backoff with "equal jitter": half fixed, half random, so retries of several jobs spread out. */
export function backoffMs(attempt: number, intervalMs: number, random: () => number): number {
  const ceiling = Math.min(MAX_BACKOFF_MS, intervalMs * 2 ** Math.min(attempt - 1, 30));
  return ceiling / 2 + random() * (ceiling / 2);
}

export const RECORD_GONE_MESSAGE = 'every byte was received, then pCloud dropped the record before a poll saw the final answer (finished: true)';

/** Hard backoff for a rate limit: 10 s, 20 s, 40 s..., plus up to a quarter more so jobs spread out. */
export function rateLimitBackoffMs(attempt: number, random: () => number): number {
  const base = Math.min(GIVE_UP_AFTER_FAILURES_MS, RATE_LIMIT_BACKOFF_MS * 2 ** Math.min(attempt - 1, 30));
  return base + random() * (base / 4);
}

/** The wait before retrying a transient failure: the server's Retry-After is a floor over our own backoff. */
function retryDelayMs(outcome: Transient, failures: number, rateLimits: number, intervalMs: number, random: () => number): number {
  const backoff = outcome.rateLimited ? rateLimitBackoffMs(rateLimits, random) : backoffMs(failures, intervalMs, random);
  return Math.max(backoff, outcome.retryAfterMs ?? 0);
}

/**
 * Until the server has answered once (anything over HTTP, even a 19xx or a 502), a refused
 * connection or a protocol mismatch means a wrong host or port, not a busy server: those get
 * their own short window, counted from the first of them.
 */
class FirstContact {
  #answered = false;
  #since: number | undefined;
  #tries = 0;

  /** Notes a poll's outcome; for a wrong-place failure before any answer, when its window ends. */
  note(outcome: Outcome, now: number): number | undefined {
    if (outcome.type !== 'transient' || outcome.connection === undefined) this.#answered = true;
    if (this.#answered || outcome.type !== 'transient' || (outcome.connection !== 'refused' && outcome.connection !== 'protocol')) return undefined;
    this.#since ??= now;
    this.#tries += 1;
    return this.#since + FIRST_CONTACT_WINDOW_MS;
  }

  /** `5 tries in 10s` */
  tries(now: number): string {
    return `${this.#tries} tries in ${formatDuration(now - (this.#since ?? now))}`;
  }
}

function notFoundMessage(spec: JobSpec, seen: boolean, waitedMs: number): {message: string; hint?: string} {
  const what = spec.kind;
  if (seen) return {message: `the ${what} vanished before it finished (not found for ${formatDuration(waitedMs)})`};
  const message = `${what} not found after waiting ${formatDuration(waitedMs)}`;
  const job: Job = {kind: spec.kind, hash: spec.hash, mode: spec.mode, code: spec.code};
  const hint = jobType(job).notFoundHint?.({label: spec.host, generic: spec.genericHost}, job);
  return {message, hint: hint ?? `check the progresshash and that the ${what} was started with it on ${spec.host}`};
}

/** `2 of 5 URLs failed: https://a.example/x.bin, ...` (URLs without their query: see displayUrl). */
function failedUrlsMessage(progress: Progress): string {
  const failed = progress.failedUrls;
  const shown = failed.slice(0, 3).join(', ') + (failed.length > 3 ? `, and ${failed.length - 3} more` : '');
  const of = progress.totalFiles === null ? '' : ` of ${progress.totalFiles}`;
  return `remote upload finished, but ${failed.length}${of} ${failed.length === 1 && of === '' ? 'URL' : 'URLs'} failed: ${shown}`;
}

/**
 * Watches one job: polls, classifies, and yields `waiting`, `progress`, `done` or `error` events
 * (the last one always `done` or `error`). All time comes from the injected clock.
 */
export async function* pollJob(spec: JobSpec, deps: WatchDeps): AsyncGenerator<LoopEvent, void, undefined> {
  const {clock, signal} = deps;
  const meter = new RateMeter();
  const decoder = jobType(spec).decoder();
  const deadline = spec.timeoutMs > 0 ? deps.startedAt + spec.timeoutMs : Infinity;
  let last: Progress | undefined;
  let lastRaw: RawAnswer | null = null;
  let notFoundSince: number | undefined;
  let failingSince: number | undefined;
  let failures = 0;
  let rateLimits = 0;
  let lastMoveAt: number | undefined;
  /** the first poll that saw the job running (not finished): where its `duration` counts from */
  let runningSince: number | undefined;
  const firstContact = new FirstContact();

  const events = eventFactory(spec, () => clock.wall());
  const elapsed = (now: number): number => Math.round(now - deps.startedAt) / 1000; // whole ms
  // seconds seen running, whole ms; null for a job already finished when first seen
  const duration = (now: number): number | null =>
    runningSince === undefined ? null : Math.max(0, Math.round(now - runningSince - (deps.stopped?.within(runningSince, now) ?? 0)) / 1000);
  const fields = (numbers: ProgressNumbers, finished = false): StatusFields => {
    const rate = meter.rate;
    // done: nothing left, unless nothing could ever be told (an extraction has no total)
    const secondsLeft = finished ? (numbers.percent === null ? null : 0) : roundEta(eta(numbers.bytes, numbers.totalBytes, rate));
    return {
      bytes: numbers.bytes,
      totalBytes: numbers.totalBytes,
      files: numbers.files,
      totalFiles: numbers.totalFiles,
      percent: numbers.percent,
      currentFile: numbers.currentFile,
      rate: rate === null ? null : Math.round(rate),
      eta: secondsLeft,
      raw: lastRaw,
    };
  };
  const failure = (now: number, exitCode: number, code: number | null, message: string, hint?: string): ErrorEvent =>
    events.error(elapsed(now), fields(last ?? EMPTY), {code, message: hint === undefined ? message : `${message}; ${hint}`, exitCode});
  const stalled = (now: number): boolean => spec.stallMs > 0 && lastMoveAt !== undefined && now - lastMoveAt >= spec.stallMs;

  if (spec.firstPollDelayMs) await clock.sleep(Math.min(spec.firstPollDelayMs, Math.max(0, deadline - clock.now())), signal);
  for (;;) {
    const timeLeft = deadline - clock.now();
    if (signal.aborted || timeLeft <= 0) break;
    const outcome = await pollUntil(deps, timeLeft, decoder.pollParams());
    const now = clock.now();
    if (signal.aborted || now >= deadline) break;

    let delayMs = spec.intervalMs;
    const wrongPlaceUntil = firstContact.note(outcome, now);
    if (outcome.type === 'answer') {
      failingSince = undefined;
      failures = 0;
      rateLimits = 0;
      notFoundSince = undefined;
      lastRaw = outcome.raw;
      const progress = decoder.decode(outcome.raw);
      if (progress.newLines.length > 0) {
        yield events.output(elapsed(now), progress.newLines);
      }
      meter.update(now, progress.bytes);
      if (!last || progress.bytes !== last.bytes || progress.files !== last.files) lastMoveAt = now;
      const changed = !last || !sameNumbers(progress, last);
      last = progress;
      if (progress.done && progress.failedUrls.length > 0) {
        yield failure(now, ExitCode.partial, null, failedUrlsMessage(progress));
        return;
      }
      if (progress.done) {
        yield events.done(elapsed(now), fields(progress, true), duration(now));
        return;
      }
      runningSince ??= now;
      if (changed) yield events.progress(elapsed(now), fields(progress));
    } else if (outcome.type === 'notFound') {
      failingSince = undefined;
      failures = 0;
      rateLimits = 0;
      if (last?.allBytesSeen) {
        // pCloud dropped the record of an upload whose every byte had arrived, before a poll saw
        // `finished` (how long it keeps one is undocumented): that upload is done, not vanished.
        yield events.done(elapsed(now), fields({...last, percent: 100, currentFile: null}, true), duration(now), RECORD_GONE_MESSAGE);
        return;
      }
      notFoundSince ??= last ? now : deps.startedAt;
      if (!last) lastRaw = outcome.raw;
      yield events.waiting(elapsed(now), fields(last ?? EMPTY));
      const waited = now - notFoundSince;
      if (waited >= spec.waitMs) {
        // --wait, not the time measured (a little more, by how the polls fell): many jobs not found
        // for one reason get one message, said once for all of them
        const {message, hint} = notFoundMessage(spec, last !== undefined, spec.waitMs > 0 ? spec.waitMs : waited);
        yield failure(now, ExitCode.notFound, outcome.code, message, hint);
        return;
      }
    } else if (outcome.type === 'transient') {
      failingSince ??= now;
      failures += 1;
      if (outcome.rateLimited) rateLimits += 1;
      if (wrongPlaceUntil !== undefined && now >= wrongPlaceUntil) {
        yield failure(now, ExitCode.failure, outcome.code, `gave up after ${firstContact.tries(now)}: ${outcome.message}`, outcome.hint);
        return;
      }
      if (now - failingSince >= GIVE_UP_AFTER_FAILURES_MS) {
        // still rate limited when the window ends: exit 5, as a ban would
        const exitCode = outcome.rateLimited ? ExitCode.rateLimited : ExitCode.failure;
        yield failure(now, exitCode, outcome.code, `gave up after ${formatDuration(now - failingSince)} of failures; the last: ${outcome.message}`, outcome.hint);
        return;
      }
      // never past the end of the failure window (or the first-contact one): the last try comes at its end
      const windowEnd = wrongPlaceUntil ?? failingSince + GIVE_UP_AFTER_FAILURES_MS;
      delayMs = Math.min(retryDelayMs(outcome, failures, rateLimits, spec.intervalMs, deps.random), windowEnd - now);
      yield {event: 'retry', kind: spec.kind, hash: spec.hash, message: outcome.message, attempt: failures, delayMs};
    } else {
      yield failure(now, outcome.exitCode, outcome.code, outcome.message, outcome.hint);
      return;
    }
    if (stalled(now)) {
      yield failure(now, ExitCode.timeout, null, `stalled: nothing moved for ${formatDuration(now - (lastMoveAt ?? now))}`);
      return;
    }
    await clock.sleep(Math.min(delayMs, Math.max(0, deadline - now)), signal);
  }

  const now = clock.now();
  if (signal.aborted) {
    const reason = signal.reason as Interruption | undefined;
    yield failure(now, reason?.exitCode ?? ExitCode.sigint, null, reason?.message ?? 'interrupted');
  } else {
    yield failure(now, ExitCode.timeout, null, `timed out after ${formatDuration(spec.timeoutMs)}`);
  }
}

function roundEta(seconds: number | null): number | null {
  return seconds === null ? null : Math.round(seconds * 10) / 10;
}

/** What a poll's own controller is aborted with (the poll settled, or the run was stopped): one constant, not a DOMException a poll. */
const POLL_SETTLED = Object.freeze({settled: true});

/** One poll, abandoned when the run is interrupted or `timeLeftMs` (on the injected clock) runs out. */
async function pollUntil(deps: WatchDeps, timeLeftMs: number, params: Record<string, string>): Promise<Outcome> {
  // No deadline (the default): the run's own signal is all the request needs.
  if (!Number.isFinite(timeLeftMs)) return deps.poll(deps.signal, params);
  const request = new AbortController();
  const abort = (): void => request.abort(POLL_SETTLED);
  deps.signal.addEventListener('abort', abort, {once: true});
  // the sleep ends early when the request settles: no timer outlives the poll
  void deps.clock.sleep(timeLeftMs, request.signal).then(abort);
  try {
    return await deps.poll(request.signal, params);
  } finally {
    abort();
    deps.signal.removeEventListener('abort', abort);
  }
}
