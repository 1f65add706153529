import {describe, expect, it} from 'vitest';
import {decodeProgress} from '../src/api/decode.js';
import {classifyBody} from '../src/api/outcome.js';
import {Emulator, type ScriptedAnswer} from '../src/emulator/index.js';
import type {WatchEvent} from '../src/events.js';
import {sanitize} from '../src/sanitize.js';
import {pollJob} from '../src/poll-job.js';
import {collect, FakeClock} from './helpers/fake-clock.js';
import {events, runCli} from './helpers/cli.js';

/** A small seeded generator of hostile JSON: wrong types, missing fields, huge and negative numbers. */
function generator(seed: number) {
  let state = seed;
  const next = (): number => (state = (state * 1103515245 + 12345) % 2 ** 31) / 2 ** 31;
  const pick = <T>(items: readonly T[]): T => items[Math.floor(next() * items.length)] as T;
  const numbers = [0, 1, -1, 0.5, 1e308, -1e308, 2 ** 53, Number.MAX_SAFE_INTEGER, 123456, 1e-9];
  const strings = ['', '0', '12', 'NaN', 'Infinity', '-5', 'a.bin', '\u001b[2J\u001b]0;x\u0007', '\u202eexe.txt', 'x'.repeat(5000)];
  const value = (depth: number): unknown => {
    const kind = pick(['number', 'string', 'bool', 'null', 'array', 'object', 'missing'] as const);
    if (kind === 'number') return pick(numbers);
    if (kind === 'string') return pick(strings);
    if (kind === 'bool') return next() < 0.5;
    if (kind === 'null') return null;
    if (kind === 'array') return depth > 2 ? [] : Array.from({length: Math.floor(next() * 3)}, () => value(depth + 1));
    if (kind === 'object') return depth > 2 ? {} : {files: value(depth + 1), name: value(depth + 1)};
    return undefined;
  };
  const fields = ['result', 'total', 'uploaded', 'currentfile', 'currentfileuploaded', 'filenumber', 'files', 'finished', 'bytes', 'totalbytes', 'totalfiles', 'error'];
  return {
    next,
    answer(): unknown {
      const shape = pick(['object', 'object', 'object', 'array', 'number', 'string', 'null'] as const);
      if (shape !== 'object') return value(3);
      const body: Record<string, unknown> = {result: pick([0, 0, 0, 0, 1900, 5000, '0', null, -1, 2.5])};
      for (const field of fields.slice(1)) {
        const v = value(0);
        if (v !== undefined && next() < 0.8) body[field] = v;
      }
      return body;
    },
  };
}

const validEvent = (e: WatchEvent): void => {
  if (e.event === 'output') return;
  if (e.percent !== null) {
    expect(Number.isFinite(e.percent)).toBe(true);
    expect(e.percent).toBeGreaterThanOrEqual(0);
    expect(e.percent).toBeLessThanOrEqual(100);
  }
  for (const field of ['bytes', 'totalBytes', 'files', 'totalFiles', 'rate', 'eta', 'elapsed'] as const) {
    const v = e[field];
    if (v !== null) expect(Number.isNaN(v)).toBe(false);
  }
};

describe('fuzzed answers', () => {
  it('decode and classify any JSON without throwing; percent stays within 0..100, never NaN', () => {
    const gen = generator(7);
    for (let i = 0; i < 20_000; i++) {
      const body = JSON.stringify(gen.answer()) ?? ''; // undefined stringifies to nothing: an empty body
      const outcome = classifyBody(body);
      if (outcome.type !== 'answer') continue;
      for (const kind of ['upload', 'zip'] as const) {
        const progress = decodeProgress(kind, outcome.raw);
        if (progress.percent !== null) {
          expect(progress.percent).toBeGreaterThanOrEqual(0);
          expect(progress.percent).toBeLessThanOrEqual(100);
        }
        if (progress.currentFile !== null) expect(sanitize(progress.currentFile)).not.toMatch(/[\u0000-\u001f\u007f-\u009f\u202e]/);
      }
    }
  });

  it('the polling loop turns any sequence of answers into valid events, ending in done or error', async () => {
    for (let seed = 1; seed <= 200; seed++) {
      const gen = generator(seed);
      const clock = new FakeClock();
      const spec = {kind: gen.next() < 0.5 ? ('upload' as const) : ('zip' as const), hash: 'f', host: 'h', genericHost: false, intervalMs: 10, waitMs: 50, timeoutMs: 5000, stallMs: 0};
      const poll = async () => classifyBody(JSON.stringify(gen.answer()) ?? '');
      const out = await clock.run(collect(pollJob(spec, {poll, clock, random: gen.next, startedAt: 0, signal: new AbortController().signal})));
      const last = out.at(-1) as WatchEvent;
      expect(['done', 'error']).toContain(last.event);
      for (const e of out) if (e.event !== 'retry') validEvent(e);
    }
  });

  it('the CLI survives a server answering garbage: documented exit code, valid NDJSON, no stack trace', async () => {
    const emulator = await Emulator.start();
    try {
      const gen = generator(99);
      const answers: ScriptedAnswer[] = Array.from({length: 150}, () => ({status: 200, body: JSON.stringify(gen.answer()) ?? '', headers: {'content-type': 'application/json'}}));
      emulator.script('uploadprogress', '*', answers, {allowUnused: true}); // the run ends at the first fatal answer
      const result = await runCli(['upload', 'h1', '--host', emulator.url, '--interval', '1ms', '--wait', '50ms', '--timeout', '3s', '--json']);
      expect([0, 3, 4, 5, 6, 7]).toContain(result.code);
      const lines = events(result.stdout);
      expect(['done', 'error']).toContain(lines.at(-1)?.event);
      for (const line of lines) validEvent(line as unknown as WatchEvent);
      expect(result.stderr).not.toMatch(/\n\s+at |TypeError|internal error/);
      expect(result.stdout).not.toMatch(/[\u007f-\u009f\u202e]/);
    } finally {
      await emulator.close();
    }
  });
});
