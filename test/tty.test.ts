import {execFileSync, spawn} from 'node:child_process';
import {existsSync, mkdtempSync, writeFileSync} from 'node:fs';
import {tmpdir} from 'node:os';
import {join} from 'node:path';
import {afterEach, beforeEach, describe, expect, it} from 'vitest';
import {Emulator, FAULTS, type ScriptedAnswer} from '../src/emulator/index.js';
import {AUTH, BIN} from './helpers/cli.js';
import {hasTmux, Terminal} from './helpers/tmux.js';

let emulator: Emulator;
let terminal: Terminal | undefined;
beforeEach(async () => {
  emulator = await Emulator.start();
});
afterEach(async () => {
  terminal?.kill();
  terminal = undefined;
  await emulator.close();
});

const notFound = Emulator.error(1900);
const up = (uploaded: number, name = 'holiday-photos.tar'): ScriptedAnswer => Emulator.uploadAnswer({uploaded: uploaded * 1024 * 1024, total: 20 * 1024 * 1024, currentfile: name});
const finished: ScriptedAnswer = Emulator.uploadAnswer({uploaded: 20 * 1024 * 1024, total: 20 * 1024 * 1024, finished: true, files: [{name: 'a', fileid: 1}]});
const repeat = <T>(value: T, times: number): T[] => Array<T>(times).fill(value);

function run(args: string[], env: Record<string, string> = {}, size = {columns: 80, rows: 24}, options: {interactive?: boolean} = {}): Terminal {
  terminal = new Terminal([process.execPath, BIN, ...args, '--host', emulator.url], {PCLOUD_AUTH: AUTH, ...env}, size, options);
  return terminal;
}

/** The one line of the screen that starts with `label`, or '' when there is none. */
function lineOf(screen: string, label: string): string {
  const lines = screen.split('\n').filter((line) => line.startsWith(`${label} `));
  expect(lines.length).toBeLessThanOrEqual(1);
  return lines[0] ?? '';
}

/** Polls `check` until it holds; fails with `what` after `timeoutMs`. */
async function eventually(what: string, check: () => boolean, timeoutMs = 15_000): Promise<void> {
  for (const until = Date.now() + timeoutMs; !check(); ) {
    if (Date.now() > until) throw new Error(`timed out waiting for ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 25));
  }
}

/** `ps` state letters of the shell's children (T = stopped). */
function childStates(shellPid: number): string {
  try {
    return execFileSync('ps', ['-o', 'stat=', '--ppid', String(shellPid)], {encoding: 'utf8'}).trim();
  } catch {
    return '';
  }
}

/** The cursor shown again after its last hiding, and line wrapping back on after its last switch-off. */
function expectTerminalRestored(raw: string): void {
  expect(raw.lastIndexOf('\u001b[?25h')).toBeGreaterThan(raw.lastIndexOf('\u001b[?25l'));
  expect(raw.lastIndexOf('\u001b[?7h')).toBeGreaterThan(raw.lastIndexOf('\u001b[?7l'));
}

describe.skipIf(!hasTmux)('in a real terminal', () => {
  it('shows a spinner while not found, then a bar with percent, bytes and the file name, then a summary', async () => {
    emulator.script('uploadprogress', 'h1', [...repeat(notFound, 15), up(2), up(5), ...repeat(up(9), 12), up(15), finished]);
    const tty = run(['upload', 'h1', '--interval', '100ms']);
    expect(await tty.waitFor(/[⠋⠙⠹⠸⠼⠴⠦⠧⠇⠏] upload h1: waiting to appear on 127\.0\.0\.1:\d+ \(\d+s\)/)).toBeTruthy();
    const bar = await tty.waitFor(/45%/);
    expect(bar).toMatch(/^upload h1 +█+░+ +45% +9\.00\/20\.0 MiB .*#1 (holiday-photos\.tar|\S*…\S*)$/m); // the name is cut to the width
    expect(bar).not.toMatch(/waiting to appear/);
    const end = await tty.waitFor(/EXIT=0/);
    expect(end).toMatch(/^✔ upload h1: done: 100% 20\.0 MiB in [\d.]+s/m);
    expect(end).not.toMatch(/█/); // the bar made way for the summary
    expectTerminalRestored(tty.raw());
  });

  it('draws one line per job, redrawn in place, each finishing on its own', async () => {
    for (const [i, hash] of ['a', 'b', 'c'].entries()) {
      emulator.script('uploadprogress', hash, [...repeat(up(1), 2), ...[2, 3, 4, 5, 6, 7, 8, 9, 10, 11].map((n) => up(n * (i + 1) > 19 ? 19 : n * (i + 1))), ...repeat(up(19), 10 * (i + 1)), finished]);
    }
    const tty = run(['upload', 'a', 'b', 'c', '--interval', '50ms']);
    const screen = await tty.waitFor(/^upload c .*%/m);
    await new Promise((resolve) => setTimeout(resolve, 400)); // several redraws later
    const later = tty.screen();
    for (const label of ['upload a', 'upload b', 'upload c']) {
      expect(later.split('\n').filter((line) => line.startsWith(label))).toHaveLength(1);
    }
    expect(screen.split('\n').filter((line) => /%/.test(line)).length).toBeLessThanOrEqual(3);
    const end = await tty.waitFor(/EXIT=0/);
    expect(end.split('\n').filter((line) => line.startsWith('✔ upload '))).toHaveLength(3);
    expectTerminalRestored(tty.raw());
  });

  it('keeps the percent on screen in a 40-column terminal, even with a long hash', async () => {
    const hash = 'h'.repeat(100);
    emulator.script('uploadprogress', hash, [...repeat(up(5), 20), finished]);
    const tty = run(['upload', hash, '--interval', '100ms'], {}, {columns: 40, rows: 10});
    const screen = await tty.waitFor(/25%/);
    const line = screen.split('\n').find((l) => l.includes('25%')) ?? '';
    expect(line).toMatch(/^upload h+…h+ +█+░+ +25%/);
    expect(line.length).toBeLessThan(40);
  });

  it('restores the terminal after an error, with the error in the summary', async () => {
    emulator.script('uploadprogress', 'h1', [up(1), up(2), Emulator.error(2000)]);
    const tty = run(['upload', 'h1', '--interval', '100ms']);
    const end = await tty.waitFor(/EXIT=3/);
    expect(end).toMatch(/✖ upload h1: error at 10%: authentication failed: Log in failed\. \(pCloud 2000\)/);
    expectTerminalRestored(tty.raw());
  });

  it('restores the terminal after Ctrl-C, during the spinner and during the bars', async () => {
    emulator.script('uploadprogress', 'spin', [notFound]);
    const spinning = run(['upload', 'spin', '--interval', '100ms']);
    await spinning.waitFor(/waiting to appear/);
    spinning.keys('C-c');
    expect(await spinning.waitFor(/EXIT=130/)).toMatch(/✖ upload spin: error: interrupted \(SIGINT\)/);
    expectTerminalRestored(spinning.raw());
    spinning.kill();

    emulator.script('uploadprogress', 'bar', [up(3)]);
    const barred = run(['upload', 'bar', '--interval', '100ms']);
    await barred.waitFor(/15%/);
    barred.keys('C-c');
    expect(await barred.waitFor(/EXIT=130/)).toMatch(/✖ upload bar: error at 15%: interrupted \(SIGINT\)/);
    expectTerminalRestored(barred.raw());
  });

  it('uses colors on a color terminal, and none with NO_COLOR or --no-color', async () => {
    const sgr = /\u001b\[[0-9;]*m/;
    emulator.script('uploadprogress', '*', [up(3), up(6), finished]);
    const colored = run(['upload', 'h1', '--interval', '100ms']);
    await colored.waitFor(/EXIT=0/);
    expect(colored.raw()).toMatch(sgr);
    colored.kill();

    const noColor = run(['upload', 'h2', '--interval', '100ms'], {NO_COLOR: '1'});
    await noColor.waitFor(/EXIT=0/);
    expect(noColor.raw()).not.toMatch(sgr);
    noColor.kill();

    const flag = run(['upload', 'h3', '--interval', '100ms', '--no-color']);
    await flag.waitFor(/EXIT=0/);
    expect(flag.raw()).not.toMatch(sgr);
  });

  it('prints plain lines, no spinner and no bar, when CI is set', async () => {
    emulator.script('uploadprogress', 'h1', [notFound, up(3), finished]);
    const tty = run(['upload', 'h1', '--interval', '100ms'], {CI: 'true'});
    const end = await tty.waitFor(/EXIT=0/);
    expect(end).toMatch(/^upload h1: waiting for it to appear on /m);
    expect(end).toMatch(/^upload h1: done: 100%/m);
    expect(tty.raw()).not.toMatch(/\u001b\[\?25l/);
  });

  it('shows each job\'s end on its own line as soon as it ends, while the others go on', async () => {
    emulator.script('uploadprogress', 'h5', [up(1), up(2), up(3), up(4)]); // stays at 20% for good
    emulator.script('uploadprogress', 'h6', [up(5), up(10), finished]);
    emulator.script('uploadprogress', 'h8', [notFound]);
    const tty = run(['upload', 'h5', 'h6', 'h8', '--interval', '50ms', '--wait', '1s']);
    const screen = await tty.waitFor(/^upload h6 +✔ done: 100% 20\.0 MiB[^\n]*\nupload h8 +✖ error: upload not found after waiting/m);
    expect(lineOf(screen, 'upload h5')).toMatch(/ 20% /);
    expect(lineOf(screen, 'upload h6')).not.toMatch(/ETA|█/);
    tty.keys('C-c');
    const end = await tty.waitFor(/EXIT=130/);
    // the summary still has one line per job, in the same order
    expect(end.split('\n').filter((line) => /^[✔✖] upload h[568]:/.test(line))).toEqual([
      expect.stringMatching(/^✖ upload h5: error at 20%: interrupted/),
      expect.stringMatching(/^✔ upload h6: done: 100%/),
      expect.stringMatching(/^✖ upload h8: error: upload not found/),
    ]);
  });

  it.each([40, 80])('says on the line that requests are failing, in place of the stale rate and ETA, at %i columns', async (columns) => {
    emulator.script('uploadprogress', 'rt2', [up(2), up(5), up(7.5)]);
    const tty = run(['upload', 'rt2', '--interval', '100ms'], {}, {columns, rows: 10});
    const moving = lineOf(await tty.waitFor(/ 37% /), 'upload rt2');
    if (columns >= 80) expect(moving).toMatch(/MiB\/s/); // a rate while it moved
    await emulator.close(); // the server is gone: every request is refused from now on
    const line = lineOf(await tty.waitFor(/retrying: the connection was refused|retrying: the conn\S*…/), 'upload rt2');
    expect(line).toMatch(/^upload rt2 .* 37% .*retrying: the conn/);
    expect(line).not.toMatch(/ETA|\/s/);
    expect(line.length).toBeLessThan(columns);
  });

  it.each([40, 80])('cuts long labels in the middle, so part1 and part2 stay apart, at %i columns', async (columns) => {
    const hashes = ['nightly-backup-2024-11-28-part1', 'nightly-backup-2024-11-28-part2'];
    for (const hash of hashes) emulator.script('uploadprogress', hash, [up(5)]);
    const tty = run(['upload', ...hashes, '--interval', '100ms'], {}, {columns, rows: 10});
    const screen = await tty.waitFor(/part2 +█+░+ +25%/);
    const labels = screen.split('\n').filter((line) => line.startsWith('upload n')).map((line) => line.split('  ')[0]);
    expect(labels).toEqual([expect.stringMatching(/^upload n\S*…\S*part1$/), expect.stringMatching(/^upload n\S*…\S*part2$/)]);
  });

  it('names the host and counts the waited seconds on the spinner while the first requests fail', async () => {
    emulator.script('uploadprogress', 'h1', [FAULTS.http502]);
    const tty = run(['upload', 'h1', '--interval', '100ms'], {}, {columns: 120, rows: 10});
    const screen = await tty.waitFor(/upload h1: waiting to appear on 127\.0\.0\.1:\d+ \(2s\)/);
    expect(screen).toMatch(/retrying: server error \(HTTP 502\)/);
  });

  it('does not claim a speed for an upload that had already finished when first polled', async () => {
    emulator.script('uploadprogress', 'h1', [finished]);
    const tty = run(['upload', 'h1', '--interval', '100ms']);
    expect(await tty.waitFor(/EXIT=0/)).toMatch(/^✔ upload h1: done: 100% 20\.0 MiB, 1 file \(already finished when first polled\)$/m);
  });

  it('redraws every line at the new width when the terminal shrinks mid-run', async () => {
    emulator.script('uploadprogress', 'a', [up(3, 'a-rather-long-file-name-for-the-line.bin'), up(4, 'a-rather-long-file-name-for-the-line.bin')]);
    emulator.script('uploadprogress', 'b', [up(5, 'another-long-file-name-for-the-line.bin'), up(6, 'another-long-file-name-for-the-line.bin')]);
    const tty = run(['upload', 'a', 'b', '--interval', '100ms']);
    await tty.waitFor(/^upload a .* 20% .*\nupload b .* 30% .*bin$/m);
    tty.resize(40);
    // nothing but the two lines, from the top: no leftover of the wider lines above or between them
    const screen = await tty.waitFor(/^upload a [^\n]* 20%[^\n]*\nupload b [^\n]* 30%[^\n]*\n\s*$/);
    for (const line of screen.split('\n').filter(Boolean)) expect(line.length).toBeLessThan(40);
  });

  it('gives the terminal back on Ctrl-Z and redraws on fg', async () => {
    emulator.script('uploadprogress', 'h1', [up(1), up(3), up(5)]);
    const tty = run(['upload', 'h1', '--interval', '100ms'], {}, {columns: 80, rows: 24}, {interactive: true});
    await tty.waitFor(/^upload h1 .* 25% /m);
    expect(tty.modes()).toEqual({cursorVisible: false, wrap: false});
    tty.keys('C-z');
    await tty.waitFor(/Stopped/);
    expect(childStates(tty.shellPid())).toMatch(/^T/); // really stopped, not just drawn away
    expect(tty.modes()).toEqual({cursorVisible: true, wrap: true});
    expect(tty.screen()).not.toMatch(/^upload h1 /m); // nothing left to go stale while stopped
    tty.keys('fg', 'Enter');
    expect(lineOf(await tty.waitFor(/^upload h1 .* 25% /m), 'upload h1')).toMatch(/^upload h1 +█+░+ +25%/);
    expect(tty.modes()).toEqual({cursorVisible: false, wrap: false});
    tty.keys('C-c');
    await tty.waitFor(/✖ upload h1: error at 25%: interrupted/);
    tty.keys('echo "EXIT=$?"', 'Enter'); // fg's status: the program's
    await tty.waitFor(/^EXIT=130/m);
    expectTerminalRestored(tty.raw());
  });

  it('shows an extraction as counts, bytes and its latest output line at 80 columns, with no bar and no percent', async () => {
    const entries = Array.from({length: 6}, (_, i) => ({path: `photos/IMG_${4100 + i}.jpg`, size: 1_500_000 + i}));
    const output = Emulator.extractOutput('photos.zip', entries);
    const step = (n: number, finished = false): ScriptedAnswer => Emulator.extractAnswer({output: output.slice(n, n + 2), finished, skipped: n});
    emulator.script('extractarchiveprogress', 'x1', [notFound, notFound, step(0), step(2), ...repeat(Emulator.extractAnswer({output: [], skipped: 4}), 20), step(4), step(6, true)]);
    const tty = run(['extract', 'x1', '--interval', '100ms']);
    const screen = await tty.waitFor(/^extract x1 .*3 entries/m);
    const line = screen.split('\n').find((text) => text.startsWith('extract x1')) as string;
    expect(line).toMatch(/^extract x1 +4\.29 MiB +[\d.]+ \S+\/s +3 entries +photos\/IMG_41.*1500002 B\)\.\.\. OK\.$/); // the line cut in the middle to fit
    expect(line).not.toMatch(/%|█|░/);
    const end = await tty.waitFor(/EXIT=0/);
    expect(end).toMatch(/^✔ extract x1: done: 8\.58 MiB in [\d.]+m?s.*, 6 entries$/m);
    expectTerminalRestored(tty.raw());
  });

  it('--auth-file - on a terminal asks for the token on stderr and reads it without echo', async () => {
    emulator.script('uploadprogress', 'h1', [finished]);
    const tty = run(['upload', 'h1', '--auth-file', '-'], {PCLOUD_AUTH: ''});
    await tty.waitFor(/paste the token for --auth-file \(not shown\), then Enter:/);
    tty.keys('-l', AUTH);
    tty.keys('Enter');
    const end = await tty.waitFor(/EXIT=0/);
    expect(end).not.toContain(AUTH);
    expect(end).toMatch(/^✔ upload h1: done/m);
    expect(emulator.requests[0]?.params.auth).toBe(AUTH);
  });

  it('draws with ASCII on a terminal without Unicode (the Linux console)', async () => {
    emulator.script('uploadprogress', 'h1', [notFound, notFound, ...repeat(up(5), 10), finished]);
    emulator.script('uploadprogress', 'h2', [notFound]);
    const tty = run(['upload', 'h1', 'h2', '--interval', '100ms', '--wait', '2s'], {TERM: 'linux'});
    expect(lineOf(await tty.waitFor(/ 25% /), 'upload h1')).toMatch(/^upload h1 +#+-+ +25%/);
    const end = await tty.waitFor(/EXIT=4/);
    expect(end).toMatch(/^OK upload h1: done: 100%/m);
    expect(end).toMatch(/^X upload h2: error: upload not found/m);
    expect(tty.raw()).not.toMatch(/[✔✖█░…\u2800-\u28ff]/);
  });
});

const hasScript = ((): boolean => {
  try {
    execFileSync('script', ['-qec', 'true', '/dev/null'], {stdio: 'ignore'});
    return true;
  } catch {
    return false;
  }
})();

describe.skipIf(!hasScript || !existsSync('/bin/sh'))('in a pseudo-terminal that reports 0 columns (a CI job under `script`)', () => {
  const started = new Set<number>();
  afterEach(() => {
    // a program that failed the test by hanging must not outlive it
    for (const pid of started) {
      try {
        process.kill(pid, 'SIGKILL');
      } catch {
        // already gone
      }
    }
    started.clear();
  });
  /** Runs `shell` in a fresh pty (util-linux `script`); resolves the output and the exit line it prints. */
  function inPty(shell: string): {output: () => string; waitFor: (pattern: RegExp) => Promise<void>; done: Promise<void>} {
    const child = spawn('script', ['-qec', shell, '/dev/null'], {stdio: ['ignore', 'pipe', 'pipe'], env: {PATH: process.env.PATH, HOME: process.env.HOME, LANG: 'C.UTF-8', TERM: 'xterm-256color', PCLOUD_AUTH: AUTH}});
    let output = '';
    child.stdout.setEncoding('utf8').on('data', (chunk: string) => {
      output += chunk;
    });
    const done = new Promise<void>((resolve) => child.on('close', () => resolve()));
    child.stdout.on('data', () => {
      const pid = /PID=(\d+)/.exec(output)?.[1];
      if (pid) started.add(Number(pid));
    });
    return {
      output: () => output,
      waitFor: (pattern) => eventually(`${pattern} in the output`, () => pattern.test(output)),
      done,
    };
  }
  /** SIGTERM to the program; it must end by itself (a program spinning on a 0-column width would not), else SIGKILL and fail. */
  async function terminate(pty: ReturnType<typeof inPty>): Promise<void> {
    const pid = Number(/PID=(\d+)/.exec(pty.output())?.[1]);
    process.kill(pid, 'SIGTERM');
    const ended = await Promise.race([pty.done.then(() => true), new Promise<boolean>((resolve) => setTimeout(() => resolve(false), 10_000))]);
    if (!ended) process.kill(pid, 'SIGKILL');
    expect(ended).toBe(true);
  }
  const command = (args: string[]): string => [process.execPath, BIN, ...args, '--host', emulator.url].map((arg) => `'${arg}'`).join(' ');

  it('prints plain lines, not a spinner, and ends on SIGTERM', async () => {
    emulator.script('uploadprogress', 'h1', [notFound]);
    const pty = inPty(`stty cols 0 rows 24; echo PID=$$; exec ${command(['upload', 'h1', '--interval', '50ms'])}`);
    await pty.waitFor(/upload h1: waiting for it to appear on/);
    await terminate(pty);
    expect(pty.output()).toMatch(/upload h1: error: terminated \(SIGTERM\)/);
    expect(pty.output()).not.toMatch(/\u001b/);
  });

  it('stays calm and ends on SIGTERM when the width drops to 0 mid-run', async () => {
    emulator.script('uploadprogress', 'h1', [notFound]);
    const flag = join(mkdtempSync(join(tmpdir(), 'pp-pty-')), 'shrink');
    // the shell shrinks the pty to 0 columns (SIGWINCH to the program) once the test drops the flag file
    const shrink = `(i=0; while [ ! -e '${flag}' ] && [ $i -lt 600 ]; do sleep 0.05; i=$((i+1)); done; stty cols 0 </dev/tty; rm -f '${flag}') &`;
    const pty = inPty(`stty cols 80 rows 24; ${shrink} echo PID=$$; exec ${command(['upload', 'h1', '--interval', '50ms'])}`);
    await pty.waitFor(/waiting to appear on/); // the spinner
    writeFileSync(flag, '');
    await eventually('the pty to shrink', () => !existsSync(flag));
    await new Promise((resolve) => setTimeout(resolve, 500)); // a few spinner frames' time at 0 columns
    const before = pty.output().length;
    await terminate(pty);
    expect(before).toBeLessThan(20_000);
    expect(pty.output().replace(/\u001b\[[0-9;]*m/g, '')).toMatch(/✖ upload h1: error: terminated \(SIGTERM\)/);
  });
});
