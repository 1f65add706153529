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
