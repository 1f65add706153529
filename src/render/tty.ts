import cliProgress from 'cli-progress';
import {Chalk, supportsColorStderr, type ChalkInstance} from 'chalk';
import ora, {type Ora} from 'ora';
import type {Clock, Env, OutStream} from '../env.js';
import type {JobKind} from '../events.js';
import {JobStates, type JobState} from './job-state.js';
import {ASCII_SYMBOLS, jobLine, labelColumn, lineWidth, MIN_COLUMNS, spinnerLine, summaryLine, UNICODE_SYMBOLS, type Line, type Tone} from './layout.js';
import type {Renderer} from './renderer.js';

/** A redraw after an event waits at least this long after the previous one: calm, and cheap at 1 ms polls. */
export const REDRAW_EVERY_MS = 100;
/** Waited seconds move without events: while a line shows them, it is refreshed this often anyway. */
export const TICK_MS = 500;
/** cli-progress redraws on a timer of its own too; ours (the injected clock) does the work, so keep it rare. */
const LIBRARY_TIMER_FPS = 0.2;

export interface TtyOptions {
  color: boolean;
  /** the server polled (`api7.pcloud.com`): the spinner names it before any answer does */
  host: string;
  /** false: plain ASCII marks instead of ✔ ✖ █ ░ … (a terminal without Unicode, e.g. the Linux console) */
  unicode: boolean;
  /** the run's jobs in argv order: their lines keep that order */
  jobs?: readonly {kind: JobKind; hash: string}[];
  /** Ctrl-Z and fg (Env.onSuspend): the terminal is given back while stopped */
  onSuspend?: Env['onSuspend'];
}

/** What the display remembers of a job's drawn line: its width, to know how a narrower terminal reflowed it. */
interface Drawn {
  columns: number;
}

const CURSOR_UP = (rows: number): string => (rows > 0 ? `\u001b[${rows}A` : '');
const CLEAR_DOWN = '\r\u001b[J';

/** Rows a line of `width` columns takes once a terminal of `columns` columns has reflowed it. */
const rowsOf = (width: number, columns: number): number => Math.max(1, Math.ceil(width / columns));

/**
 * The terminal display: an ora spinner while no job has appeared yet, then one cli-progress line per
 * job redrawn in place (each showing its own end as soon as it ends), then one summary line per job.
 * What a line says comes from layout.ts; this only draws it, keeps it fresh on the injected clock,
 * redraws it on resize, hides it on Ctrl-Z, and stays out of the way on a terminal too narrow to
 * draw in. Everything goes to stderr; the cursor and line wrapping are restored by end(), which the
 * caller runs on every way out.
 */
export function ttyRenderer(stderr: OutStream, clock: Clock, options: TtyOptions): Renderer {
  const level = options.color ? (supportsColorStderr ? supportsColorStderr.level : 0) : 0;
  const chalk: ChalkInstance = new Chalk({level});
  const symbols = options.unicode ? UNICODE_SYMBOLS : ASCII_SYMBOLS;
  const states = new JobStates<Drawn>(clock, () => ({columns: 0}), options.jobs);
  const tones: Record<Tone, (text: string) => string> = {
    label: chalk.bold,
    filled: chalk.cyan,
    empty: chalk.dim,
    percent: chalk.bold,
    dim: chalk.dim,
    warn: chalk.yellow,
    ok: chalk.green,
    bad: chalk.red,
  };
  const paint = (line: Line): string => line.map((piece) => (piece.tone ? tones[piece.tone](piece.text) : piece.text)).join('');

  // the spinner until a job shows up (or ends), the bars from then on
  let mode: 'spinner' | 'bars' = 'spinner';
  let spinner: Ora | undefined;
  let spinnerWidth = 0;
  let bars: cliProgress.MultiBar | undefined;
  const barOf = new Map<JobState<Drawn>, cliProgress.SingleBar>();
  let started = false;
  let suspended = false;
  let ended = false;
  let lastRedrawAt = -Infinity;
  let redrawPending = false;
  const timers = new AbortController();
  let removeSuspend: (() => void) | undefined;

  const tooNarrow = (): boolean => (stderr.columns ?? 80) < MIN_COLUMNS;

  const spinnerText = (): string => {
    const line = spinnerLine(states.list, options.host, clock.now(), stderr.columns, symbols);
    spinnerWidth = lineWidth(line) + 2; // the frame and its space
    return paint(line);
  };

  const barText = (job: JobState<Drawn>): string => {
    const line = jobLine(job, clock.now(), stderr.columns, labelColumn(states.list.map((each) => each.label), stderr.columns), symbols);
    job.own.columns = lineWidth(line);
    return paint(line);
  };

  const showSpinner = (): void => {
    if (spinner) {
      spinner.text = spinnerText();
      return;
    }
    spinner = ora({
      stream: stderr as unknown as NodeJS.WritableStream,
      text: spinnerText(), // in its first frame already
      discardStdin: false,
      hideCursor: true,
      isEnabled: true,
      color: level > 0 ? 'cyan' : false,
      spinner: options.unicode ? 'dots' : 'line',
    }).start();
  };

  const hideSpinner = (): void => {
    spinner?.stop(); // clears its line, shows the cursor
    spinner = undefined;
  };

  const showBars = (): void => {
    bars ??= new cliProgress.MultiBar({
      stream: stderr as unknown as NodeJS.WritableStream,
      format: (_options, _params, payload: {job: JobState<Drawn>}) => barText(payload.job),
      hideCursor: true,
      linewrap: false,
      clearOnComplete: true,
      gracefulExit: false, // our own signal handling ends the run and calls end()
      fps: LIBRARY_TIMER_FPS,
      noTTYOutput: false,
    });
    for (const job of states.list) if (!barOf.has(job)) barOf.set(job, bars.create(100, 0, {job}));
  };

  const hideBars = (): void => {
    bars?.stop(); // clears its lines, shows the cursor, wrapping back on
    bars = undefined;
    barOf.clear();
  };

  const render = (): void => {
    if (ended) return;
    if (suspended || tooNarrow()) {
      hideSpinner();
      hideBars();
      return;
    }
    if (mode === 'spinner') {
      showSpinner();
      return;
    }
    hideSpinner();
    showBars();
    const waitMs = lastRedrawAt + REDRAW_EVERY_MS - clock.now();
    if (waitMs > 0) {
      if (!redrawPending) {
        redrawPending = true;
        void clock.sleep(waitMs, timers.signal).then(() => {
          redrawPending = false;
          render();
        });
      }
      return;
    }
    lastRedrawAt = clock.now();
    bars?.update();
  };

  /**
   * A narrower terminal has reflowed what was drawn: a line of 79 columns is two rows at 40. The
   * spinner and the bars only know their own line count, so they are told to clear, then the rows
   * the reflow added are cleared too, and everything is drawn anew at the new width.
   */
  const onResize = (): void => {
    if (ended || suspended || !started) return;
    const columns = stderr.columns ?? 80;
    let extraRows = 0;
    if (spinner && columns > 0) extraRows = rowsOf(spinnerWidth, columns) - 1;
    if (bars && columns > 0) extraRows = [...barOf.keys()].reduce((rows, job) => rows + rowsOf(job.own.columns, columns) - 1, 0);
    hideSpinner();
    hideBars();
    if (extraRows > 0) stderr.write(`${CURSOR_UP(extraRows)}${CLEAR_DOWN}`);
    lastRedrawAt = -Infinity;
    render();
  };

  const suspend = (): void => {
    suspended = true;
    render(); // hidden: nothing on screen to go stale, and the cursor and wrapping are the shell's again
  };
  const resume = (): void => {
    suspended = false;
    lastRedrawAt = -Infinity;
    render();
  };

  const start = (): void => {
    started = true;
    stderr.on?.('resize', onResize);
    removeSuspend = options.onSuspend?.(suspend, resume);
    void (async () => {
      while (!timers.signal.aborted) {
        await clock.sleep(TICK_MS, timers.signal);
        // between events only a waited time moves: moving bars are left alone (CPU at a 1 s interval)
        if (mode === 'spinner' || states.list.some((job) => job.phase === 'waiting')) render();
      }
    })();
  };

  return {
    handle(e) {
      if (ended) return;
      const job = states.apply(e);
      if (job.phase !== 'waiting') mode = 'bars';
      if (!started) start();
      render();
    },
    end() {
      if (ended) return;
      ended = true;
      timers.abort();
      removeSuspend?.();
      hideSpinner();
      hideBars();
      for (const job of states.list) stderr.write(`${paint(summaryLine(job, symbols))}\n`);
    },
  };
}
