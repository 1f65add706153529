import type {OutStream} from '../env.js';

/** A terminal stream: its height too, which Node's TTY streams have (the Env's OutStream need not). */
export type TerminalStream = OutStream & {rows?: number};

/** A line of a frame, painted, with the columns it takes (escapes take none). */
export interface DrawnLine {
  text: string;
  columns: number;
}

const HIDE_CURSOR = '\u001b[?25l';
const SHOW_CURSOR = '\u001b[?25h';
const WRAP_OFF = '\u001b[?7l';
const WRAP_ON = '\u001b[?7h';
/** clears the cursor's row and moves down one (never scrolling: at the bottom it stays) */
const CLEAR_ROW_DOWN = '\u001b[2K\u001b[B';
const cursorUp = (rows: number): string => (rows > 0 ? `\u001b[${rows}A` : '');
const cursorDown = (rows: number): string => (rows > 0 ? `\u001b[${rows}B` : '');

/** Rows a line of `width` columns takes once a terminal of `columns` columns has reflowed it. */
const rowsOf = (width: number, columns: number): number => Math.max(1, Math.ceil(width / columns));
const rowsIn = (lines: readonly DrawnLine[], columns: number): number => lines.reduce((sum, line) => sum + rowsOf(line.columns, columns), 0);

/**
 * Writes frames to a terminal, each in place of the last, in one write: the rows of the previous
 * frame (counted at today's width: a narrower terminal has reflowed them) are erased, lines that
 * stay for good are printed above (wrapping on, so they are whole), then the new frame, each line
 * ending in a newline (the cursor waits on the row below it, so a frame of rows - 1 lines never
 * scrolls). While a frame is on screen the cursor is hidden and wrapping is off; release() gives
 * both back.
 *
 * A terminal made shorter pushes the top of a frame that no longer fits above the screen, into
 * its history; made taller again, it pulls the last rows of its history back (tmux, xterm, VTE,
 * alacritty do). Those stale rows are counted: once back on screen they are deleted, and what is
 * below them moves up, so no stale copy stays. Lines to print for good wait meanwhile if they would
 * scroll into the history after them (growing would bring those back first, and the stale rows
 * not at all); when they cannot wait (release), they are counted too.
 */
export class FrameWriter {
  readonly #stream: TerminalStream;
  /** the columns of each line of the frame on screen */
  #drawn: number[] = [];
  #taken = false;
  /** the terminal's height at the last write */
  #rows: number | undefined;
  /** rows of frames a shrinking terminal pushed into its history, that growing may bring back */
  #stale = 0;
  /** rows of lines printed for good that scrolled into the history after those */
  #scrolledAfter = 0;
  /** the cursor's row, while it is known (from a shrink that pushed rows away, while some are away) */
  #cursorRow: number | undefined;
  /** lines to print for good, held while printing them would scroll them into the history after stale rows */
  #held: DrawnLine[] = [];

  constructor(stream: TerminalStream) {
    this.#stream = stream;
  }

  /** Whether a frame is on screen (the cursor hidden, wrapping off). */
  get drawing(): boolean {
    return this.#taken;
  }

  /** Prints `above` for good and draws `lines` below it, in place of the previous frame. */
  draw(above: readonly DrawnLine[], lines: readonly DrawnLine[]): void {
    const columns = this.#stream.columns || 80;
    const rows = this.#stream.rows || undefined;
    const {erase, top} = this.#erase(columns, rows);
    let out = erase;
    const keep = lines.length > 0;
    above = [...this.#held.splice(0), ...above];
    if (keep && top !== undefined && rows !== undefined && top + rowsIn(above, columns) + rowsIn(lines, columns) > rows - 1) {
      // rows of a frame are away in the history: lines scrolled in after them would come back first, so wait till they are back
      this.#held = [...above];
      above = [];
    }
    if (above.length > 0) out += `${this.#taken ? WRAP_ON : ''}${above.map((line) => line.text).join('\n')}\n${this.#taken && keep ? WRAP_OFF : ''}`;
    if (keep) {
      if (!this.#taken) out += `${HIDE_CURSOR}${WRAP_OFF}`;
      this.#taken = true;
      out += `${lines.map((line) => line.text).join('\n')}\n`;
    } else if (this.#taken) {
      out += above.length > 0 ? SHOW_CURSOR : `${SHOW_CURSOR}${WRAP_ON}`;
      this.#taken = false;
    }
    this.#drawn = lines.map((line) => line.columns);
    if (top !== undefined && rows !== undefined) {
      // what was written from `top` on: past the last row, the screen scrolled its top rows (lines printed for good) into the history
      const written = rowsIn(above, columns) + rowsIn(lines, columns);
      this.#scrolledAfter += Math.max(0, top + written - (rows - 1));
      this.#cursorRow = Math.min(rows - 1, top + written);
    }
    if (out !== '') this.#stream.write(out);
  }

  /** Erases the frame, prints `above` for good, and gives the cursor and line wrapping back. */
  release(above: readonly DrawnLine[] = []): void {
    this.draw(above, []);
  }

  /**
   * What moves the cursor to the top of the frame on screen and erases it (row by row, not "erase
   * below": tmux takes an ED at the top left corner for a whole-screen clear and scrolls the screen
   * into its history first, a stale copy per frame); and the frame's top row, while rows are known.
   */
  #erase(columns: number, rows: number | undefined): {erase: string; top: number | undefined} {
    const frameRows = this.#drawn.reduce((sum, width) => sum + rowsOf(width, columns), 0);
    let erase = '';
    if (rows !== undefined && this.#rows !== undefined && rows < this.#rows) {
      const pushed = Math.max(0, frameRows + 1 - rows);
      if (pushed > 0) {
        // the terminal kept the cursor's row on screen, at the bottom, and pushed the rows above away
        if (this.#scrolledAfter > 0) this.#scrolledAfter = 0; // the order in the history is lost: count only these
        this.#stale += pushed;
        this.#cursorRow = rows - 1;
      } else if (this.#cursorRow !== undefined) {
        this.#cursorRow = Math.min(this.#cursorRow, rows - 1);
      }
    } else if (rows !== undefined && this.#rows !== undefined && rows > this.#rows && this.#stale > 0) {
      const back = Math.min(rows - this.#rows, this.#stale + this.#scrolledAfter);
      const staleBack = Math.max(0, back - this.#scrolledAfter);
      const goodBack = back - staleBack;
      if (this.#cursorRow !== undefined) this.#cursorRow += back;
      if (staleBack > 0) {
        // on screen now, top down: stale rows, the lines printed for good after them, the frame
        erase += `\r${cursorUp(staleBack + goodBack + frameRows)}\u001b[${staleBack}M${goodBack > 0 ? `\u001b[${goodBack}B` : ''}${cursorDown(frameRows)}`;
        if (this.#cursorRow !== undefined) this.#cursorRow -= staleBack;
      }
      this.#stale -= staleBack;
      this.#scrolledAfter -= goodBack;
    }
    this.#rows = rows;
    if (this.#stale === 0) {
      this.#scrolledAfter = 0;
      this.#cursorRow = undefined;
    }
    const top = this.#cursorRow === undefined ? undefined : Math.max(0, this.#cursorRow - frameRows);
    if (frameRows > 0) erase += `\r${cursorUp(frameRows)}${CLEAR_ROW_DOWN.repeat(frameRows)}${cursorUp(frameRows)}`;
    return {erase, top};
  }
}
