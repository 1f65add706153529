import {describe, expect, it} from 'vitest';
import {sanitize, withoutUserinfo} from '../src/sanitize.js';

describe('a URL inside server text', () => {
  it.each([
    ['failed: https://alice:S3cret@files.example/a.bin?sig=1', 'failed: https://files.example/a.bin?sig=1'],
    ['two: ftp://u:p@a.example and http://v:q@b.example/x', 'two: ftp://a.example and http://b.example/x'],
    ['no credentials: https://files.example/a@b', 'no credentials: https://files.example/a@b'],
    ['not a URL: a@b :// c', 'not a URL: a@b :// c'],
    ['ends at ://', 'ends at ://'],
  ])('%j is shown without user:password', (text, shown) => {
    expect(withoutUserinfo(text)).toBe(shown);
    expect(sanitize(text)).toBe(shown);
  });

  it('reads a text of many `://` once (no part twice): 1 MB of them', () => {
    expect(withoutUserinfo('://a'.repeat(250_000))).toHaveLength(1_000_000);
    expect(withoutUserinfo(`${'x://'.repeat(100_000)}u:p@h`)).toBe(`${'x://'.repeat(100_000)}h`);
  });
});
