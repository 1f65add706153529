import {envValue, type Env} from '../env.js';
import {ExitCode} from '../exit-codes.js';
import type {JobKind} from '../events.js';
import {resolveWatchOptions, type RawOptions, type WatchOptions} from '../options.js';
import {ndjsonRenderer} from '../render/ndjson.js';
import {plainRenderer} from '../render/plain.js';
import {silentRenderer, type Renderer} from '../render/renderer.js';
import type {Interruption} from '../watch.js';

/**
 * `--json` -> NDJSON, `--quiet` -> nothing, a terminal on stderr (and not CI) -> spinner and bars,
 * otherwise plain lines. The terminal renderer is loaded only when used: ora, cli-progress and chalk
 * cost start-up time that `--json` and `--quiet` never pay.
 */
async function selectRenderer(options: WatchOptions, env: Env, stdoutClosed: () => boolean): Promise<Renderer> {
  if (options.output === 'json') return ndjsonRenderer(env.stdout, env.stderr, stdoutClosed);
  if (options.output === 'quiet') return silentRenderer;
  if (env.stderr.isTTY && envValue(env.vars, 'CI') === undefined && env.vars.TERM !== 'dumb') {
    const {ttyRenderer} = await import('../render/tty.js');
    return ttyRenderer(env.stderr, env.clock, {color: options.color});
  }
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
  // run.ts brings the HTTP client (got, node:http, node:tls): loaded only here, after the options
  // were accepted, so a usage error (no credentials, a bad hash) exits without paying for it
  const [{runWatch}, renderer] = await Promise.all([import('../run.js'), selectRenderer(options, env, () => stdoutClosed)]);
  const removeSignals = env.onSignal((signal) => {
    if (controller.signal.aborted) {
      renderer.end(); // a second Ctrl-C: out at once, but never with the cursor hidden
      env.exit(signal === 'SIGINT' ? ExitCode.sigint : ExitCode.sigterm);
    }
    stop(signal === 'SIGINT' ? {exitCode: ExitCode.sigint, message: 'interrupted (SIGINT)'} : {exitCode: ExitCode.sigterm, message: 'terminated (SIGTERM)'});
  });
  try {
    return await runWatch(options, env, renderer, controller.signal);
  } finally {
    removeSignals();
  }
}
