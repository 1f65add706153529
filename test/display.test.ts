import {describe, expect} from 'vitest';
import stringWidth from 'string-width';
import type {Emulator} from '../src/emulator/index.js';
import {displayLines, endLines, expectEachEndOnce, FRAME_LINE, hashFile} from './helpers/display.js';
import {hasTmux} from './helpers/tmux.js';
import {expectTerminalRestored, finished, repeat, terminalTest, up} from './helpers/tty.js';

// Many jobs on one screen, in a real terminal (tmux): the display never grows taller than the
// terminal, shows the jobs that move, and leaves in the scrollback each job's end once and no
// copy of a frame, also when the terminal is made shorter and taller mid-run. 1000 jobs: in
// display-1000.test.ts.

const MOVING = ['m1', 'm2', 'm3'];
const forty = (): string[] => [...MOVING, ...Array.from({length: 37}, (_, i) => `gone${i + 4}`)];
/** 3 uploads that move for `polls` polls then finish; the emulator knows nothing of the others. */
function scriptMoving(emulator: Emulator, polls: number): void {
  for (const hash of MOVING) emulator.script('uploadprogress', hash, [...Array.from({length: polls}, (_, i) => up(1 + (18 * i) / polls)), finished]);
}

describe.skipIf(!hasTmux).concurrent('many jobs in a real terminal', () => {
  terminalTest('at 80x24 with 40 jobs (3 moving, 37 never found): the moving ones on screen, a header, and a scrollback with each end once and no frame', async ({lab}) => {
    scriptMoving(lab.emulator, 10);
    const hashes = forty();
    const tty = lab.run(['upload', '--hash-file', hashFile(hashes), '--interval', '400ms', '--wait', '3s']);
    const screen = await tty.waitFor(/^upload m3 .* \d+% /m);
    const lines = displayLines(screen);
    expect(lines.length).toBeLessThanOrEqual(23);
    expect(lines[0]).toMatch(/^40 jobs: 3 running, 37 waiting {2}\d+% {2}[\d.]+\/60\.0 MiB/);
    for (const hash of MOVING) expect(screen).toMatch(new RegExp(`^upload ${hash} +█*░* +\\d+% `, 'm'));
    expect(lines.at(-1)).toBe('+19 more');
    const end = await tty.waitFor(/EXIT=4/);
    const history = tty.history();
    expectEachEndOnce(history, hashes);
    expect(history.split('\n').filter((line) => FRAME_LINE.test(line))).toEqual([]);
    expect(end).toMatch(/^✔ upload m1: done: 100% 20\.0 MiB/m);
    expectTerminalRestored(tty.raw());
  });

  terminalTest('leaves no stale frame on screen nor in the scrollback when the terminal goes from 80x30 to 80x3 and back, shrunk while the program could not run', async ({lab}) => {
    scriptMoving(lab.emulator, 15);
    const hashes = forty();
    const tty = lab.run(['upload', '--hash-file', hashFile(hashes), '--interval', '400ms', '--wait', '30s'], {}, {columns: 80, rows: 30});
    await tty.waitFor(/^upload m3 .* \d+% /m);
    expect(displayLines(tty.screen()).length).toBe(29);
    // as a busy machine may leave it unscheduled: once it runs again, its due timer comes before its
    // SIGWINCH is read, and a frame drawn for 30 rows into 3 would scroll 27 of them into the history
    await tty.resizeStopped(80, 3, 800); // a poll and a tick fall due meanwhile
    const small = await tty.waitFor(/^40 jobs: [^\n]*\nupload m1 [^\n]*\n\s*$/);
    expect(displayLines(small)).toHaveLength(2);
    await tty.resize(80, 30);
    // the rows the shrink pushed above the screen come back with the height: none is left of them
    const tall = await tty.waitFor(/^40 jobs: [^\n]*\n(upload [^\n]*\n){27}\+13 more\n\s*$/);
    expect(displayLines(tall)).toHaveLength(29);
    const screen = await tty.waitFor(/^40 jobs: 37 waiting, 3 done /m); // their ✔ lines went above, off the screen
    expect(endLines(tty.history()).get('upload m3')).toBe(1);
    expect(screen.split('\n').filter((line) => /^40 jobs: /.test(line))).toHaveLength(1);
    for (const hash of hashes.slice(3)) expect(screen.split('\n').filter((line) => line.startsWith(`upload ${hash} `)).length).toBeLessThanOrEqual(1);
    tty.keys('C-c');
    const end = await tty.waitFor(/EXIT=130/);
    expect(end.split('\n').filter((line) => FRAME_LINE.test(line))).toEqual([]);
    const history = tty.history();
    expectEachEndOnce(history, hashes);
    expect(history.split('\n').filter((line) => FRAME_LINE.test(line))).toEqual([]);
  });

  terminalTest('keeps the ✔ lines of jobs that end while the terminal is 3 rows high, once each, when it grows back to 30', async ({lab}) => {
    scriptMoving(lab.emulator, 8);
    const hashes = forty();
    const tty = lab.run(['upload', '--hash-file', hashFile(hashes), '--interval', '400ms', '--wait', '30s'], {}, {columns: 80, rows: 30});
    await tty.waitFor(/^upload m3 .* \d+% /m);
    await tty.resizeStopped(80, 3);
    await tty.waitFor(/^40 jobs: 37 waiting, 3 done {2}/m); // the 3 ended while it was small: their lines scrolled away
    await tty.resize(80, 30);
    const tall = await tty.waitFor(/^40 jobs: [^\n]*\n(upload [^\n]*\n){27}\+10 more\n\s*$/);
    expect(displayLines(tall)).toHaveLength(29);
    const history = tty.history();
    for (const hash of MOVING) expect(endLines(history).get(`upload ${hash}`)).toBe(1);
    // of the display, only the frame on screen now: one header, a row per job at most
    expect(history.split('\n').filter((line) => /^40 jobs: /.test(line))).toHaveLength(1);
    for (const hash of hashes) expect(history.split('\n').filter((line) => line.startsWith(`upload ${hash} `)).length).toBeLessThanOrEqual(1);
    tty.keys('C-c');
    await tty.waitFor(/EXIT=130/);
    expectEachEndOnce(tty.history(), hashes);
    expect(tty.history().split('\n').filter((line) => FRAME_LINE.test(line))).toEqual([]);
  });

  terminalTest('cuts a wide file name by its columns, in the middle, never leaving the terminal to cut the line (200 columns)', async ({lab}) => {
    const name = '写真アルバム二〇二四年夏休み北海道旅行🎉🎉.tar';
    const long = 'x'.repeat(80); // a label column of 80: the name has about 40 columns left, and takes 46
    // moving: a rate and an ETA take their room too
    // the test ends at the first frame that shows the name: the rest of each script is left unsent
    lab.emulator.script('uploadprogress', 'wide', [...Array.from({length: 80}, (_, i) => up(2 + i * 0.1, name)), finished], {allowUnused: true});
    lab.emulator.script('uploadprogress', long, [...repeat(up(5), 30), finished], {allowUnused: true});
    const tty = lab.run(['upload', 'wide', long, '--interval', '100ms'], {}, {columns: 200, rows: 10});
    const screen = await tty.waitFor(/^upload wide .*ETA.*\.tar$/m);
    const line = screen.split('\n').find((text) => text.startsWith('upload wide')) ?? '';
    expect(line).toMatch(/#1 写真\S*…\S*🎉\.tar$/); // cut by us, in the middle: its end is still there
    expect(stringWidth(line)).toBeLessThan(200);
    expect(stringWidth(line)).toBeGreaterThan(190); // the room was used, by columns
  });
});
