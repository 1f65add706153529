import type {JobKind, ProgressNumbers} from '../events.js';

/** A progress answer, normalized: the contract's numbers plus whether the job is done. */
export interface Progress extends ProgressNumbers {
  done: boolean;
}

export type RawAnswer = Record<string, unknown>;

/** A count or a size: finite and not negative, from a number or a numeric string; else null. */
function count(value: unknown): number | null {
  const number = typeof value === 'string' && value.trim() !== '' ? Number(value) : value;
  return typeof number === 'number' && Number.isFinite(number) && number >= 0 ? number : null;
}

function ratio(done: number | null, total: number | null): number | null {
  if (done === null || total === null || total <= 0) return null;
  const percent = (done / total) * 100;
  return Math.min(100, Math.max(0, percent));
}

function decodeUpload(raw: RawAnswer): Progress {
  const bytes = count(raw.uploaded);
  const totalBytes = count(raw.total);
  const done = raw.finished === true || raw.finished === 1 || raw.finished === 'true';
  const files = Array.isArray(raw.files) ? raw.files.length : null;
  const currentFile = !done && typeof raw.currentfile === 'string' ? raw.currentfile : null;
  return {bytes, totalBytes, files, totalFiles: null, percent: done ? 100 : ratio(bytes, totalBytes), currentFile, done};
}

function decodeZip(raw: RawAnswer): Progress {
  const bytes = count(raw.bytes);
  const totalBytes = count(raw.totalbytes);
  const files = count(raw.files);
  const totalFiles = count(raw.totalfiles);
  const done = files !== null && totalFiles !== null && files === totalFiles;
  const byBytes = totalBytes !== null && totalBytes > 0;
  const percent = done ? 100 : byBytes ? ratio(bytes, totalBytes) : ratio(files, totalFiles);
  return {bytes, totalBytes, files, totalFiles, percent, currentFile: null, done};
}

/** uploadprogress / savezipprogress answer (result 0) -> the contract's numbers, whatever it holds. */
export function decodeProgress(kind: JobKind, raw: RawAnswer): Progress {
  return kind === 'upload' ? decodeUpload(raw) : decodeZip(raw);
}

export function sameNumbers(a: ProgressNumbers, b: ProgressNumbers): boolean {
  return a.bytes === b.bytes && a.totalBytes === b.totalBytes && a.files === b.files && a.totalFiles === b.totalFiles && a.currentFile === b.currentFile;
}
