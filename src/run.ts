import type {Env} from './env.js';
import type {WatchOptions} from './options.js';
import {combineExitCodes, ExitCode} from './exit-codes.js';
import {createClient, HostResolveError, type ApiClient} from './api/client.js';
import {merge} from './merge.js';
import type {Renderer} from './render/renderer.js';
import {watch, type LoopEvent} from './watch.js';

const METHOD = {upload: 'uploadprogress', zip: 'savezipprogress'} as const;

/**
 * Watches every hash of `options` at once through one pinned client and feeds the renderer.
 * Returns the run's exit code: the highest of the jobs'.
 */
export async function runWatch(options: WatchOptions, env: Env, renderer: Renderer, signal: AbortSignal): Promise<number> {
  const startedAt = env.clock.now();
  let client: ApiClient;
  try {
    client = await createClient({...options, maxConnections: options.jobs.length});
  } catch (error) {
    if (!(error instanceof HostResolveError)) throw error;
    return failAll(options, error, renderer, (env.clock.now() - startedAt) / 1000);
  }
  const exitCodes: number[] = [];
  try {
    const jobs = options.jobs.map(({kind, hash}) => {
      const method = METHOD[kind];
      const body = client.formBody({progresshash: hash});
      const spec = {
        kind,
        hash,
        host: client.host.label,
        genericHost: client.host.generic,
        intervalMs: options.intervalMs,
        waitMs: options.waitMs,
        timeoutMs: options.timeoutMs,
        stallMs: options.stallMs,
      };
      return watch(spec, {poll: (pollSignal) => client.call(method, body, pollSignal), clock: env.clock, random: env.random, startedAt, signal});
    });
    for await (const event of merge<LoopEvent>(jobs)) {
      if (event.event === 'done') exitCodes.push(ExitCode.ok);
      if (event.event === 'error') exitCodes.push(event.exitCode ?? ExitCode.bug);
      renderer.handle(event);
    }
  } finally {
    client.close();
    renderer.end();
  }
  return combineExitCodes(exitCodes);
}

/** The host did not resolve: every job ends with the same error event, so `--json` still ends on one. */
function failAll(options: WatchOptions, error: HostResolveError, renderer: Renderer, elapsed: number): number {
  for (const {kind, hash} of options.jobs) {
    renderer.handle({
      event: 'error',
      kind,
      hash,
      host: options.host.label,
      elapsed,
      bytes: null,
      totalBytes: null,
      files: null,
      totalFiles: null,
      percent: null,
      rate: null,
      eta: null,
      currentFile: null,
      raw: null,
      code: null,
      message: error.message,
      exitCode: error.exitCode,
    });
  }
  renderer.end();
  return error.exitCode;
}
