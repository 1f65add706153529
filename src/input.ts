import {formatDuration} from './duration.js';
import type {Clock, Env} from './env.js';
import {UsageError} from './errors.js';
import {NAME} from './say.js';

/** A token file is read this far at the most: a token is one short line (pCloud's auth: 64 bytes). */
export const MAX_TOKEN_FILE_BYTES = 4096;
/** Longer than any pCloud token: a longer one is a wrong file or a paste gone wrong, not sent on every poll. */
export const MAX_TOKEN_LENGTH = 1024;
/** A file or pipe that sends no line by then (a FIFO nobody writes to) is given up on. */
export const TOKEN_READ_TIMEOUT_MS = 10_000;

/** How a message names an input given to `--option`: `standard input` for `-`, else the file. */
export function inputName(path: string, option: string): string {
  return path === '-' ? 'standard input' : `the file given to --${option}`;
}

/** The stream of an input given to `--option` (`-` = stdin), at most `maxBytes` of a file; a usage error if it cannot be opened. */
export async function openInput(path: string, option: string, env: Pick<Env, 'stdin' | 'openRead'>, maxBytes: number): Promise<NodeJS.ReadableStream> {
  if (path === '-') return env.stdin;
  try {
    return await env.openRead(path, maxBytes);
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code;
    throw new UsageError(`cannot read ${inputName(path, option)}${code ? ` (${code})` : ''}`);
  }
}

/** How long a token or hash file may take to arrive: TOKEN_READ_TIMEOUT_MS, or --timeout when shorter (0 = none). */
export function inputWaitMs(timeoutMs: number): number {
  return timeoutMs > 0 ? Math.min(timeoutMs, TOKEN_READ_TIMEOUT_MS) : TOKEN_READ_TIMEOUT_MS;
}

/** What a token may hold: printable ASCII, no spaces (a header and a form field both carry it as is). */
const TOKEN = /^[\x21-\x7e]+$/;

/**
 * A token as given, checked: no zero-width space, newline or other copy-paste debris, not too long.
 * The message names where it came from, never the token.
 */
export function checkToken(text: string, where: string): string {
  const token = text.trim();
  if (token === '') throw new UsageError(`${where} is empty: expected a token`);
  if (token.length > MAX_TOKEN_LENGTH) throw new UsageError(`${where} does not hold a token: it is longer than ${MAX_TOKEN_LENGTH} characters`);
  if (!TOKEN.test(token)) {
    const why = /[\r\n]/.test(token) ? 'more than one line' : /[^\x00-\x7f]/.test(token) ? 'a character that is not ASCII (a copy-paste?)' : 'a space or a control character';
    throw new UsageError(`${where} must hold one token on one line: it has ${why}`);
  }
  return token;
}

/**
 * Reads a stream to its end or until `enough(text)` says it has what it needs, at most `maxBytes`,
 * giving up after `timeoutMs`. The stream is destroyed after: stdin or a FIFO then keeps nothing alive.
 */
function readBounded(stream: NodeJS.ReadableStream, where: string, limits: {maxBytes: number; timeoutMs: number; clock: Clock}, enough: (text: string) => string | undefined, tooLong: string): Promise<string> {
  const readable = stream as NodeJS.ReadableStream & {destroy?: () => void};
  return new Promise<string>((resolve, reject) => {
    let text = '';
    let bytes = 0;
    const timer = new AbortController();
    const finish = (error: Error | undefined, result?: string): void => {
      if (timer.signal.aborted) return;
      timer.abort();
      readable.removeListener('data', onData);
      readable.removeListener('end', onEnd);
      readable.removeListener('error', onError);
      readable.pause();
      readable.destroy?.();
      if (error) reject(error);
      else resolve(result ?? text);
    };
    const onData = (chunk: Buffer | string): void => {
      text += typeof chunk === 'string' ? chunk : chunk.toString('utf8');
      bytes += typeof chunk === 'string' ? Buffer.byteLength(chunk) : chunk.length;
      const result = enough(text);
      if (result !== undefined) finish(undefined, result);
      else if (bytes > limits.maxBytes) finish(new UsageError(`${where} ${tooLong}`));
    };
    const onEnd = (): void => finish(undefined, text);
    const onError = (error: NodeJS.ErrnoException): void => finish(new UsageError(`cannot read ${where}${error.code ? ` (${error.code})` : ''}`));
    void limits.clock.sleep(limits.timeoutMs, timer.signal).then(() => finish(new UsageError(`nothing arrived from ${where} within ${formatDuration(limits.timeoutMs)}`)));
    readable.on('data', onData);
    readable.on('end', onEnd);
    readable.on('error', onError);
    readable.resume();
  });
}

/** The first line of a stream that is not blank: at most MAX_TOKEN_FILE_BYTES, never waited on past `timeoutMs`. */
export function readFirstLine(stream: NodeJS.ReadableStream, where: string, timeoutMs: number, clock: Clock): Promise<string> {
  const firstLine = (text: string): string | undefined => {
    const body = text.replace(/^\s+/, ''); // an editor may leave an empty first line
    const newline = body.search(/[\r\n]/);
    return newline >= 0 ? body.slice(0, newline) : undefined;
  };
  return readBounded(stream, where, {maxBytes: MAX_TOKEN_FILE_BYTES, timeoutMs, clock}, firstLine, `does not hold a token: no line end in its first ${MAX_TOKEN_FILE_BYTES / 1024} KiB`);
}

/** A whole stream, at most `maxBytes`, never waited on past `timeoutMs`. */
export function readAll(stream: NodeJS.ReadableStream, where: string, maxBytes: number, timeoutMs: number, clock: Clock): Promise<string> {
  return readBounded(stream, where, {maxBytes, timeoutMs, clock}, () => undefined, `is larger than ${maxBytes / 1024 / 1024} MiB`);
}

/**
 * `--auth-file -` with a terminal on stdin: a prompt on stderr and the token read without echo
 * (raw mode), as `ssh` and `sudo` read a password. Ctrl-C or Ctrl-D cancels.
 */
export async function promptToken(env: Pick<Env, 'stdin' | 'stderr'>, option: string): Promise<string> {
  const stdin = env.stdin as NodeJS.ReadStream;
  env.stderr.write(`${NAME}: paste the token for ${option} (not shown), then Enter: `);
  stdin.setRawMode(true);
  return new Promise<string>((resolve, reject) => {
    let token = '';
    const done = (error?: Error): void => {
      stdin.removeListener('data', onData);
      stdin.setRawMode(false);
      stdin.pause();
      env.stderr.write('\n');
      if (error) reject(error);
      else resolve(token);
    };
    const onData = (chunk: Buffer | string): void => {
      for (const char of typeof chunk === 'string' ? chunk : chunk.toString('utf8')) {
        if (char === '\r' || char === '\n') return done();
        if (char === '\u0003' || char === '\u0004') return done(new UsageError(`no token given for ${option}`));
        if (char === '\u007f' || char === '\b') token = token.slice(0, -1);
        else if (token.length < MAX_TOKEN_FILE_BYTES) token += char;
      }
    };
    stdin.on('data', onData);
    stdin.resume();
  });
}
