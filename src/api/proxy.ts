import {isLoopback, type Host} from '../host.js';

/** The environment's variables, as Env.vars holds them: the client never reads process.env itself. */
export type ProxyEnv = Readonly<Record<string, string | undefined>>;

/** A variable by its lower-case name first, then its upper-case one, as curl reads them; '' counts as unset. */
function variable(vars: ProxyEnv, name: string): string | undefined {
  for (const key of [name.toLowerCase(), name.toUpperCase()]) {
    const value = vars[key];
    if (value !== undefined && value !== '') return value;
  }
  return undefined;
}

/** Whether NO_PROXY names the host: `*`, a name (`example.com`, `.example.com`, `*.example.com`), an address, each with an optional `:port`. */
function bypassed(host: Host, vars: ProxyEnv): boolean {
  const list = variable(vars, 'no_proxy')?.toLowerCase();
  if (list === undefined) return false;
  if (list.trim() === '*') return true;
  const hostname = host.hostname.toLowerCase();
  const port = host.port ?? (host.protocol === 'https:' ? 443 : 80);
  return list.split(/[,\s]/).some((entry) => {
    if (entry === '') return false;
    const withPort = /^(.+):(\d+)$/.exec(entry);
    const name = (withPort?.[1] ?? entry).replace(/^\[(.*)\]$/, '$1');
    if (withPort && Number(withPort[2]) !== port) return false;
    if (!/^[.*]/.test(name)) return hostname === name;
    return hostname.endsWith(name.replace(/^\*/, ''));
  });
}

/**
 * The proxy for `host` from the environment's variables, as curl reads them: HTTPS_PROXY or
 * HTTP_PROXY by the host's scheme (then ALL_PROXY), lower case first, unless NO_PROXY names the
 * host; null: none. A loopback host never goes through a proxy, whatever the variables say: plain
 * HTTP with a token is allowed only because it never leaves the machine (and the proxy's own
 * loopback is another machine's). A value without a scheme is a plain http:// proxy, as curl takes it.
 */
export function proxyFor(host: Host, vars: ProxyEnv): string | null {
  if (isLoopback(host.hostname)) return null;
  const scheme = host.protocol.slice(0, -1);
  const proxy = variable(vars, `${scheme}_proxy`) ?? variable(vars, 'all_proxy');
  if (proxy === undefined || bypassed(host, vars)) return null;
  return proxy.includes('://') ? proxy : `http://${proxy}`;
}
