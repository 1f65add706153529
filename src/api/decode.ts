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

/** A count or a size: finite and not negative, from a number or a numeric string; else null. */
function count(raw: unknown): number | null {
  const value = toNumber(raw);
  const number = typeof value === 'string' && value.trim() !== '' ? Number(value) : value;
  return typeof number === 'number' && Number.isFinite(number) && number >= 0 ? number : null;
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
    parsed.username = '';
    parsed.password = '';
    parsed.search = '';
    parsed.hash = '';
    return parsed.href;
  } catch {
    return url.replace(/[?#].*$/s, '');
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
  const bytes = urls.reduce((sum, file) => sum + (file.downloaded ?? 0), 0);
  const sizesKnown = urls.length > 0 && urls.every((file) => file.size !== null);
  const totalBytes = sizesKnown ? urls.reduce((sum, file) => sum + (file.size ?? 0), 0) : null;
  const files = count(raw.urlready);
  const totalFiles = count(raw.urlcount);
  const failedUrls = urls.filter((file) => file.status === 'error').map((file) => displayUrl(file.url));
  const downloading = urls.find((file) => file.status === 'downloading');
  const percent = done && failedUrls.length === 0 ? 100 : totalBytes !== null && totalBytes > 0 ? ratio(bytes, totalBytes) : ratio(files, totalFiles);
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

/** `  Titov/_ART5055.jpg  (1681557 B)... OK.`: one entry extracted, with its size when given. */
const EXTRACTED_ENTRY = /^\s+\S.*?(?:\s+\((\d+) B\))?\.\.\. ?OK\.\s*$/;

/**
 * extractarchiveprogress: asks only for the lines after those it has (`lines`), shows each line
 * once even if a server ignores `lines` and sends them all again, and counts the entries the lines
 * report extracted and their sizes. There is no total: no percent, no ETA.
 */
class ExtractDecoder implements ProgressDecoder {
  #lines = 0;
  #files = 0;
  #bytes = 0;

  pollParams(): Record<string, string> {
    return {lines: String(this.#lines)};
  }

  decode(raw: RawAnswer): Progress {
    const output = Array.isArray(raw.output) ? raw.output.filter((line): line is string => typeof line === 'string') : [];
    const total = count(raw.lines);
    // `lines` is how many the job has written in all: the new ones are the last (total - seen)
    const fresh = total === null ? output : output.slice(Math.max(0, output.length - Math.max(0, total - this.#lines)));
    this.#lines = total === null ? this.#lines + output.length : Math.max(this.#lines, total);
    for (const line of fresh) {
      const entry = EXTRACTED_ENTRY.exec(line);
      if (!entry) continue;
      this.#files += 1;
      if (entry[1] !== undefined) this.#bytes += Number(entry[1]);
    }
    const done = isFinished(raw);
    return {bytes: this.#bytes, totalBytes: null, files: this.#files, totalFiles: null, percent: null, currentFile: null, done, failedUrls: [], allBytesSeen: false, newLines: fresh};
  }
}

export function sameNumbers(a: ProgressNumbers, b: ProgressNumbers): boolean {
  return a.bytes === b.bytes && a.totalBytes === b.totalBytes && a.files === b.files && a.totalFiles === b.totalFiles && a.currentFile === b.currentFile;
}
