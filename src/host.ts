import {isIP} from 'node:net';
import {UsageError} from './errors.js';

/** The API server a run talks to, fixed before the client is built. */
export interface Host {
  protocol: 'https:' | 'http:';
  /** without IPv6 brackets: what DNS and TLS see */
  hostname: string;
  port: number | undefined;
  /** `https://api7.pcloud.com`, `http://127.0.0.1:8080`, `http://[::1]:8080` */
  origin: string;
  /** `api7.pcloud.com`, `127.0.0.1:8080`: the `host` field of events */
  label: string;
  /** api.pcloud.com / eapi.pcloud.com front many machines; uploadprogress needs one machine */
  generic: boolean;
}

export const DEFAULT_HOSTS = {us: 'api.pcloud.com', eu: 'eapi.pcloud.com'} as const;
const GENERIC_HOSTS = new Set<string>(Object.values(DEFAULT_HOSTS));
const HOSTNAME = /^(?=.{1,253}$)([a-z0-9]([a-z0-9-]{0,61}[a-z0-9])?)(\.[a-z0-9]([a-z0-9-]{0,61}[a-z0-9])?)*\.?$/i;

export function isLoopback(hostname: string): boolean {
  const name = hostname.toLowerCase().replace(/\.$/, '');
  if (name === 'localhost' || name === '::1') return true;
  // an IPv4 loopback address mapped into IPv6 (`::ffff:127.0.0.1`, which URL writes `::ffff:7f00:1`)
  if (isIP(name) === 6 && /^::ffff:(127\.|7f[0-9a-f]{2}:)/.test(name)) return true;
  return isIP(name) === 4 && name.startsWith('127.');
}

/**
 * Parses `--host`: a hostname (https implied), `host:port`, `[v6]:port`, or an origin URL with no
 * path. Plain http is refused unless the host is loopback, so a token never crosses a network in
 * clear text. Messages quote the input only when it cannot hold credentials (no `@`).
 */
export function parseHost(input: string): Host {
  const text = input.trim();
  const shown = text.includes('@') ? 'the given host' : `"${text}"`;
  const bad = (why: string): UsageError => new UsageError(`bad --host ${shown}: ${why}`);
  if (text === '') throw bad('it is empty');

  const hasScheme = /^[a-z][a-z0-9+.-]*:\/\//i.test(text);
  const bareV6 = !hasScheme && isIP(text) === 6;
  let url: URL;
  try {
    url = new URL(hasScheme ? text : `https://${bareV6 ? `[${text}]` : text}`);
  } catch {
    throw bad('expected a hostname, host:port, or an origin like https://api7.pcloud.com');
  }
  if (url.protocol !== 'https:' && url.protocol !== 'http:') throw bad('only https:// (or http:// to loopback) is allowed');
  if (url.username || url.password) throw bad('credentials do not belong in a URL; use --auth-file or $PCLOUD_AUTH');
  if ((url.pathname !== '/' && url.pathname !== '') || url.search || url.hash) throw bad('give an origin without a path, query or fragment');
  if (!hasScheme && /[/?#]/.test(text)) throw bad('give an origin without a path, query or fragment');

  const hostname = url.hostname.replace(/^\[(.*)\]$/, '$1');
  if (isIP(hostname) === 0 && !HOSTNAME.test(hostname)) throw bad('not a valid hostname');
  if (url.protocol === 'http:' && !isLoopback(hostname)) {
    throw bad('plain http:// is only allowed to loopback (127.0.0.0/8, ::1, localhost); use https://');
  }
  const port = url.port === '' ? undefined : Number(url.port);
  // nothing listens on port 0: a connection there fails at once, every time
  if (port === 0) throw bad('port 0 is not a port a server listens on');
  const origin = url.origin;
  const label = url.host;
  return {
    protocol: url.protocol,
    hostname,
    port,
    origin,
    label,
    generic: GENERIC_HOSTS.has(hostname.toLowerCase()),
  };
}
