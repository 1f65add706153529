import type {Env} from '../env.js';
import {ExitCode} from '../exit-codes.js';
import type {JobKind} from '../events.js';
import {resolveWatchOptions, type RawOptions, type WatchOptions} from '../options.js';
import {ndjsonRenderer} from '../render/ndjson.js';
import {plainRenderer} from '../render/plain.js';
import {silentRenderer, type Renderer} from '../render/renderer.js';
import {runWatch} from '../run.js';
import type {Interruption} from '../watch.js';

/** `--json` -> NDJSON, `--quiet` -> nothing, otherwise plain lines on stderr. */
function selectRenderer(options: WatchOptions, env: Env, stdoutClosed: () => boolean): Renderer {
  if (options.output === 'json') return ndjsonRenderer(env.stdout, env.stderr, stdoutClosed);
  if (options.output === 'quiet') return silentRenderer;
  return plainRenderer(env.stderr, env.clock);
}

/** `upload` and `zip`: argv's strings -> options -> the watch. */
export async function startWatch(kind: JobKind, hashes: string[], raw: RawOptions, env: Env): Promise<number> {
  return watchJobs(await resolveWatchOptions(kind, hashes, raw, env), env);
}

/**
 * Runs a watch with signals and a closed stdout wired to one AbortController. SIGINT/SIGTERM end
 * the jobs with 130/143; a second one ends the process at once.
 */
export async function watchJobs(options: WatchOptions, env: Env): Promise<number> {
  const controller = new AbortController();
  const stop = (reason: Interruption): void => controller.abort(reason);
  let stdoutClosed = false;
  env.stdout.on?.('error', (error: NodeJS.ErrnoException) => {
    if (error.code !== 'EPIPE') return;
    stdoutClosed = true;
    stop({exitCode: ExitCode.ok, message: 'stdout was closed'});
  });
  const removeSignals = env.onSignal((signal) => {
    if (controller.signal.aborted) env.exit(signal === 'SIGINT' ? ExitCode.sigint : ExitCode.sigterm);
    stop(signal === 'SIGINT' ? {exitCode: ExitCode.sigint, message: 'interrupted (SIGINT)'} : {exitCode: ExitCode.sigterm, message: 'terminated (SIGTERM)'});
  });
  try {
    const renderer = selectRenderer(options, env, () => stdoutClosed);
    return await runWatch(options, env, renderer, controller.signal);
  } finally {
    removeSignals();
  }
}
