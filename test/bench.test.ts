import {execFile} from 'node:child_process';
import {promisify} from 'node:util';
import {fileURLToPath} from 'node:url';
import {expect, it} from 'vitest';

// `npm run bench` is not a test (its figures are timings on a noisy machine); this only checks that
// the script still runs end to end, at its tiny size, and measures every figure.
it('npm run bench runs at a tiny size and prints every figure', async () => {
  const script = fileURLToPath(new URL('../bench/run.js', import.meta.url));
  // rejects, with the bench's stderr, if it exits non-zero
  const {stdout} = await promisify(execFile)(process.execPath, [script, '--tiny']);
  const rows = stdout
    .split('\n')
    .filter((line) => line.startsWith('| ') && !line.startsWith('| figure'))
    .map((line) => line.split(' | ').map((cell) => cell.replace(/^\| |\s*\|$/g, '').trim()));
  const figures = rows.map(([figure]) => figure);
  for (const name of ['--version', 'first request', 'curl|jq', 'bare node:http', 'TCP connections', 'peak RSS', 'RSS growth', 'process exit', 'TTY watch']) {
    expect(figures.some((figure) => figure?.includes(name)), name).toBe(true);
  }
  // every figure was measured: a number, not NaN or empty
  for (const [figure, ours] of rows) expect(ours, figure).toMatch(/^-?\d+(\.\d+)?( ms| MiB|%)?$/);
  expect(rows.find(([figure]) => figure?.includes('TCP connections'))?.[1]).toBe('1.00');
}, 120_000);
