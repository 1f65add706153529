import {describe, expect, it} from 'vitest';
import type {StatusEvent} from '../src/events.js';
import {Board} from '../src/render/board.js';
import {frame, type Frame} from '../src/render/frame.js';
import {columnsOf, jobLine, labelColumnOf, lineWidth, plainText, UNICODE_SYMBOLS} from '../src/render/layout.js';
import type {RetryNotice} from '../src/poll-job.js';
import {statusEvent} from './helpers/events.js';
import {FakeClock} from './helpers/fake-clock.js';

// The terminal display's frame as data: what it shows for a board of jobs at a terminal size, with
// no terminal. tty.test.ts and display.test.ts check the same in a real one (tmux).

const MiB = 1024 * 1024;
const SIZES = [
  {columns: 40, rows: 10},
  {columns: 80, rows: 24},
  {columns: 200, rows: 50},
];
const COUNTS = [1, 5, 40, 1000];

const hashOf = (i: number): string => `h${i}`;
const moving = (i: number, mib = 5): StatusEvent =>
  statusEvent({hash: hashOf(i), elapsed: 2, bytes: mib * MiB, totalBytes: 20 * MiB, percent: (mib / 20) * 100, rate: 1 * MiB, eta: (20 - mib), currentFile: 'a.bin'});
const notFound = (i: number): StatusEvent => statusEvent({event: 'waiting', hash: hashOf(i), elapsed: 1});
const done = (i: number): StatusEvent => statusEvent({event: 'done', hash: hashOf(i), elapsed: 3, bytes: 20 * MiB, totalBytes: 20 * MiB, percent: 100, eta: 0, rate: 1 * MiB, files: 1});
const failed = (i: number): StatusEvent => statusEvent({event: 'error', hash: hashOf(i), elapsed: 3, code: 1900, message: 'upload not found after waiting 3s', exitCode: 4});
const refused = (i: number): RetryNotice => ({event: 'retry', kind: 'upload', hash: hashOf(i), message: 'the connection was refused', attempt: 1, delayMs: 1000});

/**
 * `n` jobs named in argv, and a run in progress: of every ten, the 1st and 2nd move, the 3rd's
 * requests fail, the 4th has ended done and the 5th failed, the rest have not appeared yet.
 */
function boardOf(n: number, clock = new FakeClock()): Board {
  const board = new Board(
    clock,
    Array.from({length: n}, (_, i) => ({kind: 'upload' as const, hash: hashOf(i)})),
  );
  for (let i = 0; i < n; i++) {
    const role = n === 1 ? 0 : i % 10;
    if (role === 0 || role === 1 || role === 2) board.apply(moving(i));
    if (role === 2) board.apply(refused(i));
    if (role === 3) board.apply(done(i));
    if (role === 4) board.apply(failed(i));
    if (role >= 5) board.apply(notFound(i));
  }
  return board;
}

const text = (f: Frame): string[] => f.lines.map(plainText);
const draw = (board: Board, size: {columns: number; rows: number}, now = 5000): Frame => frame(board, now, size, UNICODE_SYMBOLS, 'api7.pcloud.com', '⠋');

describe.each(SIZES)('the frame at $columns x $rows', (size) => {
  it.each(COUNTS)('with %i jobs: never taller than rows - 1, never as wide as the terminal', (n) => {
    const board = boardOf(n);
    const f = draw(board, size);
    expect(f.lines.length).toBeLessThanOrEqual(size.rows - 1);
    expect(f.lines.length).toBeGreaterThan(0);
    for (const line of f.lines) expect(lineWidth(line)).toBeLessThan(size.columns);
    // ended jobs have no row: their line was printed above for good
    const rows = text(f);
    for (let i = 3; i < n; i += 10) expect(rows.some((row) => row.startsWith(`upload ${hashOf(i)} `))).toBe(false);
  });

  it.each(COUNTS)('with %i jobs: a row per live job in argv order when they fit, else a header, the jobs that matter and +N more', (n) => {
    const board = boardOf(n);
    const rows = text(draw(board, size));
    const live = board.live;
    const labels = rows.filter((row) => row.startsWith('upload ')).map((row) => row.split(' ')[1]);
    if (live <= size.rows - 1) {
      expect(rows.length).toBe(live);
      expect(labels).toEqual(board.all.filter((job) => job.own.group !== undefined).map((job) => job.hash));
      return;
    }
    const failing = board.all.filter((job) => job.own.group === 'failing').map((job) => job.hash);
    const movingJobs = board.all.filter((job) => job.own.group === 'moving').map((job) => job.hash);
    const waiting = board.all.filter((job) => job.own.group === 'waiting').map((job) => job.hash);
    expect(rows.length).toBe(size.rows - 1);
    expect(labels).toEqual([...failing, ...movingJobs, ...waiting].slice(0, size.rows - 3));
    expect(rows.at(-1)).toBe(`+${live - labels.length} more`);
    const header = rows[0] ?? '';
    if (size.columns >= 200) expect(header).toMatch(new RegExp(`^${n} jobs: ${failing.length} retrying, ${movingJobs.length} running, ${waiting.length} waiting, ${board.done} done, ${board.failed} failed  `));
    else expect(header).toMatch(new RegExp(`^${n}: ${failing.length} retry,? ${movingJobs.length} run,? ${waiting.length} wait`)); // in short, for room
    if (size.columns >= 80) {
      // bytes of the known totals: the moving and failing jobs' 5 MiB and the done jobs' 20, of 20 each (failed jobs count in neither)
      const counted = failing.length + movingJobs.length + board.done;
      const bytes = (failing.length + movingJobs.length) * 5 + board.done * 20;
      expect(header).toContain(`  ${Math.floor((bytes / (counted * 20)) * 100)}%  `);
      expect(header).toMatch(/ {2}\d+(\.\d+)? (MiB|GiB)\/s( |$)/); // the moving jobs' rates, summed (not the failing ones')
    }
    if (size.columns >= 200) expect(header).toMatch(new RegExp(`  ${movingJobs.length} MiB/s  ETA \\d+s$`));
  });

  it('with 1 job: the spinner first, then the same row as jobLine alone draws', () => {
    const clock = new FakeClock();
    const board = new Board(clock, [{kind: 'upload', hash: 'h0'}]);
    clock.time = 2100;
    expect(text(draw(board, size, clock.now()))).toEqual([expect.stringMatching(/^⠋ upload h0: waiting (to appear )?on api7.*\(2s\)$/)]);
    board.apply(moving(0));
    const [job] = board.all;
    expect(text(draw(board, size, clock.now()))).toEqual([plainText(jobLine(job!, clock.now(), size.columns, labelColumnOf(columnsOf(job!.label), size.columns), UNICODE_SYMBOLS))]);
    board.apply(done(0));
    expect(draw(board, size, clock.now()).lines).toEqual([]); // its ✔ line is printed above, once
  });
});

describe('the frame over time', () => {
  it('keeps each row in its place while its job stays in its group; a job joining a group comes after those in it', () => {
    const board = boardOf(1000);
    const size = {columns: 80, rows: 24};
    const before = text(draw(board, size)).slice(1, -1);
    // every shown job moves on, and a job further down starts moving
    for (let i = 0; i < 1000; i++) if (i % 10 <= 1) board.apply(moving(i, 6));
    board.apply(moving(995, 1));
    const after = text(draw(board, size)).slice(1, -1);
    expect(after.map((row) => row.split(' ')[1])).toEqual(before.map((row) => row.split(' ')[1]));
    // h995 joined the moving group last: it is not shown before every earlier mover
    expect(after.some((row) => row.startsWith('upload h995 '))).toBe(false);
  });

  it('puts a job whose requests fail on top, and back among the moving once it answers', () => {
    const board = boardOf(40);
    const size = {columns: 80, rows: 10};
    board.apply(refused(31)); // h31 moves (role 1) and now fails
    expect(text(draw(board, size))[1]).toMatch(/^upload h2 /); // h2 failed first
    expect(text(draw(board, size))[5]).toMatch(/^upload h31 .*retrying: the conn/);
    board.apply(moving(31, 7));
    expect(text(draw(board, size)).some((row) => row.startsWith('upload h31 '))).toBe(false); // back at the end of the moving group, below the fold
  });

  it('shows a header alone when the terminal has 2 rows, and a header and a row at 3', () => {
    const board = boardOf(40);
    expect(text(draw(board, {columns: 80, rows: 2}))).toEqual([expect.stringMatching(/^40(:| jobs:) /)]);
    expect(text(draw(board, {columns: 80, rows: 3}))).toEqual([expect.stringMatching(/^40(:| jobs:) /), expect.stringMatching(/^upload h2 /)]);
  });

  it('ticks while a waited time is on screen, and not when only moving rows are', () => {
    const board = boardOf(5);
    expect(draw(board, {columns: 80, rows: 24}).ticking).toBe(false);
    board.apply(notFound(4));
    expect(draw(board, {columns: 80, rows: 24}).ticking).toBe(false); // ended jobs stay ended
    const waiting = new Board(new FakeClock(), [{kind: 'upload', hash: 'a'}, {kind: 'upload', hash: 'b'}]);
    waiting.apply(statusEvent({hash: 'a', bytes: 1, totalBytes: 2, percent: 50}));
    expect(draw(waiting, {columns: 80, rows: 24}).ticking).toBe(true);
  });

  it('draws nothing on a terminal narrower than a label and a percent', () => {
    expect(draw(boardOf(5), {columns: 10, rows: 24}).lines).toEqual([]);
  });
});

describe('a terminal one row high', () => {
  it('gets no frame at all, before any job moved and after: each line would scroll a copy into the history', () => {
    expect(draw(boardOf(0), {columns: 80, rows: 1}).lines).toEqual([]);
    for (const n of [1, 40]) expect(draw(boardOf(n), {columns: 80, rows: 1}).lines).toEqual([]);
    expect(draw(boardOf(40), {columns: 80, rows: 2}).lines).toHaveLength(1);
  });
});
