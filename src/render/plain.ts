import type {Clock, OutStream} from '../env.js';
import type {ErrorEvent, JobKind} from '../events.js';
import {formatSeconds} from '../format.js';
import {sanitize} from '../sanitize.js';
import {describeDone, describeProgress} from './describe.js';
import {JobStates, type JobState} from './job-state.js';
import type {Renderer} from './renderer.js';
import {jobsNoun, progressSummary, runSummary, tally} from './run-summary.js';

/** Off a TTY (or with --plain), at most about one line a second per job, plus one per 10% of progress. */
export const PLAIN_LINE_EVERY_MS = 1000;
export const WAITING_LINE_EVERY_MS = 10_000;
/** More jobs than this: each job's progress lines give way to one summary line every few seconds. */
export const MANY_JOBS = 10;
export const SUMMARY_EVERY_MS = 5000;
/** With nothing new, the summary still comes this often: the log shows the watch is alive. */
export const SUMMARY_HEARTBEAT_MS = 30_000;
/**
 * A job's error is held this long at the least (one and a half poll intervals, up to the most) to
 * be said once with the identical errors of other jobs: the jobs' polls are spread over one interval,
 * so errors of one cause (37 hashes never found) come within about one interval of each other.
 */
export const ERROR_GROUP_MIN_MS = 2000;
export const ERROR_GROUP_MAX_MS = 10_000;
/** Hashes a grouped error names before `… and N more`. */
export const GROUP_HASHES_SHOWN = 10;
const TICK_MS = 500;

export interface PlainOptions {
  /** the poll interval: how long identical errors of many jobs may take to come in */
  intervalMs?: number;
}

/** The pacing of one job's lines. */
interface Pace {
  lastLineAt: number;
  lastDecile: number;
  /** the wait (its `waitingSince`) whose first line was printed */
  waitAnnounced: number | undefined;
  lastWaitingLineAt: number;
  lastRetryLineAt: number;
  /** many jobs: its first progress line is out */
  movingAnnounced: boolean;
  /** many jobs: its requests are failing, and that was said */
  failingAnnounced: boolean;
  /** its place among the jobs (argv's order): a grouped error names the hashes in it */
  order: number;
}

/** Identical errors of several jobs, said once. */
interface ErrorGroup {
  since: number;
  kind: JobKind;
  /** the first job's message, its hash masked */
  message: string;
  jobs: {job: JobState<Pace>; event: ErrorEvent}[];
}

const escapeRegExp = (text: string): string => text.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');

/** The message without the job's own hash (where a server text names it): what identical errors share. */
function withoutHash(message: string, hash: string): string {
  return message.replace(new RegExp(`(?<![\\w-])${escapeRegExp(hash)}(?![\\w-])`, 'g'), '<hash>');
}

/** `37 uploads: error: not found after waiting 30s (h1, h2, … and 27 more); <hint>` */
function groupLine(group: ErrorGroup): string {
  const count = group.jobs.length;
  const text = sanitize(group.message, 1000);
  const body = text.startsWith(`${group.kind} `) ? text.slice(group.kind.length + 1) : text;
  const shown = group.jobs
    .slice()
    .sort((a, b) => a.job.own.order - b.job.own.order)
    .slice(0, GROUP_HASHES_SHOWN)
    .map(({job}) => job.hash);
  const hashes = `(${shown.join(', ')}${count > shown.length ? `, … and ${count - shown.length} more` : ''})`;
  const cut = body.indexOf('; '); // the message, then its hint: the hashes belong to the message
  const said = cut < 0 ? `${body} ${hashes}` : `${body.slice(0, cut)} ${hashes}${body.slice(cut)}`;
  return `${jobsNoun(count, [group.kind])}: error: ${said}`;
}

function errorLine(job: JobState<Pace>, e: ErrorEvent): string {
  const at = e.percent === null ? '' : ` (at ${Math.floor(e.percent)}%)`;
  return `${job.label}: error${at}: ${sanitize(e.message, 1000)}`;
}

/**
 * Plain lines on stderr for logs and pipes: no escape sequences, calm pace, and a last line per job
 * that says 100% or names the error. More than MANY_JOBS jobs: a summary line every few seconds,
 * and of each job only the lines that change its story (it moves, its requests fail or work again,
 * it ends). Identical errors of several jobs are said once; several jobs end with a line for the run.
 */
export function plainRenderer(stderr: OutStream, clock: Clock, jobs: readonly {kind: JobKind; hash: string}[] = [], options: PlainOptions = {}): Renderer {
  let created = 0;
  const newPace = (): Pace => ({lastLineAt: -Infinity, lastDecile: -1, waitAnnounced: undefined, lastWaitingLineAt: -Infinity, lastRetryLineAt: -Infinity, movingAnnounced: false, failingAnnounced: false, order: created++});
  const states = new JobStates(clock, newPace, jobs);
  const groupWindowMs = Math.min(ERROR_GROUP_MAX_MS, Math.max(ERROR_GROUP_MIN_MS, (options.intervalMs ?? 0) * 1.5));
  const groups = new Map<string, ErrorGroup>();
  const timers = new AbortController();
  let ticking = false;
  let ended = false;
  let lastSummaryAt = clock.now();
  let lastSummaryKey = '';

  const write = (text: string): void => {
    stderr.write(`${text}\n`);
  };
  const line = (job: JobState<Pace>, text: string): void => write(`${job.label}: ${text}`);
  const many = (): boolean => states.list.length > MANY_JOBS;

  const flushGroups = (now: number, all: boolean): void => {
    for (const [key, group] of groups) {
      if (!all && now - group.since < groupWindowMs) continue;
      groups.delete(key);
      const [only] = group.jobs;
      write(group.jobs.length === 1 && only ? errorLine(only.job, only.event) : groupLine(group));
    }
  };

  const summaryDue = (now: number): void => {
    if (!many() || now - lastSummaryAt < SUMMARY_EVERY_MS) return;
    const t = tally(states.list);
    if (t.done + t.failed === t.jobs) return; // all ended: the run's own line says the rest
    // the counts and bytes, not the rate: a line with nothing new waits for the heartbeat
    const key = `${t.running},${t.retrying},${t.waiting},${t.done},${t.failed},${t.bytes},${t.untotalledBytes}`;
    if (key === lastSummaryKey && now - lastSummaryAt < SUMMARY_HEARTBEAT_MS) return;
    lastSummaryAt = now;
    lastSummaryKey = key;
    write(progressSummary(states.list));
  };

  const tick = (): void => {
    const now = clock.now();
    flushGroups(now, false);
    summaryDue(now);
  };

  // held errors and the summary come due without events too (every job quiet, or waiting)
  const startTicking = (): void => {
    if (ticking || states.list.length < 2) return;
    ticking = true;
    void (async () => {
      while (!timers.signal.aborted) {
        await clock.sleep(TICK_MS, timers.signal);
        if (!timers.signal.aborted) tick();
      }
    })();
  };

  const holdError = (job: JobState<Pace>, e: ErrorEvent, now: number): void => {
    if (states.list.length < 2) {
      write(errorLine(job, e));
      return;
    }
    const message = withoutHash(e.message, e.hash);
    const key = `${e.kind}\0${e.exitCode}\0${message}`;
    const group = groups.get(key) ?? {since: now, kind: e.kind, message, jobs: []};
    group.jobs.push({job, event: e});
    groups.set(key, group);
  };

  return {
    handle(e) {
      if (ended) return;
      const wasFailing = states.get(e.kind, e.hash).own.failingAnnounced;
      const job = states.apply(e);
      startTicking();
      const now = clock.now();
      const pace = job.own;
      if (e.event === 'output') {
        // an extraction's output: every line, once, as it comes (server text: sanitized)
        for (const text of e.lines) line(job, sanitize(text, 1000));
      } else if (e.event === 'done') {
        line(job, describeDone(e, job));
      } else if (e.event === 'error') {
        holdError(job, e, now);
      } else if (many()) {
        if (wasFailing && e.event !== 'retry') {
          pace.failingAnnounced = false;
          line(job, 'answering again');
        }
        switch (e.event) {
          case 'waiting':
            // only a job that vanished gets a line: the summary counts the ones not found yet
            if (job.first && pace.waitAnnounced !== job.waitingSince) {
              pace.waitAnnounced = job.waitingSince;
              line(job, 'not found any more; waiting for it to come back');
            }
            break;
          case 'progress':
            if (!pace.movingAnnounced) {
              pace.movingAnnounced = true;
              line(job, `running: ${describeProgress(e)}`);
            }
            break;
          case 'retry':
            if (!pace.failingAnnounced) {
              pace.failingAnnounced = true;
              line(job, `${sanitize(e.message)}; retrying`); // once: the next line says when it answers again
            }
            break;
        }
      } else {
        switch (e.event) {
          case 'waiting': {
            const since = job.waitingSince ?? now;
            if (pace.waitAnnounced !== since) {
              pace.waitAnnounced = since;
              pace.lastWaitingLineAt = now;
              line(job, job.first ? 'not found any more; waiting for it to come back' : `waiting for it to appear on ${e.host}`);
            } else if (now - pace.lastWaitingLineAt >= WAITING_LINE_EVERY_MS) {
              pace.lastWaitingLineAt = now;
              line(job, `still not found after ${formatSeconds(Math.round((now - since) / 1000))}`);
            }
            break;
          }
          case 'progress': {
            const decile = e.percent === null ? -1 : Math.floor(e.percent / 10);
            if (now - pace.lastLineAt >= PLAIN_LINE_EVERY_MS || decile > pace.lastDecile) {
              pace.lastLineAt = now;
              pace.lastDecile = Math.max(pace.lastDecile, decile);
              line(job, describeProgress(e));
            }
            break;
          }
          case 'retry': {
            if (now - pace.lastRetryLineAt >= PLAIN_LINE_EVERY_MS) {
              pace.lastRetryLineAt = now;
              line(job, `${sanitize(e.message)}; retrying in ${formatSeconds(e.delayMs / 1000)}`);
            }
            break;
          }
        }
      }
      tick();
    },
    end() {
      if (ended) return;
      ended = true;
      timers.abort();
      flushGroups(clock.now(), true);
      const last = runSummary(states.list);
      if (last !== undefined) write(last);
    },
  };
}
