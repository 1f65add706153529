/** The kinds of job the tool watches: `upload` polls uploadprogress, `zip` polls savezipprogress. */
export type JobKind = 'upload' | 'zip';

export type EventName = 'waiting' | 'progress' | 'done' | 'error';

/** The numbers every event carries, normalized from the server's answer (see api/decode.ts). */
export interface ProgressNumbers {
  /** upload: `uploaded`; zip: `bytes` */
  bytes: number | null;
  /** upload: `total`; zip: `totalbytes` */
  totalBytes: number | null;
  /** upload: `files.length`; zip: `files` */
  files: number | null;
  /** upload: null; zip: `totalfiles` */
  totalFiles: number | null;
  /** 0..100, never outside it, never NaN */
  percent: number | null;
  /** upload only: the file being received now */
  currentFile: string | null;
}

/** One line of `--json` output: the contract's event, field for field. */
export interface WatchEvent extends ProgressNumbers {
  event: EventName;
  kind: JobKind;
  hash: string;
  host: string;
  /** seconds since the run started */
  elapsed: number;
  /** bytes per second, smoothed */
  rate: number | null;
  /** seconds left */
  eta: number | null;
  /** the server's last answer, verbatim */
  raw: Record<string, unknown> | null;
  /** on `error` events only */
  code?: number | null;
  message?: string;
  exitCode?: number;
}

/** The contract's fields, in a fixed order; nothing else goes into a line. */
export function eventToJson(e: WatchEvent): WatchEvent {
  const line: WatchEvent = {
    event: e.event,
    kind: e.kind,
    hash: e.hash,
    host: e.host,
    elapsed: e.elapsed,
    bytes: e.bytes,
    totalBytes: e.totalBytes,
    files: e.files,
    totalFiles: e.totalFiles,
    percent: e.percent === null ? null : Math.round(e.percent * 100) / 100,
    rate: e.rate,
    eta: e.eta,
    currentFile: e.currentFile,
    raw: e.raw,
  };
  if (e.event === 'error') Object.assign(line, {code: e.code ?? null, message: e.message ?? '', exitCode: e.exitCode ?? 1});
  return line;
}
