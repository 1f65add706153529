import {execFile} from 'node:child_process';
import {mkdirSync, mkdtempSync, rmSync, symlinkSync, writeFileSync} from 'node:fs';
import {tmpdir} from 'node:os';
import {join} from 'node:path';
import {promisify} from 'node:util';
import {afterAll, beforeAll, describe, expect, it} from 'vitest';
import {BIN, startCli} from './helpers/cli.js';

const run = promisify(execFile);

// `demo --serve` as a new user meets it: the lines it prints, pasted into another terminal as they
// are, all of them (the upload, the upload to a link, the zip, the extraction), must work.

let home: string;
beforeAll(() => {
  home = mkdtempSync(join(tmpdir(), 'pp-serve-'));
  mkdirSync(join(home, 'bin'));
  symlinkSync(BIN, join(home, 'bin', 'pcloud-progress'));
});
afterAll(() => {
  if (home) rmSync(home, {recursive: true, force: true});
});

describe('demo --serve', () => {
  it('prints lines that work as pasted: an upload, an upload to a link, a zip and an extraction, each watched to done', async () => {
    // --duration 3s: a zip and an extraction still outlast extractarchive's 2 s (as they do by
    // default), in half the time
    const server = startCli(['demo', '--serve', '--port', '0', '--duration', '3s'], {env: {PCLOUD_AUTH: undefined}});
    let stderr = '';
    server.child.stderr?.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
    await server.output(/extractarchive.*\n.*fi\n/);
    try {
      expect(stderr).toMatch(/demo-token/);
      expect(stderr).toMatch(/OAuth access token demo-access-token/);
      const lines = stderr
        .split('\n')
        .filter((line) => line.startsWith('  '))
        .map((line) => line.slice(2));
      expect(lines.length).toBeGreaterThan(8);
      // the one thing a user's terminal has that the test adds: pcloud-progress on the PATH; and
      // the test's own strictness (stop at the first line that fails, wait for background curls)
      const script = ['set -euo pipefail', ...lines, 'wait'].join('\n');
      const cwd = join(home, 'work');
      mkdirSync(cwd, {recursive: true});
      writeFileSync(join(cwd, 'pasted.sh'), script);
      const result = await run('bash', ['--norc', '--noprofile', 'pasted.sh'], {cwd, env: {PATH: `${join(home, 'bin')}:${process.env.PATH}`, HOME: home, LANG: 'C.UTF-8'}});
      // curl's answers went to /dev/null: nothing of them would draw into a live display
      expect(result.stdout).not.toMatch(/"result"/);
      expect(result.stderr).toMatch(/^upload h1: done: 100% /m);
      expect(result.stderr).toMatch(/^upload h2: done: 100% /m);
      expect(result.stderr).toMatch(/^zip z1: done: 100% .*files?$/m);
      // the extraction was watched (not finished inside extractarchive's 2 s), to its last line
      expect(result.stderr).toMatch(/^extract \w+: Successfully extracted to current directory\.$/m);
      // (on a loaded machine the watch may start only after the last entry: then it says so)
      expect(result.stderr).toMatch(/^extract \w+: done: .*40 entries( \(already finished when first polled\))?$/m);
      // the link's code is in the lines the server printed, never in what the watch printed
      const code = /--link (\S+)/.exec(lines.join('\n'))?.[1] ?? '';
      expect(code.length).toBeGreaterThan(4);
      expect(result.stderr).not.toContain(code);
    } finally {
      server.child.kill('SIGINT');
    }
    expect((await server.result).code).toBe(130);
  }, 60_000);
});
