import {envValue, type Env} from './env.js';
import {ExitCode, SIGNAL_EXITS} from './exit-codes.js';
import type {WatchOptions} from './options.js';
import {ndjsonRenderer} from './render/ndjson.js';
import {plainRenderer} from './render/plain.js';
import {silentRenderer, type Renderer} from './render/renderer.js';
import {MIN_COLUMNS} from './render/layout.js';
import type {Interruption} from './watch.js';

// A watch session, for the watch commands and the demo alike: the renderer chosen for the output,
// signals and the output's fate wired to one AbortController, the run rendered to its exit code.

/**
 * `--json` -> NDJSON, `--quiet` -> nothing, a terminal on stderr (and not CI) -> spinner and bars,
 * otherwise plain lines. The terminal renderer is loaded only when used: ora, cli-progress and chalk
 * cost start-up time that `--json` and `--quiet` never pay.
 */
async function selectRenderer(options: WatchOptions, env: Env): Promise<Renderer> {
  if (options.output === 'json') return ndjsonRenderer(env.stdout, env.stderr);
  if (options.output === 'quiet') return silentRenderer;
  // a terminal narrower than a line (one that says 0 columns, as `script` gives a CI job) gets plain lines
  if (env.stderr.isTTY && envValue(env.vars, 'CI') === undefined && env.vars.TERM !== 'dumb' && (env.stderr.columns ?? 80) >= MIN_COLUMNS) {
    const {ttyRenderer} = await import('./render/tty.js');
    return ttyRenderer(env.stderr, env.clock, {color: options.color, host: options.host.label, unicode: env.unicode, jobs: options.jobs, onSuspend: env.onSuspend});
  }
  return plainRenderer(env.stderr, env.clock, options.jobs);
}

/**
 * Runs a watch with signals and the output's fate wired to one AbortController. SIGHUP, SIGINT and
 * SIGTERM end the jobs with 129/130/143; a second one ends the process at once. A closed or full
 * stdout ends them silently (exit 0 or 1).
 */
export async function runSession(options: WatchOptions, env: Env): Promise<number> {
  if (debugsHttp(env.vars.NODE_DEBUG)) {
    env.stderr.write('pcloud-progress: warning: NODE_DEBUG makes Node print every request, its token included (Authorization header, form body): unset it for a real run\n');
  }
  const controller = new AbortController();
  const stop = (reason: Interruption): void => controller.abort(reason);
  env.stdout.on?.('error', (error: NodeJS.ErrnoException) => {
    // `| head -1`: the reader has what it wanted, stop quietly (exit 0); a full disk: exit 1 (main says why)
    stop({exitCode: error.code === 'EPIPE' ? ExitCode.ok : ExitCode.bug, message: 'stdout cannot be written', silent: true});
  });
  if (options.output === 'human') {
    // the display is on stderr: a full disk behind `2> log` fails the run too (exit 1; nowhere to say why)
    env.stderr.on?.('error', (error: NodeJS.ErrnoException) => {
      if (error.code !== 'EPIPE') stop({exitCode: ExitCode.bug, message: 'stderr cannot be written', silent: true});
    });
  }
  // run.ts brings the HTTP client (got, node:http, node:tls): loaded only now that the options were
  // accepted, so a usage error (no credentials, a bad hash) exits without paying for it
  const [{renderRun}, renderer] = await Promise.all([import('./run.js'), selectRenderer(options, env)]);
  const removeSignals = env.onSignal((signal) => {
    if (controller.signal.aborted) {
      renderer.end(); // a second Ctrl-C: out at once, but never with the cursor hidden
      env.exit(SIGNAL_EXITS[signal].exitCode);
    }
    stop(SIGNAL_EXITS[signal]);
  });
  try {
    return await renderRun(options, env, renderer, controller.signal);
  } finally {
    removeSignals();
  }
}

/** Node's own debug output (`NODE_DEBUG=http`, `http*`, `net`, `tls`, `*`) prints what a request carries: our token. */
function debugsHttp(value: string | undefined): boolean {
  if (value === undefined) return false;
  return value.split(/[\s,]+/).some((item) => {
    if (item === '') return false;
    const pattern = new RegExp(`^${item.replace(/[.+?^${}()|[\]\\]/g, '\\$&').replace(/\*/g, '.*')}$`, 'i');
    return ['http', 'http2', 'https', 'net', 'tls'].some((module) => pattern.test(module));
  });
}
