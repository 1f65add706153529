import {Chalk, type ChalkInstance, type ColorSupportLevel} from 'chalk';
import {spinners} from 'ora';
import type {Clock, Env} from '../env.js';
import type {JobKind} from '../events.js';
import {Board} from './board.js';
import {frame} from './frame.js';
import {ASCII_SYMBOLS, lineWidth, summaryLine, UNICODE_SYMBOLS, type Line, type Tone} from './layout.js';
import type {Renderer} from './renderer.js';
import {runSummary} from './run-summary.js';
import {FrameWriter, type DrawnLine, type TerminalStream} from './screen.js';

/** Frames after events come at most this often: 1000 jobs answering at once make one frame, not 1000. */
export const REDRAW_EVERY_MS = 100;
/** Waited seconds move without events: while a row shows them, it is redrawn this often anyway. */
export const TICK_MS = 500;

export interface TtyOptions {
  /** chalk's colour level for stderr: 0 none (--no-color, NO_COLOR, TERM=dumb), 1 basic, 2 256 colours, 3 truecolor */
  colorLevel: ColorSupportLevel;
  /** the server polled (`api7.pcloud.com`): the spinner names it before any answer does */
  host: string;
  /** false: plain ASCII marks instead of ✔ ✖ █ ░ … (a terminal without Unicode, e.g. the Linux console) */
  unicode: boolean;
  /** the run's jobs in argv order: their rows keep that order while they all fit */
  jobs?: readonly {kind: JobKind; hash: string}[];
  /** Ctrl-Z and fg (Env.onSuspend): the terminal is given back while stopped */
  onSuspend?: Env['onSuspend'];
  /** reads the terminal's size again (Env.remeasure): each frame is laid out for the size it is drawn at */
  remeasure?: () => void;
}

/**
 * The terminal display: ora's spinner glyphs while no job has appeared yet, then a row per job (or,
 * with more jobs than rows, a header, the rows that matter and `+N more`: frame.ts), redrawn in
 * place at most every REDRAW_EVERY_MS; each job's ✔/✖ line printed once above it when the job
 * ends. An event only updates the board and asks for a frame; the frame is laid out from the board
 * when it is drawn. It redraws on resize, hides on Ctrl-Z, and the cursor and line wrapping are
 * restored by end(), which the caller runs on every way out. Everything goes to stderr.
 */
export function ttyRenderer(stderr: TerminalStream, clock: Clock, options: TtyOptions): Renderer {
  const chalk: ChalkInstance = new Chalk({level: options.colorLevel});
  const symbols = options.unicode ? UNICODE_SYMBOLS : ASCII_SYMBOLS;
  const spinner = options.unicode ? spinners.dots : spinners.line;
  const board = new Board(clock, options.jobs);
  const writer = new FrameWriter(stderr);
  const tones: Record<Tone, (text: string) => string> = {
    label: chalk.bold,
    filled: chalk.cyan,
    empty: chalk.dim,
    percent: chalk.bold,
    dim: chalk.dim,
    warn: chalk.yellow,
    ok: chalk.green,
    bad: chalk.red,
    spinner: chalk.cyan,
  };
  const paint = (line: Line): string => line.map((piece) => (piece.tone ? tones[piece.tone](piece.text) : piece.text)).join('');
  const drawn = (line: Line): DrawnLine => ({text: paint(line), columns: lineWidth(line)});

  /** ✔/✖ lines of jobs that ended since the last frame: printed above it with the next one */
  const above: DrawnLine[] = [];
  let spinnerFrame = 0;
  let started = false;
  let suspended = false;
  let ended = false;
  let lastDrawAt = -Infinity;
  let drawPending = false;
  let ticking = false;
  let measuring = false;
  const timers = new AbortController();
  let removeSuspend: (() => void) | undefined;

  const draw = (): void => {
    if (ended || suspended) return;
    try {
      measuring = true;
      options.remeasure?.(); // a resize it finds is drawn by this frame, not by onResize
    } finally {
      measuring = false;
    }
    lastDrawAt = clock.now();
    const glyph = spinner.frames[spinnerFrame % spinner.frames.length] ?? '';
    const next = frame(board, lastDrawAt, {columns: stderr.columns, rows: stderr.rows}, symbols, options.host, glyph);
    ticking = next.ticking;
    writer.draw(above.splice(0), next.lines.map(drawn));
  };

  /** A frame soon: now if the last one is old enough, else one (not one per event) once it is. */
  const requestDraw = (): void => {
    if (ended || suspended || drawPending) return;
    const waitMs = lastDrawAt + (board.started ? REDRAW_EVERY_MS : spinner.interval) - clock.now();
    if (waitMs <= 0) return draw();
    drawPending = true;
    void clock.sleep(waitMs, timers.signal).then(() => {
      drawPending = false;
      draw();
    });
  };

  const onResize = (): void => {
    if (started && !measuring) draw(); // at once: the old frame has been reflowed, and the writer knows how
  };

  const suspend = (): void => {
    suspended = true;
    writer.release(above.splice(0)); // nothing on screen to go stale, and the cursor and wrapping are the shell's again
  };
  const resume = (): void => {
    suspended = false;
    draw();
  };

  const start = (): void => {
    started = true;
    stderr.on?.('resize', onResize);
    removeSuspend = options.onSuspend?.(suspend, resume);
    void (async () => {
      while (!timers.signal.aborted) {
        await clock.sleep(board.started ? TICK_MS : spinner.interval, timers.signal);
        if (board.started) {
          // between events only a waited time moves: moving rows are left alone (CPU at a 1 s interval)
          if (ticking) requestDraw();
        } else {
          spinnerFrame += 1;
          requestDraw();
        }
      }
    })();
  };

  return {
    handle(e) {
      if (ended) return;
      const {job, ended: jobEnded} = board.apply(e);
      if (jobEnded) above.push(drawn(summaryLine(job, symbols)));
      if (!started) start();
      requestDraw();
    },
    end() {
      if (ended) return;
      ended = true;
      timers.abort();
      removeSuspend?.();
      // jobs whose end never came (an interrupted run says it with an event of its own first)
      for (const job of board.all) if (job.own.group !== undefined) above.push(drawn(summaryLine(job, symbols)));
      // several jobs: the run's own last line, as the log ends too (`40 uploads: 3 done, 37 failed …`)
      const run = runSummary(board.all);
      if (run !== undefined) above.push(drawn([{text: run}]));
      writer.release(above.splice(0));
    },
  };
}
