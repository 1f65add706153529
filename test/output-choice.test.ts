import {mkdtempSync, readFileSync} from 'node:fs';
import {tmpdir} from 'node:os';
import {join} from 'node:path';
import {describe, expect, it} from 'vitest';
import {localeIsUtf8} from '../src/env.js';
import {isCi} from '../src/session.js';
import {AUTH, BIN} from './helpers/cli.js';
import {eventually} from './helpers/eventually.js';
import {runMain} from './helpers/in-process.js';
import {expectTerminalRestored, finished, lineOf, notFound, repeat, terminalTest, up} from './helpers/tty.js';
import {hasTmux, Terminal} from './helpers/tmux.js';

// Which face a run shows: --plain on a terminal, what `CI` means, and a C locale's ASCII.

const HIDE_CURSOR = '\u001b[?25l';

describe('the rules', () => {
  it('CI set to false, 0 or nothing is not CI', () => {
    for (const value of ['true', '1', 'yes', 'TRUE', 'woodpecker']) expect(isCi({CI: value})).toBe(true);
    for (const value of [undefined, '', 'false', 'FALSE', 'False', '0', ' 0 ']) expect(isCi({CI: value})).toBe(false);
  });

  it('a locale is UTF-8 by the first of LC_ALL, LC_CTYPE, LANG that is set, as a C library reads them', () => {
    expect(localeIsUtf8({LANG: 'en_US.UTF-8'})).toBe(true);
    expect(localeIsUtf8({LANG: 'C.utf8'})).toBe(true);
    expect(localeIsUtf8({LANG: 'C'})).toBe(false);
    expect(localeIsUtf8({LANG: 'POSIX'})).toBe(false);
    expect(localeIsUtf8({})).toBe(false); // no locale at all: the C locale
    expect(localeIsUtf8({LC_ALL: 'C', LANG: 'en_US.UTF-8'})).toBe(false);
    expect(localeIsUtf8({LC_CTYPE: 'C', LANG: 'en_US.UTF-8'})).toBe(false);
    expect(localeIsUtf8({LC_ALL: '', LC_CTYPE: 'de_DE.UTF-8', LANG: 'C'})).toBe(true); // empty is unset
    expect(localeIsUtf8({LC_ALL: 'de_DE.ISO-8859-1', LANG: 'en_US.UTF-8'})).toBe(false);
  });

  it('--plain is in the help and the shell completion of the watch commands and the demo, and not with --json or --quiet', async () => {
    for (const command of ['upload', 'zip', 'extract', 'demo']) expect((await runMain([command, '--help'])).stdout).toMatch(/^ {2}--plain +plain lines even on a terminal/m);
    for (const shell of ['bash', 'zsh', 'fish']) expect((await runMain(['completion', shell])).stdout).toContain('plain');
    const both = await runMain(['upload', 'h1', '--plain', '--json'], {vars: {PCLOUD_AUTH: 'x'}});
    expect(both).toMatchObject({code: 2, stderr: 'pcloud-progress: --plain and --json do not go together\n'});
  });
});

describe.skipIf(!hasTmux).concurrent('in a real terminal', () => {
  terminalTest('--plain prints plain lines, no spinner and no bar', async ({lab}) => {
    lab.emulator.script('uploadprogress', 'h1', [notFound, up(3), up(10), finished]);
    const tty = lab.run(['upload', 'h1', '--interval', '100ms', '--plain']);
    const end = await tty.waitFor(/EXIT=\d+/);
    expect(end).toMatch(/EXIT=0/);
    expect(end).toMatch(/^upload h1: waiting for it to appear on /m);
    expect(end).toMatch(/^upload h1: 15% 3\.00 MiB \/ 20\.0 MiB/m);
    expect(end).toMatch(/^upload h1: done: 100%/m);
    expect(tty.raw()).not.toContain(HIDE_CURSOR);
    expect(tty.raw()).not.toMatch(/\u001b\[\d*A/); // nothing redrawn in place
  });

  terminalTest.for(['false', '0', ''])('draws the bars when CI=%j', async (value, {lab}) => {
    lab.emulator.script('uploadprogress', 'h1', [up(3), ...repeat(up(5), 8), finished]);
    const tty = lab.run(['upload', 'h1', '--interval', '100ms'], {CI: value});
    expect(lineOf(await tty.waitFor(/ 25% /), 'upload h1')).toMatch(/^upload h1 +█+░+ +25%/);
    expect(await tty.waitFor(/EXIT=\d+/)).toMatch(/^✔ upload h1: done: 100%/m);
    expect(tty.raw()).toContain(HIDE_CURSOR);
    expect(tty.raw()).toContain(Buffer.from('█').toString('latin1')); // the same bytes test as the C locale's, seen to match
    expectTerminalRestored(tty.raw());
  });

  terminalTest.for<Record<string, string>>([{LANG: 'C'}, {LC_ALL: 'C'}, {LANG: 'POSIX'}, {LC_ALL: 'POSIX', LANG: 'en_US.UTF-8'}])('draws with ASCII in a C locale (%j)', async (locale, {lab}) => {
    lab.emulator.script('uploadprogress', 'h1', [notFound, ...repeat(up(5), 10), finished]);
    const tty = lab.run(['upload', 'h1', '--interval', '100ms'], locale);
    expect(lineOf(await tty.waitFor(/ 25% /), 'upload h1')).toMatch(/^upload h1 +#+-+ +25%/);
    expect(await tty.waitFor(/EXIT=\d+/)).toMatch(/^OK upload h1: done: 100%/m);
    // raw() is the bytes as latin1: a mark of Unicode is its UTF-8 bytes there
    for (const mark of ['█', '░', '✔', '✖', '⠋']) expect(tty.raw()).not.toContain(Buffer.from(mark).toString('latin1'));
  });
});

describe.skipIf(!hasTmux).concurrent('stopped with Ctrl-Z', () => {
  terminalTest('the time stopped is not the job\'s: --json\'s duration leaves it out', async ({lab, onTestFinished}) => {
    // 40 answers that move, one a poll: the job moves only while it is polled
    lab.emulator.script('uploadprogress', 'h1', [...Array.from({length: 40}, (_, i) => up(i / 2)), finished]);
    const out = join(mkdtempSync(join(tmpdir(), 'pp-stop-')), 'events.ndjson');
    const read = (): string => {
      try {
        return readFileSync(out, 'utf8');
      } catch {
        return '';
      }
    };
    // in an interactive shell, so that Ctrl-Z really stops it; stdout to a file, to be read whole
    const command = `exec '${process.execPath}' '${BIN}' upload h1 --json --interval 100ms --host ${lab.emulator.url} > '${out}'`;
    const terminal = new Terminal(['sh', '-c', command], {PCLOUD_AUTH: AUTH}, {columns: 80, rows: 24}, {interactive: true});
    onTestFinished(() => terminal.kill());
    await eventually('a progress event', () => read().includes('"event":"progress"'));
    terminal.keys('C-z');
    await terminal.waitFor(/Stopped/);
    await new Promise((resolve) => setTimeout(resolve, 3000));
    terminal.keys('fg', 'Enter');
    await eventually('the done event', () => read().includes('"event":"done"'));
    const lines = read()
      .trim()
      .split('\n')
      .map((line) => JSON.parse(line) as {event: string; elapsed: number; duration?: number});
    const first = lines.find((e) => e.event === 'progress');
    const done = lines.at(-1);
    if (!first || done?.event !== 'done' || done.duration === undefined) throw new Error(`no progress or done event: ${read()}`);
    // seen moving for done.elapsed - first.elapsed on the clock, stopped at least 3 s of that
    expect(done.duration).toBeLessThan(done.elapsed - first.elapsed - 2.5);
    expect(done.duration).toBeGreaterThanOrEqual(3.9); // 40 polls 100 ms apart, less the first
  });
});
