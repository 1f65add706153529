import {describe, expect, it} from 'vitest';
import {END_WAIT_MS, Paced, SEND_TIMEOUT_MS, type Output} from '../src/metrics/observer.js';
import {FakeClock} from './helpers/fake-clock.js';

// The pace of --metrics-file and --pushgateway on the fake clock (the programs themselves, with real
// time, are in metrics.test.ts): how often a busy run sends, and that a send that never answers holds
// nothing up.

interface Sent {
  at: number;
  text: string;
}

function output(gapMs: number, send: (text: string, signal: AbortSignal) => Promise<void>): Output {
  return {what: 'cannot push metrics to http://gateway.example', gapMs, send, close() {}};
}

/** A watch that changes something every 10 ms for `forMs`, then ends: what was sent, and what was said. */
async function busyRun(clock: FakeClock, gapMs: number, forMs: number, send: (text: string, signal: AbortSignal) => Promise<void>): Promise<{said: string[]; endedAt: number}> {
  const said: string[] = [];
  let version = 0;
  const paced = new Paced(output(gapMs, send), clock, async () => `v${version}`, (line) => said.push(line));
  await clock.run(
    (async () => {
      paced.kick();
      for (const until = clock.now() + forMs; clock.now() < until; ) {
        version += 1;
        paced.kick();
        await clock.sleep(10);
      }
      const deadline = clock.now() + END_WAIT_MS;
      await paced.end(deadline);
    })(),
  );
  return {said, endedAt: clock.now()};
}

describe('the pace of the metrics outputs', () => {
  it('sends at most once a gap while things change, and the final state once at the end', async () => {
    const clock = new FakeClock();
    const sent: Sent[] = [];
    const {said} = await busyRun(clock, 1000, 10_000, async (text) => void sent.push({at: clock.now(), text}));
    // 10 s of changes every 10 ms: one send a second (the first at once), and the last at the end
    expect(sent.length).toBeGreaterThanOrEqual(10);
    expect(sent.length).toBeLessThanOrEqual(12);
    for (let i = 1; i < sent.length - 1; i++) expect((sent[i] as Sent).at - (sent[i - 1] as Sent).at).toBeGreaterThanOrEqual(1000);
    expect(sent.at(-1)?.text).toBe('v1000');
    expect(said).toEqual([]);
  });

  it('sends nothing more while nothing changes', async () => {
    const clock = new FakeClock();
    const sent: number[] = [];
    const paced = new Paced(output(1000, async () => void sent.push(clock.now())), clock, async () => 'same', () => {});
    await clock.run(
      (async () => {
        paced.kick();
        await clock.sleep(60_000);
        await paced.end(clock.now() + END_WAIT_MS);
      })(),
    );
    expect(sent).toEqual([0, 60_000]);
  });

  it('spaces its sends further when the text is costly to build (thousands of jobs)', async () => {
    const clock = new FakeClock();
    const sent: number[] = [];
    let version = 0;
    // 250 ms to build each text: the gap grows to 20 times that
    const paced = new Paced(output(1000, async () => void sent.push(clock.now())), clock, async () => {
      clock.time += 250;
      return `v${version}`;
    }, () => {});
    await clock.run(
      (async () => {
        for (const until = clock.now() + 30_000; clock.now() < until; await clock.sleep(10)) {
          version += 1;
          paced.kick();
        }
        await paced.end(clock.now() + END_WAIT_MS);
      })(),
    );
    for (let i = 1; i < sent.length - 1; i++) expect((sent[i] as number) - (sent[i - 1] as number)).toBeGreaterThanOrEqual(20 * 250);
    expect(sent.length).toBeGreaterThanOrEqual(6);
    expect(sent.length).toBeLessThanOrEqual(8);
  });

  it('says a failing output once, however often it fails, and keeps trying', async () => {
    const clock = new FakeClock();
    let tries = 0;
    const {said} = await busyRun(clock, 1000, 5000, async () => {
      tries += 1;
      throw Object.assign(new Error('connect ECONNREFUSED 127.0.0.1:9'), {code: 'ECONNREFUSED'});
    });
    expect(tries).toBeGreaterThanOrEqual(5);
    expect(said).toEqual(['cannot push metrics to http://gateway.example: connection refused (retried; the watch goes on)']);
  });

  it('tries a failed send again after the gap, also when nothing changed since', async () => {
    const clock = new FakeClock();
    const tries: number[] = [];
    const paced = new Paced(output(5000, async () => {
      tries.push(clock.now());
      if (tries.length < 3) throw Object.assign(new Error('refused'), {code: 'ECONNREFUSED'});
    }), clock, async () => 'same', () => {});
    await clock.run(
      (async () => {
        paced.kick();
        await clock.sleep(60_000);
        await paced.end(clock.now() + END_WAIT_MS);
      })(),
    );
    expect(tries).toEqual([0, 5000, 10_000, 60_000]); // then it got through: nothing more until the end
  });

  it('abandons a send with no answer after its timeout, and waits at most END_WAIT_MS at the end', async () => {
    const clock = new FakeClock();
    const aborted: number[] = [];
    // a Pushgateway that takes the connection and never answers: only the signal ends a send
    const hang = (_text: string, signal: AbortSignal): Promise<void> =>
      new Promise((_, reject) =>
        signal.addEventListener('abort', () => {
          aborted.push(clock.now());
          reject(new Error('aborted'));
        }),
      );
    const {said, endedAt} = await busyRun(clock, 5000, 12_000, hang);
    // the sends at 0 and 5 s were abandoned at their timeout, the one at 10 s when the run ended
    expect(aborted.slice(0, 2)).toEqual([SEND_TIMEOUT_MS, 5000 + SEND_TIMEOUT_MS]);
    expect(endedAt).toBeLessThanOrEqual(12_000 + END_WAIT_MS);
    expect(said).toEqual([`cannot push metrics to http://gateway.example: no answer within ${SEND_TIMEOUT_MS / 1000}s (retried; the watch goes on)`]);
  });
});
