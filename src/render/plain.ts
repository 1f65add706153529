import type {Clock, OutStream} from '../env.js';
import type {JobKind} from '../events.js';
import {formatSeconds} from '../format.js';
import {sanitize} from '../sanitize.js';
import {describeDone, describeProgress} from './describe.js';
import {JobStates, type JobState} from './job-state.js';
import type {Renderer} from './renderer.js';

/** Off a TTY, at most about one line a second per job, plus one per 10% of progress. */
export const PLAIN_LINE_EVERY_MS = 1000;
export const WAITING_LINE_EVERY_MS = 10_000;

/** The pacing of one job's lines. */
interface Pace {
  lastLineAt: number;
  lastDecile: number;
  /** the wait (its `waitingSince`) whose first line was printed */
  waitAnnounced: number | undefined;
  lastWaitingLineAt: number;
  lastRetryLineAt: number;
}

const newPace = (): Pace => ({lastLineAt: -Infinity, lastDecile: -1, waitAnnounced: undefined, lastWaitingLineAt: -Infinity, lastRetryLineAt: -Infinity});

/**
 * Plain lines on stderr for logs and pipes: no escape sequences, calm pace, and a last line per job
 * that says 100% or names the error.
 */
export function plainRenderer(stderr: OutStream, clock: Clock, jobs: readonly {kind: JobKind; hash: string}[] = []): Renderer {
  const states = new JobStates(clock, newPace, jobs);
  const line = (job: JobState<Pace>, text: string): void => {
    stderr.write(`${job.label}: ${text}\n`);
  };

  return {
    handle(e) {
      const job = states.apply(e);
      if (e.event === 'output') {
        // an extraction's output: every line, once, as it comes (server text: sanitized)
        for (const text of e.lines) line(job, sanitize(text, 1000));
        return;
      }
      const pace = job.own;
      const now = clock.now();
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
          return;
        }
        case 'progress': {
          const decile = e.percent === null ? -1 : Math.floor(e.percent / 10);
          if (now - pace.lastLineAt >= PLAIN_LINE_EVERY_MS || decile > pace.lastDecile) {
            pace.lastLineAt = now;
            pace.lastDecile = Math.max(pace.lastDecile, decile);
            line(job, describeProgress(e));
          }
          return;
        }
        case 'retry': {
          if (now - pace.lastRetryLineAt >= PLAIN_LINE_EVERY_MS) {
            pace.lastRetryLineAt = now;
            line(job, `${sanitize(e.message)}; retrying in ${formatSeconds(e.delayMs / 1000)}`);
          }
          return;
        }
        case 'done': {
          line(job, describeDone(e, job));
          return;
        }
        case 'error': {
          const at = e.percent === null ? '' : ` (at ${Math.floor(e.percent)}%)`;
          line(job, `error${at}: ${sanitize(e.message, 1000)}`);
          return;
        }
      }
    },
    end() {},
  };
}
