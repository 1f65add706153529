import {describe, expect, it} from 'vitest';
import {sanitize} from '../src/sanitize.js';
import {terminalSafeJson} from '../src/json.js';
import {formatBytes} from '../src/format.js';
import {eta, RateMeter} from '../src/rate.js';
import {merge} from '../src/merge.js';
import {combineExitCodes} from '../src/exit-codes.js';
import {collect, FakeClock} from './helpers/fake-clock.js';

describe('sanitize', () => {
  it.each([
    ['plain.bin', 'plain.bin'],
    ['\u001b[31mred\u001b[0m.bin', 'red.bin'],
    ['title\u001b]0;pwned\u0007.bin', 'title.bin'],
    ['a\u009b31mb', 'ab'],
    ['bell\u0007\u0000\u007f.bin', 'bell.bin'],
    ['line\nbreak\r\tname', 'line break name'],
    ['evil\u202egnp.exe', 'evilgnp.exe'],
    ['iso\u2066late\u2069', 'isolate'],
    ['ünïcødé 文件.txt', 'ünïcødé 文件.txt'],
  ])('%j -> %j', (input, output) => expect(sanitize(input)).toBe(output));

  it('cuts absurdly long names', () => {
    const cut = sanitize('x'.repeat(100_000), 40);
    expect(cut).toHaveLength(40);
    expect(cut.endsWith('…')).toBe(true);
  });

  it('escapes C1 and bidi characters in JSON without changing the value', () => {
    const value = {name: 'a\u009bb\u202ec\u001bd'};
    const line = terminalSafeJson(value);
    expect(line).not.toMatch(/[\u0000-\u001f\u007f-\u009f\u202e]/);
    expect(JSON.parse(line)).toEqual(value);
  });
});

describe('formatBytes', () => {
  it('uses binary units', () => {
    expect([0, 1023, 1024, 1536, 10 * 1024 ** 2, 123.4 * 1024 ** 3].map(formatBytes)).toEqual(['0 B', '1023 B', '1.00 KiB', '1.50 KiB', '10.0 MiB', '123 GiB']);
  });
});

describe('RateMeter', () => {
  it('weights speeds by elapsed time and restarts when the counter goes back', () => {
    const meter = new RateMeter();
    expect(meter.update(0, 0)).toBeNull();
    expect(meter.update(1000, 1000)).toBe(1000);
    const afterBurst = meter.update(1010, 1100) as number; // 10 ms at 10 000 B/s barely moves it
    expect(afterBurst).toBeGreaterThan(1000);
    expect(afterBurst).toBeLessThan(1030);
    expect(meter.update(2000, 10)).toBeNull();
  });
  it('tells no ETA without a rate', () => {
    expect(eta(10, 100, null)).toBeNull();
    expect(eta(10, 100, 0)).toBeNull();
    expect(eta(10, 100, 45)).toBe(2);
  });
});

describe('merge', () => {
  it('interleaves sources as their values come, on a clock the test moves', async () => {
    const clock = new FakeClock();
    /** Yields `${prefix}${i}@${time}` after each of `delays` (ms), slept on the fake clock. */
    async function* slow(prefix: string, delays: number[]) {
      for (const [i, ms] of delays.entries()) {
        await clock.sleep(ms);
        yield `${prefix}${i}@${clock.now()}`;
      }
    }
    const out = await clock.run(collect(merge([slow('a', [1, 30, 5]), slow('b', [15, 1]), slow('c', [])])));
    expect(out).toEqual(['a0@1', 'b0@15', 'b1@16', 'a1@31', 'a2@36']);
  });
});

describe('combineExitCodes', () => {
  it('takes the highest; interruptions win', () => {
    expect(combineExitCodes([])).toBe(0);
    expect(combineExitCodes([0, 4, 3])).toBe(4);
    expect(combineExitCodes([7, 130, 6])).toBe(130);
  });
});
