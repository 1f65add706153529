import {afterAll, afterEach, beforeAll, describe, expect, it} from 'vitest';
import {Emulator, type ScriptedAnswer} from '../src/emulator/index.js';
import {AUTH, events, runCli} from './helpers/cli.js';
import {runMain} from './helpers/in-process.js';

// Promises of the README and the contract that a change once broke with the whole suite passing:
// each test here fails on that change. One emulator for the file, each test with hashes of its own.

let emulator: Emulator;
beforeAll(async () => {
  emulator = await Emulator.start();
});
afterEach(() => {
  emulator.verifyScripts();
});
afterAll(async () => {
  await emulator.close();
});

const up = (uploaded: number, total = 1000): ScriptedAnswer => Emulator.uploadAnswer({uploaded, total, currentfile: 'a.bin'});
const finished = (total = 1000): ScriptedAnswer => Emulator.uploadAnswer({uploaded: total, total, finished: true, files: [{name: 'a.bin', fileid: 42, size: total}]});
const watch = (...args: string[]): string[] => [...args, '--host', emulator.url, '--interval', '5ms'];

describe('plain lines (off a terminal)', () => {
  it('one line at each new 10%, however soon it comes after the last line', async () => {
    // every answer 5 ms after the last, all within the one-line-a-second pace: the deciles make the lines
    emulator.script('uploadprogress', 'deciles', [up(50), up(100), up(120), up(150), up(210), up(290), up(350), up(990), finished()]);
    const result = await runCli(watch('upload', 'deciles'));
    expect(result.code).toBe(0);
    const percents = [...result.stderr.matchAll(/^upload deciles: (\d+)% /gm)].map((match) => Number(match[1]));
    // the first line, then the first answer in each new decile; a slow machine may add a line a second
    expect(percents).toEqual(expect.arrayContaining([5, 10, 21, 35, 99]));
    expect(result.stderr).toMatch(/^upload deciles: done: 100% /m);
  });
});

describe('--json', () => {
  it('gives percent to two decimals', async () => {
    emulator.script('uploadprogress', 'thirds', [up(1, 3), up(2, 3), finished(3)]);
    const result = await runMain([...watch('upload', 'thirds'), '--json'], {vars: {PCLOUD_AUTH: AUTH}});
    expect(result.code).toBe(0);
    expect(events(result.stdout).map((e) => e.percent)).toEqual([33.33, 66.67, 100]);
  });
});

describe('exit codes', () => {
  it('a zip whose files never reach totalfiles is not done, even with every byte in: it runs to --timeout, exit 7', async () => {
    emulator.script('savezipprogress', 'z-short', [Emulator.zipAnswer({files: 1, totalfiles: 3, bytes: 10, totalbytes: 40}), Emulator.zipAnswer({files: 2, totalfiles: 3, bytes: 40, totalbytes: 40})]);
    // 1 s: both answers must come before it, and a cold CI machine can take 300 ms to the second
    const result = await runCli([...watch('zip', 'z-short'), '--timeout', '1s', '--json']);
    expect(result.code).toBe(7);
    const lines = events(result.stdout);
    expect(lines.some((e) => e.event === 'done')).toBe(false);
    expect(lines.at(-1)).toMatchObject({event: 'error', exitCode: 7, files: 2, totalFiles: 3, message: 'timed out after 1s'});
  });

  it('with several jobs ending differently, the run exits with the highest of their codes', async () => {
    // ends with: 3 at once, 6 at once, 5 at once, 4 after --wait (the last to end), 0 at once
    emulator.script('uploadprogress', 'x-denied', [Emulator.error(2000)]);
    emulator.script('uploadprogress', 'x-broken', [{status: 404, body: 'nope'}]);
    emulator.script('uploadprogress', 'x-banned', [Emulator.error(4000)]);
    emulator.script('uploadprogress', 'x-missing', [Emulator.error(1900)]);
    emulator.script('uploadprogress', 'x-fine', [finished()]);
    const hashes = ['x-denied', 'x-broken', 'x-banned', 'x-missing', 'x-fine'];
    const result = await runCli([...watch('upload', ...hashes), '--wait', '100ms', '--json']);
    const last = new Map(events(result.stdout).map((e) => [e.hash, e.event === 'done' ? 0 : e.exitCode]));
    expect(hashes.map((hash) => last.get(hash))).toEqual([3, 6, 5, 4, 0]);
    expect(result.code).toBe(6);
  });
});

describe('a bounded pool of connections', () => {
  it('a request waits for a free connection before its --request-timeout starts', async () => {
    // 10 jobs on 1 connection, each answer 150 ms late: the last request is sent about 1.35 s after
    // the first, yet none may time out at 800 ms, as each is timed from when it was sent (timed
    // from the start, the sixth and later would)
    const hashes = Array.from({length: 10}, (_, i) => `pool${i}`);
    for (const hash of hashes) emulator.script('uploadprogress', hash, [{delayMs: 150, then: finished()}]);
    const before = emulator.connections;
    const result = await runMain([...watch('upload', ...hashes), '--connections', '1', '--request-timeout', '800ms'], {vars: {PCLOUD_AUTH: AUTH}});
    expect(result.stderr).not.toMatch(/retrying/);
    expect(result.code).toBe(0);
    expect(emulator.connections - before).toBe(1);
    expect(emulator.requests.filter((request) => request.params.progresshash?.startsWith('pool'))).toHaveLength(10);
  });
});
