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

/** Rows a line of `width` columns takes once a terminal of `columns` columns has reflowed it. */
const rowsOf = (width: number, columns: number): number => Math.max(1, Math.ceil(width / columns));

/**
 * Writes frames to a terminal, each in place of the last, in one write: the rows of the previous
 * frame (counted at today's width: a narrower terminal has reflowed them) are erased, lines that
 * stay for good are printed above (wrapping on, so they are whole), then the new frame, each line
 * ending in a newline (the cursor waits on the row below it, so a frame of rows - 1 lines never
 * scrolls). While a frame is on screen the cursor is hidden and wrapping is off; release() gives
 * both back.
 *
 * A terminal made shorter pushes the top of a frame that no longer fits above the screen, out of
 * reach; made taller again, it pulls those rows back (tmux, xterm, VTE, alacritty do). They are
 * counted, and erased once they come back, so no stale copy stays on the screen.
 */
export class FrameWriter {
  readonly #stream: TerminalStream;
  /** the columns of each line of the frame on screen */
  #drawn: number[] = [];
  #taken = false;
  /** the terminal's height at the last write */
  #rows: number | undefined;
  /** rows of earlier frames a shrinking terminal pushed above the screen, that growing may bring back */
  #pushedAbove = 0;

  constructor(stream: TerminalStream) {
    this.#stream = stream;
  }

  /** Whether a frame is on screen (the cursor hidden, wrapping off). */
  get drawing(): boolean {
    return this.#taken;
  }

  /** Prints `above` for good and draws `lines` below it, in place of the previous frame. */
  draw(above: readonly string[], lines: readonly DrawnLine[]): void {
    let out = this.#erase();
    const keep = lines.length > 0;
    if (above.length > 0) out += `${this.#taken ? WRAP_ON : ''}${above.join('\n')}\n${this.#taken && keep ? WRAP_OFF : ''}`;
    if (keep) {
      if (!this.#taken) out += `${HIDE_CURSOR}${WRAP_OFF}`;
      this.#taken = true;
      out += `${lines.map((line) => line.text).join('\n')}\n`;
    } else if (this.#taken) {
      out += above.length > 0 ? SHOW_CURSOR : `${SHOW_CURSOR}${WRAP_ON}`;
      this.#taken = false;
    }
    this.#drawn = lines.map((line) => line.columns);
    if (out !== '') this.#stream.write(out);
  }

  /** Erases the frame, prints `above` for good, and gives the cursor and line wrapping back. */
  release(above: readonly string[] = []): void {
    this.draw(above, []);
  }

  /** What moves the cursor to the top of the frame on screen and erases from there down. */
  #erase(): string {
    const columns = this.#stream.columns || 80;
    const rows = this.#stream.rows || undefined;
    let frameRows = this.#drawn.reduce((sum, width) => sum + rowsOf(width, columns), 0);
    if (rows !== undefined && this.#rows !== undefined && rows !== this.#rows) {
      if (rows < this.#rows) {
        this.#pushedAbove += Math.max(0, frameRows + 1 - rows);
      } else {
        const back = Math.min(this.#pushedAbove, rows - this.#rows);
        this.#pushedAbove -= back;
        frameRows += back;
      }
    }
    this.#rows = rows;
    // row by row, not "erase below" (ED): tmux takes an ED at the top left corner for a whole-screen
    // clear and scrolls the screen into its history first (scroll-on-clear), a stale copy per frame
    return frameRows > 0 ? `\r${cursorUp(frameRows)}${CLEAR_ROW_DOWN.repeat(frameRows)}${cursorUp(frameRows)}` : '';
  }
}
