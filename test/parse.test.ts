import {describe, expect, it} from 'vitest';
import {formatDuration, parseDuration} from '../src/duration.js';
import {parseHost} from '../src/host.js';
import {UsageError} from '../src/errors.js';
import {validateHash} from '../src/options.js';

describe('parseDuration', () => {
  it.each([
    ['1', 1000],
    ['0.5', 500],
    ['.25', 250],
    ['0', 0],
    ['250ms', 250],
    ['2s', 2000],
    ['1m', 60_000],
    ['1h', 3_600_000],
    ['1m30s', 90_000],
    ['1.5s', 1500],
    [' 3s ', 3000],
  ])('%s -> %d ms', (text, ms) => expect(parseDuration(text)).toBe(ms));

  it.each(['', 'abc', '-1', '1x', '1 s', '5sec', 's', '1m30', 'NaN', 'Infinity', '1e3'])('rejects %j', (text) => {
    expect(parseDuration(text)).toBeUndefined();
  });

  it('formats back for messages', () => {
    expect([250, 1500, 30_000, 90_000, 3_600_000, 119_600, 59_700, 9_960].map(formatDuration)).toEqual(['250ms', '1.5s', '30s', '1m30s', '1h', '2m', '1m', '10s']);
  });
});

describe('parseHost', () => {
  it.each([
    ['api7.pcloud.com', 'https://api7.pcloud.com', 'api7.pcloud.com', false],
    ['api.pcloud.com', 'https://api.pcloud.com', 'api.pcloud.com', true],
    ['EAPI.pcloud.com', 'https://eapi.pcloud.com', 'eapi.pcloud.com', true],
    ['api7.pcloud.com:8443', 'https://api7.pcloud.com:8443', 'api7.pcloud.com:8443', false],
    ['https://api7.pcloud.com', 'https://api7.pcloud.com', 'api7.pcloud.com', false],
    ['https://api7.pcloud.com/', 'https://api7.pcloud.com', 'api7.pcloud.com', false],
    ['http://127.0.0.1:8080', 'http://127.0.0.1:8080', '127.0.0.1:8080', false],
    ['http://127.3.4.5', 'http://127.3.4.5', '127.3.4.5', false],
    ['http://localhost:9', 'http://localhost:9', 'localhost:9', false],
    ['http://[::1]:8080', 'http://[::1]:8080', '[::1]:8080', false],
    ['[::1]:8443', 'https://[::1]:8443', '[::1]:8443', false],
    ['::1', 'https://[::1]', '[::1]', false],
  ])('%s', (input, origin, label, generic) => {
    expect(parseHost(input)).toMatchObject({origin, label, generic});
  });

  it('keeps the bare hostname for DNS and TLS', () => {
    expect(parseHost('http://[::1]:8080')).toMatchObject({hostname: '::1', port: 8080, protocol: 'http:'});
  });

  it.each([
    ['', /empty/],
    ['http://api.pcloud.com', /only allowed to loopback/],
    ['http://10.0.0.1:8080', /only allowed to loopback/],
    ['ftp://api.pcloud.com', /only https/],
    ['https://api.pcloud.com/uploadprogress', /without a path/],
    ['api.pcloud.com/x', /without a path/],
    ['https://api.pcloud.com?auth=1', /without a path/],
    ['bad_host!', /hostname|expected/],
    ['api.pcloud.com:99999', /expected/],
  ])('rejects %j', (input, why) => {
    expect(() => parseHost(input)).toThrow(UsageError);
    expect(() => parseHost(input)).toThrow(why);
  });

  it('never echoes a URL that carries credentials', () => {
    expect(() => parseHost('https://user:s3cret@api.pcloud.com')).toThrow(/credentials do not belong/);
    try {
      parseHost('https://user:s3cret@api.pcloud.com');
    } catch (error) {
      expect((error as Error).message).not.toContain('s3cret');
    }
  });
});

describe('validateHash', () => {
  it('accepts 1 to 128 printable ASCII characters', () => {
    expect(validateHash('a')).toBe('a');
    expect(validateHash('-x&y=z~!')).toBe('-x&y=z~!');
    expect(validateHash('h'.repeat(128))).toHaveLength(128);
  });
  it.each([[''], ['h'.repeat(129)], ['a b'], ['tab\t'], ['é'], ['\u001b[31m']])('rejects %j', (hash) => {
    expect(() => validateHash(hash)).toThrow(UsageError);
  });
});
