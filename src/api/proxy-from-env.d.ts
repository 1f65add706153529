// proxy-from-env ships no types: the one function the client uses.
declare module 'proxy-from-env' {
  /** The proxy URL for `url` from *_PROXY minus NO_PROXY (read from process.env); '' for none. */
  export function getProxyForUrl(url: string | URL): string;
}
