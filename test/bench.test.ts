import {execFile} from 'node:child_process';
import {chmodSync, mkdtempSync, readFileSync, writeFileSync} from 'node:fs';
import {tmpdir} from 'node:os';
import {join} from 'node:path';
import {promisify} from 'node:util';
import {fileURLToPath} from 'node:url';
import {expect, it} from 'vitest';

// `npm run bench` is not a test (its figures are timings on a noisy machine); this only checks that
// the script still runs end to end, at its tiny size, and measures every figure, under the Node
// binary that --node names: a wrapper that notes each start, then runs this Node.
it('npm run bench runs at a tiny size, under the Node --node names, and prints every figure', async () => {
  const script = fileURLToPath(new URL('../bench/run.js', import.meta.url));
  const dir = mkdtempSync(join(tmpdir(), 'pp-bench-'));
  const starts = join(dir, 'starts.log');
  const node = join(dir, 'node');
  writeFileSync(node, `#!/bin/sh\necho started >> '${starts}'\nexec '${process.execPath}' "$@"\n`);
  chmodSync(node, 0o755);
  // rejects, with the bench's stderr, if it exits non-zero
  const {stdout} = await promisify(execFile)(process.execPath, [script, '--tiny', '--node', node]);
  const rows = stdout
    .split('\n')
    .filter((line) => line.startsWith('| ') && !line.startsWith('| figure'))
    .map((line) => line.split(' | ').map((cell) => cell.replace(/^\| |\s*\|$/g, '').trim()));
  const figures = rows.map(([figure]) => figure);
  for (const name of ['--version', 'usage error', '`node -e 0`', 'node:http+https client', 'curl|jq', 'bare node:http', 'TCP connections', 'peak RSS', 'RSS growth', 'process exit', 'TTY watch', 'CPU of the display, 1 job', 'CPU of the display, 20 jobs']) {
    expect(figures.some((figure) => figure?.includes(name)), name).toBe(true);
  }
  // every figure was measured: a number, not NaN or empty
  for (const [figure, ours] of rows) expect(ours, figure).toMatch(/^-?\d+(\.\d+)?( ms| MiB|%)?$/);
  expect(rows.find(([figure]) => figure?.includes('TCP connections'))?.[1]).toBe('1.00');
  // the measured programs ran under the wrapper, and the table names the Node it ran
  expect(stdout).toContain(`Node ${process.version}`);
  expect(readFileSync(starts, 'utf8').split('\n').length).toBeGreaterThan(10);
}, 120_000);
