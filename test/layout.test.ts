import {describe, expect, it} from 'vitest';
import type {StatusEvent} from '../src/events.js';
import {statusEvent} from './helpers/events.js';
import {formatEta} from '../src/format.js';
import {describeDone} from '../src/render/describe.js';
import {JobStates} from '../src/render/job-state.js';
import {ASCII_SYMBOLS, columnsOf, cutMiddle, jobLine, labelColumnOf, MIN_COLUMNS, plainText, spinnerLine, summaryLine, UNICODE_SYMBOLS} from '../src/render/layout.js';
import type {RetryNotice} from '../src/poll-job.js';
import {FakeClock} from './helpers/fake-clock.js';

const MiB = 1024 * 1024;

function event(fields: Record<string, unknown>): StatusEvent {
  return statusEvent({elapsed: 1, ...fields});
}

const moving = (fields: Partial<StatusEvent> = {}): StatusEvent =>
  event({bytes: 6.79 * MiB, totalBytes: 16.3 * MiB, percent: 41.6, rate: 1.93 * MiB, eta: 4.9, currentFile: 'screencast.mp4', files: 2, raw: {filenumber: 3}, ...fields});
const refused = (hash = 'h1'): RetryNotice => ({event: 'retry', kind: 'upload', hash, message: 'the connection was refused', attempt: 1, delayMs: 1000});

/** The jobs of a run after `events`, and their lines at `columns`, as the terminal would show them. */
function screen(columns: number, events: (StatusEvent | RetryNotice)[], symbols = UNICODE_SYMBOLS, clock = new FakeClock()): string[] {
  const states = new JobStates(clock, () => undefined);
  for (const e of events) states.apply(e);
  const labelWidth = labelColumnOf(Math.max(0, ...states.list.map((job) => columnsOf(job.label))), columns);
  return states.list.map((job) => plainText(jobLine(job, clock.now(), columns, labelWidth, symbols)));
}

const WIDTHS = [40, 80, 200];

describe('a job line', () => {
  it('at 80 columns: bar, percent, amounts, ETA, rate and as much of the file name as fits', () => {
    expect(screen(80, [moving({hash: 'up-08bf47'})])).toEqual(['upload up-08bf47  ████░░░░░░   41%  6.79/16.3 MiB  ETA 5s  1.93 MiB/s']);
    expect(screen(80, [moving({hash: 'a1'})])).toEqual(['upload a1  █████░░░░░░   41%  6.79/16.3 MiB  ETA 5s  1.93 MiB/s  #3 scre…st.mp4']);
    expect(screen(80, [moving({hash: 'a1', currentFile: 'a-screencast-with-a-long-name.mp4'})])).toEqual(['upload a1  █████░░░░░░   41%  6.79/16.3 MiB  ETA 5s  1.93 MiB/s  #3 a-sc…me.mp4']);
  });

  it.each(WIDTHS)('never reaches the last column, and keeps the percent, at %i columns', (columns) => {
    const [line] = screen(columns, [moving({hash: 'x'.repeat(100)})]);
    expect(line?.length).toBeLessThan(columns);
    expect(line).toMatch(/ 41%( |$)/);
  });

  it.each(WIDTHS)('lines the bars up, whatever else each line shows, at %i columns', (columns) => {
    const lines = screen(columns, [
      moving({hash: 'up-08bf47'}),
      event({kind: 'zip', hash: 'zip-08bf47', bytes: 11.2 * MiB, totalBytes: 26.3 * MiB, files: 10, totalFiles: 24, percent: 42.6, rate: 1.71 * MiB, eta: 8.7}),
    ]);
    const bars = lines.map((line) => /^(.*?[█░]+) /.exec(line)?.[1]);
    expect(bars[0]).toBeDefined();
    expect(bars[0]?.length).toBe(bars[1]?.length);
  });

  it('gives a wide terminal a longer bar and the whole file name', () => {
    const [line] = screen(200, [moving()]);
    expect(line).toBe(`upload h1  ${'█'.repeat(12)}${'░'.repeat(18)}   41%  6.79/16.3 MiB  ETA 5s  1.93 MiB/s  #3 screencast.mp4`);
  });

  it.each(WIDTHS)('says that requests fail, in place of the stale rate and ETA, at %i columns', (columns) => {
    const [line] = screen(columns, [moving({hash: 'rt2'}), refused('rt2')]);
    expect(line).toMatch(/^upload rt2 .* 41% .*retrying: the conn/);
    expect(line).not.toMatch(/ETA|\/s|screencast/);
    expect(line?.length).toBeLessThan(columns);
  });

  it.each(WIDTHS)('says that requests fail beside a long label too, at %i columns', (columns) => {
    const hash = 'nightly-backup-2024-11-28-part1';
    const lines = screen(columns, [moving({hash}), refused(hash), event({event: 'waiting', hash: `${hash}-b`}), refused(`${hash}-b`)]);
    for (const line of lines) {
      expect(line).toMatch(/retrying/);
      expect(line.length).toBeLessThan(columns);
    }
  });

  it('drops the retry note with the next answer', () => {
    expect(screen(80, [moving(), refused(), moving({percent: 42})])[0]).not.toMatch(/retrying/);
  });

  it.each(WIDTHS)('cuts labels in the middle, so part1 and part2 stay apart, at %i columns', (columns) => {
    const lines = screen(columns, [moving({hash: 'nightly-backup-2024-11-28-part1'}), moving({hash: 'nightly-backup-2024-11-28-part2'})]);
    const labels = lines.map((line) => line.split('  ')[0]);
    expect(labels[0]).toMatch(/part1$/);
    expect(labels[1]).toMatch(/part2$/);
    if (columns >= 120) expect(labels[0]).toBe('upload nightly-backup-2024-11-28-part1');
    else expect(labels[0]).toMatch(/^upload n.*….*part1$/);
  });

  it('never says ETA 0ms: nothing when due, <1s when under a second', () => {
    expect(screen(80, [moving({eta: 0})])[0]).not.toMatch(/ETA/);
    expect(screen(80, [moving({eta: 0.3})])[0]).toMatch(/ETA <1s/);
    expect([formatEta(null), formatEta(0), formatEta(0.2), formatEta(14.2), formatEta(90)]).toEqual([null, null, 'ETA <1s', 'ETA 15s', 'ETA 1m30s']);
  });

  it.each(WIDTHS)('shows bytes and rate without a bar when there is no percent, at %i columns', (columns) => {
    const [line] = screen(columns, [event({bytes: 12.3 * MiB, rate: 1.2 * MiB})]);
    expect(line).toMatch(/^upload h1 +12\.3 MiB/);
    expect(line).not.toMatch(/[█░%]/);
    if (columns >= 80) expect(line).toMatch(/1\.20 MiB\/s/);
  });

  it.each(WIDTHS)('shows a job\'s end in place of its bar at %i columns', (columns) => {
    const lines = screen(columns, [
      moving({hash: 'h5'}),
      moving({hash: 'h6', elapsed: 1, bytes: 1 * MiB}),
      event({event: 'done', hash: 'h6', elapsed: 3, duration: 2, bytes: 16.3 * MiB, totalBytes: 16.3 * MiB, percent: 100, eta: 0, rate: 7 * MiB, files: 1}),
      event({event: 'error', hash: 'h8', elapsed: 3, code: 1900, message: 'upload not found after waiting 3s; check the progresshash', exitCode: 4}),
    ]);
    expect(lines[0]).toMatch(/^upload h5 .* 41%/);
    expect(lines[1]).toMatch(/^upload h6 {2}✔ done: 100% 16\.3 MiB/);
    expect(lines[2]).toMatch(/^upload h8 {2}✖ error: upload not found/);
    for (const line of lines) expect(line.length).toBeLessThan(columns);
    if (columns >= 80) expect(lines[1]).toBe('upload h6  ✔ done: 100% 16.3 MiB in 2s, 7.65 MiB/s, 1 file');
  });

  it.each(WIDTHS)('counts the waited seconds on the injected clock, and says why requests fail, at %i columns', (columns) => {
    const clock = new FakeClock();
    const states = new JobStates(clock, () => undefined);
    clock.time = 12_400;
    states.apply(refused());
    const line = plainText(jobLine(states.list[0]!, clock.now(), columns, 9, UNICODE_SYMBOLS));
    expect(line).toMatch(/^upload h1 /);
    expect(line).toMatch(/retrying: the conn/);
    if (columns >= 80) expect(line).toMatch(/waiting for it to appear \(12s\)/);
  });

  it('uses ASCII marks on a terminal without Unicode', () => {
    const lines = screen(80, [moving(), event({event: 'done', hash: 'h2', percent: 100, bytes: 10, totalBytes: 10})], ASCII_SYMBOLS);
    expect(lines[0]).toMatch(/^upload h1 {2}#+-+ {3}41%/);
    expect(lines[1]).toMatch(/^upload h2 {2}OK done/);
    expect(lines.join('')).not.toMatch(/[^\x20-\x7e]/);
  });

  it('lays out a line even when the terminal says it has 0 columns', () => {
    const [line] = screen(0, [moving()]);
    expect(line?.length).toBeLessThan(MIN_COLUMNS);
    expect(line).toMatch(/ 41%/);
  });
});

describe('the spinner line', () => {
  it.each(WIDTHS)('names the host and the waited time before any answer, at %i columns', (columns) => {
    const clock = new FakeClock();
    const states = new JobStates(clock, () => undefined, [{kind: 'upload', hash: 'h1'}]);
    clock.time = 2_100;
    const line = plainText(spinnerLine(states.list, 'api7.pcloud.com', clock.now(), columns, UNICODE_SYMBOLS));
    expect(line).toBe(columns >= 80 ? 'upload h1: waiting to appear on api7.pcloud.com (2s)' : 'upload h1: waiting on api7…d.com (2s)');
    states.apply(refused());
    const failing = plainText(spinnerLine(states.list, 'api7.pcloud.com', clock.now(), columns, UNICODE_SYMBOLS));
    expect(failing).toMatch(/^upload h1: .*retrying: the conn/);
    expect(failing.length + 2).toBeLessThan(columns);
  });
});

describe('the end', () => {
  it('does not claim a time or a rate for an upload already finished when first polled', () => {
    const done = event({event: 'done', elapsed: 0.025, bytes: 47.7 * MiB, totalBytes: 47.7 * MiB, percent: 100, files: 1});
    expect(describeDone(done, {first: undefined, waitedToAppear: false})).toBe('done: 100% 47.7 MiB, 1 file (already finished when first polled)');
    expect(describeDone({...done, elapsed: 5.1}, {first: undefined, waitedToAppear: true})).toBe('done: 100% 47.7 MiB, 1 file (already finished when it appeared, after 5.1s)');
    const first = event({elapsed: 1, bytes: 7.7 * MiB});
    // the job's time (its `duration`: seen moving at 1s, finished at 11s), not the watch's 11s
    expect(describeDone(event({...done, elapsed: 11, duration: 10}), {first, waitedToAppear: false})).toBe('done: 100% 47.7 MiB in 10s, 4.00 MiB/s, 1 file');
    expect(describeDone(event({...done, elapsed: 11, duration: 8}), {first, waitedToAppear: false})).toBe('done: 100% 47.7 MiB in 8s, 5.00 MiB/s, 1 file');
  });

  it('keeps one whole summary line per job', () => {
    const states = new JobStates(new FakeClock(), () => undefined);
    const long = `failed: ${'x'.repeat(300)}`;
    states.apply(event({event: 'error', percent: 10, message: long, exitCode: 6}));
    expect(plainText(summaryLine(states.list[0]!, UNICODE_SYMBOLS))).toBe(`✖ upload h1: error at 10%: ${long}`);
  });
});

describe('cutMiddle', () => {
  it('keeps the start and the end', () => {
    expect(cutMiddle('nightly-backup-2024-11-28-part1', 16, '…')).toBe('nightly…28-part1');
    expect(cutMiddle('short', 18, '…')).toBe('short');
    expect(cutMiddle('abcdef', 5, '...')).toBe('...ef');
    expect(cutMiddle('abcdef', 2, '...')).toBe('ab');
  });
});
