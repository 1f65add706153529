import {Readable} from 'node:stream';
import type {Env, OutStream, StopSignal} from '../../src/env.js';
import {nodeEnv, realClock} from '../../src/env.js';
import {main} from '../../src/main.js';

/** A stream that keeps what is written: what a test reads instead of a terminal or a pipe. */
export class BufferStream implements OutStream {
  text = '';
  isTTY?: boolean;
  columns?: number;
  /** an error every write gets (ENOSPC: a full disk), or undefined */
  failWith: string | undefined;
  readonly #errorListeners: ((error: NodeJS.ErrnoException) => void)[] = [];

  write(chunk: string, done?: (error?: Error | null) => void): boolean {
    if (this.failWith !== undefined) {
      const error = Object.assign(new Error(this.failWith), {code: this.failWith});
      queueMicrotask(() => {
        for (const listener of this.#errorListeners) listener(error);
        done?.(error);
      });
      return false;
    }
    this.text += chunk;
    if (done) queueMicrotask(() => done());
    return true;
  }

  on(event: 'error' | 'resize', listener: (error: NodeJS.ErrnoException) => void): this {
    if (event === 'error') this.#errorListeners.push(listener);
    return this;
  }
}

export interface InProcessRun {
  code: number;
  stdout: string;
  stderr: string;
}

/**
 * The CLI's main(argv, env) in this process, as gh tests its commands with iostreams.Test(): the
 * same program as the binary, against the real emulator over real HTTP, with buffers for
 * stdout/stderr and only the given environment variables. No process is spawned (the binary's
 * own tests keep what needs one: signals, pipes, a terminal, the package, start-up).
 */
export async function runMain(
  args: string[],
  options: {vars?: Record<string, string | undefined>; stdin?: string; stdout?: BufferStream; stderr?: BufferStream; signal?: {send: (name: StopSignal) => void}} = {},
): Promise<InProcessRun> {
  const stdout = options.stdout ?? new BufferStream();
  const stderr = options.stderr ?? new BufferStream();
  const listeners = new Set<(signal: StopSignal) => void>();
  if (options.signal) options.signal.send = (name) => listeners.forEach((listener) => listener(name));
  const real = nodeEnv();
  const {stdin: _stdin, ...rest} = Object.getOwnPropertyDescriptors(real);
  const env: Env = {
    ...(Object.defineProperties({}, rest) as Omit<Env, 'stdin'>),
    stdin: Readable.from(options.stdin === undefined ? [] : [options.stdin]),
    stdout,
    stderr,
    vars: {...options.vars},
    clock: realClock,
    onSignal(listener) {
      listeners.add(listener);
      return () => listeners.delete(listener);
    },
    exit(code) {
      throw new Error(`exit(${code}) called in a test`);
    },
  };
  const code = await main(args, env);
  return {code, stdout: stdout.text, stderr: stderr.text};
}

/** The NDJSON lines of a run, parsed. */
export function ndjson(stdout: string): Record<string, unknown>[] {
  return stdout
    .split('\n')
    .filter((line) => line !== '')
    .map((line) => JSON.parse(line) as Record<string, unknown>);
}
