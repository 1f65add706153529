import type {Env} from './env.js';
import type {WatchOptions} from './options.js';
import {combineExitCodes, ExitCode} from './exit-codes.js';
import {createClient, HostResolveError, type ApiClient} from './api/client.js';
import {eventFactory, NO_STATUS, type ErrorEvent, type JobKind} from './events.js';
import {merge} from './merge.js';
import type {Renderer} from './render/renderer.js';
import {pollJob, type Interruption, type LoopEvent} from './watch.js';

const METHOD = {upload: 'uploadprogress', zip: 'savezipprogress', extract: 'extractarchiveprogress'} as const;

/** What a run needs to know: the jobs, the server, the credentials and the timing (not the output). */
export type RunOptions = Omit<WatchOptions, 'output' | 'color'>;

/**
 * Watches every job of `options` at once through one pinned client: the merged events of all jobs,
 * each job's last one `done` or `error`. The CLI and the library both watch through this.
 */
export async function* jobEvents(options: RunOptions, env: Pick<Env, 'clock' | 'random' | 'vars'>, signal: AbortSignal): AsyncGenerator<LoopEvent, void, undefined> {
  const startedAt = env.clock.now();
  let client: ApiClient;
  try {
    const maxConnections = Math.min(options.connections, options.jobs.length);
    client = await createClient({...options, maxConnections, proxyEnv: env.vars, wallClock: () => env.clock.wall()});
  } catch (error) {
    if (!(error instanceof HostResolveError)) throw error;
    // the host did not resolve: every job ends with that error, so `--json` still ends on one
    const elapsed = Math.round(env.clock.now() - startedAt) / 1000; // whole ms, as every event
    for (const {kind, hash} of options.jobs) yield unresolvedEvent(kind, hash, options.host.label, elapsed, error);
    return;
  }
  try {
    const jobSignals = fanOut(signal, options.jobs.length);
    const jobs = options.jobs.map(({kind, hash}, index) => {
      const method = METHOD[kind];
      const body = formBodies(client, hash);
      const spec = {
        kind,
        hash,
        host: client.host.label,
        genericHost: client.host.generic,
        intervalMs: options.intervalMs,
        waitMs: options.waitMs,
        timeoutMs: options.timeoutMs,
        stallMs: options.stallMs,
        // job i of n first polls i/n of the way into the interval: n jobs, n evenly spaced polls
        firstPollDelayMs: (index / options.jobs.length) * options.intervalMs,
      };
      return pollJob(spec, {poll: (pollSignal, params) => client.call(method, body(params), pollSignal), clock: env.clock, random: env.random, startedAt, signal: jobSignals[index] as AbortSignal});
    });
    yield* merge<LoopEvent>(jobs);
  } finally {
    client.close();
  }
}

/** Feeds every event to the renderer; returns the run's exit code: the highest of the jobs'. */
export async function renderRun(options: WatchOptions, env: Env, renderer: Renderer, signal: AbortSignal): Promise<number> {
  const exitCodes: number[] = [];
  const unfinished = new Set(options.jobs.map(jobKey));
  const startedAt = env.clock.now();
  const show = (event: LoopEvent): void => {
    if (!(signal.aborted && (signal.reason as Interruption | undefined)?.silent)) renderer.handle(event);
  };
  try {
    try {
      for await (const event of jobEvents(options, env, signal)) {
        if (event.event === 'done') exitCodes.push(ExitCode.ok);
        if (event.event === 'error') exitCodes.push(event.exitCode);
        if (event.event === 'done' || event.event === 'error') unfinished.delete(jobKey(event));
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
  }
  return combineExitCodes(exitCodes);
}

function jobKey(job: {kind: JobKind; hash: string}): string {
  return `${job.kind}\0${job.hash}`;
}

/** An error event (exit 1) for each job that has not had its final event. */
function finishUnfinished(unfinished: Set<string>, options: WatchOptions, env: Env, startedAt: number, message: string, show: (event: LoopEvent) => void, exitCodes: number[]): void {
  const elapsed = Math.round(env.clock.now() - startedAt) / 1000;
  for (const {kind, hash} of options.jobs) {
    if (!unfinished.delete(jobKey({kind, hash}))) continue;
    exitCodes.push(ExitCode.bug);
    show(eventFactory({kind, hash, host: options.host.label}).error(elapsed, NO_STATUS, {code: null, message, exitCode: ExitCode.bug}));
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

function unresolvedEvent(kind: JobKind, hash: string, host: string, elapsed: number, error: HostResolveError): ErrorEvent {
  return eventFactory({kind, hash, host}).error(elapsed, NO_STATUS, {code: null, message: error.message, exitCode: error.exitCode});
}

/**
 * A job's form body for its poll's params: the same string while the params are the same (an
 * upload's and a zip's never change; an extraction's `lines` does as its output grows).
 */
function formBodies(client: ApiClient, hash: string): (params: Record<string, string>) => string {
  let lastKey: string | undefined;
  let lastBody = '';
  return (params) => {
    const key = Object.values(params).join('\0');
    if (key !== lastKey) {
      lastKey = key;
      lastBody = client.formBody({progresshash: hash, ...params});
    }
    return lastBody;
  };
}
