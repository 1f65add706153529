import {describe, expect, it} from 'vitest';
import {classifyAnswer, type Outcome} from '../src/api/outcome.js';
import type {FinalEvent} from '../src/events.js';
import {FIRST_CONTACT_WINDOW_MS, GIVE_UP_AFTER_FAILURES_MS, rateLimitBackoffMs, pollJob, type JobSpec, type LoopEvent} from '../src/poll-job.js';
import {collect, FakeClock} from './helpers/fake-clock.js';

const SPEC: JobSpec = {kind: 'upload', hash: 'h1', host: '127.0.0.1:9', genericHost: false, intervalMs: 1000, waitMs: 30_000, timeoutMs: 0, stallMs: 0};

const progress = (uploaded: number, total = 100): Outcome => ({type: 'answer', raw: {result: 0, uploaded, total, files: [], finished: false, currentfile: 'a.bin'}});
const finished: Outcome = {type: 'answer', raw: {result: 0, uploaded: 100, total: 100, files: [{fileid: 1}], finished: true}};
const notFound: Outcome = classifyAnswer({result: 1900, error: 'Upload not found'});
const http502: Outcome = {type: 'transient', code: null, message: 'server error (HTTP 502)'};
const http429 = (retryAfterMs: number): Outcome => ({type: 'transient', code: null, message: 'server error (HTTP 429)', retryAfterMs});
const tooFast = classifyAnswer({result: 4010, error: 'Too many requests from your IP address in quick succession.'});
const refused: Outcome = {type: 'transient', code: null, message: 'the connection was refused', connection: 'refused', hint: 'nothing listens on 127.0.0.1:9: check the host and port'};
const notTls: Outcome = {type: 'transient', code: null, message: 'the server does not speak TLS (EPROTO)', connection: 'protocol', hint: '127.0.0.1:4567 may be a plain-HTTP server: try http://127.0.0.1:4567'};
const reset: Outcome = {type: 'transient', code: null, message: 'the connection was reset', connection: 'failed'};

/** Runs one watch against answers taken in turn (the last repeats), on a fake clock; random() is 0.5. */
async function run(answers: Outcome[], spec: Partial<JobSpec> = {}) {
  const clock = new FakeClock();
  const polls: number[] = [];
  let index = 0;
  const poll = async (): Promise<Outcome> => {
    polls.push(clock.now());
    return answers[Math.min(index++, answers.length - 1)] as Outcome;
  };
  const events = await clock.run(collect(pollJob({...SPEC, ...spec}, {poll, clock, random: () => 0.5, startedAt: 0, signal: new AbortController().signal})));
  const gaps = polls.slice(1).map((at, i) => at - (polls[i] as number));
  return {events, polls, gaps, last: events.at(-1) as FinalEvent};
}

const retries = (events: LoopEvent[]): LoopEvent[] => events.filter((e) => e.event === 'retry');

describe('HTTP 429 with Retry-After', () => {
  it('waits as long as the server asked before the next try, then goes on', async () => {
    const {gaps, last} = await run([progress(1), http429(2000), http429(5000), progress(2), finished]);
    // our own backoff would have waited 750 ms, then 1.5 s
    expect(gaps).toEqual([1000, 2000, 5000, 1000]);
    expect(last.event).toBe('done');
  });

  it('never waits past the 60 s failure window: the last try comes at its end, then exit 6', async () => {
    const {polls, last} = await run([http429(120_000)]);
    expect(polls).toEqual([0, GIVE_UP_AFTER_FAILURES_MS]);
    expect(last).toMatchObject({event: 'error', exitCode: 6, message: 'gave up after 1m of failures; the last: server error (HTTP 429)'});
  });

  it('keeps its own backoff when that is longer than Retry-After', async () => {
    const {gaps} = await run([http502, http502, http502, http429(1000), finished]);
    expect(gaps).toEqual([750, 1500, 3000, 6000]);
  });
});

describe('pCloud rate limits', () => {
  it('4000 (too many login tries) stops at once with exit 5: retrying lengthens the ban', async () => {
    const {polls, last} = await run([classifyAnswer({result: 4000, error: 'Too many login tries from this IP address.'})]);
    expect(polls).toEqual([0]);
    expect(last).toMatchObject({exitCode: 5, code: 4000});
  });

  it('4010 backs off hard (at least 10 s, then growing) and the watch goes on once it passes', async () => {
    const {events, gaps, last} = await run([progress(1), tooFast, tooFast, progress(2), finished]);
    expect(gaps.slice(1, 3)).toEqual([rateLimitBackoffMs(1, () => 0.5), rateLimitBackoffMs(2, () => 0.5)]);
    expect(gaps[1]).toBeGreaterThanOrEqual(10_000);
    expect(gaps[2]).toBeGreaterThan(gaps[1] as number);
    expect(retries(events)).toHaveLength(2);
    expect(last.event).toBe('done');
  });

  it('still rate limited when the 60 s window ends: exit 5, naming the pCloud code and text', async () => {
    const {polls, last} = await run([progress(1), tooFast]);
    expect(polls.at(-1)! - polls[1]!).toBe(GIVE_UP_AFTER_FAILURES_MS);
    expect(polls.length).toBeLessThanOrEqual(6); // a handful of tries in a minute, not one a second
    expect(last).toMatchObject({event: 'error', exitCode: 5, code: 4010});
    expect(last.message).toMatch(/Too many requests from your IP address in quick succession\. \(pCloud 4010\)/);
  });

  it('ends with exit 6, not 5, when the last failure of the window was not a rate limit', async () => {
    const {last} = await run([progress(1), tooFast, http502]);
    expect(last).toMatchObject({exitCode: 6, code: null});
  });

  it('jitters the hard backoff, and never below 10 s', () => {
    expect(rateLimitBackoffMs(1, () => 0)).toBe(10_000);
    expect(rateLimitBackoffMs(1, () => 1)).toBe(12_500);
    expect(rateLimitBackoffMs(2, () => 0)).toBe(20_000);
    expect(rateLimitBackoffMs(40, () => 0)).toBe(GIVE_UP_AFTER_FAILURES_MS);
  });
});

describe('result codes are worded for what they are', () => {
  it.each([
    [1000, 'Log in required.', 'auth', /^authentication failed: Log in required\. \(pCloud 1000\)$/],
    [2000, 'Log in failed.', 'auth', /^authentication failed: Log in failed\./],
    [2094, "Invalid 'access_token' provided.", 'auth', /^authentication failed: /],
    [2095, 'access_token revoked.', 'auth', /^authentication failed: /],
    [2003, 'Access denied. You do not have permissions to perform this operation.', 'auth', /^permission denied: Access denied\./],
    [2009, 'File not found.', 'auth', /^the server refused the request: File not found\. \(pCloud 2009\)$/],
    [1004, 'No fileid or path provided.', 'failure', /^server answered: No fileid or path provided\. \(pCloud 1004\)$/],
  ])('%d (%s)', (code, text, reason, message) => {
    const outcome = classifyAnswer({result: code, error: text});
    expect(outcome).toMatchObject({type: 'fatal', reason, code});
    expect((outcome as {message: string}).message).toMatch(message);
    if (!(code === 1000 || code === 2000 || code === 2094 || code === 2095)) expect((outcome as {message: string}).message).not.toMatch(/authentication/);
  });
});

describe('first contact: a wrong host or port fails fast', () => {
  it.each([
    ['refused', refused, /^gave up after 5 tries in 10s: the connection was refused; nothing listens on 127\.0\.0\.1:9: check the host and port$/],
    ['TLS to a plain-HTTP port', notTls, /^gave up after 5 tries in 10s: the server does not speak TLS \(EPROTO\); .*try http:\/\/127\.0\.0\.1:4567$/],
  ])('%s, before any answer: exit 6 at 10 s after a few quick tries, with the hint', async (_name, outcome, message) => {
    const {polls, last, events} = await run([outcome]);
    expect(polls).toEqual([0, 750, 2250, 5250, FIRST_CONTACT_WINDOW_MS]);
    expect(retries(events)).toHaveLength(4);
    expect(last).toMatchObject({event: 'error', exitCode: 6});
    expect(last.message).toMatch(message);
  });

  it('counts from the first refusal, through other failures before it', async () => {
    const {polls, last} = await run([reset, reset, refused]);
    expect(polls.at(-1)! - polls[2]!).toBe(FIRST_CONTACT_WINDOW_MS);
    expect(last).toMatchObject({event: 'error', exitCode: 6});
  });

  it.each([
    ['a progress answer', progress(1)],
    ['a not-found (19xx)', notFound],
    ['an HTTP error page (502)', http502],
  ])('after %s, refused connections are retried for the whole 60 s window', async (_name, first) => {
    const {polls, last} = await run([first, refused]);
    // the failure window opens at the first failure: the 502 itself is one
    const failingSince = first.type === 'transient' ? polls[0]! : polls[1]!;
    expect(polls.at(-1)! - failingSince).toBe(GIVE_UP_AFTER_FAILURES_MS);
    expect(last).toMatchObject({exitCode: 6});
    expect(last.message).toMatch(/^gave up after 1m of failures; the last: the connection was refused; nothing listens on/);
  });

  it('a server that comes up within the window is watched as usual', async () => {
    const {last} = await run([refused, refused, refused, progress(1), finished]);
    expect(last.event).toBe('done');
  });

  it('a reset or a timeout is not a wrong port: it gets the whole 60 s window', async () => {
    const {polls} = await run([reset]);
    expect(polls.at(-1)).toBe(GIVE_UP_AFTER_FAILURES_MS);
  });
});
