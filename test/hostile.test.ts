import {execFile, execFileSync, spawn} from 'node:child_process';
import {mkdtempSync, writeFileSync} from 'node:fs';
import {tmpdir} from 'node:os';
import {join} from 'node:path';
import {promisify} from 'node:util';
import {afterEach, beforeEach, describe, expect, it} from 'vitest';
import {Emulator} from '../src/emulator/index.js';
import {AUTH, BIN, events, startCli} from './helpers/cli.js';
import {runMain} from './helpers/in-process.js';

// Never hang, never lose output, never flood (issue 14): each class tried the way it was found.

const execFileAsync = promisify(execFile);
const finished = Emulator.uploadAnswer({uploaded: 100, total: 100, finished: true});
let emulator: Emulator;
beforeEach(async () => {
  emulator = await Emulator.start();
});
afterEach(async () => {
  await emulator.close();
});

/** bash running the built CLI; the CLI's own exit code is printed last. */
async function bash(script: string, env: Record<string, string> = {}): Promise<{stdout: string; stderr: string}> {
  return execFileAsync('bash', ['--norc', '--noprofile', '-c', script], {env: {PATH: process.env.PATH, NODE: process.execPath, BIN, ...env}});
}

describe('tokens that do not come, or are not tokens', () => {
  const dir = mkdtempSync(join(tmpdir(), 'pp-hostile-'));

  it('a FIFO nobody writes to: exit 2 by --timeout, naming the file, no request', async () => {
    const fifo = join(dir, 'fifo');
    execFileSync('mkfifo', [fifo]);
    const run = await bash(`"$NODE" "$BIN" upload h1 --host ${emulator.url} --auth-file ${fifo} --timeout 1; echo "exit=$?"`);
    expect(run.stdout).toBe('exit=2\n');
    expect(run.stderr).toBe('pcloud-progress: nothing arrived from the file given to --auth-file within 1s\n');
    expect(emulator.requests).toHaveLength(0);
  });

  it('a token line on stdin whose writer stays open: read at the line end, the watch goes on', async () => {
    emulator.script('uploadprogress', 'h1', [finished]);
    const run = startCli(['upload', 'h1', '--host', emulator.url, '--auth-file', '-', '--json'], {env: {PCLOUD_AUTH: undefined}, keepStdinOpen: true});
    run.child.stdin?.write(`${AUTH}\n`); // and the writer does not close: `{ echo token; sleep 12; } |`
    const result = await run.result;
    run.child.stdin?.end();
    expect(result.code).toBe(0);
    expect(events(result.stdout).at(-1)).toMatchObject({event: 'done'});
    expect(emulator.requests[0]?.params.auth).toBe(AUTH);
  });

  it('/dev/urandom: one clear line at once, a few KiB read at the most', async () => {
    const run = await bash(`"$NODE" "$BIN" upload h1 --host ${emulator.url} --auth-file /dev/urandom; echo "exit=$?"`);
    expect(run.stdout).toBe('exit=2\n');
    expect(run.stderr).toMatch(/^pcloud-progress: the file given to --auth-file (must hold one token on one line|does not hold a token)[^\n]*\n$/);
  });

  it.each([
    ['a zero-width space', 'abc\u200bdef', /it has a character that is not ASCII/],
    ['a newline', 'abc\ndef', /it has more than one line/],
    ['5000 characters', 'a'.repeat(5000), /longer than 1024 characters/],
  ])('$PCLOUD_AUTH with %s: exit 2 naming the variable, never the token, no request', async (_, token, why) => {
    const result = await runMain(['upload', 'h1', '--host', emulator.url], {vars: {PCLOUD_AUTH: token}});
    expect(result.code).toBe(2);
    expect(result.stderr).toMatch(/^pcloud-progress: \$PCLOUD_AUTH (must hold one token on one line|does not hold a token)/);
    expect(result.stderr).toMatch(why);
    expect(result.stderr).not.toContain(token.slice(0, 3));
    expect(emulator.requests).toHaveLength(0);
  });

  it('a token file with the token on its first line and more after: the first line is the token', async () => {
    const file = join(dir, 'token');
    writeFileSync(file, `\n${AUTH}\nsomething else\n`, {mode: 0o600});
    emulator.script('uploadprogress', 'h1', [finished]);
    const result = await runMain(['upload', 'h1', '--host', emulator.url, '--auth-file', file, '--quiet'], {vars: {}});
    expect(result).toMatchObject({code: 0, stderr: ''});
    expect(emulator.requests[0]?.params.auth).toBe(AUTH);
  });
});

describe('output that cannot be written', () => {
  it.each([
    ['upload --json', `upload h1 --host URL --json`],
    ['server', `server --host URL`],
    ['--help', `--help`],
  ])('%s > /dev/full: one line on stderr, exit 1', async (_, args) => {
    if (args.startsWith('upload')) emulator.script('uploadprogress', 'h1', [finished]);
    const run = await bash(`"$NODE" "$BIN" ${args.replace('URL', emulator.url)} > /dev/full; echo "exit=$?"`, {PCLOUD_AUTH: AUTH});
    expect(run.stdout).toBe('exit=1\n');
    expect(run.stderr).toBe('pcloud-progress: cannot write to standard output (ENOSPC)\n');
  });

  it('plain lines into a full stderr: exit 1', async () => {
    emulator.script('uploadprogress', 'h1', [Emulator.uploadAnswer({uploaded: 50, total: 100})]); // its line is the first write, which fails
    const run = await bash(`"$NODE" "$BIN" upload h1 --host ${emulator.url} --interval 5ms 2> /dev/full; echo "exit=$?"`, {PCLOUD_AUTH: AUTH});
    expect(run.stdout).toBe('exit=1\n');
  });
});

describe('many jobs', () => {
  it('100 hashes from --hash-file share a pool of at most 4 connections, and each is polled', async () => {
    const file = join(mkdtempSync(join(tmpdir(), 'pp-hashes-')), 'hashes.txt');
    const hashes = Array.from({length: 100}, (_, i) => `job-${i}`);
    writeFileSync(file, `# nightly jobs\n${hashes.join('\n')}\n\n`);
    emulator.script('uploadprogress', '*', [finished]);
    const result = await runMain(['upload', '--hash-file', file, '--host', emulator.url, '--interval', '200ms', '--json'], {vars: {PCLOUD_AUTH: AUTH}});
    expect(result.code).toBe(0);
    expect(new Set(events(result.stdout).filter((e) => e.event === 'done').map((e) => e.hash))).toEqual(new Set(hashes));
    expect(emulator.connections).toBeLessThanOrEqual(4);
    expect(emulator.connections).toBeGreaterThan(0);
  });

  // polled once each (--interval 5s): what opens files is 1000 jobs at once, not how often they are polled
  it('1000 hashes with `ulimit -n 256`: no EMFILE, every job ends at --timeout', async () => {
    const file = join(mkdtempSync(join(tmpdir(), 'pp-hashes-')), 'hashes.txt');
    writeFileSync(file, Array.from({length: 1000}, (_, i) => `h${i}`).join('\n'));
    emulator.script('uploadprogress', '*', [Emulator.error(1900)]);
    const run = await bash(`ulimit -n 256; "$NODE" "$BIN" upload --hash-file ${file} --host ${emulator.url} --interval 5s --timeout 2 --json | grep -c '"event":"error"'; echo "exit=\${PIPESTATUS[0]}"`, {PCLOUD_AUTH: AUTH});
    expect(run.stdout).toBe('1000\nexit=7\n');
    expect(run.stderr).not.toMatch(/EMFILE/);
    // a pool of 4, never one per job: requests cut at --timeout take their sockets with them, and on a
    // loaded machine a few more were seen (9 once in a full suite run), never more than a dozen
    expect(emulator.connections).toBeLessThanOrEqual(12);
  });

  it('--interval far below a second against a host that is not on loopback is refused before any request', async () => {
    const result = await runMain(['upload', 'h1', '--host', 'api7.pcloud.com', '--interval', '10ms'], {vars: {PCLOUD_AUTH: AUTH}});
    expect(result.code).toBe(2);
    expect(result.stderr).toBe('pcloud-progress: --interval 10ms is too short for api7.pcloud.com: at least 500ms against a server that is not on loopback (pCloud rate-limits quick polls)\n');
  });
});

describe('signals', () => {
  it('a second SIGHUP while the first is handled still ends the run', async () => {
    emulator.script('uploadprogress', '*', [Emulator.error(1900)]);
    const child = spawn(process.execPath, [BIN, 'upload', 'h1', '--host', emulator.url, '--json'], {env: {PATH: process.env.PATH, PCLOUD_AUTH: AUTH}});
    let stdout = '';
    child.stdout.on('data', (chunk: Buffer) => (stdout += chunk.toString()));
    await new Promise<void>((resolve) => child.stdout.once('data', () => resolve()));
    child.kill('SIGHUP');
    const code = await new Promise<number | null>((resolve) => child.on('close', resolve));
    expect(code).toBe(129);
    expect(events(stdout).at(-1)).toMatchObject({event: 'error', exitCode: 129, message: 'the terminal was closed (SIGHUP)'});
  });
});
