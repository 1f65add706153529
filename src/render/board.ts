import type {Clock} from '../env.js';
import type {JobKind} from '../events.js';
import type {LoopEvent} from '../poll-job.js';
import {JobStates, type JobState} from './job-state.js';
import {columnsOf} from './layout.js';

/** Where a live job stands for the display: its rows go failing first, then moving, then waiting. */
export type Group = 'failing' | 'moving' | 'waiting';
export const GROUPS: readonly Group[] = ['failing', 'moving', 'waiting'];

/** What the board keeps of a job besides its state. */
export interface Seat {
  /** its place among all jobs: argv's order, then first seen */
  index: number;
  /** undefined once ended: it has left the live display for good */
  group: Group | undefined;
}

export type BoardJob = JobState<Seat>;

function groupOf(job: BoardJob): Group | undefined {
  if (job.phase === 'done' || job.phase === 'error') return undefined;
  if (job.retry) return 'failing';
  return job.phase === 'progress' ? 'moving' : 'waiting';
}

/**
 * Every job of a run, sorted for the display as events come in, each in O(1): the live ones in
 * groups, each group in the order its jobs joined it (a job keeps its place while it stays in its
 * group; the jobs of argv start out waiting, in argv's order), and counts of those that ended.
 * The frame (frame.ts) reads it; it never changes it.
 */
export class Board {
  readonly #states: JobStates<Seat>;
  readonly #all: BoardJob[] = [];
  readonly #seen = new Set<BoardJob>();
  readonly groups: Readonly<Record<Group, Set<BoardJob>>> = {failing: new Set(), moving: new Set(), waiting: new Set()};
  done = 0;
  failed = 0;
  /** the columns of the widest label: the label column is the same for every row and every frame */
  widestLabel = 0;
  /** a job has been seen moving or ending: the spinner gives way to rows */
  started = false;

  constructor(clock: Clock, jobs: readonly {kind: JobKind; hash: string}[] = []) {
    this.#states = new JobStates<Seat>(clock, () => ({index: -1, group: 'waiting'}), jobs);
    for (const job of this.#states.list) this.#enter(job);
  }

  /** Every job, in argv's order then first seen: for the header's sums, and rows when all fit. */
  get all(): readonly BoardJob[] {
    return this.#all;
  }

  /** Jobs not ended yet. */
  get live(): number {
    return this.groups.failing.size + this.groups.moving.size + this.groups.waiting.size;
  }

  /** Takes one event in; says whether it ended its job (its ✔/✖ line is due, once). */
  apply(e: LoopEvent): {job: BoardJob; ended: boolean} {
    const job = this.#states.apply(e);
    if (!this.#seen.has(job)) this.#enter(job);
    const was = job.own.group;
    if (was === undefined) return {job, ended: false}; // ended already: it stays where its line was printed
    if (job.phase !== 'waiting') this.started = true;
    const now = groupOf(job);
    if (now === was) return {job, ended: false};
    this.groups[was].delete(job);
    job.own.group = now;
    if (now !== undefined) {
      this.groups[now].add(job);
      return {job, ended: false};
    }
    if (job.phase === 'done') this.done += 1;
    else this.failed += 1;
    return {job, ended: true};
  }

  #enter(job: BoardJob): void {
    this.#seen.add(job);
    job.own.index = this.#all.length;
    this.#all.push(job);
    this.groups.waiting.add(job);
    this.widestLabel = Math.max(this.widestLabel, columnsOf(job.label));
  }
}
