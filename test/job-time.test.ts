import {describe, expect, it} from 'vitest';
import type {Outcome} from '../src/api/outcome.js';
import {eventToJson, isoTime, type DoneEvent, type StatusEvent} from '../src/events.js';
import {StoppedTime} from '../src/stopped.js';
import {pollJob, type JobSpec, type LoopEvent} from '../src/poll-job.js';
import {collect, FakeClock} from './helpers/fake-clock.js';

// A job's time is the job's, not the watch's: from the first poll that saw it moving to the first
// that saw it finished, less the time the watcher spent stopped (Ctrl-Z). And every event says when
// it was made, on the wall clock that comes through Env.

const notFound: Outcome = {type: 'notFound', code: 1900, message: 'Upload not found', raw: {result: 1900, error: 'Upload not found'}};
const upload = (uploaded: number, total = 5_000_000): Outcome => ({type: 'answer', raw: {result: 0, uploaded, total, files: [], finished: false, currentfile: 'a.bin'}});
const finished = (total = 5_000_000): Outcome => ({type: 'answer', raw: {result: 0, uploaded: total, total, files: [{name: 'a.bin', fileid: 7}], finished: true}});
const SPEC: JobSpec = {kind: 'upload', hash: 'h1', host: 'api7.pcloud.com', genericHost: false, intervalMs: 200, waitMs: 30_000, timeoutMs: 0, stallMs: 0};

/**
 * Polls `answers` in order (the last repeats), one every 200 ms from 0. With `stopAt`, the process is
 * stopped from then to `resumeAt`: the poll under way then returns only when it runs again.
 */
async function watch(answers: Outcome[], stop?: {stopAt: number; resumeAt: number}): Promise<LoopEvent[]> {
  const clock = new FakeClock();
  let index = 0;
  const stopped = new StoppedTime(clock);
  const poll = async (): Promise<Outcome> => {
    if (stop && clock.now() >= stop.stopAt && clock.now() < stop.resumeAt) {
      stopped.stop();
      await clock.sleep(stop.resumeAt - clock.now());
      stopped.resume();
    }
    return answers[Math.min(index++, answers.length - 1)] as Outcome;
  };
  return clock.run(collect(pollJob(SPEC, {poll, clock, random: () => 0.5, startedAt: 0, signal: new AbortController().signal, stopped})));
}

const doneOf = (events: LoopEvent[]): DoneEvent => {
  const done = events.at(-1);
  if (done?.event !== 'done') throw new Error(`the last event is ${done?.event}`);
  return done;
};

describe('the time of a job', () => {
  it('runs from the first poll that saw it moving to the one that saw it finished: 2.4 s of a job that started 8 s into the watch', async () => {
    // not found for 8 s (40 polls at 200 ms), then moving for 2.4 s (12 polls), then finished
    const moving = Array.from({length: 12}, (_, i) => upload(i * 400_000));
    const events = await watch([...Array<Outcome>(40).fill(notFound), ...moving, finished()]);
    const done = doneOf(events);
    expect(done.elapsed).toBe(10.4);
    expect(done.duration).toBe(2.4);
  });

  it('claims no duration for a job already finished at the first poll, or when it first appeared', async () => {
    expect(doneOf(await watch([finished()])).duration).toBeNull();
    expect(doneOf(await watch([notFound, notFound, finished()])).duration).toBeNull();
  });

  it('leaves out the time the watcher was stopped (Ctrl-Z at 1 s, fg at 5 s)', async () => {
    // polls at 0, 0.2 ... 1 s (stopped there until 5 s), 5.2 ... 5.8 s moving, 6 s finished
    const done = doneOf(await watch([...Array.from({length: 10}, (_, i) => upload(i * 300_000)), finished()], {stopAt: 1000, resumeAt: 5000}));
    expect(done.elapsed).toBe(6); // the clock ran on while stopped...
    expect(done.duration).toBe(2); // ...the job's time did not
  });
});

describe('StoppedTime', () => {
  it('counts the stops that fall between two clock times, a stop still going up to the later one', () => {
    const clock = new FakeClock();
    const stopped = new StoppedTime(clock);
    clock.time = 1000;
    stopped.stop();
    clock.time = 3000;
    stopped.resume();
    clock.time = 5000;
    stopped.stop();
    stopped.stop(); // a second SIGTSTP before SIGCONT: the stop began at the first
    clock.time = 6000;
    expect(stopped.within(0, 10_000)).toBe(2000 + 5000);
    expect(stopped.within(2000, 5500)).toBe(1000 + 500);
    expect(stopped.within(3000, 5000)).toBe(0);
    stopped.resume();
    expect(stopped.within(0, 10_000)).toBe(2000 + 1000);
    stopped.resume(); // a SIGCONT with no stop: nothing
    expect(stopped.within(0, 10_000)).toBe(3000);
  });
});

describe('the time of an event', () => {
  it('is the wall clock as ISO 8601 UTC with milliseconds, after `elapsed` in --json; `duration` on done', async () => {
    const events = (await watch([notFound, upload(1000), finished()])) as StatusEvent[];
    expect(events.map((e) => e.time)).toEqual(['2026-12-05T21:58:43.120Z', '2026-12-05T21:58:43.320Z', '2026-12-05T21:58:43.520Z']);
    const lines = events.map((e) => eventToJson(e));
    expect(Object.keys(lines[1] as object)).toEqual(['event', 'kind', 'hash', 'host', 'elapsed', 'time', 'bytes', 'totalBytes', 'files', 'totalFiles', 'percent', 'rate', 'eta', 'currentFile', 'raw']);
    expect(Object.keys(lines[2] as object)).toEqual(['event', 'kind', 'hash', 'host', 'elapsed', 'time', 'bytes', 'totalBytes', 'files', 'totalFiles', 'percent', 'rate', 'eta', 'currentFile', 'raw', 'duration']);
    expect(lines[2]).toMatchObject({event: 'done', duration: 0.2});
  });
});

describe('isoTime', () => {
  it('says what Date#toISOString says, at any millisecond', () => {
    const samples = [0, 1, 999, 1000, 59_999, 60_000, Date.UTC(2026, 11, 31, 23, 59, 59, 999), Date.UTC(2027, 0, 1), Date.UTC(2028, 1, 29, 12, 0, 0, 7), -1, -60_001, 1764971923120.7];
    for (let i = 0; i < 2000; i++) samples.push(Math.floor(Math.random() * 4_102_444_800_000));
    for (const ms of samples) expect(isoTime(ms)).toBe(new Date(Math.floor(ms)).toISOString());
  });
});
