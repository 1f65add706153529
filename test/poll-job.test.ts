import {describe, expect, it} from 'vitest';
import type {Outcome} from '../src/api/outcome.js';
import type {FinalEvent, StatusEvent} from '../src/events.js';
import {backoffMs, pollJob, type JobSpec, type LoopEvent} from '../src/poll-job.js';
import {collect, FakeClock} from './helpers/fake-clock.js';

const notFound: Outcome = {type: 'notFound', code: 1900, message: 'Upload not found', raw: {result: 1900, error: 'Upload not found'}};
const upload = (uploaded: number, total: number, extra: Record<string, unknown> = {}): Outcome => ({
  type: 'answer',
  raw: {result: 0, uploaded, total, files: [], finished: false, currentfile: 'a.bin', ...extra},
});
const finished = (total: number): Outcome => ({type: 'answer', raw: {result: 0, uploaded: total, total, files: [{name: 'a.bin', fileid: 7}], finished: true}});
const transient: Outcome = {type: 'transient', code: null, message: 'server error (HTTP 502)'};

const SPEC: JobSpec = {kind: 'upload', hash: 'h1', host: 'api7.pcloud.com', genericHost: false, intervalMs: 1000, waitMs: 30_000, timeoutMs: 0, stallMs: 0};

/** A scripted source of answers: each poll takes the next one (the last repeats); `null` never answers. */
function scripted(clock: FakeClock, answers: (Outcome | null)[], latencyMs = 0) {
  const polls: number[] = [];
  let index = 0;
  const poll = async (signal: AbortSignal): Promise<Outcome> => {
    polls.push(clock.now());
    const answer = answers[Math.min(index++, answers.length - 1)] ?? null;
    if (answer === null) {
      await clock.sleep(Number.MAX_SAFE_INTEGER, signal);
      return {type: 'transient', code: null, message: 'aborted'};
    }
    if (latencyMs > 0) await clock.sleep(latencyMs, signal);
    return answer;
  };
  return {poll, polls};
}

async function run(spec: Partial<JobSpec>, answers: (Outcome | null)[], options: {abortAt?: number; reason?: unknown; latencyMs?: number} = {}) {
  const clock = new FakeClock();
  const controller = new AbortController();
  const source = scripted(clock, answers, options.latencyMs);
  if (options.abortAt !== undefined) void clock.sleep(options.abortAt).then(() => controller.abort(options.reason));
  const events = await clock.run(collect(pollJob({...SPEC, ...spec}, {poll: source.poll, clock, random: () => 0.5, startedAt: 0, signal: controller.signal})));
  return {events, polls: source.polls, clock, last: events.at(-1) as FinalEvent};
}

const names = (events: LoopEvent[]): string[] => events.map((e) => e.event);

describe('watch', () => {
  it('waits, then reports progress and done with the contract numbers', async () => {
    const {events, polls} = await run({}, [notFound, notFound, upload(0, 1000), upload(500, 1000), finished(1000)]);
    expect(names(events)).toEqual(['waiting', 'waiting', 'progress', 'progress', 'done']);
    expect(polls).toEqual([0, 1000, 2000, 3000, 4000]);
    const [, , first, second, done] = events as StatusEvent[];
    expect(first).toMatchObject({bytes: 0, totalBytes: 1000, percent: 0, files: 0, currentFile: 'a.bin', rate: null, eta: null, elapsed: 2});
    expect(second).toMatchObject({bytes: 500, percent: 50, rate: 500, eta: 1});
    expect(done).toMatchObject({event: 'done', percent: 100, bytes: 1000, files: 1, currentFile: null, eta: 0, elapsed: 4});
    expect(done?.raw).toMatchObject({files: [{fileid: 7}]});
  });

  it('emits a progress event only when the numbers changed', async () => {
    const {events} = await run({}, [upload(10, 100), upload(10, 100), upload(10, 100), upload(20, 100), finished(100)]);
    expect(names(events)).toEqual(['progress', 'progress', 'done']);
  });

  it('says the first answer after failures even with the same numbers: "retrying" is over', async () => {
    const {events} = await run({}, [upload(10, 100), transient, transient, upload(10, 100), upload(10, 100), finished(100)]);
    expect(names(events)).toEqual(['progress', 'retry', 'retry', 'progress', 'done']);
    expect(events[3]).toMatchObject({event: 'progress', bytes: 10, totalBytes: 100});
  });

  it('gives up with exit 4 when the job never appears within --wait, with the server hint on a generic host', async () => {
    const {last, polls} = await run({waitMs: 5000, genericHost: true, host: 'api.pcloud.com'}, [notFound]);
    expect(last).toMatchObject({event: 'error', exitCode: 4, code: 1900});
    expect(last.message).toMatch(/not found after waiting 5s/);
    expect(last.message).toMatch(/pcloud-progress server/);
    expect(polls).toHaveLength(6);
  });

  it('treats a job that vanishes after progress as not found once --wait passed since it vanished', async () => {
    const {events, last} = await run({waitMs: 3000}, [upload(10, 100), upload(20, 100), notFound]);
    expect(names(events)).toEqual(['progress', 'progress', 'waiting', 'waiting', 'waiting', 'waiting', 'error']);
    expect(last).toMatchObject({exitCode: 4, bytes: 20, elapsed: 5});
    expect(last.message).toMatch(/vanished/);
  });

  it('retries transient failures with growing, capped backoff and gives up after 60 s of them with exit 6', async () => {
    const {events, polls, last} = await run({}, [transient]);
    expect(last).toMatchObject({event: 'error', exitCode: 6});
    expect(last.message).toMatch(/gave up after 1m\d*s? of failures; the last: server error \(HTTP 502\)/);
    const gaps = polls.slice(1).map((at, i) => at - (polls[i] as number));
    expect(gaps.slice(0, 4)).toEqual([750, 1500, 3000, 6000]);
    expect(Math.max(...gaps)).toBeLessThanOrEqual(30_000);
    expect(events.filter((e) => e.event === 'retry')).toHaveLength(polls.length - 1);
  });

  it('starts the failure window over after a good answer', async () => {
    // 47 s of failures, a good answer, then 23 s more: 70 s in all, but never 60 s in a row
    const answers = [...Array<Outcome>(6).fill(transient), upload(1, 10), ...Array<Outcome>(6).fill(transient), finished(10)];
    const {last, polls} = await run({}, answers);
    expect(last.event).toBe('done');
    expect((polls.at(-2) as number) - (polls[0] as number)).toBeGreaterThan(60_000);
  });

  it('fails at once, without retrying, on a permanent failure', async () => {
    const fatal: Outcome = {type: 'fatal', reason: 'auth', code: 2000, message: 'authentication failed: Log in failed. (pCloud 2000)', hint: 'try --region eu'};
    const {events, polls} = await run({}, [fatal]);
    expect(polls).toHaveLength(1);
    expect(events).toEqual([expect.objectContaining({event: 'error', exitCode: 3, code: 2000, message: 'authentication failed: Log in failed. (pCloud 2000); try --region eu'})]);
  });

  it('stops at --timeout even while a request hangs, with exit 7', async () => {
    const {last, clock} = await run({timeoutMs: 2500}, [upload(1, 10), null]);
    expect(last).toMatchObject({event: 'error', exitCode: 7, message: 'timed out after 2.5s', bytes: 1});
    expect(clock.time).toBe(2500);
  });

  it('stops with exit 7 when nothing moved for --stall, counting through retries', async () => {
    const {last} = await run({stallMs: 4000}, [upload(1, 10), upload(2, 10), upload(2, 10), transient]);
    expect(last).toMatchObject({event: 'error', exitCode: 7});
    expect(last.message).toMatch(/^stalled: nothing moved for 4/);
  });

  it('ends with the interruption exit code when the run is aborted', async () => {
    const {last} = await run({}, [notFound], {abortAt: 2500, reason: {exitCode: 130, message: 'interrupted (SIGINT)'}});
    expect(last).toMatchObject({event: 'error', exitCode: 130, message: 'interrupted (SIGINT)', elapsed: 2.5});
  });

  it('knows a zip is done at files == totalfiles, also 0 of 0', async () => {
    const zip = (files: number, totalfiles: number, bytes: number, totalbytes: number): Outcome => ({type: 'answer', raw: {result: 0, files, totalfiles, bytes, totalbytes}});
    const {events} = await run({kind: 'zip'}, [zip(0, 2, 0, 100), zip(1, 2, 40, 100), zip(2, 2, 100, 100)]);
    expect(events.map((e) => (e as StatusEvent).percent)).toEqual([0, 40, 100]);
    expect((await run({kind: 'zip'}, [zip(0, 0, 0, 0)])).events).toEqual([expect.objectContaining({event: 'done', percent: 100, files: 0, totalFiles: 0})]);
  });
});

describe('backoffMs', () => {
  it('starts near the interval, doubles, and never passes 30 s', () => {
    expect(backoffMs(1, 1000, () => 0)).toBe(500);
    expect(backoffMs(1, 1000, () => 1)).toBe(1000);
    expect(backoffMs(3, 1000, () => 1)).toBe(4000);
    expect(backoffMs(50, 1000, () => 1)).toBe(30_000);
  });
});
