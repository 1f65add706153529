import {describe, expect} from 'vitest';
import {displayLines, expectEachEndOnce, FRAME_LINE, hashFile} from './helpers/display.js';
import {hasTmux} from './helpers/tmux.js';
import {expectTerminalRestored, terminalTest, up} from './helpers/tty.js';

// 1000 jobs on one screen, in a real terminal (tmux). A file of its own: its emulator answers 1000
// jobs, which keeps its worker's event loop busy, and the emulators of display.test.ts's tests,
// which run side by side, would answer late in the same process.

describe.skipIf(!hasTmux)('a thousand jobs in a real terminal', () => {
  terminalTest('at 80x24 with 1000 jobs that all move: 21 moving ones on screen under a header, and 1000 ends, each once, in the scrollback', async ({lab}) => {
    const hashes = Array.from({length: 1000}, (_, i) => `j${i + 1}`);
    // every request takes the next answer: a little further each time, whichever job asks
    // (more answers than the 8 s run asks for, whatever the machine's speed: a source that never runs dry)
    lab.emulator.script('uploadprogress', '*', Array.from({length: 20_000}, (_, i) => up(Math.min(19, 1 + i / 2000))), {allowUnused: true});
    // each job polled once (--timeout before the second poll): 1,000 requests, each a little CPU for
    // the CLI and the emulator, so the suite's other files are not starved meanwhile
    const tty = lab.run(['upload', '--hash-file', hashFile(hashes), '--interval', '10s', '--timeout', '5s']);
    // the header, 21 rows of moving jobs (those that have answered so far: a loaded machine answers 1000 slowly), +N more
    const screen = await tty.waitFor(/^1000 jobs: (\d+) running(, \d+ waiting)? {2}[^\n]*\n(upload j\d+ +█*░* +\d+% [^\n]*\n){21}\+\d+ more$/m);
    const lines = displayLines(screen);
    expect(lines).toHaveLength(23);
    expect(lines.at(-1)).toBe('+979 more');
    await tty.waitFor(/EXIT=7/, 30_000);
    const history = tty.history();
    expectEachEndOnce(history, hashes);
    expect(history.split('\n').filter((line) => FRAME_LINE.test(line))).toEqual([]);
    expectTerminalRestored(tty.raw());
  });
});
