import {afterEach, beforeEach, describe, expect, it} from 'vitest';
import {Emulator} from '../src/emulator/index.js';
import {UsageError, watchUpload, watchZip, type WatchEvent} from '../src/index.js';
import {ACCESS_TOKEN, AUTH} from './helpers/cli.js';

let emulator: Emulator;
beforeEach(async () => {
  emulator = await Emulator.start();
});
afterEach(async () => {
  await emulator.close();
});

async function all(events: AsyncIterable<WatchEvent>): Promise<WatchEvent[]> {
  const out: WatchEvent[] = [];
  for await (const event of events) out.push(event);
  return out;
}

describe('watchUpload / watchZip', () => {
  it('yields the --json events, ending with done', async () => {
    emulator.script('uploadprogress', 'h1', [Emulator.error(1900), Emulator.uploadAnswer({uploaded: 5, total: 10}), Emulator.uploadAnswer({uploaded: 10, total: 10, finished: true, files: [{fileid: 9}]})]);
    const events = await all(watchUpload('h1', {host: emulator.url, auth: AUTH, interval: '5ms'}));
    expect(events.map((e) => e.event)).toEqual(['waiting', 'progress', 'done']);
    expect(Object.keys(events[1] as object)).toEqual(['event', 'kind', 'hash', 'host', 'elapsed', 'time', 'bytes', 'totalBytes', 'files', 'totalFiles', 'percent', 'rate', 'eta', 'currentFile', 'raw']);
    expect(events[2]).toMatchObject({percent: 100, raw: {files: [{fileid: 9}]}});
    expect(emulator.connections).toBe(1);
  });

  it('takes durations as seconds or strings, and an OAuth token as a Bearer header', async () => {
    emulator.script('savezipprogress', 'z', [Emulator.zipAnswer({files: 2, totalfiles: 2, bytes: 5, totalbytes: 5})]);
    const events = await all(watchZip('z', {host: emulator.url, accessToken: ACCESS_TOKEN, interval: 0.005, requestTimeout: '2s'}));
    expect(events).toEqual([expect.objectContaining({event: 'done', kind: 'zip', files: 2, totalFiles: 2})]);
    expect(emulator.requests[0]?.headers.authorization).toBe(`Bearer ${ACCESS_TOKEN}`);
  });

  it('ends with an error event carrying the exit code the CLI would use', async () => {
    emulator.script('uploadprogress', 'h1', [Emulator.error(4000)]);
    const events = await all(watchUpload('h1', {host: emulator.url, auth: AUTH}));
    expect(events).toEqual([expect.objectContaining({event: 'error', code: 4000, exitCode: 5})]);
  });

  it('stops on its AbortSignal with an error event (exit code 130)', async () => {
    emulator.script('uploadprogress', '*', [Emulator.error(1900)]);
    const controller = new AbortController();
    const seen: WatchEvent[] = [];
    for await (const event of watchUpload('h1', {host: emulator.url, auth: AUTH, interval: '5ms', signal: controller.signal})) {
      seen.push(event);
      if (seen.length === 3) controller.abort();
    }
    expect(seen.at(-1)).toMatchObject({event: 'error', exitCode: 130, message: 'aborted'});
  });

  it.each([
    [{auth: AUTH, interval: 'soon'}, /bad interval/],
    [{auth: AUTH, host: 'http://example.com'}, /only allowed to loopback/],
    [{auth: AUTH, interval: -1}, /bad interval/],
    [{}, /no credentials/],
  ])('throws a UsageError before any request for %j', async (options, message) => {
    const env = process.env;
    process.env = {...env, PCLOUD_AUTH: '', PCLOUD_ACCESS_TOKEN: ''};
    try {
      await expect(all(watchUpload('h1', {host: emulator.url, ...options}))).rejects.toThrow(UsageError);
      await expect(all(watchUpload('h1', {host: emulator.url, ...options}))).rejects.toThrow(message);
    } finally {
      process.env = env;
    }
    expect(emulator.requests).toHaveLength(0);
  });

  it.each([
    ['an undefined hash (process.env.HASH unset)', undefined, {}, /bad progresshash: expected a string, got undefined/],
    ['a null hash', null, {}, /bad progresshash: expected a string, got null/],
    ['a number for a hash', 42, {}, /bad progresshash: expected a string, got a number/],
    ['an empty hash', '', {}, /bad progresshash/],
    ['host: 42', 'h1', {host: 42}, /bad host: expected a string, got a number/],
    ['auth: 42', 'h1', {auth: 42}, /bad auth: expected a string, got a number/],
    ['accessToken: {}', 'h1', {accessToken: {}}, /bad accessToken: expected a string, got an object/],
    ['region: 1', 'h1', {region: 1}, /bad region: expected a string, got a number/],
    ['signal: {}', 'h1', {signal: {}}, /bad signal: expected an AbortSignal, got an object/],
    ['interval: true', 'h1', {interval: true}, /bad interval: expected seconds \(a number\) or a string like '250ms', got a boolean/],
    ['timeout: 10n', 'h1', {timeout: 10n}, /bad timeout: .* got a bigint/],
    ['wait: null', 'h1', {wait: null}, /bad wait: .* got null/],
  ])('%s: a UsageError at the first next(), before any request', async (_, hash, options, message) => {
    const events = (watchUpload as (hash: unknown, options: unknown) => AsyncIterable<WatchEvent>)(hash, {host: emulator.url, auth: AUTH, ...options});
    const error = await events[Symbol.asyncIterator]().next().catch((caught: unknown) => caught);
    expect(error).toBeInstanceOf(UsageError);
    expect((error as Error).message).toMatch(message);
    expect((error as Error).message).not.toContain(AUTH);
    expect(emulator.requests).toHaveLength(0);
  });

  it.each([
    ['options: null', null],
    ['options: a string', 'api7.pcloud.com'],
  ])('%s: a UsageError', async (_, options) => {
    const events = (): AsyncIterable<WatchEvent> => (watchUpload as (hash: unknown, options: unknown) => AsyncIterable<WatchEvent>)('h1', options);
    await expect(all(events())).rejects.toThrow(/bad options: expected an object/);
    await expect(all(events())).rejects.toBeInstanceOf(UsageError);
  });

  it('rejects a bad progresshash', async () => {
    await expect(all(watchUpload('a b', {auth: AUTH}))).rejects.toThrow(/bad progresshash/);
  });
});

describe('the shipped types', () => {
  it('import no package a user of the library lacks: everything it bundles stays out of its .d.ts files', async () => {
    const {readFileSync} = await import('node:fs');
    for (const file of ['dist/index.d.ts', 'dist/index.d.cts']) {
      const text = readFileSync(new URL(`../${file}`, import.meta.url), 'utf8');
      const imported = [...text.matchAll(/\bfrom\s+['"]([^'"]+)['"]|\bimport\(\s*['"]([^'"]+)['"]\s*\)/g)].map((match) => match[1] ?? match[2]);
      expect(imported.filter((name) => !name?.startsWith('node:')), file).toEqual([]);
      expect(text, file).toMatch(/declare class ExactNumber/);
    }
  });
});
