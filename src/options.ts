import type {Env} from './env.js';
import {envValue} from './env.js';
import {UsageError} from './errors.js';
import {parseDuration} from './duration.js';
import {DEFAULT_HOSTS, parseHost, type Host} from './host.js';
import type {JobKind} from './events.js';

export type Region = keyof typeof DEFAULT_HOSTS;
export type OutputMode = 'json' | 'quiet' | 'human';

/** How the server is told who we are: `auth` goes in the form body, an OAuth token as a Bearer header. */
export type Credentials = {type: 'auth'; token: string} | {type: 'accessToken'; token: string};

/** The raw option values commander hands over (strings as typed). */
export interface RawOptions {
  host?: string;
  region?: string;
  authFile?: string;
  accessTokenFile?: string;
  interval?: string;
  wait?: string;
  timeout?: string;
  stall?: string;
  requestTimeout?: string;
  json?: boolean;
  quiet?: boolean;
  color?: boolean;
}

export interface ConnectionOptions {
  host: Host;
  requestTimeoutMs: number;
}

/** One thing to watch: an upload or a zip, by its progresshash. */
export interface Job {
  kind: JobKind;
  hash: string;
}

export interface WatchOptions extends ConnectionOptions {
  jobs: readonly Job[];
  credentials: Credentials;
  intervalMs: number;
  waitMs: number;
  /** 0 = never */
  timeoutMs: number;
  /** 0 = never */
  stallMs: number;
  output: OutputMode;
  /** false when --no-color, NO_COLOR or TERM=dumb; otherwise left to the terminal */
  color: boolean;
}

export const DEFAULTS = {interval: '1', wait: '30', timeout: '0', stall: '0', requestTimeout: '10'} as const;
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

async function readStdin(stdin: NodeJS.ReadableStream): Promise<string> {
  let text = '';
  stdin.setEncoding('utf8');
  for await (const chunk of stdin) text += chunk as string;
  return text;
}

async function readTokenFile(option: string, path: string, env: Env): Promise<string> {
  const where = path === '-' ? 'standard input' : `the file given to --${option}`;
  let text: string;
  try {
    text = path === '-' ? await readStdin(env.stdin) : await env.readFile(path);
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code;
    throw new UsageError(`cannot read ${where}${code ? ` (${code})` : ''}`);
  }
  const token = text.trim();
  if (token === '') throw new UsageError(`${where} is empty: expected a token`);
  const mode = path === '-' ? undefined : await env.fileMode(path);
  // Windows makes modes up (0o666 for any writable file): there the warning would fire on every run
  if (env.platform !== 'win32' && mode !== undefined && (mode & 0o077) !== 0) {
    env.stderr.write(`pcloud-progress: warning: ${path} can be read by other users (mode ${mode.toString(8).padStart(3, '0')}); chmod 600 it
`);
  }
  if (/[\s\x00-\x1f\x7f]/.test(token)) throw new UsageError(`${where} must hold one token on one line`);
  return token;
}

/** The first of --access-token-file, --auth-file, $PCLOUD_ACCESS_TOKEN, $PCLOUD_AUTH. */
export async function resolveCredentials(raw: RawOptions, env: Env): Promise<Credentials> {
  if (raw.accessTokenFile !== undefined) return {type: 'accessToken', token: await readTokenFile('access-token-file', raw.accessTokenFile, env)};
  if (raw.authFile !== undefined) return {type: 'auth', token: await readTokenFile('auth-file', raw.authFile, env)};
  const accessToken = envValue(env.vars, 'PCLOUD_ACCESS_TOKEN');
  if (accessToken !== undefined) return {type: 'accessToken', token: accessToken.trim()};
  const auth = envValue(env.vars, 'PCLOUD_AUTH');
  if (auth !== undefined) return {type: 'auth', token: auth.trim()};
  throw new UsageError('no credentials: set $PCLOUD_AUTH or $PCLOUD_ACCESS_TOKEN, or use --auth-file / --access-token-file');
}

export function resolveOutput(raw: RawOptions): OutputMode {
  if (raw.json && raw.quiet) throw new UsageError('--json and --quiet do not go together');
  return raw.json ? 'json' : raw.quiet ? 'quiet' : 'human';
}

export function colorAllowed(raw: RawOptions, env: Env): boolean {
  if (raw.color === false) return false;
  if (envValue(env.vars, 'NO_COLOR') !== undefined) return false;
  return env.vars.TERM !== 'dumb';
}

/**
 * argv's strings -> frozen WatchOptions. Everything that can be wrong with the input is found
 * here, before any request: the contract promises no request on a usage error.
 */
export async function resolveWatchOptions(kind: JobKind, hashes: readonly string[], raw: RawOptions, env: Env): Promise<WatchOptions> {
  if (hashes.length === 0) throw new UsageError('missing progresshash');
  hashes.forEach(validateHash);
  const jobs = [...new Set(hashes)].map((hash) => ({kind, hash}));
  const connection = resolveConnection(raw, env);
  const output = resolveOutput(raw);
  const options: WatchOptions = {
    ...connection,
    jobs,
    intervalMs: parseDurationOption('--interval', raw.interval ?? DEFAULTS.interval, {min: 1, allowZero: false}),
    waitMs: parseDurationOption('--wait', raw.wait ?? DEFAULTS.wait, {min: 0, allowZero: true}),
    timeoutMs: parseDurationOption('--timeout', raw.timeout ?? DEFAULTS.timeout, {min: 1, allowZero: true}),
    stallMs: parseDurationOption('--stall', raw.stall ?? DEFAULTS.stall, {min: 1, allowZero: true}),
    output,
    color: colorAllowed(raw, env),
    // credentials last: every other usage error is reported without touching a file or stdin
    credentials: await resolveCredentials(raw, env),
  };
  return Object.freeze(options);
}
