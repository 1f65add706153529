import {constants, createReadStream, fstatSync, openSync} from 'node:fs';
import isUnicodeSupported from 'is-unicode-supported';

/** A writable the renderers write to: process.stdout/stderr, or a buffer in tests. */
export interface OutStream {
  /** `done` runs once the chunk is written, or with the error that kept it from being written */
  write(chunk: string, done?: (error?: Error | null) => void): boolean;
  isTTY?: boolean;
  columns?: number;
  rows?: number;
  /** a terminal's colours, as Node reads them from `env` (FORCE_COLOR, NO_COLOR, TERM, COLORTERM...): 1, 4, 8 or 24 bits */
  getColorDepth?(env?: Readonly<Record<string, string | undefined>>): number;
  on?(event: 'error', listener: (error: NodeJS.ErrnoException) => void): unknown;
  on?(event: 'resize', listener: () => void): unknown;
}

export interface Clock {
  /** milliseconds, monotonic enough for durations */
  now(): number;
  /** the wall clock, milliseconds since the Unix epoch: for the timestamps of events only, never for durations */
  wall(): number;
  /** resolves after `ms`, or early (without throwing) when `signal` aborts */
  sleep(ms: number, signal?: AbortSignal): Promise<void>;
}

/**
 * Everything the program takes from the outside world. Only `nodeEnv()` touches `process`;
 * the rest of the code receives an `Env`, so tests can hand it buffers, a fake clock and a
 * made-up environment.
 */
export interface Env {
  stdout: OutStream;
  stderr: OutStream;
  stdin: NodeJS.ReadableStream;
  vars: Readonly<Record<string, string | undefined>>;
  clock: Clock;
  /** this machine's name (os.hostname()): the Pushgateway's `instance` */
  hostname(): Promise<string>;
  random(): number;
  /**
   * A file read from its start, at most `maxBytes` of it; rejects if it cannot be opened. A FIFO
   * nobody writes to yet is opened without blocking, so a reader can give up on it.
   */
  openRead(path: string, maxBytes: number): Promise<NodeJS.ReadableStream>;
  /** the file's permission bits, or undefined when it cannot be told */
  fileMode(path: string): Promise<number | undefined>;
  /** process.platform: on Windows a file's mode bits say nothing about who can read it */
  platform: NodeJS.Platform;
  /** Calls `listener` on SIGHUP/SIGINT/SIGTERM until the returned function is called. */
  onSignal(listener: (signal: StopSignal) => void): () => void;
  /**
   * Ctrl-Z (SIGTSTP): calls `suspend` (give the terminal back), really stops the process, and calls
   * `resume` once it is continued (fg, SIGCONT). Until the returned function is called.
   */
  onSuspend(suspend: () => void, resume: () => void): () => void;
  /**
   * Reads a terminal stream's size again now (its `columns` and `rows`; a 'resize' if they changed),
   * not only once its SIGWINCH is handled: a timer that fires first (on a busy machine, or right
   * after a stop) would draw a frame for the old size, and a frame too tall scrolls the screen.
   */
  remeasure(stream: OutStream): void;
  /** whether the terminal shows Unicode marks (✔ █), as ora decides it for its own */
  unicode: boolean;
  /** Ends the process at once: only for a second Ctrl-C. */
  exit(code: number): never;
}

/** The signals that stop a run, each with its exit code (128 + its number) and its line. */
export const STOP_SIGNALS = ['SIGHUP', 'SIGINT', 'SIGTERM'] as const;
export type StopSignal = (typeof STOP_SIGNALS)[number];

export const realClock: Clock = {
  now: () => performance.now(),
  wall: () => Date.now(),
  sleep: (ms, signal) =>
    new Promise<void>((resolve) => {
      if (signal?.aborted) return resolve();
      const done = (): void => {
        clearTimeout(timer);
        signal?.removeEventListener('abort', done);
        resolve();
      };
      const timer = setTimeout(done, ms);
      signal?.addEventListener('abort', done, {once: true});
    }),
};

export function nodeEnv(): Env {
  return {
    stdout: process.stdout,
    stderr: process.stderr,
    // Node builds process.stdin on first use (a socket or a TTY stream): only a token read from - needs it
    get stdin() {
      return process.stdin;
    },
    vars: process.env,
    clock: realClock,
    // node:os is not loaded at start: only a run that pushes metrics needs it
    hostname: async () => (await import('node:os')).hostname(),
    random: Math.random,
    async openRead(path, maxBytes) {
      // O_NONBLOCK: opening a FIFO with no writer would block a libuv thread (and process.exit with it)
      const fd = openSync(path, constants.O_RDONLY | constants.O_NONBLOCK);
      const info = fstatSync(fd);
      if (info.isFIFO() || info.isSocket()) {
        // a pipe handle (epoll, not a thread): data when a writer writes, end when it closes
        const {Socket} = await import('node:net');
        return new Socket({fd, readable: true, writable: false});
      }
      return createReadStream('', {fd, start: 0, end: maxBytes - 1, highWaterMark: maxBytes});
    },
    fileMode: async (path) => (await import('node:fs/promises')).stat(path).then((info) => info.mode & 0o777, () => undefined),
    platform: process.platform,
    onSignal(listener) {
      const handlers = STOP_SIGNALS.map((name) => [name, (): void => listener(name)] as const);
      for (const [name, handler] of handlers) process.on(name, handler);
      return () => {
        for (const [name, handler] of handlers) process.off(name, handler);
      };
    },
    onSuspend: onSuspendOfProcess,
    remeasure(stream) {
      // what Node's TTY stream runs on SIGWINCH (an ioctl); it has no public method that does it now
      const tty = stream as {isTTY?: boolean; _refreshSize?: () => void};
      if (tty.isTTY !== true || typeof tty._refreshSize !== 'function') return;
      try {
        tty._refreshSize();
      } catch {
        // a terminal gone: the next write says so
      }
    },
    get unicode() {
      // is-unicode-supported knows Windows' terminals and the Linux console; a C library the locale
      return isUnicodeSupported() && (process.platform === 'win32' || localeIsUtf8(process.env));
    },
    exit: (code) => process.exit(code),
  };
}

/** What runs on Ctrl-Z and on fg: the display, and the count of the time spent stopped, each its own. */
const suspendHooks = new Set<{suspend: () => void; resume: () => void}>();
let onStop: (() => void) | undefined;

/**
 * One SIGTSTP listener for every hook. Two listeners of their own would each find the other still
 * listening when they raise SIGTSTP again, so the process would never stop (and would loop).
 */
function onSuspendOfProcess(suspend: () => void, resume: () => void): () => void {
  if (process.platform === 'win32') return () => {}; // no SIGTSTP there: Node would throw ENOSYS
  const hook = {suspend, resume};
  suspendHooks.add(hook);
  if (!onStop) {
    const listener = (): void => {
      const hooks = [...suspendHooks];
      for (const each of hooks) each.suspend();
      // without a listener SIGTSTP has its default action again: the process stops inside kill()
      // and returns from it when continued (`top` and `htop` do the same). In a process group no
      // job-control shell watches, the kernel drops it and kill() returns at once.
      process.off('SIGTSTP', listener);
      process.kill(process.pid, 'SIGTSTP');
      if (onStop === listener) process.on('SIGTSTP', listener);
      for (const each of hooks) each.resume();
    };
    onStop = listener;
    process.on('SIGTSTP', listener);
  }
  return () => {
    suspendHooks.delete(hook);
    if (suspendHooks.size === 0 && onStop) {
      process.off('SIGTSTP', onStop);
      onStop = undefined;
    }
  };
}

/**
 * Whether the locale's character set is UTF-8, read as a C library reads it: the first of LC_ALL,
 * LC_CTYPE and LANG that is set and not empty; none at all is the C locale (ASCII).
 */
export function localeIsUtf8(vars: Env['vars']): boolean {
  const locale = envValue(vars, 'LC_ALL') ?? envValue(vars, 'LC_CTYPE') ?? envValue(vars, 'LANG') ?? 'C';
  return /utf-?8/i.test(locale);
}

/** An environment variable, with an empty value counted as unset (the contract says so). */
export function envValue(vars: Env['vars'], name: string): string | undefined {
  const value = vars[name];
  return value === undefined || value === '' ? undefined : value;
}
