import {execFile, execFileSync, spawn} from 'node:child_process';
import {mkdirSync, mkdtempSync, rmSync, symlinkSync, writeFileSync} from 'node:fs';
import {createServer} from 'node:net';
import {tmpdir} from 'node:os';
import {join} from 'node:path';
import {promisify} from 'node:util';
import {afterAll, beforeAll, describe, expect, it} from 'vitest';
import {Emulator} from '../src/emulator/index.js';
import {AUTH, BIN, runCli} from './helpers/cli.js';
import {makeTestCertificate} from './helpers/tls.js';

const run = promisify(execFile);

/** Each text `help()` read, by command: the built program prints the same text every time. */
const helpTexts = new Map<string, Promise<string>>();

/** `--help` of the program (no args) or of one command, as a user sees it; read once per command. */
async function help(command?: string): Promise<string> {
  const args = command ? [command, '--help'] : ['--help'];
  const key = args.join(' ');
  let text = helpTexts.get(key);
  if (!text) {
    text = runCli(args).then((result) => {
      expect(result).toMatchObject({code: 0, stderr: ''});
      return result.stdout;
    });
    helpTexts.set(key, text);
  }
  return text;
}

/** The commands `--help` lists (but `help` itself). */
async function commands(): Promise<string[]> {
  const section = /^Commands:\n((?: {2}.*\n)+)/m.exec(await help())?.[1] ?? '';
  return [...section.matchAll(/^ {2}(\S+)/gm)].map((match) => match[1] as string).filter((name) => name !== 'help');
}

/** The lines of each `Examples:` block (a heading ending in a colon, then indented lines), unindented. */
/** Read once, before the tests are collected: a new command gets its examples run without a line here. */
const COMMANDS = await commands();

function exampleBlocks(text: string): string[][] {
  return [...text.matchAll(/^Examples?\b.*:\n((?: {2}.*\n?)+)/gm)].map((match) => (match[1] as string).trimEnd().split('\n').map((line) => line.slice(2)));
}

describe('defaults in --help', () => {
  /** commander wraps descriptions: compare with every run of whitespace made one space */
  const flat = (text: string): string => text.replace(/\s+/g, ' ');

  it('show durations with their unit, and 0 timeouts as never', async () => {
    for (const kind of ['upload', 'zip']) {
      const text = flat(await help(kind));
      expect(text).toContain('--interval <duration> time between polls (default: 1s)');
      expect(text).toMatch(/--wait <duration> .*? \(default: 30s\)/);
      expect(text).toMatch(/--timeout <duration> .*? \(default: never\)/);
      expect(text).toMatch(/--stall <duration> .*? \(default: never\)/);
      expect(text).toMatch(/--request-timeout <duration> .*? \(default: 10s\)/);
    }
    const demo = flat(await help('demo'));
    expect(demo).toContain('(default: 6s)');
    expect(demo).toContain('(default: 200ms)');
  });

  it('never show a bare quoted value', async () => {
    for (const command of [undefined, ...COMMANDS]) expect(await help(command)).not.toMatch(/\(default: "/);
  });
});

describe('every example in every --help runs as written', () => {
  let emulator: Emulator;
  let home: string;
  let cwd: string;
  let bin: string;
  let caFile: string;

  /**
   * What differs from a user's machine, all of it written down here:
   * - pCloud is the emulator, on https with a CA of the test's own (NODE_EXTRA_CA_CERTS for us,
   *   CURL_CA_BUNDLE for curl), so `server`'s answer and "https://$host" work unchanged;
   * - the user has done what the help assumes: $PCLOUD_AUTH set, ~/.pcloud-auth holding the token,
   *   a big.bin to upload, and pcloud-progress on the PATH.
   */
  const env = (): NodeJS.ProcessEnv => ({
    PATH: `${bin}:${process.env.PATH}`,
    HOME: home,
    LANG: 'C.UTF-8',
    PCLOUD_AUTH: AUTH,
    PCLOUD_API_HOST: emulator.url,
    NODE_EXTRA_CA_CERTS: caFile,
    CURL_CA_BUNDLE: caFile,
  });

  /**
   * The only edits made to an example before it runs, each for a stated reason.
   * [pattern, replacement, why]
   */
  const substitutions = (port: number): [RegExp, string, string][] => [
    [/\bapi7\.pcloud\.com\b/g, emulator.host, 'a real pCloud machine: the emulator stands in'],
    [/(pcloud-progress demo)(?! --serve)/g, '$1 --duration 300ms --interval 20ms', 'the demo as written takes 6 s'],
    [/(pcloud-progress (?:upload|zip|extract))\b/g, '$1 --interval 20ms', 'a watch polls a second apart as written: the emulator has each next answer at once'],
    [/--port 8080\b/g, `--port ${port}`, '8080 may be taken on the machine running the tests'],
    [/\bPCLOUD_AUTH=\.\.\./g, `PCLOUD_AUTH=${AUTH}`, '"..." stands for the reader\'s token'],
  ];

  /**
   * A line for another shell (its comment says which) runs in that shell, as its comment says
   * (zsh: after compinit), which is then asked whether the completion is there. Skipped where that
   * shell is not installed: CI may lack zsh and fish.
   */
  const otherShells: {pattern: RegExp; shell: string; args: (line: string) => string[]}[] = [
    {pattern: /\bcompletion zsh\b/, shell: 'zsh', args: (line) => ['-f', '-c', `autoload -Uz compinit && compinit -u\n${line}\n(( $+functions[_pcloud_progress] ))`]},
    {pattern: /\bcompletion fish\b/, shell: 'fish', args: (line) => ['--no-config', '-c', `${line}\ncomplete -C 'pcloud-progress up' | string match -q 'upload*'`]},
  ];
  const otherShell = (line: string): (typeof otherShells)[number] | undefined => otherShells.find(({pattern}) => pattern.test(line));
  const installed = (shell: string): boolean => {
    try {
      execFileSync(shell, ['-c', 'exit 0'], {stdio: 'ignore'});
      return true;
    } catch {
      return false;
    }
  };

  /** A line that runs until Ctrl-C (`demo --serve`): run apart, stopped once it printed its URL. */
  const runsUntilInterrupted = (line: string): boolean => / --serve\b/.test(line);

  async function freePort(): Promise<number> {
    const server = createServer();
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    const {port} = server.address() as {port: number};
    await new Promise((resolve) => server.close(resolve));
    return port;
  }

  async function prepare(line: string): Promise<string> {
    let prepared = line;
    for (const [pattern, replacement] of substitutions(await freePort())) prepared = prepared.replace(pattern, replacement);
    return prepared;
  }

  /** The block's lines in order, in one bash (later lines use earlier variables), each one must succeed. */
  async function runBlock(lines: string[]): Promise<{code: number; stdout: string; stderr: string}> {
    // `wait`: a line may start an upload in the background (curl ... &), as a user would
    const script = ['set -euo pipefail', ...lines, 'wait'].join('\n');
    return run('bash', ['--norc', '--noprofile', '-c', script], {cwd, env: env()}).then(
      ({stdout, stderr}) => ({code: 0, stdout, stderr}),
      (error: {code: number; stdout: string; stderr: string}) => ({code: error.code, stdout: error.stdout, stderr: error.stderr}),
    );
  }

  /** Runs a long-running example until it has printed its URL, then stops it with Ctrl-C (SIGINT). */
  async function runUntilReady(line: string): Promise<{code: number | null; stdout: string}> {
    const child = spawn('bash', ['--norc', '--noprofile', '-c', line], {cwd, env: env(), detached: true});
    let stdout = '';
    child.stderr.resume();
    await new Promise<void>((resolve) =>
      child.stdout.setEncoding('utf8').on('data', (chunk: string) => {
        stdout += chunk;
        if (/^http:\/\/\S+\n/.test(stdout)) resolve();
      }),
    );
    process.kill(-(child.pid as number), 'SIGINT');
    const code = await new Promise<number | null>((resolve) => child.on('close', (exit) => resolve(exit)));
    return {code, stdout};
  }

  beforeAll(async () => {
    const certificate = makeTestCertificate();
    caFile = certificate.caFile;
    emulator = await Emulator.start({tls: certificate.tls});
    const done = Emulator.uploadAnswer({uploaded: 1000, total: 1000, finished: true, files: [{name: 'backup.tar', fileid: 4242}]});
    const zipped = Emulator.zipAnswer({files: 3, totalfiles: 3, bytes: 900, totalbytes: 900});
    // the hashes the examples name; h1 is left to the emulator: the server example really uploads it
    for (const hash of ['backup-42', '-hash-starting-with-dash']) emulator.script('uploadprogress', hash, [Emulator.uploadAnswer({uploaded: 500, total: 1000}), done]);
    for (const hash of ['zip-7', '-hash-starting-with-dash']) emulator.script('savezipprogress', hash, [Emulator.zipAnswer({files: 1, totalfiles: 3, bytes: 300, totalbytes: 900}), zipped]);
    const entries = [{path: 'a/1.jpg', size: 100}];
    for (const hash of ['extract-9', '-hash-starting-with-dash']) emulator.script('extractarchiveprogress', hash, [Emulator.extractAnswer({output: Emulator.extractOutput('a.zip', entries), finished: true})]);
    home = mkdtempSync(join(tmpdir(), 'pp-home-'));
    writeFileSync(join(home, '.pcloud-auth'), `${AUTH}\n`, {mode: 0o600});
    cwd = mkdtempSync(join(tmpdir(), 'pp-cwd-'));
    writeFileSync(join(cwd, 'big.bin'), Buffer.alloc(2 * 1024 * 1024, 1));
    bin = join(home, 'bin');
    mkdirSync(bin);
    symlinkSync(BIN, join(bin, 'pcloud-progress'));
  });

  afterAll(async () => {
    await emulator?.close();
    for (const folder of [home, cwd]) if (folder) rmSync(folder, {recursive: true, force: true});
  });

  it('every command has examples, and none puts a token in a URL', async () => {
    for (const command of [undefined, ...COMMANDS]) {
      const blocks = exampleBlocks(await help(command));
      expect(blocks.flat().length, `examples in ${command ?? 'the main'} --help`).toBeGreaterThan(0);
      for (const line of blocks.flat()) expect(line).not.toMatch(/[?&](auth|access_token)=/);
    }
  });

  // each command's examples at once: a block waits mostly on real time (the demo runs for its
  // --duration), and the blocks share nothing a run changes (the emulator's scripts repeat their last
  // answer; the requests checked below include the other blocks' too, all held to the same rule)
  it.concurrent.for(['(main)', ...COMMANDS])('%s --help', async (name, {expect}) => {
    const command = name === '(main)' ? undefined : name;
    const requestsBefore = emulator.requests.length;
    for (const block of exampleBlocks(await help(command))) {
      const lines = await Promise.all(block.map(prepare));
      for (const line of lines.filter(runsUntilInterrupted)) {
        const {code, stdout} = await runUntilReady(line);
        expect(stdout).toMatch(/^http:\/\/127\.0\.0\.1:\d+\n$/);
        expect(code).toBe(130);
      }
      for (const line of lines) {
        const other = otherShell(line);
        if (!other || !installed(other.shell)) continue;
        const result = await run(other.shell, other.args(line), {cwd, env: env()}).then(() => 0, (error: {code: number; stderr: string}) => `${error.code}: ${error.stderr}`);
        expect(result, `${other.shell}: ${line}`).toBe(0);
      }
      const result = await runBlock(lines.filter((line) => !runsUntilInterrupted(line) && !otherShell(line)));
      expect(result, `${lines.join('\n')}\n${result.stderr}`).toMatchObject({code: 0});
    }
    for (const request of emulator.requests.slice(requestsBefore)) expect(request.url).not.toContain(AUTH);
  });

  it('finds the commands to run the examples of', () => {
    expect(COMMANDS).toEqual(expect.arrayContaining(['upload', 'zip', 'server', 'demo']));
  });
});

describe("what the main help's jq example prints", () => {
  it('percents only: no null for the waiting events before the zip appears, 100 at the end', async () => {
    const line = exampleBlocks(await help()).flat().find((example) => / zip .*\| jq /.test(example));
    expect(line).toBeDefined();
    const emulator = await Emulator.start();
    try {
      const hash = /zip (\S+) /.exec(line as string)?.[1] as string;
      emulator.script('savezipprogress', hash, [Emulator.error(1901), Emulator.error(1901), Emulator.zipAnswer({files: 1, totalfiles: 2, bytes: 0, totalbytes: 0}), Emulator.zipAnswer({files: 2, totalfiles: 2, bytes: 0, totalbytes: 0})]);
      // the one edit: polls 20 ms apart instead of a second (the emulator has each answer at once)
      const command = (line as string).replace(/#.*$/, '').replace(/(pcloud-progress zip)\b/, '$1 --interval 20ms');
      const bin = mkdtempSync(join(tmpdir(), 'pp-bin-'));
      symlinkSync(BIN, join(bin, 'pcloud-progress'));
      const {stdout} = await run('bash', ['--norc', '--noprofile', '-c', `set -o pipefail; ${command}`], {env: {PATH: `${bin}:${process.env.PATH}`, PCLOUD_AUTH: AUTH, PCLOUD_API_HOST: emulator.url}});
      rmSync(bin, {recursive: true, force: true});
      expect(stdout).toBe('50\n100\n');
    } finally {
      await emulator.close();
    }
  });
});
