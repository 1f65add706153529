import {nodeEnv, type Env} from './env.js';
import {UsageError} from './errors.js';
import {eventToJson, type WatchEvent} from './events.js';
import {chooseMode, type JobKind} from './jobs.js';
import {ExitCode} from './exit-codes.js';
import {resolveWatchOptions, type RawOptions} from './options.js';
import {jobEvents} from './run.js';
import type {Interruption} from './watch.js';

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

/** A Duration as the CLI's text: seconds as a number, or a string with units. */
function durationText(name: string, value: Duration | undefined): string | undefined {
  if (typeof value !== 'number') return value;
  if (!Number.isFinite(value) || value < 0) throw new UsageError(`bad ${name}: ${value}`);
  return String(value);
}

/**
 * The library's options -> the CLI's raw options, resolved by the CLI's own resolver: the same
 * checks, defaults and environment variables (`$PCLOUD_API_HOST`, `$PCLOUD_REGION`, `$PCLOUD_AUTH`,
 * `$PCLOUD_ACCESS_TOKEN`); an option given here wins over its variable.
 */
function rawOptions(options: WatchOptions): RawOptions {
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

async function* libraryEvents(kind: JobKind, hash: string, options: UploadWatchOptions, env: Env): AsyncGenerator<WatchEvent, void, undefined> {
  // everything is checked before the first request, as the CLI does
  let mode: ReturnType<typeof chooseMode>;
  try {
    mode = chooseMode(kind, {link: options.link, transfer: options.transfer});
  } catch (error) {
    libraryWords(error);
  }
  const resolved = await resolveWatchOptions({jobs: [{kind, hash, ...mode}]}, rawOptions(options), env).catch(libraryWords);
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
 * `error`. Bad options throw a UsageError before any request; failures come as an `error` event.
 * An upload to an upload link: `{link: code}`; a pCloud Transfer: `{transfer: true}` (both work
 * without credentials).
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
