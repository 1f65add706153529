import {envValue, type Env} from './env.js';
import {say} from './say.js';
import {ExitCode, SIGNAL_EXITS} from './exit-codes.js';
import type {ResolvedOptions} from './options.js';
import {ndjsonRenderer} from './render/ndjson.js';
import {plainRenderer} from './render/plain.js';
import {silentRenderer, type Renderer} from './render/renderer.js';
import {MIN_COLUMNS} from './render/layout.js';
import {StoppedTime} from './stopped.js';
import type {Interruption} from './poll-job.js';
import type {RunObserver} from './run.js';

// A watch session, for the watch commands and the demo alike: the renderer chosen for the output,
// signals and the output's fate wired to one AbortController, the run rendered to its exit code.

/** `CI` set to anything but `false`, `0` or nothing: what CI services set (`true`, `1`, `yes`...). */
export function isCi(vars: Env['vars']): boolean {
  const value = envValue(vars, 'CI')?.trim().toLowerCase();
  return value !== undefined && value !== '' && value !== 'false' && value !== '0';
}

/**
 * Whether the run draws the terminal display: human output, a terminal on stderr, not CI, not
 * `TERM=dumb`, and room for a line (a terminal that says 0 columns, as `script` gives a CI job, gets
 * plain lines).
 */
function drawsOnTerminal(options: ResolvedOptions, env: Env): boolean {
  return options.output === 'human' && env.stderr.isTTY === true && !isCi(env.vars) && env.vars.TERM !== 'dumb' && (env.stderr.columns ?? 80) >= MIN_COLUMNS;
}

/**
 * `--json` -> NDJSON, `--quiet` -> nothing, the terminal display where drawsOnTerminal, otherwise
 * plain lines. The terminal renderer is loaded only when used: ora, chalk and string-width cost
 * start-up time that `--json` and `--quiet` never pay.
 */
async function selectRenderer(options: ResolvedOptions, env: Env): Promise<Renderer> {
  if (options.output === 'json') return ndjsonRenderer(env.stdout, env.stderr);
  if (options.output === 'quiet') return silentRenderer;
  if (drawsOnTerminal(options, env)) {
    const {ttyRenderer} = await import('./render/tty.js');
    return ttyRenderer(env.stderr, env.clock, {colorLevel: options.color ? colorLevel(env.stderr.getColorDepth?.(env.vars)) : 0, host: options.host.label, unicode: env.unicode, jobs: options.jobs, onSuspend: env.onSuspend, remeasure: () => env.remeasure(env.stderr)});
  }
  return plainRenderer(env.stderr, env.clock, options.jobs, {intervalMs: options.intervalMs});
}

/** --metrics-file, --pushgateway: prom-client and the pushing (dist/metrics.cjs) are loaded only when asked for. */
async function startObserver(options: ResolvedOptions, env: Env): Promise<RunObserver | undefined> {
  if (options.metrics === undefined) return undefined;
  const {startMetrics} = await import('./metrics/observer.js');
  // on the terminal display, its notices wait for the display's end instead of drawing into it
  return startMetrics(options, env, {holdNotices: drawsOnTerminal(options, env)});
}

/** Node's colour depth of the terminal (bits, from the environment given) -> chalk's level: no chalk global reads process.env. */
function colorLevel(depth: number | undefined): 0 | 1 | 2 | 3 {
  if (depth === undefined || depth < 4) return 0;
  return depth < 8 ? 1 : depth < 24 ? 2 : 3;
}

/**
 * Runs a watch with signals and the output's fate wired to one AbortController. SIGHUP, SIGINT and
 * SIGTERM end the jobs with 129/130/143; a second one ends the process at once. A closed or full
 * stdout ends them silently (exit 0 or 1).
 */
export async function runSession(options: ResolvedOptions, env: Env): Promise<number> {
  if (debugsHttp(env.vars.NODE_DEBUG)) {
    say(env.stderr, 'warning: NODE_DEBUG makes Node print every request, its token included (Authorization header, form body): unset it for a real run');
  }
  const controller = new AbortController();
  const stop = (reason: Interruption): void => controller.abort(reason);
  env.stdout.on?.('error', (error: NodeJS.ErrnoException) => {
    // `| head -1`: the reader has what it wanted, stop quietly (exit 0); a full disk: exit 1 (main says why)
    stop({exitCode: error.code === 'EPIPE' ? ExitCode.ok : ExitCode.bug, message: 'stdout cannot be written', silent: true});
  });
  if (options.output === 'human' || options.output === 'plain') {
    // the display is on stderr: a full disk behind `2> log` fails the run too (exit 1; nowhere to say why)
    env.stderr.on?.('error', (error: NodeJS.ErrnoException) => {
      if (error.code !== 'EPIPE') stop({exitCode: ExitCode.bug, message: 'stderr cannot be written', silent: true});
    });
  }
  // run.ts brings the HTTP client (got, node:http, node:tls): loaded only now that the options were
  // accepted, so a usage error (no credentials, a bad hash) exits without paying for it
  const [{renderRun}, renderer, observer] = await Promise.all([import('./run.js'), selectRenderer(options, env), startObserver(options, env)]);
  const removeSignals = env.onSignal((signal) => {
    if (controller.signal.aborted) {
      renderer.end(); // a second Ctrl-C: out at once, but never with the cursor hidden
      env.exit(SIGNAL_EXITS[signal].exitCode);
    }
    stop(SIGNAL_EXITS[signal]);
  });
  // Ctrl-Z..fg: the jobs' durations leave that time out (the clock runs on while stopped)
  const stopped = new StoppedTime(env.clock);
  const removeSuspend = env.onSuspend(
    () => stopped.stop(),
    () => stopped.resume(),
  );
  try {
    return await renderRun(options, env, renderer, controller.signal, {stopped, observer});
  } finally {
    removeSuspend();
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
