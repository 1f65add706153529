import {get, type IncomingMessage} from 'node:http';
import {isIPv4, isIPv6} from 'node:net';
import {type FileEntry, metadata} from './files.js';

export type RemoteStatus = 'waiting' | 'downloading' | 'ready' | 'error';

/** One URL of a downloadfile job as uploadprogress lists it (pCloud's shape). */
export interface RemoteFileAnswer {
  url: string;
  status: RemoteStatus;
  size?: number;
  downloaded?: number;
  metadata?: Record<string, unknown>;
}

/** What a remote upload needs from the emulated account. */
export interface RemoteUploadHooks {
  /** puts a downloaded file into the account */
  store(name: string, size: number, contenttype: string): FileEntry;
  /** every URL is ready or failed */
  finished(): void;
}

interface RemoteFile {
  url: string;
  name: string;
  status: RemoteStatus;
  /** the Content-Length, when the remote server sent one */
  size: number | undefined;
  /** undefined until the download started (a connection to the remote server was opened) */
  downloaded: number | undefined;
  contenttype: string;
  file: FileEntry | undefined;
}

// pCloud downloads a few URLs of one job at once, the rest wait their turn (status "waiting")
export const REMOTE_PARALLEL_URLS = 3;
// a remote server silent this long fails its URL, as pCloud lists "timeout" among the causes
const REMOTE_IDLE_TIMEOUT_MS = 30_000;
// the name pCloud cannot take from a URL that ends in "/": our choice, what wget would save
const NAMELESS_URL_FILE = 'index.html';

/**
 * Where a URL may be fetched: only plain http:// to a loopback address (`localhost` is taken as
 * 127.0.0.1 without asking DNS). Anything else is never contacted and ends as status "error".
 */
export function loopbackTarget(text: string): {address: string; port: number; path: string; host: string} | undefined {
  let url: URL;
  try {
    url = new URL(text);
  } catch {
    return undefined;
  }
  if (url.protocol !== 'http:') return undefined;
  // URL has already normalized `127.1` to 127.0.0.1 and `[0:0::1]` to [::1]
  const hostname = url.hostname.replace(/^\[|\]$/g, '');
  const address = hostname === 'localhost' ? '127.0.0.1' : hostname;
  const loopback = (isIPv4(address) && address.startsWith('127.')) || (isIPv6(address) && address === '::1');
  if (!loopback) return undefined;
  return {address, port: Number(url.port || 80), path: `${url.pathname}${url.search}`, host: url.host};
}

/** The file name pCloud gives a download: the URL's last path segment, without its query. */
export function remoteFileName(text: string): string {
  let segment: string;
  try {
    segment = new URL(text).pathname.split('/').at(-1) ?? '';
  } catch {
    segment = text.split(/[?#]/)[0]?.split('/').at(-1) ?? '';
  }
  try {
    segment = decodeURIComponent(segment);
  } catch {
    // a stray % stays as it is
  }
  return segment === '' ? NAMELESS_URL_FILE : segment;
}

/**
 * A `downloadfile` job: fetches its URLs over HTTP for real (loopback only), a few at a time,
 * streaming each body and counting its bytes, so uploadprogress can show them moving.
 */
export class RemoteUpload {
  readonly #files: RemoteFile[];
  readonly #hooks: RemoteUploadHooks;
  readonly #abort = new AbortController();
  #done = false;

  /** `names[i]`, when given and not empty, names the file of `urls[i]` (pCloud's `target`). */
  constructor(urls: string[], names: (string | undefined)[], hooks: RemoteUploadHooks) {
    this.#hooks = hooks;
    this.#files = urls.map((url, i) => ({
      url,
      name: names[i] || remoteFileName(url),
      status: 'waiting',
      size: undefined,
      downloaded: undefined,
      contenttype: 'application/octet-stream',
      file: undefined,
    }));
  }

  get finished(): boolean {
    return this.#files.every((file) => file.status === 'ready' || file.status === 'error');
  }

  start(): void {
    this.#next();
  }

  /** Ends every download still running (each ends as "error"). */
  abort(): void {
    this.#abort.abort();
  }

  /** uploadprogress's answer for a remote upload. */
  answer(): Record<string, unknown> {
    const count = (status: RemoteStatus): number => this.#files.filter((file) => file.status === status).length;
    return {
      result: 0,
      finished: this.finished,
      urlcount: this.#files.length,
      urlready: count('ready'),
      urlworking: count('downloading'),
      files: this.#files.map(fileAnswer),
    };
  }

  /** metadata of the files downloaded, as downloadfile answers it */
  readyMetadata(): Record<string, unknown>[] {
    return this.#files.flatMap((file) => (file.status === 'ready' && file.file ? [metadata(file.file)] : []));
  }

  #next(): void {
    for (const file of this.#files) {
      if (this.#files.filter((f) => f.status === 'downloading').length >= REMOTE_PARALLEL_URLS) break;
      if (file.status === 'waiting') this.#fetch(file);
    }
    if (this.finished && !this.#done) {
      this.#done = true;
      this.#hooks.finished();
    }
  }

  #fetch(file: RemoteFile): void {
    const target = loopbackTarget(file.url);
    if (!target || this.#abort.signal.aborted) {
      file.status = 'error';
      return;
    }
    file.status = 'downloading';
    file.downloaded = 0;
    let settled = false;
    const settle = (ok: boolean): void => {
      if (settled) return;
      settled = true;
      file.status = ok ? 'ready' : 'error';
      if (ok) file.file = this.#hooks.store(file.name, file.downloaded ?? 0, file.contenttype);
      this.#next();
    };
    const req = get({host: target.address, port: target.port, path: target.path, headers: {host: target.host}, agent: false, signal: this.#abort.signal});
    req.setTimeout(REMOTE_IDLE_TIMEOUT_MS, () => req.destroy(new Error('remote server timed out')));
    req.on('error', () => settle(false));
    req.on('response', (res: IncomingMessage) => {
      const status = res.statusCode ?? 0;
      if (status < 200 || status >= 300) {
        res.resume();
        settle(false);
        return;
      }
      const length = res.headers['content-length'];
      file.size = length !== undefined && /^\d+$/.test(length) ? Number(length) : undefined;
      file.contenttype = res.headers['content-type']?.split(';')[0]?.trim() || file.contenttype;
      res.on('data', (chunk: Buffer) => {
        file.downloaded = (file.downloaded ?? 0) + chunk.length;
      });
      res.on('error', () => settle(false));
      // a body cut short (fewer bytes than its Content-Length, or a reset) is not complete
      res.on('close', () => settle(res.complete));
    });
  }
}

function fileAnswer(file: RemoteFile): RemoteFileAnswer {
  const answer: RemoteFileAnswer = {url: file.url, status: file.status};
  // size comes with the remote server's headers, so only ever after the download started
  if (file.size !== undefined) answer.size = file.size;
  if (file.downloaded !== undefined) answer.downloaded = file.downloaded;
  if (file.status === 'ready' && file.file) answer.metadata = metadata(file.file);
  return answer;
}
