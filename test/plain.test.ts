import {describe, expect, it} from 'vitest';
import type {StatusEvent} from '../src/events.js';
import {statusEvent} from './helpers/events.js';
import {plainRenderer} from '../src/render/plain.js';
import {FakeClock} from './helpers/fake-clock.js';

const MiB = 1024 * 1024;

function event(fields: Record<string, unknown>): StatusEvent {
  return statusEvent({elapsed: 0, ...fields});
}

/** A plain renderer writing into an array of lines, on a clock the test moves. */
function plain(): {clock: FakeClock; lines: string[]; handle: ReturnType<typeof plainRenderer>['handle']} {
  const clock = new FakeClock();
  const lines: string[] = [];
  const renderer = plainRenderer({write: (chunk) => lines.push(...chunk.split('\n').filter(Boolean)) > 0}, clock, [{kind: 'upload', hash: 'h1'}]);
  return {clock, lines, handle: (e) => renderer.handle(e)};
}

describe('plain lines', () => {
  it('say where the job is awaited, then how long it has been, counted on the clock from the start', () => {
    const {clock, lines, handle} = plain();
    for (const at of [100, 5_000, 9_000, 10_400]) {
      clock.time = at;
      handle(event({event: 'waiting', elapsed: at / 1000}));
    }
    expect(lines).toEqual(['upload h1: waiting for it to appear on api7.pcloud.com', 'upload h1: still not found after 10s']);
  });

  it('say a job vanished when it is not found after progress', () => {
    const {clock, lines, handle} = plain();
    handle(event({bytes: MiB, totalBytes: 4 * MiB, percent: 25}));
    clock.time = 2_000;
    handle(event({event: 'waiting', elapsed: 2, bytes: MiB, totalBytes: 4 * MiB, percent: 25}));
    expect(lines.at(-1)).toBe('upload h1: not found any more; waiting for it to come back');
  });

  it('claim no time or speed for an upload already finished when first polled', () => {
    const {lines, handle} = plain();
    handle(event({event: 'done', elapsed: 0.025, bytes: 47.7 * MiB, totalBytes: 47.7 * MiB, percent: 100, files: 1}));
    expect(lines).toEqual(['upload h1: done: 100% 47.7 MiB, 1 file (already finished when first polled)']);
  });

  it('never print ETA 0ms', () => {
    const {lines, handle} = plain();
    handle(event({bytes: 10, totalBytes: 10, percent: 100, rate: 5, eta: 0}));
    expect(lines).toEqual(['upload h1: 100% 10 B / 10 B, 5 B/s']);
  });
});

/** A plain renderer for many jobs (h1..hN), with the poll interval the session would give it. */
function plainOf(count: number, intervalMs = 1000) {
  const clock = new FakeClock();
  const lines: string[] = [];
  const hashes = Array.from({length: count}, (_, i) => `h${i + 1}`);
  const renderer = plainRenderer({write: (chunk) => lines.push(...chunk.split('\n').filter(Boolean)) > 0}, clock, hashes.map((hash) => ({kind: 'upload' as const, hash})), {intervalMs});
  const at = (ms: number, fields: Record<string, unknown>): void => {
    clock.time = ms;
    renderer.handle(event({elapsed: ms / 1000, ...fields}));
  };
  return {clock, lines, hashes, renderer, at};
}

const notFoundError = (hash: string) => ({
  event: 'error',
  hash,
  code: 1900,
  exitCode: 4,
  message: 'upload not found after waiting 30s; check the progresshash and that the upload was started with it on api7.pcloud.com',
});

describe('plain lines for many jobs', () => {
  it('give way to a summary every few seconds: 100 jobs moving for 20 s make under 3 lines a job plus a few a second', () => {
    const {lines, hashes, at, renderer} = plainOf(100);
    // every job polled every 200 ms: waiting for 2 s, then moving 0 -> 100% over 16 s, then done
    for (let ms = 0; ms <= 20_000; ms += 200) {
      for (const [i, hash] of hashes.entries()) {
        const t = ms + i; // the jobs' polls spread over the interval
        if (ms < 2000) at(t, {event: 'waiting', hash});
        else if (ms < 18_000) at(t, {hash, bytes: (ms - 2000) * 1000, totalBytes: 16_000_000, percent: (ms - 2000) / 160, rate: 1_000_000});
        else if (ms === 18_000) at(t, {event: 'done', hash, duration: 16, bytes: 16_000_000, totalBytes: 16_000_000, percent: 100});
      }
    }
    renderer.end();
    expect(lines.length).toBeLessThan(3 * 100 + 20 * 2);
    for (const hash of hashes) {
      const own = lines.filter((line) => line.startsWith(`upload ${hash}: `));
      expect(own).toEqual([expect.stringMatching(/: running: 0% 0 B \/ 15\.3 MiB/), expect.stringMatching(/: done: 100% 15\.3 MiB in 16s, 977 KiB\/s$/)]);
    }
    const summaries = lines.filter((line) => line.startsWith('100 uploads: ') && line.includes('running'));
    // at 5, 10 and 15 s; none once all are done: the run's line says the rest
    expect(summaries).toHaveLength(3);
    expect(summaries[0]).toBe('100 uploads: 100 running, 0 waiting, 0 done, 0 failed; 267 MiB of 1.49 GiB (17%), 95.4 MiB/s');
    expect(lines.at(-1)).toBe('100 uploads: 100 done, 0 failed; 1.49 GiB in 18s');
  });

  it('keep one job\'s pace with ten jobs or fewer: a line per 10% of progress', () => {
    const {lines, at} = plainOf(10);
    for (let percent = 0; percent <= 50; percent += 5) at(percent * 10, {hash: 'h1', bytes: percent, totalBytes: 100, percent});
    expect(lines.filter((line) => line.startsWith('upload h1: '))).toHaveLength(6);
  });

  it('say when a job\'s requests start failing and when they work again, once each', () => {
    const {lines, at, clock, renderer} = plainOf(20);
    at(0, {hash: 'h1', bytes: 10, totalBytes: 100, percent: 10});
    for (let ms = 1000; ms < 5000; ms += 1000) {
      clock.time = ms;
      renderer.handle({event: 'retry', kind: 'upload', hash: 'h1', message: 'server error (HTTP 502)', attempt: ms / 1000, delayMs: 1000});
    }
    at(5000, {hash: 'h1', bytes: 20, totalBytes: 100, percent: 20});
    at(6000, {hash: 'h1', bytes: 30, totalBytes: 100, percent: 30});
    expect(lines.filter((line) => line.startsWith('upload h1: '))).toEqual(['upload h1: running: 10% 10 B / 100 B', 'upload h1: server error (HTTP 502); retrying', 'upload h1: answering again']);
  });

  it('say identical errors of many jobs once, with the count and the hashes, once the batch is in', async () => {
    const {lines, at, clock, hashes, renderer} = plainOf(40);
    for (const hash of hashes.slice(0, 3)) at(0, {hash, bytes: 10, totalBytes: 100, percent: 10});
    // the 37 not found come within one interval of each other, 30 s in
    for (const [i, hash] of hashes.slice(3).reverse().entries()) at(30_000 + i * 25, notFoundError(hash)); // named in argv's order all the same
    expect(lines.filter((line) => line.includes('not found'))).toEqual([]); // held for the rest of the batch...
    await clock.run(clock.sleep(2500)); // ...and said without waiting for another event or the end
    const said = lines.filter((line) => line.includes('not found'));
    expect(said).toEqual([
      '37 uploads: error: not found after waiting 30s (h4, h5, h6, h7, h8, h9, h10, h11, h12, h13, … and 27 more); check the progresshash and that the upload was started with it on api7.pcloud.com',
    ]);
    for (const hash of hashes.slice(0, 3)) at(33_000, {event: 'done', hash, duration: 33, bytes: 100, totalBytes: 100, percent: 100});
    renderer.end();
    expect(lines.at(-1)).toBe('40 uploads: 3 done, 37 failed (37 not found); 300 B in 33s');
  });

  it('say different errors apart, one job\'s error as one job\'s line, and all held ones at the end', () => {
    const {lines, at, renderer} = plainOf(3);
    at(0, notFoundError('h1'));
    at(10, {...notFoundError('h2'), percent: 40, message: 'timed out after 5s', exitCode: 7});
    at(20, notFoundError('h3'));
    renderer.end();
    expect(lines).toEqual([
      '2 uploads: error: not found after waiting 30s (h1, h3); check the progresshash and that the upload was started with it on api7.pcloud.com',
      'upload h2: error (at 40%): timed out after 5s',
      '3 uploads: 0 done, 3 failed (2 not found, 1 timed out); 0 B in 20ms',
    ]);
  });

  it('end one job\'s run with its own line only', () => {
    const {lines, renderer, at} = plainOf(1);
    at(0, notFoundError('h1'));
    renderer.end();
    expect(lines).toEqual(['upload h1: error: upload not found after waiting 30s; check the progresshash and that the upload was started with it on api7.pcloud.com']);
  });
});

describe('what many jobs add up to (run-summary.ts)', () => {
  it('leaves a failed job out of the percent, as the terminal header does, and counts its bytes in the run line', async () => {
    const {JobStates} = await import('../src/render/job-state.js');
    const {progressSummary, runSummary} = await import('../src/render/run-summary.js');
    const states = new JobStates(new FakeClock(), () => ({}), [
      {kind: 'upload', hash: 'a'},
      {kind: 'upload', hash: 'b'},
    ]);
    states.apply(statusEvent({event: 'progress', hash: 'a', elapsed: 1, bytes: 5 * MiB, totalBytes: 10 * MiB, percent: 50}));
    states.apply(statusEvent({event: 'error', hash: 'b', elapsed: 1, bytes: 2 * MiB, totalBytes: 100 * MiB, percent: 2, code: null, message: 'stalled', exitCode: 7}));
    expect(progressSummary(states.list)).toMatch(/5\.00 MiB of 10\.0 MiB \(50%\)/);
    expect(runSummary(states.list)).toMatch(/; 7\.00 MiB in /);
  });
});
