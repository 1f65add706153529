import {spawn} from 'node:child_process';
import {fileURLToPath} from 'node:url';

export const BIN = fileURLToPath(new URL('../../bin/pcloud-progress.cjs', import.meta.url));
export const AUTH = 'test-auth-token';
export const ACCESS_TOKEN = 'test-access-token';

export interface CliResult {
  code: number | null;
  signal: NodeJS.Signals | null;
  stdout: string;
  stderr: string;
}

export interface CliRun {
  child: ReturnType<typeof spawn>;
  /** resolves once stdout or stderr has printed something matching `pattern` */
  output(pattern: RegExp): Promise<void>;
  result: Promise<CliResult>;
}

/** Environment for the child: none of the developer's own pCloud or color settings leak in. */
function childEnv(env: Record<string, string | undefined>): NodeJS.ProcessEnv {
  const base: NodeJS.ProcessEnv = {PATH: process.env.PATH, HOME: process.env.HOME, LANG: 'C.UTF-8'};
  for (const [key, value] of Object.entries(env)) if (value !== undefined) base[key] = value;
  return base;
}

/** Starts the built CLI as a child process, as a user would run it. */
export function startCli(args: string[], options: {env?: Record<string, string | undefined>; stdin?: string; keepStdinOpen?: boolean} = {}): CliRun {
  const child = spawn(process.execPath, [BIN, ...args], {env: childEnv({PCLOUD_AUTH: AUTH, ...options.env}), stdio: ['pipe', 'pipe', 'pipe']});
  let stdout = '';
  let stderr = '';
  const waiters: {pattern: RegExp; resolve: () => void}[] = [];
  const check = (): void => {
    for (const waiter of [...waiters]) {
      if (waiter.pattern.test(stdout) || waiter.pattern.test(stderr)) {
        waiters.splice(waiters.indexOf(waiter), 1);
        waiter.resolve();
      }
    }
  };
  child.stdout.setEncoding('utf8').on('data', (chunk: string) => {
    stdout += chunk;
    check();
  });
  child.stderr.setEncoding('utf8').on('data', (chunk: string) => {
    stderr += chunk;
    check();
  });
  if (!options.keepStdinOpen) child.stdin.end(options.stdin ?? '');
  const result = new Promise<CliResult>((resolve) => child.on('close', (code, signal) => resolve({code, signal, stdout, stderr})));
  return {
    child,
    output: (pattern) =>
      new Promise<void>((resolve) => {
        waiters.push({pattern, resolve});
        check();
      }),
    result,
  };
}

export function runCli(args: string[], options: {env?: Record<string, string | undefined>; stdin?: string} = {}): Promise<CliResult> {
  return startCli(args, options).result;
}

/** The NDJSON lines of a run, parsed. */
export function events(stdout: string): Record<string, unknown>[] {
  return stdout
    .split('\n')
    .filter((line) => line !== '')
    .map((line) => JSON.parse(line) as Record<string, unknown>);
}
