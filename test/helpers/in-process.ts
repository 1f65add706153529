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
 * The variables a proxy is read from. The client reads them from process.env (proxy-from-env), not
 * from env.vars: a run in this process must see in process.env what its `vars` say, no more.
 */
const PROXY_VARIABLES = ['http_proxy', 'HTTP_PROXY', 'https_proxy', 'HTTPS_PROXY', 'all_proxy', 'ALL_PROXY', 'no_proxy', 'NO_PROXY'] as const;

/** The proxy variables in process.env while in-process runs are active, and what they replaced. */
let proxyScope: {active: number; key: string; saved: Record<string, string | undefined>} | undefined;

/**
 * Runs `task` with process.env's proxy variables set as `vars` has them (absent ones removed, as a
 * child's environment built from `vars` would lack them), then puts the originals back. Runs at
 * once (Promise.all) share the setting, so they must agree on it.
 */
async function withProxyVariables<T>(vars: Record<string, string | undefined>, task: () => Promise<T>): Promise<T> {
  const wanted = Object.fromEntries(PROXY_VARIABLES.map((name) => [name, vars[name]]));
  const key = JSON.stringify(wanted);
  if (proxyScope === undefined) {
    proxyScope = {active: 0, key, saved: Object.fromEntries(PROXY_VARIABLES.map((name) => [name, process.env[name]]))};
    setVariables(wanted);
  } else if (proxyScope.key !== key) {
    throw new Error('in-process runs at once with different proxy variables: process.env holds only one setting');
  }
  proxyScope.active += 1;
  try {
    return await task();
  } finally {
    proxyScope.active -= 1;
    if (proxyScope.active === 0) {
      setVariables(proxyScope.saved);
      proxyScope = undefined;
    }
  }
}

function setVariables(values: Record<string, string | undefined>): void {
  for (const [name, value] of Object.entries(values)) {
    if (value === undefined) delete process.env[name];
    else process.env[name] = value;
  }
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
  const code = await withProxyVariables(vars, () => (clock ? clock.run(main(args, env)) : main(args, env)));
  return {code, stdout: stdout.text, stderr: stderr.text};
}

/** The NDJSON lines of a run, parsed. */
export function ndjson(stdout: string): Record<string, unknown>[] {
  return stdout
    .split('\n')
    .filter((line) => line !== '')
    .map((line) => JSON.parse(line) as Record<string, unknown>);
}
