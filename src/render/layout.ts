import stringWidth from 'string-width';
import type {StatusEvent} from '../events.js';
import {formatBytes, formatEta, formatPercent, formatRate} from '../format.js';
import {formatDuration} from '../duration.js';
import {sanitize} from '../sanitize.js';
import {describeDone} from './describe.js';
import type {JobState} from './job-state.js';

/**
 * What the terminal display says, as pure functions of a job's state, the time and the width: no
 * terminal, no colors (pieces carry a tone; the renderer paints it), no timers. Widths are terminal
 * columns (string-width, the measure ora uses): a CJK character or an emoji takes two, so a wide
 * file name is cut by us, with its `…`, never by the terminal.
 */

/** How a piece of a line is painted. */
export type Tone = 'label' | 'filled' | 'empty' | 'percent' | 'dim' | 'warn' | 'ok' | 'bad' | 'spinner';

export interface Piece {
  text: string;
  tone?: Tone;
}

export type Line = Piece[];

/** The marks that need Unicode, and their plain ASCII stand-ins (the Linux console has no ✔). */
export interface Symbols {
  done: string;
  failed: string;
  filled: string;
  empty: string;
  ellipsis: string;
}

export const UNICODE_SYMBOLS: Symbols = {done: '✔', failed: '✖', filled: '█', empty: '░', ellipsis: '…'};
export const ASCII_SYMBOLS: Symbols = {done: 'OK', failed: 'X', filled: '#', empty: '-', ellipsis: '...'};

/** Below this many columns not even a label and a percent fit: the plain renderer takes such a terminal. */
export const MIN_COLUMNS = 20;
/** The label column takes at most this share of the width (at least LABEL_MIN_COLUMNS), so the rest still shows. */
const LABEL_SHARE = 0.4;
const LABEL_MIN_COLUMNS = 8;
/** A bar narrower than this says nothing the percent does not. */
const BAR_MIN_COLUMNS = 4;
/** The bar on a roomy line: 10..30 columns, wider terminals get longer bars. */
const BAR_WANTED_COLUMNS = 10;
const BAR_MAX_COLUMNS = 30;
/** What the rest of a full line takes at most besides label and bar: a wider terminal gives its extra to the bar. */
const LINE_REST_COLUMNS = 60;
const NAME_MIN_COLUMNS = 6;
/** `retrying…` at the least: a failing job says so at any width from 40 columns, even beside a long label. */
const RETRY_MIN_COLUMNS = 'retrying…'.length;
const WAIT_MIN_COLUMNS = 'waiting (1s)'.length;
const HOST_MIN_COLUMNS = 8;
export const GAP = '  ';

/**
 * Text whose every UTF-16 unit takes one column: printable ASCII and the marks we draw (… █ ░ ✔ ✖,
 * the spinner's braille). Most of a frame is that: it needs no segmenting (string-width segments
 * anything else, which made measuring the bars most of a frame's cost).
 */
const ONE_COLUMN_EACH = /^[\u0020-\u007e\u2026\u2588\u2591\u2714\u2716\u2800-\u28ff]*$/;
// made on first use: dist/cli.cjs holds this module too (for MIN_COLUMNS) and must not pay for it at start
let graphemes: Intl.Segmenter | undefined;

/** The columns `text` takes on a terminal. Most of what we draw is ASCII: that needs no segmenting. */
export function columnsOf(text: string): number {
  return ONE_COLUMN_EACH.test(text) ? text.length : stringWidth(text);
}

/** `text`'s characters as a terminal draws them (emoji sequences whole), each with its columns. */
function cellsOf(text: string): {text: string; columns: number}[] {
  return Array.from((graphemes ??= new Intl.Segmenter()).segment(text), ({segment}) => ({text: segment, columns: stringWidth(segment)}));
}

/** The longest start of `text` that fits `width` columns: a wide character that would be cut in half is left out. */
function headOf(text: string, width: number): string {
  if (ONE_COLUMN_EACH.test(text)) return text.slice(0, Math.max(0, width));
  let head = '';
  let used = 0;
  for (const cell of cellsOf(text)) {
    if (used + cell.columns > width) break;
    head += cell.text;
    used += cell.columns;
  }
  return head;
}

/** The longest end of `text` that fits `width` columns. */
function tailOf(text: string, width: number): string {
  if (ONE_COLUMN_EACH.test(text)) return width <= 0 ? '' : text.slice(-width);
  const cells = cellsOf(text);
  let tail = '';
  let used = 0;
  for (let i = cells.length - 1; i >= 0; i--) {
    const cell = cells[i] as {text: string; columns: number};
    if (used + cell.columns > width) break;
    tail = cell.text + tail;
    used += cell.columns;
  }
  return tail;
}

/** `text` and spaces after it, `width` columns in all (padEnd counts UTF-16 units, not columns). */
export function padColumns(text: string, width: number): string {
  return text + ' '.repeat(Math.max(0, width - columnsOf(text)));
}

export function lineWidth(line: Line): number {
  return line.reduce((sum, piece) => sum + columnsOf(piece.text), 0);
}

export function plainText(line: Line): string {
  return line.map((piece) => piece.text).join('');
}

/** The columns a line may fill: never less than MIN_COLUMNS (a terminal can say 0), never the last one (the cursor would wait there to wrap). */
export function usableColumns(columns: number | undefined): number {
  return Math.max(MIN_COLUMNS, columns ?? 80) - 1;
}

/**
 * `nightly-back…part1`: the start and the end kept, the end a little more (names that differ
 * differ there: part1/part2, dates, counters).
 */
export function cutMiddle(text: string, width: number, ellipsis: string): string {
  if (columnsOf(text) <= width) return text;
  const ellipsisColumns = columnsOf(ellipsis);
  if (width <= ellipsisColumns) return headOf(text, width);
  const keep = width - ellipsisColumns;
  const head = headOf(text, Math.floor((keep - 1) / 2));
  return `${head}${ellipsis}${tailOf(text, keep - columnsOf(head))}`;
}

/** `upload nig…part1`: the kind stays whole while the hash has room to show both its ends. */
function cutLabel(job: JobState<unknown>, width: number, ellipsis: string): string {
  const hashRoom = width - job.kind.length - 1;
  if (columnsOf(job.label) <= width || hashRoom < ellipsis.length + 4) return cutMiddle(job.label, width, ellipsis);
  return `${job.kind} ${cutMiddle(job.hash, hashRoom, ellipsis)}`;
}

/** `gave up after 1m of fail…`: for sentences, which are read from the start. */
export function cutEnd(text: string, width: number, ellipsis: string): string {
  if (columnsOf(text) <= width) return text;
  const ellipsisColumns = columnsOf(ellipsis);
  if (width <= ellipsisColumns) return headOf(text, width);
  return `${headOf(text, width - ellipsisColumns)}${ellipsis}`;
}

/**
 * The width of the label column: the widest label's columns, within its share of the terminal (the
 * widest is kept by whoever knows every job, so no frame measures them all).
 */
export function labelColumnOf(widestLabel: number, columns: number | undefined): number {
  const share = Math.max(LABEL_MIN_COLUMNS, Math.floor((usableColumns(columns) + 1) * LABEL_SHARE));
  return Math.min(share, widestLabel);
}

/** `12s`, `1m30s`: whole seconds, so the count ticks calmly. */
export function waitedText(ms: number): string {
  const seconds = Math.max(0, Math.floor(ms / 1000));
  return seconds < 60 ? `${seconds}s` : formatDuration(seconds * 1000);
}

/** One part of a line: drawn at the width it is given. */
export interface Slot {
  /** lower ranks are kept first when room runs out */
  rank: number;
  width: number;
  /** it may be drawn narrower, down to this, instead of being left out */
  min?: number;
  draw(width: number): Line;
}

export const textSlot = (rank: number, text: string, tone?: Tone): Slot => ({rank, width: columnsOf(text), draw: () => [tone ? {text, tone} : {text}]});

/** Like textSlot, but cut at the end when short of room, down to `min` columns. */
const sentenceSlot = (rank: number, text: string, min: number, ellipsis: string, tone?: Tone): Slot => ({
  rank,
  width: columnsOf(text),
  min,
  draw: (width) => [tone ? {text: cutEnd(text, width, ellipsis), tone} : {text: cutEnd(text, width, ellipsis)}],
});

/** The first of `variants` (longest first) that fits; the last one cut at the end, down to its `min` columns. */
export const variantsSlot = (rank: number, variants: readonly string[], min: number, ellipsis: string, tone?: Tone): Slot => ({
  rank,
  width: columnsOf(variants[0] ?? ''),
  min,
  draw: (width) => {
    const text = variants.find((variant) => columnsOf(variant) <= width) ?? cutEnd(variants.at(-1) ?? '', width, ellipsis);
    return [tone ? {text, tone} : {text}];
  },
});

interface Fitted {
  slot: Slot;
  width: number;
}

/** The slots that fit `room` columns (GAP between them), the most important first; in their own order. */
export function fit(slots: readonly Slot[], room: number): {fitted: Fitted[]; free: number} {
  const chosen = new Map<Slot, number>();
  let used = 0;
  for (const slot of [...slots].sort((a, b) => a.rank - b.rank)) {
    const free = room - used - (chosen.size > 0 ? GAP.length : 0);
    const width = slot.width <= free ? slot.width : slot.min !== undefined && free >= slot.min ? free : undefined;
    if (width === undefined) continue;
    used += width + (chosen.size > 0 ? GAP.length : 0);
    chosen.set(slot, width);
  }
  return {fitted: slots.filter((slot) => chosen.has(slot)).map((slot) => ({slot, width: chosen.get(slot) as number})), free: room - used};
}

export function join(parts: Line[]): Line {
  return parts.flatMap((part, i) => (i === 0 ? part : [{text: GAP}, ...part]));
}

/** `6.25/16.3 MiB` when both share a unit, else `900 KiB/16.3 MiB`. */
export function amountText(bytes: number, total: number | null): string {
  if (!total) return formatBytes(bytes);
  const [value, unit] = formatBytes(bytes).split(' ');
  const [totalValue, totalUnit] = formatBytes(total).split(' ');
  return unit === totalUnit ? `${value}/${totalValue} ${unit}` : `${formatBytes(bytes)}/${formatBytes(total)}`;
}

/** `#2 screencast.mp4`: the upload's current file number (pCloud's `filenumber`) and name, cut in the middle. */
function fileSlot(e: StatusEvent, ellipsis: string): Slot | undefined {
  if (e.currentFile === null) return undefined;
  const number = e.raw?.filenumber;
  const prefix = `#${typeof number === 'number' && Number.isInteger(number) && number > 0 ? number : (e.files ?? 0) + 1} `;
  const name = sanitize(e.currentFile, 1000);
  return {rank: 99, width: prefix.length + columnsOf(name), min: prefix.length + NAME_MIN_COLUMNS, draw: (width) => [{text: prefix + cutMiddle(name, width - prefix.length, ellipsis)}]};
}

/** An extraction's latest output line (`  photos/IMG_4107.jpg  (1340000 B)... OK.`), cut in the middle. */
function latestLineSlot(job: JobState<unknown>, ellipsis: string): Slot | undefined {
  if (job.latestLine === undefined) return undefined;
  const text = sanitize(job.latestLine, 1000);
  return {rank: 99, width: columnsOf(text), min: NAME_MIN_COLUMNS, draw: (width) => [{text: cutMiddle(text, width, ellipsis)}]};
}

function retrySlot(job: JobState<unknown>, rank: number, ellipsis: string): Slot | undefined {
  return job.retry ? sentenceSlot(rank, `retrying: ${sanitize(job.retry.message, 200)}`, RETRY_MIN_COLUMNS, ellipsis, 'warn') : undefined;
}

/**
 * The bar: as wide as the terminal and label allow, the same on every line so bars line up; it
 * gives way to the percent and a retry note, and makes room for the amounts down to
 * BAR_MIN_COLUMNS (see progressParts).
 */
function barWidth(usable: number, labelWidth: number): number {
  return Math.min(BAR_MAX_COLUMNS, Math.max(BAR_WANTED_COLUMNS, usable + 1 - labelWidth - LINE_REST_COLUMNS));
}

function barSlot(percent: number, width: number, symbols: Symbols): Slot {
  return {
    rank: 2, // before the amounts: the bar is what this display is for
    width,
    min: BAR_MIN_COLUMNS,
    draw: (drawn) => {
      const filled = Math.round((percent / 100) * drawn);
      return [
        {text: symbols.filled.repeat(filled), tone: 'filled'},
        {text: symbols.empty.repeat(drawn - filled), tone: 'empty'},
      ];
    },
  };
}

/**
 * The line of a job that is being watched: its bar, percent and amounts; while its requests fail,
 * the failure in place of the rate and ETA (stale then); without a percent (no total known), the
 * amounts alone, never an empty bar. The file name takes what is left.
 */
function progressParts(job: JobState<unknown>, e: StatusEvent, usable: number, labelWidth: number, room: number, symbols: Symbols): Line {
  const retry = retrySlot(job, 1, symbols.ellipsis);
  const amount = e.bytes === null ? undefined : textSlot(3, amountText(e.bytes, e.totalBytes));
  const others: Slot[] = [];
  if (e.percent !== null) others.push(textSlot(0, formatPercent(e.percent).padStart(4), 'percent'));
  if (amount) others.push(amount);
  if (retry) {
    others.push(retry);
  } else {
    const eta = formatEta(e.eta);
    if (eta) others.push(textSlot(4, eta));
    if (e.rate !== null) others.push(textSlot(5, formatRate(e.rate)));
  }
  if (e.totalFiles !== null) others.push(textSlot(6, `${e.files ?? 0}/${e.totalFiles} files`));
  else if (e.kind === 'extract' && e.files !== null) others.push(textSlot(6, `${e.files} ${e.files === 1 ? 'entry' : 'entries'}`));
  const fitWithBar = (width: number): ReturnType<typeof fit> & {bar?: Slot} => {
    if (e.percent === null) return fit(others, room);
    const bar = barSlot(e.percent, width, symbols);
    return {...fit([bar, ...others], room), bar};
  };

  let line = fitWithBar(barWidth(usable, labelWidth));
  const drawnBar = line.fitted.find((part) => part.slot === line.bar);
  if (amount && drawnBar && !line.fitted.some((part) => part.slot === amount)) {
    // the amounts matter more than a wide bar: shrink it for them if that is enough
    const narrower = drawnBar.width - (amount.width + GAP.length - line.free);
    if (narrower >= BAR_MIN_COLUMNS) line = fitWithBar(narrower);
  }
  const parts = line.fitted.map((part) => part.slot.draw(part.width));
  const file = retry ? undefined : e.kind === 'extract' ? latestLineSlot(job, symbols.ellipsis) : fileSlot(e, symbols.ellipsis);
  const fileRoom = line.free - (parts.length > 0 ? GAP.length : 0);
  if (file && fileRoom >= (file.min as number)) parts.push(file.draw(Math.min(file.width, fileRoom)));
  return join(parts);
}

function waitingParts(job: JobState<unknown>, now: number, room: number, ellipsis: string): Line {
  const waited = `(${waitedText(now - (job.waitingSince ?? now))})`;
  const what = job.first ? [`not found any more, waiting ${waited}`, `gone, waiting ${waited}`] : [`waiting for it to appear ${waited}`, `waiting ${waited}`];
  const slots = [variantsSlot(1, what, WAIT_MIN_COLUMNS, ellipsis, 'dim'), retrySlot(job, 0, ellipsis)].filter((slot) => slot !== undefined);
  return join(fit(slots, room).fitted.map((part) => part.slot.draw(part.width)));
}

/** `✔ done: 100% 20.0 MiB in 3.2s, …` / `✖ error at 37%: …`, in place of the bar, as soon as the job ends. */
function endParts(job: JobState<unknown>, e: StatusEvent, room: number, symbols: Symbols): Line {
  if (e.event === 'done') {
    const text = cutEnd(describeDone(e, job), room - columnsOf(symbols.done) - 1, symbols.ellipsis);
    return [{text: symbols.done, tone: 'ok'}, {text: ` ${text}`}];
  }
  const text = cutEnd(`${errorHead(e)}: ${sanitize(e.event === 'error' ? e.message : 'failed', 1000)}`, room - columnsOf(symbols.failed) - 1, symbols.ellipsis);
  return [{text: symbols.failed, tone: 'bad'}, {text: ` ${text}`, tone: 'bad'}];
}

/** `error at 37%`, `error` */
function errorHead(e: StatusEvent): string {
  return e.percent === null ? 'error' : `error at ${Math.floor(e.percent)}%`;
}

/** One job's line at `columns` columns, its label padded (or cut in the middle) to `labelWidth`. */
export function jobLine(job: JobState<unknown>, now: number, columns: number | undefined, labelWidth: number, symbols: Symbols): Line {
  const usable = usableColumns(columns);
  const label: Piece = {text: padColumns(cutLabel(job, labelWidth, symbols.ellipsis), labelWidth), tone: 'label'};
  const room = usable - labelWidth - GAP.length;
  const e = job.last;
  let rest: Line;
  if (job.phase === 'done' || job.phase === 'error') rest = endParts(job, e as StatusEvent, room, symbols);
  else if (job.phase === 'progress' && e) rest = progressParts(job, e, usable, labelWidth, room, symbols);
  else rest = waitingParts(job, now, room, symbols.ellipsis);
  return rest.length > 0 ? [label, {text: GAP}, ...rest] : [{...label, text: label.text.trimEnd()}];
}

/**
 * The spinner's text (frame.ts puts ora's spinner glyph and a space before it) while no job has appeared:
 * `upload h1: waiting to appear on api7.pcloud.com (12s)`, and while requests fail, why.
 */
export function spinnerLine(jobs: readonly JobState<unknown>[], host: string, now: number, columns: number | undefined, symbols: Symbols): Line {
  const room = usableColumns(columns) - 2;
  const first = jobs[0];
  const who = jobs.length === 1 && first ? cutLabel(first, Math.max(LABEL_MIN_COLUMNS, Math.floor(room * LABEL_SHARE)), symbols.ellipsis) : `${jobs.length} jobs`;
  const head = `${who}: `;
  const waited = `(${waitedText(now - (first?.waitingSince ?? now))})`;
  const waiting: Slot = {
    rank: 1,
    width: columnsOf(`waiting to appear on ${host} ${waited}`),
    min: WAIT_MIN_COLUMNS,
    // shorter wording first, then the host cut in the middle; the waited time stays to the end
    draw: (width) => {
      const fits = [`waiting to appear on ${host} ${waited}`, `waiting on ${host} ${waited}`].find((text) => columnsOf(text) <= width);
      const hostRoom = width - columnsOf(`waiting on  ${waited}`);
      return [{text: fits ?? (hostRoom >= HOST_MIN_COLUMNS ? `waiting on ${cutMiddle(host, hostRoom, symbols.ellipsis)} ${waited}` : cutEnd(`waiting ${waited}`, width, symbols.ellipsis))}];
    },
  };
  const failing = jobs.find((job) => job.retry);
  const slots = [waiting, failing ? retrySlot(failing, 0, symbols.ellipsis) : undefined].filter((slot) => slot !== undefined);
  return [{text: head}, ...join(fit(slots, room - columnsOf(head)).fitted.map((part) => part.slot.draw(part.width)))];
}

/** The line a job leaves behind when the run ends: whole, not cut (line wrapping is back on by then). */
export function summaryLine(job: JobState<unknown>, symbols: Symbols): Line {
  const e = job.last;
  if (!e || (e.event !== 'done' && e.event !== 'error')) return [{text: '-', tone: 'dim'}, {text: ` ${job.label}: no answer`}];
  if (e.event === 'done') return [{text: symbols.done, tone: 'ok'}, {text: ` ${job.label}: ${describeDone(e, job)}`}];
  return [{text: symbols.failed, tone: 'bad'}, {text: ` ${job.label}: `}, {text: errorHead(e), tone: 'bad'}, {text: `: ${sanitize(e.message, 1000)}`}];
}
