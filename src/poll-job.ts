import type {Clock} from './env.js';
import {eventFactory, type ErrorEvent, type JobKind, type OutputEvent, type ProgressNumbers, type StatusFields, type WatchEvent} from './events.js';
import {ExitCode} from './exit-codes.js';
import {sameNumbers, type Progress, type ProgressDecoder, type RawAnswer} from './api/decode.js';
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

/** What a poll's outcome leads to: the job's end, or the next poll after `delayMs`. */
type Next = {end: true} | {end: false; delayMs: number};
const END: Next = {end: true};

/**
 * One job's state between polls, and what each kind of outcome makes of it: one small method per
 * outcome, each yielding that poll's events and saying what comes next.
 */
class JobWatch {
  readonly #spec: JobSpec;
  readonly #deps: WatchDeps;
  readonly #meter = new RateMeter();
  readonly #decoder: ProgressDecoder;
  readonly #events: ReturnType<typeof eventFactory>;
  readonly #firstContact = new FirstContact();
  #last: Progress | undefined;
  #lastRaw: RawAnswer | null = null;
  #notFoundSince: number | undefined;
  /** the failures in a row: since when, how many, how many of them rate limits */
  #failingSince: number | undefined;
  #failures = 0;
  #rateLimits = 0;
  #lastMoveAt: number | undefined;
  /** the first poll that saw the job running (not finished): where its `duration` counts from */
  #runningSince: number | undefined;

  constructor(spec: JobSpec, deps: WatchDeps) {
    this.#spec = spec;
    this.#deps = deps;
    this.#decoder = jobType(spec).decoder();
    this.#events = eventFactory(spec, () => deps.clock.wall());
  }

  pollParams(): Record<string, string> {
    return this.#decoder.pollParams();
  }

  /** Any outcome of one poll: the events it makes, then the job's end or the wait before the next poll. */
  *outcome(outcome: Outcome, now: number): Generator<LoopEvent, Next, undefined> {
    const wrongPlaceUntil = this.#firstContact.note(outcome, now);
    let next: Next;
    if (outcome.type === 'answer') next = yield* this.#answer(outcome.raw, now);
    else if (outcome.type === 'notFound') next = yield* this.#notFound(outcome.code, outcome.raw, now);
    else if (outcome.type === 'transient') next = yield* this.#transient(outcome, now, wrongPlaceUntil);
    else {
      yield this.failure(now, ExitCode[outcome.reason], outcome.code, outcome.message, outcome.hint);
      return END;
    }
    if (!next.end && this.#stalled(now)) {
      yield this.failure(now, ExitCode.timeout, null, `stalled: nothing moved for ${formatDuration(now - (this.#lastMoveAt ?? now))}`);
      return END;
    }
    return next;
  }

  /** The job's last event when it ends without an end of its own: the run was stopped, or --timeout came. */
  ended(now: number): ErrorEvent {
    const {signal} = this.#deps;
    if (!signal.aborted) return this.failure(now, ExitCode.timeout, null, `timed out after ${formatDuration(this.#spec.timeoutMs)}`);
    const reason = signal.reason as Interruption | undefined;
    return this.failure(now, reason?.exitCode ?? ExitCode.sigint, null, reason?.message ?? 'interrupted');
  }

  failure(now: number, exitCode: number, code: number | null, message: string, hint?: string): ErrorEvent {
    return this.#events.error(this.#elapsed(now), this.#fields(this.#last ?? EMPTY), {code, message: hint === undefined ? message : `${message}; ${hint}`, exitCode});
  }

  /** A good answer (or a not-found one, 19xx): whatever was failing is over. */
  #answered(): void {
    this.#failingSince = undefined;
    this.#failures = 0;
    this.#rateLimits = 0;
  }

  *#answer(raw: RawAnswer, now: number): Generator<LoopEvent, Next, undefined> {
    const recovered = this.#failures > 0;
    this.#answered();
    this.#notFoundSince = undefined;
    this.#lastRaw = raw;
    const progress = this.#decoder.decode(raw);
    if (progress.newLines.length > 0) yield this.#events.output(this.#elapsed(now), progress.newLines);
    this.#meter.update(now, progress.bytes);
    const last = this.#last;
    if (!last || progress.bytes !== last.bytes || progress.files !== last.files) this.#lastMoveAt = now;
    const changed = !last || !sameNumbers(progress, last);
    this.#last = progress;
    if (progress.done && progress.failedUrls.length > 0) {
      yield this.failure(now, ExitCode.partial, null, failedUrlsMessage(progress));
      return END;
    }
    if (progress.done) {
      yield this.#events.done(this.#elapsed(now), this.#fields(progress, true), this.#duration(now));
      return END;
    }
    this.#runningSince ??= now;
    // after failures, the first answer is said even with the same numbers: a display still saying
    // "retrying" would be stale, and a script learns the job answers again
    if (changed || recovered) yield this.#events.progress(this.#elapsed(now), this.#fields(progress));
    return {end: false, delayMs: this.#spec.intervalMs};
  }

  *#notFound(code: number, raw: RawAnswer, now: number): Generator<LoopEvent, Next, undefined> {
    this.#answered();
    const last = this.#last;
    if (last?.allBytesSeen) {
      // pCloud dropped the record of an upload whose every byte had arrived, before a poll saw
      // `finished` (how long it keeps one is undocumented): that upload is done, not vanished.
      yield this.#events.done(this.#elapsed(now), this.#fields({...last, percent: 100, currentFile: null}, true), this.#duration(now), RECORD_GONE_MESSAGE);
      return END;
    }
    this.#notFoundSince ??= last ? now : this.#deps.startedAt;
    if (!last) this.#lastRaw = raw;
    yield this.#events.waiting(this.#elapsed(now), this.#fields(last ?? EMPTY));
    const waited = now - this.#notFoundSince;
    if (waited < this.#spec.waitMs) return {end: false, delayMs: this.#spec.intervalMs};
    // --wait, not the time measured (a little more, by how the polls fell): many jobs not found
    // for one reason get one message, said once for all of them
    const {message, hint} = notFoundMessage(this.#spec, last !== undefined, this.#spec.waitMs > 0 ? this.#spec.waitMs : waited);
    yield this.failure(now, ExitCode.notFound, code, message, hint);
    return END;
  }

  *#transient(outcome: Transient, now: number, wrongPlaceUntil: number | undefined): Generator<LoopEvent, Next, undefined> {
    const failingSince = (this.#failingSince ??= now);
    this.#failures += 1;
    if (outcome.rateLimited) this.#rateLimits += 1;
    if (wrongPlaceUntil !== undefined && now >= wrongPlaceUntil) {
      yield this.failure(now, ExitCode.failure, outcome.code, `gave up after ${this.#firstContact.tries(now)}: ${outcome.message}`, outcome.hint);
      return END;
    }
    if (now - failingSince >= GIVE_UP_AFTER_FAILURES_MS) {
      // still rate limited when the window ends: exit 5, as a ban would
      const exitCode = outcome.rateLimited ? ExitCode.rateLimited : ExitCode.failure;
      yield this.failure(now, exitCode, outcome.code, `gave up after ${formatDuration(now - failingSince)} of failures; the last: ${outcome.message}`, outcome.hint);
      return END;
    }
    // never past the end of the failure window (or the first-contact one): the last try comes at its end
    const windowEnd = wrongPlaceUntil ?? failingSince + GIVE_UP_AFTER_FAILURES_MS;
    const delayMs = Math.min(retryDelayMs(outcome, this.#failures, this.#rateLimits, this.#spec.intervalMs, this.#deps.random), windowEnd - now);
    yield {event: 'retry', kind: this.#spec.kind, hash: this.#spec.hash, message: outcome.message, attempt: this.#failures, delayMs};
    return {end: false, delayMs};
  }

  #stalled(now: number): boolean {
    return this.#spec.stallMs > 0 && this.#lastMoveAt !== undefined && now - this.#lastMoveAt >= this.#spec.stallMs;
  }

  #elapsed(now: number): number {
    return Math.round(now - this.#deps.startedAt) / 1000; // whole ms
  }

  /** seconds seen running, whole ms, less the time stopped; null for a job already finished when first seen */
  #duration(now: number): number | null {
    const since = this.#runningSince;
    return since === undefined ? null : Math.max(0, Math.round(now - since - (this.#deps.stopped?.within(since, now) ?? 0)) / 1000);
  }

  #fields(numbers: ProgressNumbers, finished = false): StatusFields {
    const rate = this.#meter.rate;
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
      raw: this.#lastRaw,
    };
  }
}

/**
 * Watches one job: polls, classifies, and yields `waiting`, `progress`, `done` or `error` events
 * (the last one always `done` or `error`). All time comes from the injected clock.
 */
export async function* pollJob(spec: JobSpec, deps: WatchDeps): AsyncGenerator<LoopEvent, void, undefined> {
  const {clock, signal} = deps;
  const job = new JobWatch(spec, deps);
  const deadline = spec.timeoutMs > 0 ? deps.startedAt + spec.timeoutMs : Infinity;
  if (spec.firstPollDelayMs) await clock.sleep(Math.min(spec.firstPollDelayMs, Math.max(0, deadline - clock.now())), signal);
  for (;;) {
    const timeLeft = deadline - clock.now();
    if (signal.aborted || timeLeft <= 0) break;
    const outcome = await pollUntil(deps, timeLeft, job.pollParams());
    const now = clock.now();
    if (signal.aborted || now >= deadline) break;
    const next = yield* job.outcome(outcome, now);
    if (next.end) return;
    await clock.sleep(Math.min(next.delayMs, Math.max(0, deadline - now)), signal);
  }
  yield job.ended(clock.now());
}

function roundEta(seconds: number | null): number | null {
  return seconds === null ? null : Math.round(seconds * 10) / 10;
}

/** What a poll's own controller is aborted with (the poll settled, or the run was stopped): one constant, not a new DOMException for every poll. */
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
