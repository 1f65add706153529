import type {ProgressNumbers} from '../events.js';
import {toNumber} from '../json.js';

/** A progress answer, normalized: the contract's numbers plus whether the job is done. */
export interface Progress extends ProgressNumbers {
  done: boolean;
  /** a remote upload (downloadfile): the URLs that ended in status "error", shown without query */
  failedUrls: string[];
  /** what a regular upload's `done` can be told by when its record is gone: every byte was received */
  allBytesSeen: boolean;
  /** extract: the output lines this answer added (each line once) */
  newLines: string[];
}

export type RawAnswer = Record<string, unknown>;

/** A string that is a count: decimal digits (a fraction allowed), nothing else (`0x64` and `0b110010` are not). */
const DECIMAL = /^\d+(\.\d+)?$/;

/** A count or a size: finite and not negative, from a number or a string of decimal digits; else null. */
function count(raw: unknown): number | null {
  const value = toNumber(raw);
  const number = typeof value === 'string' ? (DECIMAL.test(value) ? Number(value) : null) : value;
  return typeof number === 'number' && Number.isFinite(number) && number >= 0 ? number : null;
}

/** A sum of sizes, or null (unknown) when it is too large for a number: never Infinity. */
function finiteSum(values: readonly number[]): number | null {
  const sum = values.reduce((total, value) => total + value, 0);
  return Number.isFinite(sum) ? sum : null;
}

function ratio(done: number | null, total: number | null): number | null {
  if (done === null || total === null || total <= 0) return null;
  const percent = (done / total) * 100;
  return Math.min(100, Math.max(0, percent));
}

function isFinished(raw: RawAnswer): boolean {
  return raw.finished === true || raw.finished === 1 || raw.finished === 'true';
}

function decodeUpload(raw: RawAnswer): Progress {
  return isRemoteUpload(raw) ? decodeRemoteUpload(raw) : decodeFileUpload(raw);
}

/** A multipart upload's answer: `uploaded` of `total`, `files` finished, `currentfile`. */
function decodeFileUpload(raw: RawAnswer): Progress {
  const bytes = count(raw.uploaded);
  const totalBytes = count(raw.total);
  const done = isFinished(raw);
  const files = Array.isArray(raw.files) ? raw.files.length : null;
  const currentFile = !done && typeof raw.currentfile === 'string' ? raw.currentfile : null;
  const allBytesSeen = bytes !== null && totalBytes !== null && totalBytes > 0 && bytes >= totalBytes;
  return {bytes, totalBytes, files, totalFiles: null, percent: done ? 100 : ratio(bytes, totalBytes), currentFile, done, failedUrls: [], allBytesSeen, newLines: []};
}

/** A `downloadfile` job's answer (pCloud fetching URLs): `urlcount`, `urlready`, `files[{url, status, size, downloaded}]`. */
export function isRemoteUpload(raw: RawAnswer): boolean {
  return raw.urlcount !== undefined && raw.total === undefined && raw.uploaded === undefined;
}

/**
 * A URL as it may be shown: no query string or fragment (a presigned link's signature lives
 * there) and no user:password. Not a URL at all: cut at the first `?` or `#`.
 */
export function displayUrl(url: string): string {
  try {
    const parsed = new URL(url);
    // `alice:pw@host/x` parses as scheme `alice:` with the rest an opaque path: read it as text
    if (parsed.host === '') throw new TypeError('no host');
    parsed.username = '';
    parsed.password = '';
    parsed.search = '';
    parsed.hash = '';
    return parsed.href;
  } catch {
    // no URL to parse: cut at the first `?` or `#`, and drop what stands before an `@` in the authority
    const cut = url.replace(/[?#].*$/s, '');
    const scheme = /^[a-z][a-z0-9+.-]*:\/\//i.exec(cut)?.[0] ?? ''; // or none: `user:pw@host/x` still drops `user:pw@`
    const rest = cut.slice(scheme.length);
    const slash = rest.indexOf('/');
    const authority = slash === -1 ? rest : rest.slice(0, slash);
    const at = authority.lastIndexOf('@');
    return at === -1 ? cut : scheme + rest.slice(at + 1);
  }
}

interface RemoteFile {
  url: string;
  status: unknown;
  size: number | null;
  downloaded: number | null;
}

function remoteFiles(raw: RawAnswer): RemoteFile[] {
  if (!Array.isArray(raw.files)) return [];
  return raw.files
    .filter((file): file is Record<string, unknown> => typeof file === 'object' && file !== null)
    .map((file) => ({url: typeof file.url === 'string' ? file.url : '', status: file.status, size: count(file.size), downloaded: count(file.downloaded)}));
}

/**
 * The contract's mapping: bytes = sum of `downloaded`, total = sum of `size` once every URL's size
 * is known, files = `urlready` of `urlcount`, percent by bytes when the total is known, else by URLs.
 */
function decodeRemoteUpload(raw: RawAnswer): Progress {
  const urls = remoteFiles(raw);
  const done = isFinished(raw);
  const bytes = finiteSum(urls.map((file) => file.downloaded ?? 0));
  const sizesKnown = urls.length > 0 && urls.every((file) => file.size !== null);
  const totalBytes = sizesKnown ? finiteSum(urls.map((file) => file.size ?? 0)) : null;
  const files = count(raw.urlready);
  const totalFiles = count(raw.urlcount);
  const failedUrls = urls.filter((file) => file.status === 'error').map((file) => displayUrl(file.url));
  const downloading = urls.find((file) => file.status === 'downloading');
  const percent = done && failedUrls.length === 0 ? 100 : totalBytes !== null && totalBytes > 0 && bytes !== null ? ratio(bytes, totalBytes) : ratio(files, totalFiles);
  const currentFile = !done && downloading ? displayUrl(downloading.url) : null;
  return {bytes, totalBytes, files, totalFiles, percent, currentFile, done, failedUrls, allBytesSeen: false, newLines: []};
}

function decodeZip(raw: RawAnswer): Progress {
  const bytes = count(raw.bytes);
  const totalBytes = count(raw.totalbytes);
  const files = count(raw.files);
  const totalFiles = count(raw.totalfiles);
  // pCloud's docs: done when files == totalfiles; an answer that says `finished` is done too
  const done = isFinished(raw) || (files !== null && totalFiles !== null && files === totalFiles);
  const byBytes = totalBytes !== null && totalBytes > 0;
  const percent = done ? 100 : byBytes ? ratio(bytes, totalBytes) : ratio(files, totalFiles);
  return {bytes, totalBytes, files, totalFiles, percent, currentFile: null, done, failedUrls: [], allBytesSeen: false, newLines: []};
}

/** uploadprogress / savezipprogress answer (result 0) -> the contract's numbers, whatever it holds. */
export function decodeProgress(kind: 'upload' | 'zip', raw: RawAnswer): Progress {
  return kind === 'upload' ? decodeUpload(raw) : decodeZip(raw);
}

/** One job's answers -> Progress, keeping what a job needs across answers (extract: its output so far). */
export interface ProgressDecoder {
  /** form parameters the next poll adds (extract: `lines`, how many output lines it already has) */
  pollParams(): Record<string, string>;
  decode(raw: RawAnswer): Progress;
}

/** uploadprogress: a multipart upload's answers, or a remote upload's (downloadfile) */
export function uploadDecoder(): ProgressDecoder {
  return {pollParams: () => ({}), decode: decodeUpload};
}

/** uploadlinkprogress, uploadtransferprogress: shaped like a multipart upload's only (no remote uploads there) */
export function fileUploadDecoder(): ProgressDecoder {
  return {pollParams: () => ({}), decode: decodeFileUpload};
}

export function zipDecoder(): ProgressDecoder {
  return {pollParams: () => ({}), decode: decodeZip};
}

export function extractDecoder(): ProgressDecoder {
  return new ExtractDecoder();
}

/** How an entry's line ends: `... OK.` (pCloud's example) or `...OK.` */
const ENTRY_ENDINGS = ['... OK.', '...OK.'];
/** ` (1681557 B)` at the end of an entry's name: its size. Anchored at the end, and no part repeats, so it is linear. */
const ENTRY_SIZE = /\s\((\d{1,20}) B\)$/;

/**
 * `  Titov/_ART5055.jpg  (1681557 B)... OK.`: one entry extracted, with its size when given; else
 * undefined. No regular expression with nested or adjacent repeats: a line is server text, of any length.
 */
export function extractedEntry(line: string): {size: number | null} | undefined {
  if (!/^\s/.test(line)) return undefined;
  const text = line.trimEnd();
  const ending = ENTRY_ENDINGS.find((end) => text.endsWith(end));
  if (ending === undefined) return undefined;
  const name = text.slice(0, text.length - ending.length);
  if (name.trim() === '') return undefined;
  const size = ENTRY_SIZE.exec(name);
  // the size needs a name before it
  return size !== null && name.slice(0, size.index).trim() !== '' ? {size: Number(size[1])} : {size: null};
}

/**
 * extractarchiveprogress: asks only for the lines after those it has (`lines`), shows each line
 * once even if a server ignores `lines` and sends them all again, and counts the entries the lines
 * report extracted and their sizes. There is no total: no percent, no ETA.
 */
class ExtractDecoder implements ProgressDecoder {
  #lines = 0;
  #files = 0;
  #bytes = 0;
  /** the first and the latest line seen: how an answer that repeats them all is told, when it says no `lines` */
  #first: string | undefined;
  #latest: string | undefined;

  pollParams(): Record<string, string> {
    return {lines: String(this.#lines)};
  }

  decode(raw: RawAnswer): Progress {
    const output = Array.isArray(raw.output) ? raw.output.filter((line): line is string => typeof line === 'string') : [];
    const total = count(raw.lines);
    const fresh = total === null ? this.#unnumbered(output) : output.slice(Math.max(0, output.length - Math.max(0, total - this.#lines)));
    // `lines` is how many the job has written in all; without it, we count them ourselves
    this.#lines = total === null ? this.#lines + fresh.length : Math.max(this.#lines, total);
    if (fresh.length > 0) {
      this.#first ??= fresh[0];
      this.#latest = fresh.at(-1);
    }
    for (const line of fresh) {
      const entry = extractedEntry(line);
      if (!entry) continue;
      this.#files += 1;
      if (entry.size !== null) this.#bytes += entry.size;
    }
    if (!Number.isFinite(this.#bytes)) this.#bytes = Number.MAX_VALUE;
    const done = isFinished(raw);
    return {bytes: this.#bytes, totalBytes: null, files: this.#files, totalFiles: null, percent: null, currentFile: null, done, failedUrls: [], allBytesSeen: false, newLines: fresh};
  }

  /**
   * The new lines of an answer that does not say how many lines there are: only the lines after the
   * ones we asked to skip (as pCloud answers), unless it starts with every line seen so far again (a
   * server that ignores `lines`): then only those after them.
   */
  #unnumbered(output: string[]): string[] {
    const seen = this.#lines;
    const repeatsAll = seen > 0 && output.length >= seen && output[0] === this.#first && output[seen - 1] === this.#latest;
    return repeatsAll ? output.slice(seen) : output;
  }
}

export function sameNumbers(a: ProgressNumbers, b: ProgressNumbers): boolean {
  return a.bytes === b.bytes && a.totalBytes === b.totalBytes && a.files === b.files && a.totalFiles === b.totalFiles && a.currentFile === b.currentFile;
}
