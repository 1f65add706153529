import {lookup as dnsLookup, type LookupAddress} from 'node:dns';
import {Agent as HttpAgent} from 'node:http';
import {Agent as HttpsAgent} from 'node:https';
import {isIP} from 'node:net';
import got, {type Got, RequestError} from 'got';
import {ExitCode} from '../exit-codes.js';
import type {Host} from '../host.js';
import type {Credentials} from '../options.js';
import {formatDuration} from '../duration.js';
import {VERSION} from '../version.js';
import {classifyBody, type Outcome} from './outcome.js';

/** Answers over this size are not pCloud progress answers: treated as malformed. */
export const MAX_BODY_BYTES = 1024 * 1024;

export interface ClientOptions {
  host: Host;
  requestTimeoutMs: number;
  credentials?: Credentials;
  /** keep-alive connections at most: one per job watched at once */
  maxConnections: number;
  /** how the hostname is resolved, once (tests pin a made-up name without editing /etc/hosts) */
  resolve?: (hostname: string) => Promise<{address: string; family: number}>;
}

/** A pCloud client fixed to one host and one address. No other code sees a URL. */
export interface ApiClient {
  readonly host: Host;
  readonly address: string;
  /** Calls `method` with a prebuilt form body (see formBody); never throws for network or server faults. */
  call(method: string, body: string, signal?: AbortSignal): Promise<Outcome>;
  /** A form body carrying `params` and, when the client has an `auth` token, the token. */
  formBody(params: Record<string, string>): string;
  close(): void;
}

type LookupCallback = (error: NodeJS.ErrnoException | null, address: string | LookupAddress[], family?: number) => void;

/**
 * A `lookup` for net.connect that always answers the one address resolved at start. Node 20
 * calls it with `{all: true}` (autoSelectFamily), older paths without: both forms are answered.
 */
function pinnedLookup(address: string, family: number) {
  return (_hostname: string, options: unknown, callback?: LookupCallback): void => {
    const done = (typeof options === 'function' ? options : callback) as LookupCallback;
    const all = typeof options === 'object' && options !== null && (options as {all?: boolean}).all === true;
    if (all) done(null, [{address, family}]);
    else done(null, address, family);
  };
}

export async function resolveOnce(hostname: string): Promise<{address: string; family: number}> {
  const family = isIP(hostname);
  if (family !== 0) return {address: hostname, family};
  return new Promise((resolve, reject) => {
    dnsLookup(hostname, {}, (error, address, addressFamily) => (error ? reject(error) : resolve({address, family: addressFamily})));
  });
}

export class HostResolveError extends Error {
  readonly exitCode = ExitCode.failure;
}

const NETWORK_MESSAGES: Record<string, string> = {
  ECONNRESET: 'the connection was reset',
  ECONNREFUSED: 'the connection was refused',
  ECONNABORTED: 'the connection was aborted',
  EPIPE: 'the connection broke',
  EHOSTUNREACH: 'the host is unreachable',
  ENETUNREACH: 'the network is unreachable',
  ERR_STREAM_PREMATURE_CLOSE: 'the answer broke off',
  ERR_CANCELED: `malformed answer: larger than ${MAX_BODY_BYTES / 1024} KiB`,
};

/**
 * A got error -> Outcome. got's own messages hold the request URL, so they are never shown;
 * only the error code, which is checked to be a plain identifier.
 */
function networkOutcome(error: unknown, requestTimeoutMs: number): Outcome {
  const rawCode = error instanceof RequestError || error instanceof Error ? (error as NodeJS.ErrnoException).code : undefined;
  const code = typeof rawCode === 'string' && /^[A-Z0-9_]{1,64}$/.test(rawCode) ? rawCode : undefined;
  if (code === 'ETIMEDOUT') return {type: 'transient', code: null, message: `no answer within ${formatDuration(requestTimeoutMs)}`};
  if (code === 'ENOTFOUND') return {type: 'fatal', exitCode: ExitCode.failure, code: null, message: 'the host name does not resolve'};
  if (code && (/CERT|TLS|SSL/.test(code) || code === 'UNABLE_TO_VERIFY_LEAF_SIGNATURE')) {
    return {type: 'fatal', exitCode: ExitCode.failure, code: null, message: `the server's TLS certificate is not trusted (${code})`, hint: 'a private CA can be added with NODE_EXTRA_CA_CERTS'};
  }
  const known = code ? NETWORK_MESSAGES[code] : undefined;
  const message = known ?? (error instanceof RequestError && error.name === 'ReadError' ? 'the answer broke off' : `network error${code ? ` (${code})` : ''}`);
  return {type: 'transient', code: null, message};
}

function httpOutcome(status: number, body: string): Outcome | undefined {
  if (status === 200) return undefined;
  if (status >= 300 && status < 400) {
    return {type: 'fatal', exitCode: ExitCode.failure, code: null, message: `the server answered with a redirect (HTTP ${status}); redirects are not followed`, hint: 'give the final API host with --host'};
  }
  if (status >= 500 || status === 429) return {type: 'transient', code: null, message: `server error (HTTP ${status})`};
  if (status >= 400) {
    const parsed = classifyBody(body);
    const text = parsed.type === 'fatal' || parsed.type === 'notFound' ? `: ${parsed.message}` : '';
    return {type: 'fatal', exitCode: ExitCode.failure, code: null, message: `the server answered HTTP ${status}${text}`};
  }
  return {type: 'transient', code: null, message: `malformed answer: HTTP ${status}`};
}

function makeGot(options: ClientOptions, address: string, family: number, agent: HttpAgent): Got {
  const headers: Record<string, string> = {
    'user-agent': `pcloud-progress/${VERSION}`,
    'content-type': 'application/x-www-form-urlencoded',
    accept: 'application/json',
  };
  if (options.credentials?.type === 'accessToken') headers.authorization = `Bearer ${options.credentials.token}`;
  return got.extend({
    method: 'POST',
    headers,
    agent: {http: agent, https: agent as HttpsAgent},
    dnsLookup: pinnedLookup(address, family) as never,
    followRedirect: false,
    throwHttpErrors: false,
    retry: {limit: 0},
    timeout: {request: options.requestTimeoutMs},
    responseType: 'text',
    http2: false,
    decompress: false,
  });
}

/** Builds the pinned client: resolves the host once, then every request goes to that address. */
export async function createClient(options: ClientOptions): Promise<ApiClient> {
  const {host} = options;
  let resolved: {address: string; family: number};
  try {
    resolved = await (options.resolve ?? resolveOnce)(host.hostname);
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code;
    throw new HostResolveError(`cannot resolve ${host.hostname}${code ? ` (${code})` : ''}`);
  }
  const agentOptions = {keepAlive: true, maxSockets: Math.max(1, options.maxConnections), maxFreeSockets: Math.max(1, options.maxConnections), scheduling: 'lifo' as const};
  const agent = host.protocol === 'https:' ? new HttpsAgent(agentOptions) : new HttpAgent(agentOptions);
  const instance = makeGot(options, resolved.address, resolved.family, agent);
  const credentials = options.credentials;

  return {
    host,
    address: resolved.address,
    formBody(params) {
      const form = new URLSearchParams(params);
      if (credentials?.type === 'auth') form.set('auth', credentials.token);
      return form.toString();
    },
    async call(method, body, signal) {
      try {
        const request = instance(`${host.origin}/${method}`, {body, signal});
        request.on('downloadProgress', ({transferred}) => {
          if (transferred > MAX_BODY_BYTES) request.cancel();
        });
        const response = await request;
        return httpOutcome(response.statusCode, response.body) ?? classifyBody(response.body);
      } catch (error) {
        return networkOutcome(error, options.requestTimeoutMs);
      }
    },
    close() {
      agent.destroy();
    },
  };
}
