import type {Clock, OutStream} from '../env.js';
import type {StatusEvent} from '../events.js';
import {formatSeconds} from '../format.js';
import {sanitize} from '../sanitize.js';
import type {LoopEvent} from '../watch.js';
import {describeDone, describeProgress} from './describe.js';
import {jobLabel, type Renderer} from './renderer.js';

/** Off a TTY, at most about one line a second per job, plus one per 10% of progress. */
export const PLAIN_LINE_EVERY_MS = 1000;
export const WAITING_LINE_EVERY_MS = 10_000;

interface JobState {
  lastLineAt: number;
  lastDecile: number;
  waitingSince: number | undefined;
  lastWaitingLineAt: number;
  lastRetryLineAt: number;
  firstProgress: StatusEvent | undefined;
}

/**
 * Plain lines on stderr for logs and pipes: no escape sequences, calm pace, and a last line per job
 * that says 100% or names the error.
 */
export function plainRenderer(stderr: OutStream, clock: Clock): Renderer {
  const jobs = new Map<string, JobState>();
  const state = (e: LoopEvent): JobState => {
    const key = `${e.kind}\0${e.hash}`;
    let job = jobs.get(key);
    if (!job) {
      job = {lastLineAt: -Infinity, lastDecile: -1, waitingSince: undefined, lastWaitingLineAt: -Infinity, lastRetryLineAt: -Infinity, firstProgress: undefined};
      jobs.set(key, job);
    }
    return job;
  };
  const line = (e: LoopEvent, text: string): void => {
    stderr.write(`${jobLabel(e.kind, e.hash)}: ${text}\n`);
  };

  return {
    handle(e) {
      if (e.event === 'output') {
        // an extraction's output: every line, once, as it comes (server text: sanitized)
        for (const text of e.lines) line(e, sanitize(text, 1000));
        return;
      }
      const job = state(e);
      const now = clock.now();
      switch (e.event) {
        case 'waiting': {
          if (job.waitingSince === undefined) {
            job.waitingSince = e.elapsed;
            job.lastWaitingLineAt = now;
            line(e, job.firstProgress ? 'not found any more; waiting for it to come back' : `waiting for it to appear on ${e.host}`);
          } else if (now - job.lastWaitingLineAt >= WAITING_LINE_EVERY_MS) {
            job.lastWaitingLineAt = now;
            line(e, `still not found after ${formatSeconds(e.elapsed - job.waitingSince)}`);
          }
          return;
        }
        case 'progress': {
          job.waitingSince = undefined;
          job.firstProgress ??= e;
          const decile = e.percent === null ? -1 : Math.floor(e.percent / 10);
          if (now - job.lastLineAt >= PLAIN_LINE_EVERY_MS || decile > job.lastDecile) {
            job.lastLineAt = now;
            job.lastDecile = Math.max(job.lastDecile, decile);
            line(e, describeProgress(e));
          }
          return;
        }
        case 'retry': {
          if (now - job.lastRetryLineAt >= PLAIN_LINE_EVERY_MS) {
            job.lastRetryLineAt = now;
            line(e, `${sanitize(e.message)}; retrying in ${formatSeconds(e.delayMs / 1000)}`);
          }
          return;
        }
        case 'done': {
          const first = job.firstProgress;
          const active = first ? e.elapsed - first.elapsed : null;
          line(e, describeDone(e, active, first?.bytes ?? null));
          return;
        }
        case 'error': {
          const at = e.percent === null ? '' : ` (at ${Math.floor(e.percent)}%)`;
          line(e, `error${at}: ${sanitize(e.message ?? 'failed', 1000)}`);
          return;
        }
      }
    },
    end() {},
  };
}
