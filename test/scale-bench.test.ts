import {execFile} from 'node:child_process';
import {promisify} from 'node:util';
import {fileURLToPath} from 'node:url';
import {expect, it} from 'vitest';

// bench/scale.js is not a test (its figures are timings on a noisy machine); this only checks that
// it still runs end to end at its tiny size and measures every figure of every row.
it('bench/scale.js runs at a tiny size and measures every figure', async () => {
  const script = fileURLToPath(new URL('../bench/scale.js', import.meta.url));
  // rejects, with the bench's stderr, if it exits non-zero (a row it could not measure)
  const {stdout} = await promisify(execFile)(process.execPath, [script, '--tiny']);
  const lines = stdout.split('\n');
  const cells = (line: string): string[] => line.replace(/^\|\s*|\s*\|$/g, '').split(/\s*\|\s*/);
  const headerAt = lines.findIndex((line) => line.startsWith('| jobs |'));
  expect(headerAt, stdout).toBeGreaterThan(-1);
  const header = cells(lines[headerAt]!);
  const rows = lines
    .slice(headerAt + 2)
    .filter((line) => line.startsWith('| '))
    .map(cells)
    .map((row) => Object.fromEntries(header.map((name, i) => [name, row[i]])));
  expect(rows.map((row) => row.jobs)).toEqual(['1', '50']);
  for (const name of ['connections', 'jobs polled', 'polls', 'stdout lines', 'steady span (s)', 'CPU/poll (ms)', 'CPU (% core)', 'peak RSS (MiB)', 'RSS/job (KiB)', 'drift median (ms)', 'drift p99 (ms)', 'drift max (ms)']) {
    expect(header, name).toContain(name);
    // measured: a number, not NaN or n/a
    for (const row of rows) expect(row[name], `${row.jobs} jobs: ${name}`).toMatch(/^-?\d+(\.\d+)?$/);
  }
  for (const row of rows) {
    // each run ended on its own --timeout (exit 7), not a crash, and never ran out of descriptors
    expect(row.exit, `${row.jobs} jobs: exit`).toBe('7');
    expect(row.EMFILE, `${row.jobs} jobs: EMFILE`).toBe('no');
  }
  expect(stdout).toMatch(/^CPU per poll at 50 jobs \/ at 1 job: \d+(\.\d+)?x$/m);
}, 60_000);
