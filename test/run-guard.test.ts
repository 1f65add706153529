import {RequestError} from 'got';
import {afterEach, describe, expect, it} from 'vitest';
import {networkOutcome} from '../src/api/client.js';
import {Emulator} from '../src/emulator/index.js';
import {nodeEnv, type Env} from '../src/env.js';
import {parseHost} from '../src/host.js';
import {resolveWatchOptions} from '../src/options.js';
import type {Renderer} from '../src/render/renderer.js';
import {renderRun} from '../src/run.js';
import type {LoopEvent} from '../src/poll-job.js';
import {AUTH} from './helpers/cli.js';
import {BufferStream} from './helpers/in-process.js';

// No code path ends a run with exit 0 and no final event; a fault of ours is exit 1, never a network error.

let emulator: Emulator | undefined;
afterEach(async () => {
  await emulator?.close();
  emulator = undefined;
});

const connection = {host: parseHost('http://127.0.0.1:9'), proxy: undefined, requestTimeoutMs: 10_000};

describe('faults of our own in the request path', () => {
  it.each([
    ['a TypeError thrown outside got', new TypeError('text.trim is not a function')],
    ['a TypeError that got wrapped', new RequestError('e.trim is not a function', new TypeError('e.trim is not a function'), {} as never)],
    ['a RangeError that got wrapped', new RequestError('Maximum call stack size exceeded', new RangeError('Maximum call stack size exceeded'), {} as never)],
  ])('%s: an internal error (exit 1) at once, not a network error retried for a minute', (_, error) => {
    expect(networkOutcome(error, connection)).toEqual({type: 'fatal', reason: 'bug', code: null, message: `internal error: ${error.message}`});
  });

  it('a system error that got wrapped is still the network', () => {
    const reset = Object.assign(new Error('read ECONNRESET'), {code: 'ECONNRESET'});
    expect(networkOutcome(new RequestError(reset.message, reset, {} as never), connection)).toMatchObject({type: 'transient', message: 'the connection was reset'});
  });
});

describe('a bug below the run', () => {
  it('every job still ends with a final error event (exit 1), and the run exits 1', async () => {
    emulator = await Emulator.start();
    // a 5xx makes the loop draw its jitter: a random() that throws is a bug in the middle of a job
    emulator.script('uploadprogress', '*', [{status: 503, body: ''}]);
    const env: Env = {...nodeEnv(), stdout: new BufferStream(), stderr: new BufferStream(), vars: {PCLOUD_AUTH: AUTH}};
    const options = await resolveWatchOptions({jobs: [{kind: 'upload', hash: 'h1'}, {kind: 'upload', hash: 'h2'}]}, {host: emulator.url, interval: '5ms', json: true}, env);
    const seen: LoopEvent[] = [];
    const renderer: Renderer = {handle: (event) => void seen.push(event), end() {}};
    const buggy: Env = {
      ...env,
      random: () => {
        throw new TypeError('random is broken');
      },
    };
    const code = await renderRun(options, buggy, renderer, new AbortController().signal);
    expect(code).toBe(1);
    const finals = seen.filter((event) => event.event === 'done' || event.event === 'error');
    expect(finals.map((event) => event.hash).sort()).toEqual(['h1', 'h2']);
    for (const event of finals) expect(event).toMatchObject({event: 'error', exitCode: 1, message: 'internal error (a bug, please report it): random is broken'});
  });
});
