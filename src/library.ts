import {nodeEnv, type Env} from './env.js';
import {UsageError} from './errors.js';
import {eventToJson, type WatchEvent} from './events.js';
import {chooseMode, type Job, type JobKind} from './jobs.js';
import {ExitCode} from './exit-codes.js';
import {resolveWatchOptions, type RawOptions} from './options.js';
import {jobEvents} from './run.js';
import type {Interruption} from './poll-job.js';

/** A duration: seconds as a number (`1.5`), or a string with units (`'250ms'`, `'2s'`, `'1m30s'`). */
export type Duration = number | string;

export interface WatchOptions {
  /** API server: a hostname (`api7.pcloud.com`, https implied), `host:port`, or an origin URL. Plain `http://` only to loopback. Default: `$PCLOUD_API_HOST`, else by `region`. */
  host?: string;
  /** Picks the default host: `us` (api.pcloud.com) or `eu` (eapi.pcloud.com). Default: `$PCLOUD_REGION`, else `us`. */
  region?: 'us' | 'eu';
  /** An auth token, sent in the POST body. Default: `$PCLOUD_AUTH`. */
  auth?: string;
  /** An OAuth 2.0 access token, sent as `Authorization: Bearer`; wins over `auth`. Default: `$PCLOUD_ACCESS_TOKEN`. */
  accessToken?: string;
  /** Time between polls. Default 1 s (at least 500 ms unless the host is on loopback). */
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

/**
 * watchUpload's options: which upload the progresshash was given to. Neither needs credentials.
 * At most one of `link` and `transfer`.
 */
export interface UploadWatchOptions extends WatchOptions {
  /**
   * The upload went to the upload link with this code (`uploadtolink`): polls `uploadlinkprogress`
   * with the code, sending the token when there is one. The code is never shown beyond its first 4 characters.
   */
  link?: string;
  /** The upload is a pCloud Transfer (`uploadtransfer`): polls `uploadtransferprogress`, never with a token, even one given here. */
  transfer?: boolean;
}

export {UsageError};
export type {WatchEvent, JobKind};

/** What a value is, for a message: `a number`, `null`, `an object` (never the value: it may be a token). */
function typeName(value: unknown): string {
  if (value === null) return 'null';
  if (Array.isArray(value)) return 'an array';
  const type = typeof value;
  if (type === 'undefined') return 'undefined';
  return type === 'object' ? 'an object' : `a ${type}`;
}

/** A Duration as the CLI's text: seconds as a number, or a string with units. */
function durationText(name: string, value: unknown): string | undefined {
  if (value === undefined || typeof value === 'string') return value;
  if (typeof value !== 'number') throw new UsageError(`bad ${name}: expected seconds (a number) or a string like '250ms', got ${typeName(value)}`);
  if (!Number.isFinite(value) || value < 0) throw new UsageError(`bad ${name}: ${value}`);
  return String(value);
}

/** An option that is a string when given. */
function text(name: string, value: unknown): string | undefined {
  if (value === undefined || typeof value === 'string') return value;
  throw new UsageError(`bad ${name}: expected a string, got ${typeName(value)}`);
}

/**
 * Every option checked for its type before any of it is used: a JavaScript caller can pass
 * anything (`process.env.HASH` unset, `host: 42`), and each such mistake is a UsageError naming
 * the option, never a TypeError from deep inside nor a request for `progresshash=undefined`.
 */
function checkedOptions(hash: unknown, options: unknown): {hash: string; options: UploadWatchOptions} {
  if (typeof hash !== 'string') throw new UsageError(`bad progresshash: expected a string, got ${typeName(hash)}`);
  if (typeof options !== 'object' || options === null || Array.isArray(options)) throw new UsageError(`bad options: expected an object, got ${typeName(options)}`);
  const given = options as Record<string, unknown>;
  for (const name of ['host', 'region', 'auth', 'accessToken', 'link'] as const) text(name, given[name]);
  if (given.transfer !== undefined && typeof given.transfer !== 'boolean') throw new UsageError(`bad transfer: expected true or false, got ${typeName(given.transfer)}`);
  const signal = given.signal;
  if (signal !== undefined && !(signal instanceof AbortSignal)) throw new UsageError(`bad signal: expected an AbortSignal, got ${typeName(signal)}`);
  return {hash, options: options as UploadWatchOptions};
}

/**
 * The library's options -> the CLI's raw options, resolved by the CLI's own resolver: the same
 * checks, defaults and environment variables (`$PCLOUD_API_HOST`, `$PCLOUD_REGION`, `$PCLOUD_AUTH`,
 * `$PCLOUD_ACCESS_TOKEN`); an option given here wins over its variable.
 */
function rawOptions(options: WatchOptions): RawOptions {
  // the strings were checked by checkedOptions; the durations are checked here, as they are turned into text
  return {
    host: options.host,
    region: options.region,
    accessToken: options.accessToken,
    auth: options.auth,
    interval: durationText('interval', options.interval),
    wait: durationText('wait', options.wait),
    timeout: durationText('timeout', options.timeout),
    stall: durationText('stall', options.stall),
    requestTimeout: durationText('requestTimeout', options.requestTimeout),
    json: true,
  };
}

/** The resolver names CLI flags (`--request-timeout`): name the library's options (`requestTimeout`). */
function libraryWords(error: unknown): never {
  if (error instanceof UsageError) error.message = error.message.replace(/--([a-z]+(?:-[a-z]+)*)/g, (_, flag: string) => flag.replace(/-([a-z])/g, (__, c: string) => c.toUpperCase()));
  throw error;
}

async function* libraryEvents(kind: JobKind, givenHash: unknown, givenOptions: unknown, env: Env): AsyncGenerator<WatchEvent, void, undefined> {
  // everything is checked before the first request, as the CLI does: at the first next()
  let job: Job;
  let options: UploadWatchOptions;
  try {
    const checked = checkedOptions(givenHash, givenOptions);
    options = checked.options;
    job = {kind, hash: checked.hash, ...chooseMode(kind, {link: options.link, transfer: options.transfer})};
  } catch (error) {
    libraryWords(error);
  }
  const resolved = await resolveWatchOptions({jobs: [job]}, rawOptions(options), env).catch(libraryWords);
  const controller = new AbortController();
  const interruption: Interruption = {exitCode: ExitCode.sigint, message: 'aborted'};
  const abort = (): void => controller.abort(interruption);
  if (options.signal?.aborted) abort();
  options.signal?.addEventListener('abort', abort, {once: true});
  try {
    for await (const event of jobEvents(resolved, env, controller.signal)) {
      if (event.event !== 'retry') yield eventToJson(event);
    }
  } finally {
    options.signal?.removeEventListener('abort', abort);
  }
}

/**
 * Watches an upload by its progresshash: the same events `--json` prints, the last one `done` or
 * `error`. Bad options (of any type) throw a UsageError at the first `next()`, before any request;
 * failures come as an `error` event. An upload to an upload link: `{link: code}`; a pCloud
 * Transfer: `{transfer: true}` (both work without credentials).
 *
 * ```js
 * for await (const event of watchUpload('backup-42', {host: 'api7.pcloud.com', auth: token})) {
 *   if (event.event === 'done') console.log(event.raw.files[0].fileid);
 * }
 * for await (const event of watchUpload('backup-42', {host: 'api7.pcloud.com', link: code})) console.log(event.percent);
 * ```
 */
export function watchUpload(hash: string, options: UploadWatchOptions = {}): AsyncIterable<WatchEvent> {
  return libraryEvents('upload', hash, options, nodeEnv());
}

/** Watches a savezip by its progresshash; see watchUpload. */
export function watchZip(hash: string, options: WatchOptions = {}): AsyncIterable<WatchEvent> {
  return libraryEvents('zip', hash, options, nodeEnv());
}

/**
 * Watches an archive extraction by the progresshash `extractarchive` answered (poll the `hostname`
 * it answered too: `host`). Yields `output` events with the new lines between the others; see watchUpload.
 */
export function watchExtract(hash: string, options: WatchOptions = {}): AsyncIterable<WatchEvent> {
  return libraryEvents('extract', hash, options, nodeEnv());
}
