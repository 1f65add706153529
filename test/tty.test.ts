import {describe, expect} from 'vitest';
import {Emulator, FAULTS, type ScriptedAnswer} from '../src/emulator/index.js';
import {expectTerminalRestored, finished, lineOf, notFound, repeat, terminalTest, up} from './helpers/tty.js';
import {hasTmux} from './helpers/tmux.js';

// What the display draws, in a real terminal (tmux). What the terminal around it does to the
// program (Ctrl-C, Ctrl-Z, resizes, colors, a console without Unicode, 0 columns) is in
// terminal.test.ts: two files, so that two workers run them side by side.

describe.skipIf(!hasTmux).concurrent('in a real terminal', () => {
  terminalTest('shows a spinner while not found, then a bar with percent, bytes and the file name, then a summary', async ({lab}) => {
    lab.emulator.script('uploadprogress', 'h1', [...repeat(notFound, 15), up(2), up(5), ...repeat(up(9), 12), up(15), finished]);
    const tty = lab.run(['upload', 'h1', '--interval', '100ms']);
    expect(await tty.waitFor(/[⠋⠙⠹⠸⠼⠴⠦⠧⠇⠏] upload h1: waiting to appear on 127\.0\.0\.1:\d+ \(\d+s\)/)).toBeTruthy();
    const bar = await tty.waitFor(/45%/);
    expect(bar).toMatch(/^upload h1 +█+░+ +45% +9\.00\/20\.0 MiB .*#1 (holiday-photos\.tar|\S*…\S*)$/m); // the name is cut to the width
    expect(bar).not.toMatch(/waiting to appear/);
    const end = await tty.waitFor(/EXIT=0/);
    expect(end).toMatch(/^✔ upload h1: done: 100% 20\.0 MiB in [\d.]+s/m);
    expect(end).not.toMatch(/█/); // the bar made way for the summary
    expectTerminalRestored(tty.raw());
  });

  terminalTest('draws one line per job, redrawn in place, each finishing on its own', async ({lab}) => {
    for (const [i, hash] of ['a', 'b', 'c'].entries()) {
      lab.emulator.script('uploadprogress', hash, [...repeat(up(1), 2), ...[2, 3, 4, 5, 6, 7, 8, 9, 10, 11].map((n) => up(n * (i + 1) > 19 ? 19 : n * (i + 1))), ...repeat(up(19), 10 * (i + 1)), finished]);
    }
    const tty = lab.run(['upload', 'a', 'b', 'c', '--interval', '50ms']);
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

  terminalTest('keeps the percent on screen in a 40-column terminal, even with a long hash', async ({lab}) => {
    const hash = 'h'.repeat(100);
    lab.emulator.script('uploadprogress', hash, [up(5)]); // stays at 25% for good
    const tty = lab.run(['upload', hash, '--interval', '100ms'], {}, {columns: 40, rows: 10});
    const screen = await tty.waitFor(/25%/);
    const line = screen.split('\n').find((l) => l.includes('25%')) ?? '';
    expect(line).toMatch(/^upload h+…h+ +█+░+ +25%/);
    expect(line.length).toBeLessThan(40);
  });

  terminalTest('restores the terminal after an error, with the error in the summary', async ({lab}) => {
    lab.emulator.script('uploadprogress', 'h1', [up(1), up(2), Emulator.error(2000)]);
    const tty = lab.run(['upload', 'h1', '--interval', '100ms']);
    const end = await tty.waitFor(/EXIT=3/);
    expect(end).toMatch(/✖ upload h1: error at 10%: authentication failed: Log in failed\. \(pCloud 2000\)/);
    expectTerminalRestored(tty.raw());
  });

  terminalTest('prints each job\'s end once, above the rows, as soon as it ends, while the others go on', async ({lab}) => {
    lab.emulator.script('uploadprogress', 'h5', [up(1), up(2), up(3), up(4)]); // stays at 20% for good
    lab.emulator.script('uploadprogress', 'h6', [up(5), up(10), finished]);
    lab.emulator.script('uploadprogress', 'h8', [notFound]);
    // h6 ends after 3 polls, h8 after 2 s: h6 first, however late a loaded machine starts the polls
    const tty = lab.run(['upload', 'h5', 'h6', 'h8', '--interval', '50ms', '--wait', '2s']);
    const screen = await tty.waitFor(/^✔ upload h6: done: 100% 20\.0 MiB[^\n]*\n✖ upload h8: error: upload not found after waiting/m);
    expect(lineOf(screen, 'upload h5')).toMatch(/ 20% /);
    expect(screen).not.toMatch(/^upload h[68] /m); // their rows made way for their lines
    tty.keys('C-c');
    const end = await tty.waitFor(/EXIT=130/);
    // one line per job, each printed once, in the order they ended
    expect(end.split('\n').filter((line) => /^[✔✖] upload h[568]:/.test(line))).toEqual([
      expect.stringMatching(/^✔ upload h6: done: 100%/),
      expect.stringMatching(/^✖ upload h8: error: upload not found/),
      expect.stringMatching(/^✖ upload h5: error at 20%: interrupted/),
    ]);
    expect(end).not.toMatch(/^upload h5 /m);
  });

  terminalTest.for([40, 80])('says on the line that requests are failing, in place of the stale rate and ETA, at %i columns', async (columns, {lab}) => {
    lab.emulator.script('uploadprogress', 'rt2', [up(2), up(5), up(7.5)]);
    const tty = lab.run(['upload', 'rt2', '--interval', '100ms'], {}, {columns, rows: 10});
    const moving = lineOf(await tty.waitFor(/ 37% /), 'upload rt2');
    if (columns >= 80) expect(moving).toMatch(/MiB\/s/); // a rate while it moved
    await lab.emulator.close(); // the server is gone: every request is refused from now on
    const line = lineOf(await tty.waitFor(/retrying: the connection was refused|retrying: the conn\S*…/), 'upload rt2');
    expect(line).toMatch(/^upload rt2 .* 37% .*retrying: the conn/);
    expect(line).not.toMatch(/ETA|\/s/);
    expect(line.length).toBeLessThan(columns);
  });

  terminalTest.for([40, 80])('cuts long labels in the middle, so part1 and part2 stay apart, at %i columns', async (columns, {lab}) => {
    const hashes = ['nightly-backup-2024-11-28-part1', 'nightly-backup-2024-11-28-part2'];
    for (const hash of hashes) lab.emulator.script('uploadprogress', hash, [up(5)]);
    const tty = lab.run(['upload', ...hashes, '--interval', '100ms'], {}, {columns, rows: 10});
    const screen = await tty.waitFor(/part2 +█+░+ +25%/);
    const labels = screen.split('\n').filter((line) => line.startsWith('upload n')).map((line) => line.split('  ')[0]);
    expect(labels).toEqual([expect.stringMatching(/^upload n\S*…\S*part1$/), expect.stringMatching(/^upload n\S*…\S*part2$/)]);
  });

  terminalTest('names the host and counts the waited seconds on the spinner while the first requests fail', async ({lab}) => {
    lab.emulator.script('uploadprogress', 'h1', [FAULTS.http502]);
    const tty = lab.run(['upload', 'h1', '--interval', '100ms'], {}, {columns: 120, rows: 10});
    const screen = await tty.waitFor(/upload h1: waiting to appear on 127\.0\.0\.1:\d+ \(2s\)/);
    expect(screen).toMatch(/retrying: server error \(HTTP 502\)/);
  });

  terminalTest('does not claim a speed for an upload that had already finished when first polled', async ({lab}) => {
    lab.emulator.script('uploadprogress', 'h1', [finished]);
    const tty = lab.run(['upload', 'h1', '--interval', '100ms']);
    expect(await tty.waitFor(/EXIT=0/)).toMatch(/^✔ upload h1: done: 100% 20\.0 MiB, 1 file \(already finished when first polled\)$/m);
  });

  terminalTest('shows an extraction as counts, bytes and its latest output line at 80 columns, with no bar and no percent', async ({lab}) => {
    const entries = Array.from({length: 6}, (_, i) => ({path: `photos/IMG_${4100 + i}.jpg`, size: 1_500_000 + i}));
    const output = Emulator.extractOutput('photos.zip', entries);
    const step = (n: number, finished = false): ScriptedAnswer => Emulator.extractAnswer({output: output.slice(n, n + 2), finished, skipped: n});
    lab.emulator.script('extractarchiveprogress', 'x1', [notFound, notFound, step(0), step(2), ...repeat(Emulator.extractAnswer({output: [], skipped: 4}), 20), step(4), step(6, true)]);
    const tty = lab.run(['extract', 'x1', '--interval', '100ms']);
    const screen = await tty.waitFor(/^extract x1 .*3 entries/m);
    const line = screen.split('\n').find((text) => text.startsWith('extract x1')) as string;
    expect(line).toMatch(/^extract x1 +4\.29 MiB +[\d.]+ \S+\/s +3 entries +photos\/IMG_41.*1500002 B\)\.\.\. OK\.$/); // the line cut in the middle to fit
    expect(line).not.toMatch(/%|█|░/);
    const end = await tty.waitFor(/EXIT=0/);
    expect(end).toMatch(/^✔ extract x1: done: 8\.58 MiB in [\d.]+m?s.*, 6 entries$/m);
    expectTerminalRestored(tty.raw());
  });
});
