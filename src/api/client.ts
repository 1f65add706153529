import {lookup as dnsLookup, type LookupAddress} from 'node:dns';
import {Agent as HttpAgent, type ClientRequest, type IncomingHttpHeaders} from 'node:http';
import {Agent as HttpsAgent} from 'node:https';
import {isIP} from 'node:net';
import type {Duplex} from 'node:stream';
import got, {type Got, RequestError} from 'got';
import {HttpProxyAgent, HttpsProxyAgent} from 'hpagent';
import {CommandError} from '../errors.js';
import {isLoopback, type Host} from '../host.js';
import type {Credentials} from './credentials.js';
import {formatDuration} from '../duration.js';
import {VERSION} from '../version.js';
import {mapStrings} from '../json.js';
import {classifyBody, type Outcome, type Transient} from './outcome.js';
import {proxyFor, type ProxyEnv} from './proxy.js';
import {withoutUserinfo} from '../sanitize.js';
import {TRIMMED_MESSAGE_PREFIX} from './trimmed.js';

/** Answers over this size are not pCloud progress answers: treated as malformed. */
export const MAX_BODY_BYTES = 1024 * 1024;

/** One address a host name resolved to. */
export interface ResolvedAddress {
  address: string;
  family: number;
}

export interface ClientOptions {
  host: Host;
  requestTimeoutMs: number;
  credentials?: Credentials;
  /** keep-alive connections at most: one per job watched at once */
  maxConnections: number;
  /** how the hostname is resolved, once, to all its addresses (tests pin a made-up name without editing /etc/hosts) */
  resolve?: (hostname: string) => Promise<ResolvedAddress[]>;
  /**
   * The proxy to reach `host` through: a URL, which may hold a user and password. `null`: none.
   * Absent: the one `proxyEnv` names (see proxyFor).
   */
  proxy?: string | null;
  /** the environment's variables the proxy is read from (Env.vars); absent: none set */
  proxyEnv?: ProxyEnv;
  /** the wall clock (ms since the epoch) an HTTP-date Retry-After is counted from when the answer has no Date */
  wallClock?: () => number;
}

/** A pCloud client fixed to one host, and to the addresses it resolved to. No other code sees a URL. */
export interface ApiClient {
  readonly host: Host;
  /** the addresses every connection goes to; empty through a proxy (it resolves the name) */
  readonly addresses: readonly string[];
  /**
   * Calls `method` with a prebuilt form body (see formBody); never throws for network or server
   * faults. `anonymous`: without the OAuth token's Authorization header (a method never sent a token).
   */
  call(method: string, body: string, signal?: AbortSignal, how?: {anonymous?: boolean}): Promise<Outcome>;
  /** A form body carrying `params` and, when the client has an `auth` token and the call is not `anonymous`, the token. */
  formBody(params: Record<string, string>, how?: {anonymous?: boolean}): string;
  close(): void;
}

type LookupCallback = (error: NodeJS.ErrnoException | null, address: string | LookupAddress[], family?: number) => void;

/**
 * A `lookup` for net.connect that always answers the addresses resolved at start. Node 20 calls
 * it with `{all: true}` (autoSelectFamily) and then tries them in turn, so a broken IPv6 route
 * falls back to IPv4 as curl does; without `all` (family auto-selection turned off) the first one.
 */
function pinnedLookup(addresses: readonly ResolvedAddress[]) {
  const [first] = addresses as [ResolvedAddress];
  return (_hostname: string, options: unknown, callback?: LookupCallback): void => {
    const done = (typeof options === 'function' ? options : callback) as LookupCallback;
    const all = typeof options === 'object' && options !== null && (options as {all?: boolean}).all === true;
    if (all) done(null, addresses.map(({address, family}) => ({address, family})));
    else done(null, first.address, first.family);
  };
}

/** Every address of `hostname`: one machine's IPv6 and IPv4 addresses are all kept. */
export async function resolveOnce(hostname: string): Promise<ResolvedAddress[]> {
  const family = isIP(hostname);
  if (family !== 0) return [{address: hostname, family}];
  return new Promise((resolve, reject) => {
    dnsLookup(hostname, {all: true}, (error, addresses) => (error ? reject(error) : resolve(addresses)));
  });
}

/**
 * The client cannot be set up: the host name does not resolve ('failure'), or the proxy setting is
 * unusable ('usage'). The reason, not an exit code: main() and the run decide those (exit-codes.ts).
 */
export class ClientSetupError extends CommandError {
  override name = 'ClientSetupError';

  constructor(message: string, reason: 'failure' | 'usage' = 'failure') {
    super(message, reason);
  }
}

/** Which variable a user sets for this host's proxy: named in hints, never its value. */
function proxyVariable(host: Host): string {
  return host.protocol === 'https:' ? 'HTTPS_PROXY' : 'HTTP_PROXY';
}

/** The proxy setting as a URL, or a usage error that never quotes it (it may hold a password). */
function parseProxy(proxy: string, host: Host): URL {
  const bad = (why: string): ClientSetupError => new ClientSetupError(`the proxy in ${proxyVariable(host)} (or ALL_PROXY) ${why}`, 'usage');
  let url: URL;
  try {
    url = new URL(proxy);
  } catch {
    throw bad('is not a valid URL');
  }
  if (url.protocol !== 'http:' && url.protocol !== 'https:') throw bad(`is a ${url.protocol.slice(0, -1)}:// proxy: only http:// and https:// proxies are supported`);
  return url;
}

/** `host:port` with the port always spelled out: what a person checks when nothing answers. */
function hostAndPort(host: Host): string {
  return host.port === undefined ? `${host.label}:${host.protocol === 'https:' ? 443 : 80}` : host.label;
}

/** What networkOutcome needs to know about the connection a request failed on. */
interface Connection {
  host: Host;
  /** the proxy's `host:port` (never its URL: that may hold a password); undefined: direct */
  proxy: string | undefined;
  requestTimeoutMs: number;
}

const NETWORK_MESSAGES: Record<string, string> = {
  ECONNRESET: 'the connection was reset',
  ECONNABORTED: 'the connection was aborted',
  EPIPE: 'the connection broke',
  EHOSTUNREACH: 'the host is unreachable',
  ENETUNREACH: 'the network is unreachable',
  ERR_STREAM_PREMATURE_CLOSE: 'the answer broke off',
};

/** hpagent's error when the proxy does not answer a CONNECT with 200. */
const PROXY_CONNECT_FAILED = /^Bad response: (\d{3})$/;

function errorCode(error: unknown): string | undefined {
  const code = error instanceof Error ? (error as NodeJS.ErrnoException).code : undefined;
  return typeof code === 'string' && /^[A-Z0-9_]{1,64}$/.test(code) ? code : undefined;
}

/** No byte of an answer came back: whether the request went out on a kept-alive socket or a new one. */
function socketWithoutAnswer(error: unknown): 'reused' | 'fresh' | undefined {
  if (!(error instanceof RequestError) || error.response !== undefined) return undefined;
  return error.request?.reusedSocket === true ? 'reused' : 'fresh';
}

/**
 * The server closed an idle kept-alive connection just as this request went out on it (it
 * does so near its idle timeout, which may match the poll interval): the request never reached
 * it, and a progress query is safe to repeat.
 */
function closedWhileIdle(error: unknown): boolean {
  const code = errorCode(error);
  return (code === 'ECONNRESET' || code === 'EPIPE') && socketWithoutAnswer(error) === 'reused';
}

/** The proxy answered our CONNECT with `status`: it could not, or would not, open the tunnel. */
function proxyConnectOutcome(status: number, connection: Connection): Outcome {
  const target = hostAndPort(connection.host);
  if (status === 407) {
    return {type: 'fatal', reason: 'failure', code: null, message: 'the proxy asks for a user and password (HTTP 407)', hint: `give them in ${proxyVariable(connection.host)}: http://USER:PASSWORD@HOST:PORT`};
  }
  if (status >= 400 && status < 500) return {type: 'fatal', reason: 'failure', code: null, message: `the proxy refused to connect to ${target} (HTTP ${status})`};
  // 500/502/503: the proxy could not open a connection to the target (refused, most often)
  const refused = status >= 500 && status <= 503;
  return {type: 'transient', code: null, message: `the proxy could not connect to ${target} (HTTP ${status})`, connection: refused ? 'refused' : 'failed', hint: 'check the host and port'};
}

/** Nothing listens where we connect: on the server's port, or on the proxy's. */
function refusedOutcome(connection: Connection): Transient {
  if (connection.proxy !== undefined) {
    return {type: 'transient', code: null, message: 'the proxy refused the connection', connection: 'refused', hint: `nothing listens on ${connection.proxy}: check ${proxyVariable(connection.host)}`};
  }
  return {type: 'transient', code: null, message: 'the connection was refused', connection: 'refused', hint: `nothing listens on ${hostAndPort(connection.host)}: check the host and port`};
}

/**
 * TLS spoken to a plain-HTTP port, or plain HTTP to a TLS port: the port is wrong, not busy.
 * The hint offers the other scheme only where --host accepts it (plain http is loopback only).
 */
function protocolOutcome(code: string, connection: Connection, reset: boolean): Transient {
  const {host} = connection;
  const target = hostAndPort(host);
  if (host.protocol === 'https:') {
    const hint = isLoopback(host.hostname) ? `${target} may be a plain-HTTP server: try http://${target}` : `${target} does not speak TLS: check the port`;
    return {type: 'transient', code: null, message: `the server does not speak TLS (${code})`, connection: 'protocol', hint};
  }
  const message = reset ? NETWORK_MESSAGES.ECONNRESET! : `the answer is not HTTP (${code})`;
  return {type: 'transient', code: null, message, connection: 'protocol', hint: `${target} may speak TLS: try https://${target}`};
}

/** OpenSSL's words for a first record that is not TLS at all (a plain-HTTP answer), not for a failed handshake. */
const NOT_TLS = /wrong version number|packet length too long|unknown protocol/i;

/** TLS record types (change_cipher_spec, alert, handshake, application_data): the first byte a TLS server sends. */
const TLS_RECORD_TYPES = new Set([0x14, 0x15, 0x16, 0x17]);

/** The bytes Node's HTTP parser failed on (`rawPacket`) begin like TLS: the server speaks TLS, not broken HTTP. */
function looksLikeTls(error: unknown): boolean {
  const cause = error instanceof Error ? (error.cause as {rawPacket?: unknown; bytesParsed?: unknown} | undefined) : undefined;
  const packet = cause?.rawPacket;
  return Buffer.isBuffer(packet) && packet.length > 0 && TLS_RECORD_TYPES.has(packet[0] as number) && (cause?.bytesParsed ?? 0) === 0;
}

function isProtocolMismatch(code: string | undefined, error: unknown, host: Host): boolean {
  if (host.protocol === 'https:') return code === 'ERR_SSL_WRONG_VERSION_NUMBER' || (code === 'EPROTO' && error instanceof Error && NOT_TLS.test(error.message));
  return code !== undefined && code.startsWith('HPE_') && looksLikeTls(error);
}

/**
 * A fault of our own inside the request path (a TypeError in a hook, a stub of got's reached): got
 * wraps whatever is thrown there in a RequestError, so the cause tells it from a network fault.
 */
function internalFault(error: unknown): string | undefined {
  if (!(error instanceof RequestError)) return error instanceof Error ? error.message : String(error);
  if (error.message.startsWith(TRIMMED_MESSAGE_PREFIX)) return error.message;
  const cause: unknown = error.cause;
  const programming = cause instanceof TypeError || cause instanceof RangeError || cause instanceof ReferenceError || cause instanceof SyntaxError;
  return programming && errorCode(cause) === undefined ? cause.message : undefined;
}

/**
 * A got error -> Outcome. got's own messages hold the request URL, so they are never shown;
 * only the error code, which is checked to be a plain identifier, or a message of our own making.
 */
export function networkOutcome(error: unknown, connection: Connection): Outcome {
  const code = errorCode(error);
  const message = error instanceof Error ? error.message : '';
  // only got's errors are the network's; anything else thrown on the way is a bug in this program
  const fault = internalFault(error);
  if (fault !== undefined) return {type: 'fatal', reason: 'bug', code: null, message: `internal error: ${fault}`};
  const connectStatus = connection.proxy === undefined ? undefined : PROXY_CONNECT_FAILED.exec(message)?.[1];
  if (connectStatus !== undefined) return proxyConnectOutcome(Number(connectStatus), connection);
  if (code === 'ETIMEDOUT') return {type: 'transient', code: null, message: `no answer within ${formatDuration(connection.requestTimeoutMs)}`, connection: 'failed'};
  if (code === 'ENOTFOUND') {
    return {type: 'fatal', reason: 'failure', code: null, message: connection.proxy === undefined ? 'the host name does not resolve' : "the proxy's host name does not resolve"};
  }
  if (code === 'ECONNREFUSED') return refusedOutcome(connection);
  if (isProtocolMismatch(code, error, connection.host)) return protocolOutcome(code ?? 'EPROTO', connection, false);
  // HTTP that does not parse (a huge header, two Content-Lengths, a 204 with a body, HTTP/0.9): a
  // broken server, retried under the normal rules; it did answer, however badly
  if (code?.startsWith('HPE_')) return {type: 'transient', code: null, message: `malformed answer: not valid HTTP (${code})`};
  if (code && (/CERT|TLS|SSL/.test(code) || code === 'UNABLE_TO_VERIFY_LEAF_SIGNATURE')) {
    return {type: 'fatal', reason: 'failure', code: null, message: `the server's TLS certificate is not trusted (${code})`, hint: 'a private CA can be added with NODE_EXTRA_CA_CERTS'};
  }
  // a TLS server closes a fresh connection that speaks plain HTTP to it (Node's does), without a byte
  if (code === 'ECONNRESET' && connection.host.protocol === 'http:' && socketWithoutAnswer(error) === 'fresh') return protocolOutcome(code, connection, true);
  const known = code ? NETWORK_MESSAGES[code] : undefined;
  const text = known ?? (error instanceof RequestError && error.name === 'ReadError' ? 'the answer broke off' : `network error${code ? ` (${code})` : ''}`);
  // an answer that broke off, or that we cut short, still came from an HTTP server
  const answered = error instanceof RequestError && error.response !== undefined;
  return {type: 'transient', code: null, message: text, ...(!answered && {connection: 'failed' as const})};
}

/** `Retry-After`: seconds, or an HTTP date (against the answer's own Date, so clock skew does not count). */
export function retryAfterMs(headers: IncomingHttpHeaders, now?: number): number | undefined {
  const value = headers['retry-after']?.trim();
  if (value === undefined || value === '') return undefined;
  if (/^\d+$/.test(value)) return Number(value) * 1000;
  // an HTTP date starts with the day's name; Date.parse would take '-3' for a year
  const at = /^[a-z]{3}/i.test(value) ? Date.parse(value) : Number.NaN;
  if (Number.isNaN(at)) return undefined;
  const date = headers.date === undefined ? Number.NaN : Date.parse(headers.date);
  const from = Number.isNaN(date) ? now : date;
  return from === undefined ? undefined : Math.max(0, at - from);
}

function httpOutcome(status: number, body: string): Outcome | undefined {
  if (status === 200) return undefined;
  if (status >= 300 && status < 400) {
    return {type: 'fatal', reason: 'failure', code: null, message: `the server answered with a redirect (HTTP ${status}); redirects are not followed`, hint: 'give the final API host with --host'};
  }
  if (status >= 500 || status === 429) return {type: 'transient', code: null, message: `server error (HTTP ${status})`};
  if (status >= 400) {
    const parsed = classifyBody(body);
    const text = parsed.type === 'fatal' || parsed.type === 'notFound' ? `: ${parsed.message}` : '';
    return {type: 'fatal', reason: 'failure', code: null, message: `the server answered HTTP ${status}${text}`};
  }
  return {type: 'transient', code: null, message: `malformed answer: HTTP ${status}`};
}

/** What got hands back: the body is a Buffer, not text, when the answer is compressed (decompress is off). */
interface Answer {
  statusCode: number;
  headers: IncomingHttpHeaders;
  body: unknown;
}

/**
 * The body as text, or why it is not: we ask for no encoding (no Accept-Encoding), so an encoded
 * answer is not one a pCloud server gives, and is malformed like any other (retried).
 */
function answerText({headers, body}: Answer): string | Transient {
  const encoding = headers['content-encoding']?.trim().toLowerCase();
  if (encoding !== undefined && encoding !== '' && encoding !== 'identity') {
    return {type: 'transient', code: null, message: `malformed answer: encoded (Content-Encoding ${JSON.stringify(encoding.slice(0, 20))}) though no encoding was asked for`};
  }
  if (typeof body !== 'string') return {type: 'transient', code: null, message: 'malformed answer: not text'};
  return body;
}

/** An HTTP answer -> Outcome; a transient one carries the server's Retry-After, if it sent one. */
function answerOutcome(answer: Answer, now: number | undefined, credentials: Credentials | undefined): Outcome {
  const text = answerText(answer);
  if (typeof text !== 'string') return text;
  const outcome = mask(httpOutcome(answer.statusCode, text) ?? classifyBody(text), text, credentials);
  if (outcome.type !== 'transient') return outcome;
  const wait = retryAfterMs(answer.headers, now);
  return wait === undefined ? outcome : {...outcome, retryAfterMs: wait};
}

const MASK = '****';

/** Every copy of `token` in `text` (and its form-encoded spelling) as ****. */
function maskText(text: string, token: string): string {
  let masked = text.split(token).join(MASK);
  const encoded = encodeURIComponent(token);
  if (encoded !== token) masked = masked.split(encoded).join(MASK);
  return masked;
}

/**
 * A server that echoes our token (in its error text, or anywhere in its answer) must not get it
 * printed: the client knows the credentials, so it masks them before any other code sees the answer.
 */
function mask(answered: Outcome, body: string, credentials: Credentials | undefined): Outcome {
  // a URL in the server's own words keeps its user:password out of every message
  const outcome = 'message' in answered && answered.message.includes('://') ? {...answered, message: withoutUserinfo(answered.message)} : answered;
  const token = credentials?.token;
  // the body is checked, not the outcome: an answer that does not hold the token costs one search
  if (token === undefined || token === '' || !(body.includes(token) || body.includes(encodeURIComponent(token)))) return outcome;
  const masked = {...outcome} as {message?: string; hint?: string; raw?: unknown};
  if (masked.message !== undefined) masked.message = maskText(masked.message, token);
  if (masked.hint !== undefined) masked.hint = maskText(masked.hint, token);
  if (masked.raw !== undefined) masked.raw = mapStrings(masked.raw, (text) => maskText(text, token));
  return masked as Outcome;
}

/**
 * Keep-alive agents: direct ones, or through the proxy (a CONNECT tunnel for https and plain http
 * alike, kept alive as a direct connection is).
 */
function makeAgent(host: Host, proxy: URL | undefined, maxConnections: number): HttpAgent {
  const options = {keepAlive: true, maxSockets: Math.max(1, maxConnections), maxFreeSockets: Math.max(1, maxConnections), scheduling: 'lifo' as const};
  if (proxy) return host.protocol === 'https:' ? new HttpsProxyAgent({...options, proxy}) : new HttpProxyAgent({...options, proxy});
  return host.protocol === 'https:' ? new HttpsAgent(options) : new HttpAgent(options);
}

function makeGot(options: ClientOptions, agent: HttpAgent, addresses: readonly ResolvedAddress[]): Got {
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
    // through a proxy there is no lookup of ours: the proxy resolves the name
    ...(addresses.length > 0 && {dnsLookup: pinnedLookup(addresses) as never}),
    followRedirect: false,
    throwHttpErrors: false,
    retry: {limit: 0},
    timeout: {request: options.requestTimeoutMs},
    responseType: 'text',
    http2: false,
    decompress: false,
  });
}

/** The host's addresses, resolved once; a name that does not resolve is a ClientSetupError. */
async function resolveHost(options: ClientOptions): Promise<ResolvedAddress[]> {
  const {hostname} = options.host;
  let addresses: ResolvedAddress[];
  try {
    addresses = await (options.resolve ?? resolveOnce)(hostname);
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code;
    throw new ClientSetupError(`cannot resolve ${hostname}${code ? ` (${code})` : ''}`);
  }
  if (addresses.length === 0) throw new ClientSetupError(`cannot resolve ${hostname} (no address)`);
  return addresses;
}

/** At most `size` holders at once; the others wait in order, and leave the line when their signal aborts. */
class Slots {
  #free: number;
  readonly #waiting = new Set<(granted: boolean) => void>();

  constructor(size: number) {
    this.#free = size;
  }

  /** Resolves true once a slot is held, false if `signal` aborted first. */
  acquire(signal?: AbortSignal): Promise<boolean> {
    if (signal?.aborted) return Promise.resolve(false);
    if (this.#free > 0) {
      this.#free -= 1;
      return Promise.resolve(true);
    }
    return new Promise((resolve) => {
      const onAbort = (): void => {
        this.#waiting.delete(grant);
        resolve(false);
      };
      const grant = (granted: boolean): void => {
        signal?.removeEventListener('abort', onAbort);
        resolve(granted);
      };
      this.#waiting.add(grant);
      signal?.addEventListener('abort', onAbort, {once: true});
    });
  }

  release(): void {
    const next = this.#waiting.values().next();
    if (next.done) {
      this.#free += 1;
      return;
    }
    this.#waiting.delete(next.value);
    next.value(true); // the slot passes straight to the next in line
  }
}

/**
 * Builds the pinned client: resolves the host once, then every request goes to those addresses.
 * Through a proxy, the pin is the host name: the proxy resolves it.
 */
export async function createClient(options: ClientOptions): Promise<ApiClient> {
  const {host} = options;
  // a loopback host is never proxied, even by an explicit setting: its loopback is not the proxy's
  const proxySetting = isLoopback(host.hostname) ? null : options.proxy === undefined ? proxyFor(host, options.proxyEnv ?? {}) : options.proxy;
  const proxy = proxySetting === null ? undefined : parseProxy(proxySetting, host);
  const addresses = proxy ? [] : await resolveHost(options);
  const agent = makeAgent(host, proxy, options.maxConnections);
  const instance = makeGot(options, agent, addresses);
  const credentials = options.credentials;
  const connection: Connection = {host, proxy: proxy?.host, requestTimeoutMs: options.requestTimeoutMs};

  const slots = new Slots(Math.max(1, options.maxConnections));
  const send = async (url: string, body: string, signal: AbortSignal | undefined, anonymous: boolean, retried: boolean): Promise<Outcome> => {
    // why we cut a request short ourselves (got then reports a CancelError): said as such, not as a network error
    let cutShort: Transient | undefined;
    let response;
    try {
      const request = instance(url, anonymous ? {body, signal, headers: {authorization: undefined}} : {body, signal});
      const cut = (why: Transient): void => {
        cutShort ??= why;
        request.cancel();
      };
      request.on('downloadProgress', ({transferred}) => {
        if (transferred > MAX_BODY_BYTES) cut({type: 'transient', code: null, message: `malformed answer: larger than ${MAX_BODY_BYTES / 1024} KiB`});
      });
      // A 101 Switching Protocols: Node hands the socket to an 'upgrade' listener (got has one, and
      // nothing behind it), so without this the request would never settle
      request.on('request', (clientRequest: ClientRequest) => {
        clientRequest.on('upgrade', (_answer: unknown, socket: Duplex) => {
          socket.destroy();
          cut({type: 'transient', code: null, message: 'malformed answer: HTTP 101 (the server switched protocols)'});
        });
      });
      response = await request;
    } catch (error) {
      if (cutShort) return cutShort;
      // once, at once, silently: the failed socket is gone, so the agent opens a fresh one
      if (!retried && !signal?.aborted && closedWhileIdle(error)) return send(url, body, signal, anonymous, true);
      return networkOutcome(error, connection);
    }
    // outside the try: a fault in our own handling of an answer is a bug (exit 1), never a network error
    return answerOutcome(response, options.wallClock?.(), credentials);
  };

  return {
    host,
    addresses: addresses.map(({address}) => address),
    formBody(params, how) {
      const form = new URLSearchParams(params);
      if (credentials?.type === 'auth' && !how?.anonymous) form.set('auth', credentials.token);
      return form.toString();
    },
    async call(method, body, signal, how) {
      // a request starts (and its --request-timeout with it) only when a connection is free: queued
      // in the agent instead, thousands of jobs' requests timed out waiting and took sockets with them
      if (!(await slots.acquire(signal))) return {type: 'transient', code: null, message: 'stopped before it was sent'};
      try {
        return await send(`${host.origin}/${method}`, body, signal, how?.anonymous === true, false);
      } finally {
        slots.release();
      }
    },
    close() {
      agent.destroy();
    },
  };
}
