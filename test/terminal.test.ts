import {execFileSync, spawn} from 'node:child_process';
import {existsSync, mkdtempSync, writeFileSync} from 'node:fs';
import {tmpdir} from 'node:os';
import {join} from 'node:path';
import {afterEach, describe, expect} from 'vitest';
import {AUTH, BIN} from './helpers/cli.js';
import {eventually} from './helpers/eventually.js';
import {expectTerminalRestored, finished, lineOf, notFound, repeat, terminalTest, up} from './helpers/tty.js';
import {hasTmux} from './helpers/tmux.js';

// The terminal around the display, and what it does to the program: keys (Ctrl-C, Ctrl-Z), resizes,
// colors and CI, a token typed at a prompt, a console without Unicode, a pseudo-terminal of 0 columns.

/** `ps` state letters of the shell's children (T = stopped). */
function childStates(shellPid: number): string {
  try {
    return execFileSync('ps', ['-o', 'stat=', '--ppid', String(shellPid)], {encoding: 'utf8'}).trim();
  } catch {
    return '';
  }
}

describe.skipIf(!hasTmux).concurrent('in a real terminal', () => {
  terminalTest('restores the terminal after Ctrl-C, during the spinner and during the bars', async ({lab}) => {
    lab.emulator.script('uploadprogress', 'spin', [notFound]);
    const spinning = lab.run(['upload', 'spin', '--interval', '100ms']);
    await spinning.waitFor(/waiting to appear/);
    spinning.keys('C-c');
    expect(await spinning.waitFor(/EXIT=130/)).toMatch(/✖ upload spin: error: interrupted \(SIGINT\)/);
    expectTerminalRestored(spinning.raw());
    spinning.kill();

    lab.emulator.script('uploadprogress', 'bar', [up(3)]);
    const barred = lab.run(['upload', 'bar', '--interval', '100ms']);
    await barred.waitFor(/15%/);
    barred.keys('C-c');
    expect(await barred.waitFor(/EXIT=130/)).toMatch(/✖ upload bar: error at 15%: interrupted \(SIGINT\)/);
    expectTerminalRestored(barred.raw());
  });

  terminalTest('uses colors on a color terminal, and none with NO_COLOR or --no-color', async ({lab}) => {
    const sgr = /\u001b\[[0-9;]*m/;
    lab.emulator.script('uploadprogress', '*', [up(3), up(6), finished]);
    const colored = lab.run(['upload', 'h1', '--interval', '100ms']);
    await colored.waitFor(/EXIT=0/);
    expect(colored.raw()).toMatch(sgr);
    colored.kill();

    const noColor = lab.run(['upload', 'h2', '--interval', '100ms'], {NO_COLOR: '1'});
    await noColor.waitFor(/EXIT=0/);
    expect(noColor.raw()).not.toMatch(sgr);
    noColor.kill();

    const flag = lab.run(['upload', 'h3', '--interval', '100ms', '--no-color']);
    await flag.waitFor(/EXIT=0/);
    expect(flag.raw()).not.toMatch(sgr);
  });

  terminalTest('prints plain lines, no spinner and no bar, when CI is set', async ({lab}) => {
    lab.emulator.script('uploadprogress', 'h1', [notFound, up(3), finished]);
    const tty = lab.run(['upload', 'h1', '--interval', '100ms'], {CI: 'true'});
    const end = await tty.waitFor(/EXIT=0/);
    expect(end).toMatch(/^upload h1: waiting for it to appear on /m);
    expect(end).toMatch(/^upload h1: done: 100%/m);
    expect(tty.raw()).not.toMatch(/\u001b\[\?25l/);
  });

  terminalTest('redraws every line at the new width when the terminal shrinks mid-run', async ({lab}) => {
    lab.emulator.script('uploadprogress', 'a', [up(3, 'a-rather-long-file-name-for-the-line.bin'), up(4, 'a-rather-long-file-name-for-the-line.bin')]);
    lab.emulator.script('uploadprogress', 'b', [up(5, 'another-long-file-name-for-the-line.bin'), up(6, 'another-long-file-name-for-the-line.bin')]);
    const tty = lab.run(['upload', 'a', 'b', '--interval', '100ms']);
    await tty.waitFor(/^upload a .* 20% .*\nupload b .* 30% .*bin$/m);
    await tty.resize(40);
    // nothing but the two lines, from the top: no leftover of the wider lines above or between them
    const screen = await tty.waitFor(/^upload a [^\n]* 20%[^\n]*\nupload b [^\n]* 30%[^\n]*\n\s*$/);
    for (const line of screen.split('\n').filter(Boolean)) expect(line.length).toBeLessThan(40);
  });

  terminalTest('gives the terminal back on Ctrl-Z and redraws on fg', async ({lab}) => {
    lab.emulator.script('uploadprogress', 'h1', [up(1), up(3), up(5)]);
    const tty = lab.run(['upload', 'h1', '--interval', '100ms'], {}, {columns: 80, rows: 24}, {interactive: true});
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

  terminalTest('--auth-file - on a terminal asks for the token on stderr and reads it without echo', async ({lab}) => {
    lab.emulator.script('uploadprogress', 'h1', [finished]);
    const tty = lab.run(['upload', 'h1', '--auth-file', '-'], {PCLOUD_AUTH: ''});
    await tty.waitFor(/paste the token for --auth-file \(not shown\), then Enter:/);
    tty.keys('-l', AUTH);
    tty.keys('Enter');
    const end = await tty.waitFor(/EXIT=0/);
    expect(end).not.toContain(AUTH);
    expect(end).toMatch(/^✔ upload h1: done/m);
    expect(lab.emulator.requests[0]?.params.auth).toBe(AUTH);
  });

  terminalTest('draws with ASCII on a terminal without Unicode (the Linux console)', async ({lab}) => {
    lab.emulator.script('uploadprogress', 'h1', [notFound, notFound, ...repeat(up(5), 10), finished]);
    lab.emulator.script('uploadprogress', 'h2', [notFound]);
    const tty = lab.run(['upload', 'h1', 'h2', '--interval', '100ms', '--wait', '2s'], {TERM: 'linux'});
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
  const command = (host: string, args: string[]): string => [process.execPath, BIN, ...args, '--host', host].map((arg) => `'${arg}'`).join(' ');

  terminalTest('prints plain lines, not a spinner, and ends on SIGTERM', async ({lab}) => {
    lab.emulator.script('uploadprogress', 'h1', [notFound]);
    const pty = inPty(`stty cols 0 rows 24; echo PID=$$; exec ${command(lab.emulator.url, ['upload', 'h1', '--interval', '50ms'])}`);
    await pty.waitFor(/upload h1: waiting for it to appear on/);
    await terminate(pty);
    expect(pty.output()).toMatch(/upload h1: error: terminated \(SIGTERM\)/);
    expect(pty.output()).not.toMatch(/\u001b/);
  });

  terminalTest('stays calm and ends on SIGTERM when the width drops to 0 mid-run', async ({lab}) => {
    lab.emulator.script('uploadprogress', 'h1', [notFound]);
    const flag = join(mkdtempSync(join(tmpdir(), 'pp-pty-')), 'shrink');
    // the shell shrinks the pty to 0 columns (SIGWINCH to the program) once the test drops the flag file
    const shrink = `(i=0; while [ ! -e '${flag}' ] && [ $i -lt 600 ]; do sleep 0.05; i=$((i+1)); done; stty cols 0 </dev/tty; rm -f '${flag}') &`;
    const pty = inPty(`stty cols 80 rows 24; ${shrink} echo PID=$$; exec ${command(lab.emulator.url, ['upload', 'h1', '--interval', '50ms'])}`);
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
