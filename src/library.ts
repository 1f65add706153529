import {nodeEnv, type Env} from './env.js';
import {UsageError} from './errors.js';
import {eventToJson, type JobKind, type WatchEvent} from './events.js';
import {ExitCode} from './exit-codes.js';
import {DEFAULT_HOSTS, parseHost} from './host.js';
import {DEFAULTS, parseDurationOption, validateHash, type Credentials} from './options.js';
import {watchJobsEvents, type RunOptions} from './run.js';
import type {Interruption} from './watch.js';

/** A duration: seconds as a number (`1.5`), or a string with units (`'250ms'`, `'2s'`, `'1m30s'`). */
export type Duration = number | string;

export interface WatchOptions {
  /** API server: a hostname (`api7.pcloud.com`, https implied), `host:port`, or an origin URL. Plain `http://` only to loopback. Default: by `region`. */
  host?: string;
  /** Picks the default host: `us` (api.pcloud.com, the default) or `eu` (eapi.pcloud.com). */
  region?: 'us' | 'eu';
  /** An auth token, sent in the POST body. Default: `$PCLOUD_AUTH`. */
  auth?: string;
  /** An OAuth 2.0 access token, sent as `Authorization: Bearer`; wins over `auth`. Default: `$PCLOUD_ACCESS_TOKEN`. */
  accessToken?: string;
  /** Time between polls. Default 1 s. */
  interval?: Duration;
  /** How long the job may be "not found" before it appears, or after it vanished. Default 30 s. */
  wait?: Duration;
  /** Give up after this long in total; 0 = never (the default). */
  timeout?: Duration;
  /** Give up when no byte and no file moved for this long; 0 = never (the default). */
  stall?: Duration;
  /** A request with no full answer by then is abandoned and retried. Default 10 s. */
  requestTimeout?: Duration;
  /** Stops the watch: the last event is then an `error` with exitCode 130. */
  signal?: AbortSignal;
}

export {UsageError};
export type {WatchEvent, JobKind};

function durationMs(name: string, value: Duration | undefined, fallback: string, limits: {min: number; allowZero: boolean}): number {
  if (typeof value === 'number') {
    if (!Number.isFinite(value) || value < 0) throw new UsageError(`bad ${name}: ${value}`);
    return parseDurationOption(name, String(value), limits);
  }
  return parseDurationOption(name, value ?? fallback, limits);
}

function credentialsOf(options: WatchOptions, env: Env['vars']): Credentials {
  const accessToken = options.accessToken ?? (env.PCLOUD_ACCESS_TOKEN || undefined);
  if (accessToken) return {type: 'accessToken', token: accessToken};
  const auth = options.auth ?? (env.PCLOUD_AUTH || undefined);
  if (auth) return {type: 'auth', token: auth};
  throw new UsageError('no credentials: pass auth or accessToken, or set $PCLOUD_AUTH or $PCLOUD_ACCESS_TOKEN');
}

async function* watchJob(kind: JobKind, hash: string, options: WatchOptions, env: Env): AsyncGenerator<WatchEvent, void, undefined> {
  // everything is checked before the first request, as the CLI does
  validateHash(hash);
  const region = options.region ?? 'us';
  if (region !== 'us' && region !== 'eu') throw new UsageError(`bad region "${String(region)}": expected us or eu`);
  const run: RunOptions = {
    jobs: [{kind, hash}],
    host: parseHost(options.host ?? DEFAULT_HOSTS[region]),
    intervalMs: durationMs('interval', options.interval, DEFAULTS.interval, {min: 1, allowZero: false}),
    waitMs: durationMs('wait', options.wait, DEFAULTS.wait, {min: 0, allowZero: true}),
    timeoutMs: durationMs('timeout', options.timeout, DEFAULTS.timeout, {min: 1, allowZero: true}),
    stallMs: durationMs('stall', options.stall, DEFAULTS.stall, {min: 1, allowZero: true}),
    requestTimeoutMs: durationMs('requestTimeout', options.requestTimeout, DEFAULTS.requestTimeout, {min: 1, allowZero: false}),
    credentials: credentialsOf(options, env.vars),
  };

  const controller = new AbortController();
  const interruption: Interruption = {exitCode: ExitCode.sigint, message: 'aborted'};
  const abort = (): void => controller.abort(interruption);
  if (options.signal?.aborted) abort();
  options.signal?.addEventListener('abort', abort, {once: true});
  try {
    for await (const event of watchJobsEvents(run, env, controller.signal)) {
      if (event.event !== 'retry') yield eventToJson(event);
    }
  } finally {
    options.signal?.removeEventListener('abort', abort);
  }
}

/**
 * Watches an upload by its progresshash: the same events `--json` prints, the last one `done` or
 * `error`. Bad options throw a UsageError before any request; failures come as an `error` event.
 *
 * ```js
 * for await (const event of watchUpload('backup-42', {host: 'api7.pcloud.com', auth: token})) {
 *   if (event.event === 'done') console.log(event.raw.files[0].fileid);
 * }
 * ```
 */
export function watchUpload(hash: string, options: WatchOptions = {}): AsyncIterable<WatchEvent> {
  return watchJob('upload', hash, options, nodeEnv());
}

/** Watches a savezip by its progresshash; see watchUpload. */
export function watchZip(hash: string, options: WatchOptions = {}): AsyncIterable<WatchEvent> {
  return watchJob('zip', hash, options, nodeEnv());
}
