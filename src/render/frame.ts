import {formatEta, formatPercent, formatRate} from '../format.js';
import {GROUPS, type Board, type BoardJob} from './board.js';
import {amountText, fit, join, jobLine, labelColumnOf, MIN_COLUMNS, spinnerLine, textSlot, usableColumns, variantsSlot, type Line, type Slot, type Symbols} from './layout.js';

/** The board as the frame reads it: never changed here. */
export type BoardView = Pick<Board, 'all' | 'groups' | 'done' | 'failed' | 'widestLabel' | 'started' | 'live'>;

export interface FrameSize {
  /** the terminal's columns and rows; undefined (or 0 rows) when it does not say */
  columns: number | undefined;
  rows: number | undefined;
}

export interface Frame {
  /** the live region, top to bottom: never more than rows - 1 lines, each narrower than the terminal */
  lines: Line[];
  /** it shows something that moves with time alone (a spinner, a waited time): draw it again as time passes */
  ticking: boolean;
}

/** A terminal that does not say its height is taken for the usual 24 rows. */
const DEFAULT_ROWS = 24;
const COUNTS_MIN_COLUMNS = 12;

/**
 * The live region of the terminal display, as data: a pure function of the jobs' state, the time,
 * the terminal's size and the spinner's current glyph. Before any job moves, the spinner's line;
 * then a row per live job in argv's order while they all fit; when they do not, a header that sums
 * them all up, the rows that matter most (failing, then moving, then waiting, each group in the
 * order its jobs joined it, so rows do not jump about) and `+N more`. Ended jobs have no row: their
 * line was printed above for good. Work: one pass over the jobs for the sums, a layout per row shown.
 */
export function frame(board: BoardView, now: number, size: FrameSize, symbols: Symbols, host: string, spinnerGlyph: string): Frame {
  const {columns} = size;
  if ((columns ?? 80) < MIN_COLUMNS) return {lines: [], ticking: false}; // the renderer shows nothing there
  // one row: even one line of frame would leave the cursor below it, and scroll a copy into the history
  if (size.rows === 1) return {lines: [], ticking: false};
  if (!board.started) {
    return {lines: [[{text: spinnerGlyph, tone: 'spinner'}, {text: ' '}, ...spinnerLine(board.all, host, now, columns, symbols)]], ticking: true};
  }
  const maxRows = Math.max(1, (size.rows || DEFAULT_ROWS) - 1);
  const labelWidth = labelColumnOf(board.widestLabel, columns);
  const row = (job: BoardJob): Line => jobLine(job, now, columns, labelWidth, symbols);
  const live = board.live;
  if (live <= maxRows) {
    const shown = live === 0 ? [] : board.all.filter((job) => job.own.group !== undefined);
    return {lines: shown.map(row), ticking: shown.some((job) => job.own.group === 'waiting')};
  }
  // a header, the rows that matter, and `+N more` when there is a row left for it
  const rowsForJobs = maxRows >= 3 ? maxRows - 2 : maxRows - 1;
  const shown: BoardJob[] = [];
  for (const group of GROUPS) {
    for (const job of board.groups[group]) {
      if (shown.length >= rowsForJobs) break;
      shown.push(job);
    }
  }
  const lines = [headerLine(board, columns, symbols), ...shown.map(row)];
  if (maxRows >= 3) lines.push([{text: `+${live - shown.length} more`, tone: 'dim'}]);
  return {lines, ticking: shown.some((job) => job.own.group === 'waiting')};
}

/** What the header adds up, over every job: failed jobs' bytes are not coming, so they count in neither total. */
interface Sums {
  bytes: number;
  totalBytes: number;
  /** bytes/s of the moving jobs, and of those among them with a known total (what the ETA can use) */
  rate: number;
  knownRate: number;
  anyRate: boolean;
}

function sumsOf(jobs: readonly BoardJob[]): Sums {
  const sums: Sums = {bytes: 0, totalBytes: 0, rate: 0, knownRate: 0, anyRate: false};
  for (const job of jobs) {
    const e = job.last;
    if (!e || job.phase === 'error') continue;
    const known = e.totalBytes !== null && e.totalBytes > 0;
    if (known) {
      sums.totalBytes += e.totalBytes as number;
      sums.bytes += job.phase === 'done' ? (e.totalBytes as number) : Math.min(e.bytes ?? 0, e.totalBytes as number);
    }
    if (job.own.group === 'moving' && e.rate !== null) {
      sums.rate += e.rate;
      sums.anyRate = true;
      if (known) sums.knownRate += e.rate;
    }
  }
  return sums;
}

/**
 * `40 jobs: 3 running, 37 waiting, 2 done  12.0/60.0 MiB  20%  3.00 MiB/s  ETA 16s`: the counts
 * first (they stay at any width), then the percent, the amounts, the combined rate and the ETA of
 * the bytes whose total is known, as room allows.
 */
export function headerLine(board: BoardView, columns: number | undefined, symbols: Symbols): Line {
  const {failing, moving, waiting} = board.groups;
  const total = board.live + board.done + board.failed;
  const counts = (words: readonly string[], separator: string): string =>
    [failing.size, moving.size, waiting.size, board.done, board.failed]
      .map((count, i) => [count, words[i]] as const)
      .filter(([count]) => count !== 0)
      .map(([count, word]) => `${count} ${word}`)
      .join(separator);
  const figures: Slot[] = [];
  const sums = sumsOf(board.all);
  if (sums.totalBytes > 0) {
    figures.push(textSlot(1, formatPercent((sums.bytes / sums.totalBytes) * 100), 'percent'));
    figures.push(textSlot(2, amountText(sums.bytes, sums.totalBytes)));
  }
  if (sums.anyRate) figures.push(textSlot(3, formatRate(sums.rate)));
  const eta = sums.knownRate > 0 ? formatEta((sums.totalBytes - sums.bytes) / sums.knownRate) : null;
  if (eta) figures.push(textSlot(4, eta));
  // the counts in words while the figures still fit beside them, else in short
  const room = usableColumns(columns);
  const layouts = [
    `${total} jobs: ${counts(['retrying', 'running', 'waiting', 'done', 'failed'], ', ')}`,
    `${total}: ${counts(['retry', 'run', 'wait', 'ok', 'fail'], ', ')}`,
    `${total}: ${counts(['retry', 'run', 'wait', 'ok', 'fail'], ' ')}`,
  ].map((text) => fit([variantsSlot(0, [text], COUNTS_MIN_COLUMNS, symbols.ellipsis, 'label'), ...figures], room));
  const best = layouts.reduce((chosen, layout) => (layout.fitted.length > chosen.fitted.length || (chosen.fitted[0]?.width ?? 0) < (chosen.fitted[0]?.slot.width ?? 0) ? layout : chosen));
  return join(best.fitted.map((part) => part.slot.draw(part.width)));
}

