import type {Credentials} from './api/credentials.js';
import type {Env} from './env.js';
import {envValue} from './env.js';
import {UsageError} from './errors.js';
import {say} from './say.js';
import {parseDuration} from './duration.js';
import {checkToken, inputName, inputWaitMs, MAX_TOKEN_FILE_BYTES, openInput, promptToken, readAll, readFirstLine} from './input.js';
import {DEFAULT_HOSTS, isLoopback, parseHost, type Host} from './host.js';
import {jobKey, jobType, type Job, type JobKind} from './jobs.js';
import {resolveMetricsOptions, type MetricsOptions} from './metrics/options.js';

export type Region = keyof typeof DEFAULT_HOSTS;
/** `human`: the terminal display on a terminal, plain lines elsewhere; `plain`: plain lines anywhere (--plain) */
export type OutputMode = 'json' | 'quiet' | 'human' | 'plain';

export type {Credentials};

/** The raw option values commander hands over (strings as typed). */
export interface RawOptions {
  host?: string;
  region?: string;
  authFile?: string;
  accessTokenFile?: string;
  /** a token given as a value (the library, the demo): after the files, before the environment */
  accessToken?: string;
  auth?: string;
  /** more progresshashes, one a line (`-` = stdin) */
  hashFile?: string;
  /** keep-alive connections at the most */
  connections?: string;
  interval?: string;
  wait?: string;
  timeout?: string;
  stall?: string;
  requestTimeout?: string;
  json?: boolean;
  quiet?: boolean;
  /** plain lines even on a terminal */
  plain?: boolean;
  color?: boolean;
  metricsFile?: string;
  pushgateway?: string;
}

export interface ConnectionOptions {
  host: Host;
  requestTimeoutMs: number;
}

export type {Job};

/** A watch's options once argv (or the library's options) are checked: frozen, every default filled in. */
export interface ResolvedOptions extends ConnectionOptions {
  jobs: readonly Job[];
  /** keep-alive connections at the most, whatever the number of jobs */
  connections: number;
  /** `null`: no proxy whatever the environment says (the demo's own loopback emulator); absent: the environment's */
  proxy?: null;
  /** absent: none were given, and the jobs' kinds need none (jobs.ts says which send them) */
  credentials?: Credentials;
  intervalMs: number;
  waitMs: number;
  /** 0 = never */
  timeoutMs: number;
  /** 0 = never */
  stallMs: number;
  output: OutputMode;
  /** false when --no-color, NO_COLOR or TERM=dumb; otherwise left to the terminal */
  color: boolean;
  /** --metrics-file, --pushgateway; absent when neither is given */
  metrics?: MetricsOptions;
}

export const DEFAULTS = {interval: '1', wait: '30', timeout: '0', stall: '0', requestTimeout: '10', connections: '4'} as const;
/** Polls closer than this to a server that is not on loopback are how a client gets banned. */
export const MIN_REMOTE_INTERVAL_MS = 500;
/** A pool larger than this is a flood, not a watch. */
export const MAX_CONNECTIONS = 64;
/** A hash file is read this far at the most (10 000 hashes of 128 characters fit). */
export const MAX_HASH_FILE_BYTES = 2 * 1024 * 1024;
const MAX_DURATION_MS = 2 ** 31 - 1; // setTimeout's limit, about 24.8 days
const PROGRESSHASH = /^[\x21-\x7e]{1,128}$/;

export function validateHash(hash: string): string {
  if (PROGRESSHASH.test(hash)) return hash;
  const why = hash.length === 0 ? 'it is empty' : hash.length > 128 ? 'it is longer than 128 characters' : 'it may only hold printable ASCII characters, no spaces';
  throw new UsageError(`bad progresshash: ${why}`);
}

/** A duration option's text -> ms, or a usage error that names the option as given (`--wait`, `wait`). */
export function parseDurationOption(name: string, text: string, {min, allowZero}: {min: number; allowZero: boolean}): number {
  const ms = parseDuration(text);
  const shown = text.length > 40 ? `${text.slice(0, 40)}…` : text;
  if (ms === undefined) throw new UsageError(`bad ${name} "${shown}": expected seconds (0.5) or units (250ms, 2s, 1m, 1h, 1m30s)`);
  if (ms === 0 && allowZero) return 0;
  if (ms < min) throw new UsageError(`bad ${name} "${shown}": must be at least ${min}ms${allowZero ? ' (or 0 for never)' : ''}`);
  if (ms > MAX_DURATION_MS) throw new UsageError(`bad ${name} "${shown}": must be at most 24 days`);
  return ms;
}

export function resolveRegion(raw: RawOptions, env: Env): Region {
  const region = (raw.region ?? envValue(env.vars, 'PCLOUD_REGION') ?? 'us').toLowerCase();
  if (region !== 'us' && region !== 'eu') {
    throw new UsageError(`bad ${raw.region === undefined ? '$PCLOUD_REGION' : '--region'} "${region.slice(0, 20)}": expected us or eu`);
  }
  return region;
}

export function resolveConnection(raw: RawOptions, env: Env): ConnectionOptions {
  const region = resolveRegion(raw, env);
  const host = parseHost(raw.host ?? envValue(env.vars, 'PCLOUD_API_HOST') ?? DEFAULT_HOSTS[region]);
  const requestTimeoutMs = parseDurationOption('--request-timeout', raw.requestTimeout ?? DEFAULTS.requestTimeout, {min: 1, allowZero: false});
  return {host, requestTimeoutMs};
}

/** A token from a file, or from stdin with `-`: the first line only, a few KiB at the most, never waited on forever. */
async function readTokenFile(option: string, path: string, env: Env, waitMs: number): Promise<string> {
  const where = inputName(path, option);
  if (path === '-' && (env.stdin as {isTTY?: boolean}).isTTY) return checkToken(await promptToken(env, `--${option}`), where);
  const stream = await openInput(path, option, env, MAX_TOKEN_FILE_BYTES);
  const token = checkToken(await readFirstLine(stream, where, waitMs, env.clock), where);
  const mode = path === '-' ? undefined : await env.fileMode(path);
  // Windows makes modes up (0o666 for any writable file): there the warning would fire on every run
  if (env.platform !== 'win32' && mode !== undefined && (mode & 0o077) !== 0) {
    say(env.stderr, `warning: ${path} can be read by other users (mode ${mode.toString(8).padStart(3, '0')}); chmod 600 it`);
  }
  return token;
}

/** The first of --access-token-file, --auth-file, $PCLOUD_ACCESS_TOKEN, $PCLOUD_AUTH. */
export async function resolveCredentials(raw: RawOptions, env: Env, timeoutMs = 0): Promise<Credentials> {
  const credentials = await findCredentials(raw, env, timeoutMs);
  if (credentials) return credentials;
  throw new UsageError('no credentials: set $PCLOUD_AUTH or $PCLOUD_ACCESS_TOKEN, or use --auth-file / --access-token-file');
}

/** The credentials the jobs' kinds take (jobs.ts): required by any, some if given, or none read at all. */
async function jobCredentials(jobs: readonly Job[], raw: RawOptions, env: Env, timeoutMs: number): Promise<Credentials | undefined> {
  const rules = new Set(jobs.map((job) => jobType(job).credentials));
  if (rules.has('required')) return resolveCredentials(raw, env, timeoutMs);
  if (rules.has('ifPresent')) return findCredentials(raw, env, timeoutMs);
  return undefined;
}

async function findCredentials(raw: RawOptions, env: Env, timeoutMs: number): Promise<Credentials | undefined> {
  // a token that does not come is not waited on past --timeout either
  const waitMs = inputWaitMs(timeoutMs);
  if (raw.accessTokenFile !== undefined) return {type: 'accessToken', token: await readTokenFile('access-token-file', raw.accessTokenFile, env, waitMs)};
  if (raw.authFile !== undefined) return {type: 'auth', token: await readTokenFile('auth-file', raw.authFile, env, waitMs)};
  if (raw.accessToken !== undefined && raw.accessToken !== '') return {type: 'accessToken', token: checkToken(raw.accessToken, 'the access token given')};
  if (raw.auth !== undefined && raw.auth !== '') return {type: 'auth', token: checkToken(raw.auth, 'the auth token given')};
  const accessToken = envValue(env.vars, 'PCLOUD_ACCESS_TOKEN');
  if (accessToken !== undefined) return {type: 'accessToken', token: checkToken(accessToken, '$PCLOUD_ACCESS_TOKEN')};
  const auth = envValue(env.vars, 'PCLOUD_AUTH');
  if (auth !== undefined) return {type: 'auth', token: checkToken(auth, '$PCLOUD_AUTH')};
  return undefined;
}

export function resolveOutput(raw: RawOptions): OutputMode {
  if (raw.json && raw.quiet) throw new UsageError('--json and --quiet do not go together');
  if (raw.plain && (raw.json || raw.quiet)) throw new UsageError(`--plain and --${raw.json ? 'json' : 'quiet'} do not go together`);
  return raw.json ? 'json' : raw.quiet ? 'quiet' : raw.plain ? 'plain' : 'human';
}

export function colorAllowed(raw: RawOptions, env: Env): boolean {
  if (raw.color === false) return false;
  if (envValue(env.vars, 'NO_COLOR') !== undefined) return false;
  return env.vars.TERM !== 'dumb';
}

/** The hashes of --hash-file: one a line; blank lines and `#` comments are skipped. */
async function readHashFile(path: string, env: Env, waitMs: number): Promise<string[]> {
  const where = inputName(path, 'hash-file');
  const stream = await openInput(path, 'hash-file', env, MAX_HASH_FILE_BYTES);
  const text = await readAll(stream, where, MAX_HASH_FILE_BYTES, waitMs, env.clock);
  return text
    .split(/\r?\n/)
    .map((line) => line.trim())
    .filter((line) => line !== '' && !line.startsWith('#'));
}

function parseConnections(text: string): number {
  const count = Number(text);
  if (!/^\d+$/.test(text.trim()) || count < 1 || count > MAX_CONNECTIONS) {
    throw new UsageError(`bad --connections "${text.slice(0, 20)}": expected a whole number from 1 to ${MAX_CONNECTIONS}`);
  }
  return count;
}

/** A poll interval a remote server will not take for a flood (loopback: anything from 1 ms). */
function checkInterval(intervalMs: number, host: Host, given: string): number {
  if (intervalMs >= MIN_REMOTE_INTERVAL_MS || isLoopback(host.hostname)) return intervalMs;
  throw new UsageError(
    `--interval ${given} is too short for ${host.label}: at least ${MIN_REMOTE_INTERVAL_MS}ms against a server that is not on loopback (pCloud rate-limits quick polls)`,
  );
}

/** What to watch: the jobs named, and what those --hash-file lists are (the command's kind, and its mode). */
export interface WatchRequest {
  jobs: readonly Job[];
  hashFileJob?: Omit<Job, 'hash'>;
}

/**
 * argv's strings -> frozen ResolvedOptions, for the CLI, the library and the demo alike. Everything
 * that can be wrong with the input is found here, before any request: the contract promises no
 * request on a usage error.
 */
export async function resolveWatchOptions(request: WatchRequest, raw: RawOptions, env: Env): Promise<ResolvedOptions> {
  if (raw.hashFile === '-' && (raw.authFile === '-' || raw.accessTokenFile === '-')) throw new UsageError('standard input cannot hold both the hashes and the token');
  const connection = resolveConnection(raw, env);
  const output = resolveOutput(raw);
  const interval = raw.interval ?? DEFAULTS.interval;
  const intervalMs = checkInterval(parseDurationOption('--interval', interval, {min: 1, allowZero: false}), connection.host, interval);
  const waitMs = parseDurationOption('--wait', raw.wait ?? DEFAULTS.wait, {min: 0, allowZero: true});
  const timeoutMs = parseDurationOption('--timeout', raw.timeout ?? DEFAULTS.timeout, {min: 1, allowZero: true});
  const stallMs = parseDurationOption('--stall', raw.stall ?? DEFAULTS.stall, {min: 1, allowZero: true});
  const connections = parseConnections(raw.connections ?? DEFAULTS.connections);
  request.jobs.forEach((job) => validateHash(job.hash));
  const metrics = await resolveMetricsOptions(raw);
  // files and stdin last: every other usage error is reported without touching a file or stdin
  const listed = raw.hashFile === undefined ? [] : await readHashFile(raw.hashFile, env, inputWaitMs(timeoutMs));
  listed.forEach((hash, index) => {
    try {
      validateHash(hash);
    } catch (error) {
      throw new UsageError(`--hash-file, line ${index + 1} of the hashes: ${(error as Error).message}`);
    }
  });
  const all: Job[] = [...request.jobs, ...listed.map((hash) => ({...(request.hashFileJob ?? {kind: 'upload' as JobKind}), hash}))];
  if (all.length === 0) throw new UsageError(`missing progresshash: give one or more${raw.hashFile === undefined ? ', or --hash-file' : ` (${raw.hashFile === '-' ? 'standard input' : 'the --hash-file'} held none)`}`);
  const jobs = [...new Map(all.map((job) => [jobKey(job), job])).values()];
  const options: ResolvedOptions = {
    ...connection,
    jobs,
    connections,
    intervalMs,
    waitMs,
    timeoutMs,
    stallMs,
    output,
    color: colorAllowed(raw, env),
    ...(metrics && {metrics}),
  };
  const credentials = await jobCredentials(jobs, raw, env, timeoutMs);
  if (credentials) options.credentials = credentials;
  return Object.freeze(options);
}
