import {Readable} from 'node:stream';
import type {Env, OutStream, StopSignal} from '../../src/env.js';
import {nodeEnv, realClock} from '../../src/env.js';
import {main} from '../../src/main.js';
import type {FakeClock} from './fake-clock.js';

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
 *
 * With a `clock` (a FakeClock), the program's time is that clock's, moved on from timer to timer
 * whenever nothing else can happen: a 10 s rate-limit wait takes no real time, while the requests
 * still go over real HTTP. Only for runs whose waits all come from env.clock: not with --timeout
 * (its deadline timer would fire while a request is still on the wire) nor a token on stdin.
 */
export async function runMain(
  args: string[],
  options: {vars?: Record<string, string | undefined>; stdin?: string; stdout?: BufferStream; stderr?: BufferStream; signal?: {send: (name: StopSignal) => void}; clock?: FakeClock} = {},
): Promise<InProcessRun> {
  const stdout = options.stdout ?? new BufferStream();
  const stderr = options.stderr ?? new BufferStream();
  const listeners = new Set<(signal: StopSignal) => void>();
  if (options.signal) options.signal.send = (name) => listeners.forEach((listener) => listener(name));
  const real = nodeEnv();
  const {stdin: _stdin, ...rest} = Object.getOwnPropertyDescriptors(real);
  const vars = {...options.vars};
  const {clock} = options;
  const env: Env = {
    ...(Object.defineProperties({}, rest) as Omit<Env, 'stdin'>),
    stdin: Readable.from(options.stdin === undefined ? [] : [options.stdin]),
    stdout,
    stderr,
    vars,
    clock: clock ?? realClock,
    onSignal(listener) {
      listeners.add(listener);
      return () => listeners.delete(listener);
    },
    exit(code) {
      throw new Error(`exit(${code}) called in a test`);
    },
  };
  // the proxy variables too come from `vars` (the client reads Env.vars, never process.env)
  const code = await (clock ? clock.run(main(args, env)) : main(args, env));
  return {code, stdout: stdout.text, stderr: stderr.text};
}

/** The NDJSON lines of a run, parsed. */
export function ndjson(stdout: string): Record<string, unknown>[] {
  return stdout
    .split('\n')
    .filter((line) => line !== '')
    .map((line) => JSON.parse(line) as Record<string, unknown>);
}
