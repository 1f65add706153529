import type {JobKind} from '../events.js';
import {formatBytes, formatPercent, formatRate, formatSeconds} from '../format.js';
import type {JobState} from './job-state.js';
import {ExitCode} from '../exit-codes.js';

// What many jobs add up to, for a line that speaks for all of them: the plain log's periodic
// summary and the run's last line (plain lines and the terminal display print the same one).
// Pure: the jobs' states in, text out.

/** How many jobs stand where, and the bytes they add up to. Every job is in exactly one count. */
export interface Tally {
  jobs: number;
  /** seen moving, not ended, requests answering */
  running: number;
  /** not ended, requests failing and retried */
  retrying: number;
  /** not found (yet, or any more), or never answered */
  waiting: number;
  done: number;
  failed: number;
  /** failed jobs by reason (`not found`, `timed out`...), in the order first met */
  failedBy: Map<string, number>;
  /**
   * Bytes of the jobs whose total is known, and that total, failed jobs left out: the same
   * figures as the terminal display's header (frame.ts), so a log and a terminal say one percent.
   */
  bytes: number;
  totalBytes: number;
  /** bytes of the jobs with no total (an extraction), failed ones left out */
  untotalledBytes: number;
  /** bytes the failed jobs had moved when they failed: the run's last line counts them */
  failedBytes: number;
  /** the running jobs' rates added up (bytes/s), null when none has one */
  rate: number | null;
  /** the latest `elapsed` among the jobs' events: how long the run has gone on, in seconds */
  elapsed: number;
}

/** Why a job failed, in a word or two, by its exit code (see exit-codes.ts). */
export function failureReason(exitCode: number, message: string): string {
  switch (exitCode) {
    case ExitCode.auth:
      return 'auth';
    case ExitCode.notFound:
      return 'not found';
    case ExitCode.rateLimited:
      return 'rate limited';
    case ExitCode.failure:
      return 'server or network';
    case ExitCode.timeout:
      return message.startsWith('stalled') ? 'stalled' : 'timed out';
    case ExitCode.partial:
      return 'items failed';
    case ExitCode.sighup:
    case ExitCode.sigint:
    case ExitCode.sigterm:
      return 'interrupted';
    default:
      return 'internal error';
  }
}

export function tally(jobs: readonly JobState<unknown>[]): Tally {
  const t: Tally = {jobs: jobs.length, running: 0, retrying: 0, waiting: 0, done: 0, failed: 0, failedBy: new Map(), bytes: 0, totalBytes: 0, untotalledBytes: 0, failedBytes: 0, rate: null, elapsed: 0};
  for (const job of jobs) {
    const e = job.last;
    if (e) t.elapsed = Math.max(t.elapsed, e.elapsed);
    if (job.phase === 'done') t.done += 1;
    else if (job.phase === 'error' && e?.event === 'error') {
      t.failed += 1;
      const reason = failureReason(e.exitCode, e.message);
      t.failedBy.set(reason, (t.failedBy.get(reason) ?? 0) + 1);
    } else if (job.retry) t.retrying += 1;
    else if (job.phase === 'progress') t.running += 1;
    else t.waiting += 1;
    if (job.phase === 'progress' && !job.retry && e?.rate != null) t.rate = (t.rate ?? 0) + e.rate;
    if (!e) continue;
    const bytes = job.phase === 'done' ? (e.totalBytes ?? e.bytes ?? 0) : (e.bytes ?? 0);
    if (job.phase === 'error') {
      t.failedBytes += bytes;
    } else if (e.totalBytes !== null && e.totalBytes > 0) {
      t.bytes += Math.min(bytes, e.totalBytes);
      t.totalBytes += e.totalBytes;
    } else {
      t.untotalledBytes += bytes;
    }
  }
  return t;
}

const NOUNS: Record<JobKind, [string, string]> = {upload: ['upload', 'uploads'], zip: ['zip', 'zips'], extract: ['extraction', 'extractions']};

/** `40 uploads`, `1 zip`, `12 jobs` (several kinds) */
export function jobsNoun(count: number, kinds: readonly JobKind[]): string {
  const kind = kinds[0];
  const [one, many] = kind !== undefined && kinds.every((each) => each === kind) ? NOUNS[kind] : ['job', 'jobs'];
  return `${count} ${count === 1 ? one : many}`;
}

const kindsOf = (jobs: readonly JobState<unknown>[]): JobKind[] => [...new Set(jobs.map((job) => job.kind))];

/** `12.3 MiB of 45.6 MiB (27%)`, plus the bytes of jobs with no total; '' when nothing moved or is known */
function amount(t: Tally): string {
  const parts: string[] = [];
  if (t.totalBytes > 0) parts.push(`${formatBytes(t.bytes)} of ${formatBytes(t.totalBytes)} (${formatPercent((t.bytes / t.totalBytes) * 100)})`);
  if (t.untotalledBytes > 0) parts.push(`${formatBytes(t.untotalledBytes)}${t.totalBytes > 0 ? ' more' : ''}`);
  return parts.join(', ');
}

/**
 * The log's periodic line for many jobs:
 * `100 uploads: 37 running, 40 waiting, 20 done, 3 failed; 120 MiB of 477 MiB (25%), 12.0 MiB/s`
 */
export function progressSummary(jobs: readonly JobState<unknown>[]): string {
  const t = tally(jobs);
  const counts = [`${t.running} running`, t.retrying > 0 ? `${t.retrying} retrying` : '', `${t.waiting} waiting`, `${t.done} done`, `${t.failed} failed`].filter(Boolean).join(', ');
  const moved = [amount(t), t.rate === null ? '' : formatRate(t.rate)].filter(Boolean).join(', ');
  return `${jobsNoun(t.jobs, kindsOf(jobs))}: ${counts}${moved ? `; ${moved}` : ''}`;
}

/**
 * The run's last line when there were several jobs, or undefined for one:
 * `40 uploads: 3 done, 37 failed (37 not found); 14.3 MiB in 32s`.
 * Bytes are all the jobs moved (a failed job's too); the time is the run's.
 */
export function runSummary(jobs: readonly JobState<unknown>[]): string | undefined {
  if (jobs.length < 2) return undefined;
  const t = tally(jobs);
  const reasons = [...t.failedBy].map(([reason, count]) => `${count} ${reason}`).join(', ');
  const unfinished = t.jobs - t.done - t.failed;
  const counts = [`${t.done} done`, `${t.failed} failed${t.failed > 0 ? ` (${reasons})` : ''}`, unfinished > 0 ? `${unfinished} unfinished` : ''].filter(Boolean).join(', ');
  const bytes = t.bytes + t.untotalledBytes + t.failedBytes;
  return `${jobsNoun(t.jobs, kindsOf(jobs))}: ${counts}; ${formatBytes(bytes)} in ${formatSeconds(t.elapsed)}`;
}
