import {afterEach, beforeEach, describe, expect, it} from 'vitest';
import {Emulator, type ScriptedAnswer} from '../src/emulator/index.js';
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

function run(args: string[], env: Record<string, string> = {}, size = {columns: 80, rows: 24}): Terminal {
  terminal = new Terminal([process.execPath, BIN, ...args, '--host', emulator.url], {PCLOUD_AUTH: AUTH, ...env}, size);
  return terminal;
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
    expect(bar).toMatch(/^upload h1 +█+░+ +45% +9\.00\/20\.0 MiB .*#1 holiday-(photos\.tar|\S*…)$/m); // the name is cut to the width
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
    expect(line).toMatch(/^upload h+… +█+░+ +25%/);
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
});
