import cliProgress from 'cli-progress';
import {Chalk, supportsColorStderr, type ChalkInstance} from 'chalk';
import ora, {type Ora} from 'ora';
import type {Clock, OutStream} from '../env.js';
import type {WatchEvent} from '../events.js';
import {formatBytes, formatPercent, formatRate, formatSeconds} from '../format.js';
import {sanitize} from '../sanitize.js';
import type {LoopEvent} from '../watch.js';
import {describeDone} from './describe.js';
import {jobLabel, type Renderer} from './renderer.js';

/** A redraw after an event waits at least this long after the previous one: calm, and cheap at 1 ms polls. */
export const REDRAW_EVERY_MS = 100;
/** cli-progress's own timer only catches up on throttled redraws; nothing changes between events. */
const TIMER_FPS = 2;
const BAR_MIN = 10;
const BAR_NARROW_MIN = 4;
const BAR_MAX = 30;
const LABEL_MAX = 32;
/** On a narrow terminal the label takes at most this share of the width, so the percent still shows. */
const LABEL_SHARE = 0.4;

interface Job {
  label: string;
  state: 'waiting' | 'progress' | 'done' | 'error';
  last: WatchEvent | undefined;
  first: WatchEvent | undefined;
  waitingSince: number | undefined;
  retry: string | undefined;
  bar: cliProgress.SingleBar | undefined;
}

export interface TtyOptions {
  color: boolean;
}

/** The parts that fit `width` columns, in order of importance; the file name takes what room is left. */
function fit(parts: string[], name: string | null, width: number): string {
  let text = '';
  for (const part of parts.filter(Boolean)) {
    const next = text ? `${text}  ${part}` : part;
    if (next.length > width) break;
    text = next;
  }
  if (text === '' && parts[0] && width >= 8) text = parts[0].length > width ? `${parts[0].slice(0, Math.max(0, width - 1))}…` : parts[0];
  const room = width - text.length - 2;
  return name && room >= 6 ? `${text}  ${sanitize(name, room)}` : text;
}

/** `#2 screencast.mp4`: the upload's current file number (pCloud's `filenumber`) and name. */
function currentFileText(e: WatchEvent): string | null {
  if (e.currentFile === null) return null;
  const number = e.raw?.filenumber;
  return `#${typeof number === 'number' && Number.isInteger(number) && number > 0 ? number : (e.files ?? 0) + 1} ${e.currentFile}`;
}

/** `6.25/16.3 MiB` when both share a unit, else `900 KiB/16.3 MiB`. */
function amountText(bytes: number, total: number | null): string {
  if (!total) return formatBytes(bytes);
  const [value, unit] = formatBytes(bytes).split(' ');
  const [totalValue, totalUnit] = formatBytes(total).split(' ');
  return unit === totalUnit ? `${value}/${totalValue} ${unit}` : `${formatBytes(bytes)}/${formatBytes(total)}`;
}

/**
 * The terminal display: an ora spinner while no job has appeared yet, then one cli-progress line per
 * job redrawn in place, then one summary line per job. Everything goes to stderr; the cursor and
 * line wrapping are restored by end(), which the caller runs on every way out.
 */
export function ttyRenderer(stderr: OutStream, clock: Clock, options: TtyOptions): Renderer {
  const level = options.color ? (supportsColorStderr ? supportsColorStderr.level : 0) : 0;
  const chalk: ChalkInstance = new Chalk({level});
  const jobs = new Map<string, Job>();
  let spinner: Ora | undefined;
  let bars: cliProgress.MultiBar | undefined;
  let lastRedrawAt = -Infinity;
  let redrawPending: NodeJS.Timeout | undefined;
  let ended = false;

  const jobOf = (e: LoopEvent): Job => {
    const key = `${e.kind}\0${e.hash}`;
    let job = jobs.get(key);
    if (!job) {
      job = {label: jobLabel(e.kind, e.hash), state: 'waiting', last: undefined, first: undefined, waitingSince: undefined, retry: undefined, bar: undefined};
      jobs.set(key, job);
      if (bars) addBar(job);
    }
    return job;
  };

  const waitedText = (job: Job): string => `${Math.floor(job.last && job.waitingSince !== undefined ? Math.max(0, job.last.elapsed - job.waitingSince) : 0)}s`;
  // every line starts with its label padded to the longest, so the bars line up
  const labelWidth = (): number =>
    Math.min(LABEL_MAX, Math.max(8, Math.floor((stderr.columns ?? 80) * LABEL_SHARE)), Math.max(...[...jobs.values()].map((job) => job.label.length)));
  const paddedLabel = (job: Job): string => (job.label.length > labelWidth() ? `${job.label.slice(0, labelWidth() - 1)}…` : job.label.padEnd(labelWidth()));

  const line = (job: Job, maxWidth: number): string => {
    const columns = maxWidth - 1; // the last column would leave the cursor waiting to wrap
    const e = job.last;
    const label = chalk.bold(paddedLabel(job));
    if (!e || job.state === 'waiting') {
      const what = job.first ? 'not found any more, waiting' : 'waiting for it to appear';
      const text = fit([`${what} (${waitedText(job)})`, job.retry ? sanitize(job.retry, 60) : ''], null, Math.max(0, columns - labelWidth() - 2));
      return `${label}  ${chalk.dim(text)}`;
    }
    const percent = e.percent ?? 0;
    // the bar gives way before the percent: what is left after label and percent, within its bounds
    const room = columns - labelWidth() - 2 - 2 - 4;
    const barSize = Math.min(Math.max(BAR_MIN, Math.min(BAR_MAX, columns - labelWidth() - 60)), room - 2);
    const showBar = barSize >= BAR_NARROW_MIN;
    const filled = showBar ? Math.round((percent / 100) * barSize) : 0;
    const pct = formatPercent(percent).padStart(4);
    const amount = e.bytes === null ? '' : amountText(e.bytes, e.totalBytes);
    const files = e.totalFiles !== null ? `${e.files ?? 0}/${e.totalFiles} files` : '';
    const rate = e.rate === null ? '' : formatRate(e.rate);
    const eta = e.eta === null ? '' : `ETA ${formatSeconds(Math.ceil(e.eta))}`;
    const retry = job.retry ? `retrying: ${sanitize(job.retry, 40)}` : '';
    // widths are counted on the plain text; colors are added around the pieces afterwards
    const plainHead = [paddedLabel(job), ...(showBar ? ['#'.repeat(barSize)] : []), pct].join('  ');
    const head = [label, ...(showBar ? [chalk.cyan('█'.repeat(filled)) + chalk.dim('░'.repeat(barSize - filled))] : []), chalk.bold(pct)].join('  ');
    const tail = fit([amount, retry, eta, rate, files], retry ? null : currentFileText(e), Math.max(0, columns - plainHead.length - 2));
    return tail ? `${head}  ${retry ? chalk.yellow(tail) : tail}` : head;
  };

  const addBar = (job: Job): void => {
    job.bar = bars?.create(100, 0, {job});
  };

  const startBars = (): void => {
    spinner?.stop();
    spinner = undefined;
    bars = new cliProgress.MultiBar({
      stream: stderr as unknown as NodeJS.WritableStream,
      format: (_options, params, payload: {job: Job}) => line(payload.job, params.maxWidth),
      hideCursor: true,
      linewrap: false,
      clearOnComplete: true,
      gracefulExit: false, // our own signal handling ends the run and calls end()
      fps: TIMER_FPS,
      noTTYOutput: false,
      emptyOnZero: true,
    });
    for (const job of jobs.values()) addBar(job);
  };

  const redraw = (): void => {
    if (!bars || ended) return;
    const wait = lastRedrawAt + REDRAW_EVERY_MS - clock.now();
    if (wait > 0) {
      redrawPending ??= setTimeout(() => {
        redrawPending = undefined;
        redraw();
      }, wait);
      return;
    }
    lastRedrawAt = clock.now();
    for (const job of jobs.values()) job.bar?.update(job.last?.percent ?? 0, {job});
    bars.update();
  };

  const spinnerText = (): string => {
    const list = [...jobs.values()];
    const host = list[0]?.last?.host ?? '';
    const waited = list[0] ? waitedText(list[0]) : '0s';
    const retry = list.find((job) => job.retry)?.retry;
    const who = list.length === 1 ? (list[0] as Job).label : `${list.length} jobs`;
    const text = fit([`${who}: waiting to appear on ${host} (${waited})`, retry ? `retrying: ${sanitize(retry, 60)}` : ''], null, Math.max(10, (stderr.columns ?? 80) - 3));
    return retry ? text.replace(/retrying: .*$/, (tail) => chalk.yellow(tail)) : text;
  };

  const summary = (job: Job): string => {
    const e = job.last;
    if (!e) return `${chalk.dim('-')} ${job.label}: no answer`;
    if (e.event === 'done') {
      return `${chalk.green('✔')} ${job.label}: ${describeDone(e, {first: job.first, waitedToAppear: job.waitingSince !== undefined})}`;
    }
    const at = e.percent === null ? '' : ` at ${Math.floor(e.percent)}%`;
    return `${chalk.red('✖')} ${job.label}: ${chalk.red(`error${at}`)}: ${sanitize(e.message ?? 'failed', 1000)}`;
  };

  stderr.on?.('resize', () => {
    if (bars) {
      lastRedrawAt = -Infinity;
      redraw();
    }
  });

  return {
    handle(e) {
      if (ended) return;
      const job = jobOf(e);
      if (e.event === 'retry') {
        job.retry = e.message;
      } else {
        job.retry = undefined;
        job.last = e;
        if (e.event === 'waiting') {
          if (job.state !== 'waiting' || job.waitingSince === undefined) job.waitingSince = e.elapsed;
          job.state = 'waiting';
        } else {
          job.state = e.event;
          if (e.event === 'progress') job.first ??= e;
        }
      }
      if (!bars && job.state !== 'waiting') startBars();
      if (bars) {
        redraw();
        return;
      }
      spinner ??= ora({stream: stderr as unknown as NodeJS.WritableStream, discardStdin: false, hideCursor: true, isEnabled: true, color: level > 0 ? 'cyan' : false}).start();
      spinner.text = spinnerText();
    },
    end() {
      if (ended) return;
      ended = true;
      if (redrawPending) clearTimeout(redrawPending);
      spinner?.stop();
      if (bars) {
        for (const job of jobs.values()) job.bar?.update(job.last?.percent ?? 0, {job});
        bars.stop();
      }
      for (const job of jobs.values()) stderr.write(`${summary(job)}\n`);
    },
  };
}
