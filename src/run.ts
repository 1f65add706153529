import type {Env} from './env.js';
import type {ResolvedOptions} from './options.js';
import {combineExitCodes, ExitCode} from './exit-codes.js';
import {createClient, ClientSetupError, type ApiClient} from './api/client.js';
import type {RawAnswer} from './api/decode.js';
import type {Outcome} from './api/outcome.js';
import {eventFactory, NO_STATUS, type ErrorEvent, type JobKind} from './events.js';
import {hideCode, jobType, pollForm, type Job} from './jobs.js';
import {jobKey} from './job-key.js';
import {mapStrings} from './json.js';
import {merge} from './merge.js';
import type {StoppedTime} from './stopped.js';
import type {Renderer} from './render/renderer.js';
import {pollJob, type Interruption, type LoopEvent} from './poll-job.js';

/** What a run needs to know: the jobs, the server, the credentials and the timing (not the output). */
export type RunOptions = Omit<ResolvedOptions, 'output' | 'color' | 'metrics'>;

/** Sees the run beside the renderer (--metrics-file, --pushgateway): every event, every poll's outcome, and the end. */
export interface RunObserver {
  handle(event: LoopEvent): void;
  /** each poll: one whose numbers did not change makes no event, but it was an answer */
  polled(job: Job, outcome: Outcome): void;
  /** after the last event and the renderer's end; resolves soon (it bounds its own wait) */
  end(): Promise<void>;
}

/** What a run may be given besides its options: the time stopped with Ctrl-Z, and a look at every poll. */
export interface RunHooks {
  /** the jobs' durations leave out the time the process was stopped */
  stopped?: StoppedTime;
  onPoll?: RunObserver['polled'];
}

/**
 * Watches every job of `options` at once through one pinned client: the merged events of all jobs,
 * each job's last one `done` or `error`. The CLI and the library both watch through this.
 */
export async function* jobEvents(options: RunOptions, env: Pick<Env, 'clock' | 'random' | 'vars'>, signal: AbortSignal, hooks: RunHooks = {}): AsyncGenerator<LoopEvent, void, undefined> {
  const {stopped, onPoll} = hooks;
  const startedAt = env.clock.now();
  let client: ApiClient;
  try {
    const maxConnections = Math.min(options.connections, options.jobs.length);
    client = await createClient({...options, maxConnections, proxyEnv: env.vars, wallClock: () => env.clock.wall()});
  } catch (error) {
    if (!(error instanceof ClientSetupError)) throw error;
    // the host did not resolve: every job ends with that error, so `--json` still ends on one
    const elapsed = secondsSince(startedAt, env.clock);
    for (const {kind, hash} of options.jobs) yield statuslessError({kind, hash, host: options.host.label}, elapsed, error.message, ExitCode[error.reason], env.clock);
    return;
  }
  try {
    const jobSignals = fanOut(signal, options.jobs.length);
    const jobs = options.jobs.map((job, index) => {
      const call = jobPoll(client, job);
      const spec = {
        kind: job.kind,
        hash: job.hash,
        mode: job.mode,
        code: job.code,
        host: client.host.label,
        genericHost: client.host.generic,
        intervalMs: options.intervalMs,
        waitMs: options.waitMs,
        timeoutMs: options.timeoutMs,
        stallMs: options.stallMs,
        // job i of n first polls i/n of the way into the interval: n jobs, n evenly spaced polls
        firstPollDelayMs: (index / options.jobs.length) * options.intervalMs,
      };
      const poll = onPoll === undefined ? call : (pollSignal: AbortSignal, params: Record<string, string>) => call(pollSignal, params).then((outcome) => (onPoll(job, outcome), outcome));
      return pollJob(spec, {poll, clock: env.clock, random: env.random, startedAt, signal: jobSignals[index] as AbortSignal, stopped});
    });
    yield* merge<LoopEvent>(jobs);
  } finally {
    client.close();
  }
}

/** Feeds every event to the renderer; returns the run's exit code: the highest of the jobs'. */
export async function renderRun(options: ResolvedOptions, env: Env, renderer: Renderer, signal: AbortSignal, {stopped, observer}: {stopped?: StoppedTime; observer?: RunObserver} = {}): Promise<number> {
  const exitCodes: number[] = [];
  const unfinished = new Set(options.jobs.map(jobKey));
  const startedAt = env.clock.now();
  const show = (event: LoopEvent): void => {
    if (!(signal.aborted && (signal.reason as Interruption | undefined)?.silent)) renderer.handle(event);
  };
  try {
    try {
      for await (const event of jobEvents(options, env, signal, {stopped, onPoll: observer?.polled})) {
        if (event.event === 'done') exitCodes.push(ExitCode.ok);
        if (event.event === 'error') exitCodes.push(event.exitCode);
        if (event.event === 'done' || event.event === 'error') unfinished.delete(jobKey(event));
        observer?.handle(event);
        show(event);
      }
    } catch (error) {
      // a bug below: every job still gets its final event (exit 1), so `--json` never ends without one
      if (unfinished.size === 0) throw error;
      const message = `internal error (a bug, please report it): ${error instanceof Error ? error.message : String(error)}`;
      if (env.vars.PCLOUD_PROGRESS_DEBUG) env.stderr.write(`${(error as Error).stack ?? ''}\n`);
      finishUnfinished(unfinished, options, env, startedAt, message, show, exitCodes);
    }
    // no code path may end a run with exit 0 and no final event: a job that ended without one is a bug
    finishUnfinished(unfinished, options, env, startedAt, 'internal error (a bug, please report it): the watch ended without a result', show, exitCodes);
  } finally {
    renderer.end();
    await observer?.end();
  }
  return combineExitCodes(exitCodes);
}

/** An error event (exit 1) for each job that has not had its final event. */
function finishUnfinished(unfinished: Set<string>, options: ResolvedOptions, env: Env, startedAt: number, message: string, show: (event: LoopEvent) => void, exitCodes: number[]): void {
  const elapsed = secondsSince(startedAt, env.clock);
  for (const {kind, hash} of options.jobs) {
    if (!unfinished.delete(jobKey({kind, hash}))) continue;
    exitCodes.push(ExitCode.bug);
    show(statuslessError({kind, hash, host: options.host.label}, elapsed, message, ExitCode.bug, env.clock));
  }
}

/**
 * One signal per job, aborted (with the run's reason) when the run's is. Each job's polls and sleeps
 * listen on its own signal: on the run's, 10 000 jobs would keep 10 000 listeners there, and Node's
 * EventTarget walks them all on every add (half the CPU of a 10 000-job run, `npm run bench`).
 */
function fanOut(signal: AbortSignal, count: number): AbortSignal[] {
  const controllers = Array.from({length: count}, () => new AbortController());
  const abortAll = (): void => {
    for (const controller of controllers) controller.abort(signal.reason);
  };
  if (signal.aborted) abortAll();
  else signal.addEventListener('abort', abortAll, {once: true});
  return controllers.map((controller) => controller.signal);
}

/** Seconds since `startedAt` on `clock`, in whole ms, as every event's `elapsed`. */
const secondsSince = (startedAt: number, clock: Env['clock']): number => Math.round(clock.now() - startedAt) / 1000;

/** A job's final error event when no answer of the job's own is behind it (a client that could not be set up, a bug). */
function statuslessError(job: {kind: JobKind; hash: string; host: string}, elapsed: number, message: string, exitCode: number, clock: Env['clock']): ErrorEvent {
  return eventFactory(job, () => clock.wall()).error(elapsed, NO_STATUS, {code: null, message, exitCode});
}

/**
 * One job's poll: its method, and its form body built by the table once for each set of params
 * (an upload's and a zip's never change; an extraction's `lines` does as its output grows), with
 * the run's credentials only where the job's kind takes them. What comes back is in the job's terms:
 * a refusal says what to check for this kind, and a secret code is never shown whole.
 */
function jobPoll(client: ApiClient, job: Job): (signal: AbortSignal, params: Record<string, string>) => Promise<Outcome> {
  const type = jobType(job);
  const anonymous = type.credentials === 'never';
  let lastKey: string | undefined;
  let lastBody = '';
  const body = (params: Record<string, string>): string => {
    const key = Object.values(params).join('\0');
    if (key !== lastKey) {
      lastKey = key;
      lastBody = client.formBody(pollForm(job, params), {anonymous});
    }
    return lastBody;
  };
  return async (signal, params) => {
    const outcome = await client.call(type.method, body(params), signal, {anonymous});
    // a link's code echoed in an answer is shown as `abcd…` there too, as in every message (the
    // client masks the token the same way)
    if (outcome.type === 'answer' || outcome.type === 'notFound') {
      const raw = job.code === undefined ? outcome.raw : (mapStrings(outcome.raw, (text) => hideCode(job, text)) as RawAnswer);
      return raw === outcome.raw ? outcome : {...outcome, raw};
    }
    const hint = outcome.type === 'fatal' && outcome.code !== null && outcome.reason === 'auth' ? (type.refusedHint?.(job) ?? outcome.hint) : outcome.hint;
    return {...outcome, message: hideCode(job, outcome.message), ...(hint !== undefined && {hint: hideCode(job, hint)})};
  };
}
