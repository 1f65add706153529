import {describe, expect} from 'vitest';
import {Emulator, upload, type ScriptedAnswer} from '../src/emulator/index.js';
import {AUTH, events, runCli, startCli} from './helpers/cli.js';
import {emulatorTest} from './helpers/emulator-test.js';

// The built CLI as a child process, its stderr piped (a log), against the emulator: what a log of
// many jobs looks like, and what a summary says of a job that started late. Each test has an emulator
// of its own, and they run side by side: the late start waits 4 s on the clock.

const MiB = 1024 * 1024;
const notFound = Emulator.error(1900);
const moving = (steps: number, total = 4 * MiB): ScriptedAnswer[] => [
  ...Array.from({length: steps}, (_, i) => Emulator.uploadAnswer({uploaded: Math.round((i / steps) * total), total, currentfile: 'part.bin'})),
  Emulator.uploadAnswer({uploaded: total, total, finished: true, files: [{name: 'part.bin', fileid: 1}]}),
];
const hashes = (count: number, prefix = 'h'): string[] => Array.from({length: count}, (_, i) => `${prefix}${i + 1}`);
const lineNames = (stderr: string, hash: string): string[] => stderr.split('\n').filter((line) => line.startsWith(`upload ${hash}: `));

describe.concurrent('a log of many jobs', () => {
  // 10 polls: each job crosses every 10% mark, which plain lines of a few jobs each say (1,100 requests, not 4,100)
  emulatorTest('stays under 3 lines a job plus a few a second: 100 uploads moving through 10 polls each', async ({emulator}) => {
    const all = hashes(100);
    for (const hash of all) emulator.script('uploadprogress', hash, moving(10));
    const result = await runCli(['upload', '--hash-file', '-', '--host', emulator.url, '--interval', '100ms'], {stdin: all.join('\n')});
    expect(result.code).toBe(0);
    const lines = result.stderr.split('\n').filter(Boolean);
    // each job: the line it starts moving, the line it ends; a summary every 5 s; the run's line
    expect(lines.length).toBeLessThan(3 * 100 + 10);
    for (const hash of all) expect(lineNames(result.stderr, hash)).toEqual([expect.stringMatching(/: running: /), expect.stringMatching(/: done: 100% 4\.00 MiB in [\d.]+s, /)]);
    expect(lines.at(-1)).toMatch(/^100 uploads: 100 done, 0 failed; 400 MiB in [\d.]+s$/);
    expect(result.stderr).not.toMatch(/\u001b/);
  });

  emulatorTest('says the same error of 37 jobs once, with the count and the hashes, and ends with a line for the run', async ({emulator}) => {
    const moved = hashes(3, 'm');
    const missing = hashes(37, 'x');
    for (const hash of moved) emulator.script('uploadprogress', hash, moving(10));
    emulator.script('uploadprogress', '*', [notFound]);
    const result = await runCli(['upload', ...moved, ...missing, '--host', emulator.url, '--interval', '100ms', '--wait', '1s']);
    expect(result.code).toBe(4);
    const said = result.stderr.split('\n').filter((line) => line.includes('not found after'));
    expect(said).toHaveLength(1);
    expect(said[0]).toMatch(/^37 uploads: error: not found after waiting 1s \((x\d+, ){10}… and 27 more\); check the progresshash and that the upload was started with it on 127\.0\.0\.1:\d+$/);
    for (const hash of missing) expect(lineNames(result.stderr, hash)).toEqual([]);
    for (const hash of moved) expect(lineNames(result.stderr, hash).at(-1)).toMatch(/: done: 100%/);
    expect(result.stderr.trimEnd().split('\n').at(-1)).toMatch(/^40 uploads: 3 done, 37 failed \(37 not found\); 12\.0 MiB in [\d.]+s$/);
  });
});

describe.concurrent('the summary of a job that started late', () => {
  emulatorTest('times the upload, not the watch: 2.4 s of an upload started 4 s after the watch, in plain lines and in --json', async ({emulator}) => {
    const args = ['--host', emulator.url, '--interval', '100ms', '--wait', '30s'];
    const plain = startCli(['upload', 'late-plain', ...args]);
    const json = startCli(['upload', 'late-json', '--json', ...args]);
    await Promise.all([plain.output(/waiting for it to appear/), json.output(/"event":"waiting"/)]);
    await new Promise((resolve) => setTimeout(resolve, 4000));
    // the emulator's throttled multipart upload: 4.77 MiB in 2.4 s
    const files = [{name: 'video.mp4', size: 5_000_000}];
    const abort = new AbortController();
    await Promise.all([
      upload(emulator.url, {auth: AUTH, progresshash: 'late-plain', folderid: '0'}, files, 2400, abort.signal),
      upload(emulator.url, {auth: AUTH, progresshash: 'late-json', folderid: '0'}, files, 2400, abort.signal),
    ]);
    const [plainResult, jsonResult] = await Promise.all([plain.result, json.result]);
    expect(plainResult.code).toBe(0);
    expect(jsonResult.code).toBe(0);

    const lines = events(jsonResult.stdout);
    const done = lines.at(-1) as {event: string; elapsed: number; duration: number; time: string};
    expect(done.event).toBe('done');
    // the upload cannot go faster than its throttle, less the time to the poll that first saw it
    // moving: 100 ms apart, but late by a few hundred ms on a loaded machine (2.15 s seen in a full
    // suite run); the watch had waited 4 s before it started: none of that is the upload's
    expect(done.duration).toBeGreaterThanOrEqual(1.8);
    expect(done.duration).toBeLessThanOrEqual(done.elapsed - 3.5);
    const firstMoving = lines.find((e) => e.event === 'progress') as {elapsed: number};
    expect(done.duration).toBeCloseTo(done.elapsed - firstMoving.elapsed, 2); // each rounded to the ms
    // every line says when it was made, on the wall clock, in order
    const times = lines.map((e) => e.time as string);
    for (const time of times) expect(time).toMatch(/^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z$/);
    expect([...times].sort()).toEqual(times);
    const first = lines[0] as {elapsed: number; time: string};
    expect(Date.parse(done.time) - Date.parse(first.time)).toBeCloseTo((done.elapsed - first.elapsed) * 1000, -2);

    const summary = /^upload late-plain: done: 100% 4\.77 MiB in ([\d.]+)s, ([\d.]+) MiB\/s, 1 file$/m.exec(plainResult.stderr);
    expect(summary, plainResult.stderr).not.toBeNull();
    const seconds = Number(summary?.[1]);
    expect(seconds).toBeGreaterThanOrEqual(1.8);
    expect(seconds).toBeLessThan(4); // the watch had run over 6 s by then
  });
});
