import type {JobKind} from './jobs.js';

/** The kinds of job the tool watches: the table in jobs.ts names them and what each polls. */
export type {JobKind};

/** The numbers every status event carries, normalized from the server's answer (see api/decode.ts). */
export interface ProgressNumbers {
  /** upload: `uploaded` (remote upload: the sum of `downloaded`); zip: `bytes`; extract: the sizes of the entries extracted */
  bytes: number | null;
  /** upload: `total` (remote upload: the sum of `size` once all are known); zip: `totalbytes`; extract: null */
  totalBytes: number | null;
  /** upload: `files.length` (remote upload: `urlready`); zip: `files`; extract: entries extracted */
  files: number | null;
  /** upload: null (remote upload: `urlcount`); zip: `totalfiles`; extract: null */
  totalFiles: number | null;
  /** 0..100, never outside it, never NaN */
  percent: number | null;
  /** upload only: the file being received now (a remote upload: the URL, without its query) */
  currentFile: string | null;
}

/** What every line of `--json` starts with. */
interface EventBase {
  kind: JobKind;
  hash: string;
  /** the server polled */
  host: string;
  /** seconds since the run started */
  elapsed: number;
  /** when the event was made: ISO 8601 UTC with milliseconds (`2026-12-05T21:58:43.120Z`) */
  time: string;
}

/** A job's state as of one poll: the contract's fields, in the contract's order. */
interface StatusBase extends EventBase, ProgressNumbers {
  /** bytes per second, smoothed */
  rate: number | null;
  /** seconds left */
  eta: number | null;
  /** the server's last answer, verbatim (see ExactNumber for numbers beyond 2^53) */
  raw: Record<string, unknown> | null;
}

/** Not found yet (19xx), or not found any more. */
export interface WaitingEvent extends StatusBase {
  event: 'waiting';
}

/** A poll whose numbers changed. */
export interface ProgressEvent extends StatusBase {
  event: 'progress';
}

/** The job finished. `message` only when the final answer was not seen (the record was gone). */
export interface DoneEvent extends StatusBase {
  event: 'done';
  /**
   * seconds the job was seen running: from the first poll that saw it moving to the first that saw
   * it finished, less the time the watcher was stopped (Ctrl-Z); null when it was already finished
   * at the first poll
   */
  duration: number | null;
  message?: string;
}

/** The job ended without finishing, or finished with failed items (exit 8). */
export interface ErrorEvent extends StatusBase {
  event: 'error';
  /** pCloud's result code, or null */
  code: number | null;
  message: string;
  exitCode: number;
}

/** An extraction's new output lines, each line once, in order. */
export interface OutputEvent extends EventBase {
  event: 'output';
  lines: string[];
}

/** A job's state: every event but `output`. */
export type StatusEvent = WaitingEvent | ProgressEvent | DoneEvent | ErrorEvent;

/** A job's last event: it finished, or it ended without finishing. */
export type FinalEvent = DoneEvent | ErrorEvent;

/** One line of `--json` output, and what the library yields. */
export type WatchEvent = StatusEvent | OutputEvent;

export type EventName = WatchEvent['event'];

/** The fields of a StatusEvent a job's state decides (the rest comes from the job and the clock). */
export type StatusFields = ProgressNumbers & Pick<StatusBase, 'rate' | 'eta' | 'raw'>;

/** The minute `isoTime` last formatted, and its text up to the seconds (`2026-12-05T21:58:`). */
let isoMinute = Number.NaN;
let isoMinuteText = '';

/**
 * `2026-12-05T21:58:43.120Z` for a wall-clock time in ms: what `new Date(ms).toISOString()` says,
 * at a fifth of its cost (1.5 µs a call here: 10 000 jobs polled each second would spend 1.5% of
 * a core on it). The date and the minute are formatted once a minute; the rest is digits.
 */
export function isoTime(wallMs: number): string {
  const ms = Math.floor(wallMs);
  const minute = Math.floor(ms / 60_000);
  if (minute !== isoMinute) {
    isoMinute = minute;
    isoMinuteText = new Date(minute * 60_000).toISOString().slice(0, 17);
  }
  const inMinute = ms - minute * 60_000;
  const seconds = Math.floor(inMinute / 1000);
  const millis = inMinute % 1000;
  return `${isoMinuteText}${seconds < 10 ? '0' : ''}${seconds}.${millis < 10 ? '00' : millis < 100 ? '0' : ''}${millis}Z`;
}

/** The one place events are built: every event of one job shares kind, hash and host; `wall` stamps each one's `time`. */
export function eventFactory(job: Pick<EventBase, 'kind' | 'hash' | 'host'>, wall: () => number) {
  // one object literal per event, no spreads: a progress event is built on every poll that moved
  const status = <E extends StatusEvent['event']>(event: E, elapsed: number, f: StatusFields) => ({
    event,
    kind: job.kind,
    hash: job.hash,
    host: job.host,
    elapsed,
    time: isoTime(wall()),
    bytes: f.bytes,
    totalBytes: f.totalBytes,
    files: f.files,
    totalFiles: f.totalFiles,
    percent: f.percent,
    rate: f.rate,
    eta: f.eta,
    currentFile: f.currentFile,
    raw: f.raw,
  });
  return {
    waiting: (elapsed: number, fields: StatusFields): WaitingEvent => status('waiting', elapsed, fields),
    progress: (elapsed: number, fields: StatusFields): ProgressEvent => status('progress', elapsed, fields),
    done: (elapsed: number, fields: StatusFields, duration: number | null, message?: string): DoneEvent =>
      message === undefined ? {...status('done', elapsed, fields), duration} : {...status('done', elapsed, fields), duration, message},
    error: (elapsed: number, fields: StatusFields, error: {code: number | null; message: string; exitCode: number}): ErrorEvent => ({
      ...status('error', elapsed, fields),
      code: error.code,
      message: error.message,
      exitCode: error.exitCode,
    }),
    output: (elapsed: number, lines: string[]): OutputEvent => ({event: 'output', kind: job.kind, hash: job.hash, host: job.host, elapsed, time: isoTime(wall()), lines}),
  };
}

/** Fields with no numbers yet: a job that never answered. */
export const NO_STATUS: StatusFields = {bytes: null, totalBytes: null, files: null, totalFiles: null, percent: null, currentFile: null, rate: null, eta: null, raw: null};

/** The contract's fields in a fixed order (`event` first), percent to two decimals; nothing else goes into a line. */
export function eventToJson(e: WatchEvent): WatchEvent {
  if (e.event === 'output') return {event: e.event, kind: e.kind, hash: e.hash, host: e.host, elapsed: e.elapsed, time: e.time, lines: e.lines};
  const line = {
    event: e.event,
    kind: e.kind,
    hash: e.hash,
    host: e.host,
    elapsed: e.elapsed,
    time: e.time,
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
  if (e.event === 'error') return {...line, event: e.event, code: e.code, message: e.message, exitCode: e.exitCode};
  if (e.event === 'done') return e.message === undefined ? {...line, event: e.event, duration: e.duration} : {...line, event: e.event, duration: e.duration, message: e.message};
  return {...line, event: e.event};
}
