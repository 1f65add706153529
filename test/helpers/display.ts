import {mkdtempSync, writeFileSync} from 'node:fs';
import {tmpdir} from 'node:os';
import {join} from 'node:path';
import {expect} from 'vitest';

// What the many-jobs display tests (display.test.ts, display-1000.test.ts) share.

/** A hash file of `hashes`, one a line. */
export function hashFile(hashes: string[]): string {
  const path = join(mkdtempSync(join(tmpdir(), 'pp-display-')), 'hashes.txt');
  writeFileSync(path, `${hashes.join('\n')}\n`);
  return path;
}

/** Lines of the display itself: a job's row, the header, `+N more`. None may stay behind. */
export const FRAME_LINE = /^(upload \S+ {2}|\d+ jobs: |\d+: \d|\+\d+ more$)/;

/** How many times each job's ✔/✖ line is there, by label. */
export function endLines(text: string): Map<string, number> {
  const counts = new Map<string, number>();
  for (const line of text.split('\n')) {
    const label = /^[✔✖] (upload \S+):/.exec(line)?.[1];
    if (label) counts.set(label, (counts.get(label) ?? 0) + 1);
  }
  return counts;
}

export function expectEachEndOnce(text: string, hashes: string[]): void {
  const counts = endLines(text);
  expect([...counts.keys()].sort()).toEqual(hashes.map((hash) => `upload ${hash}`).sort());
  expect([...counts.values()].every((count) => count === 1)).toBe(true);
}

/** The non-empty lines of the screen, with the ✔/✖ lines above the display left out. */
export const displayLines = (screen: string): string[] => screen.split('\n').filter((line) => line.trim() !== '' && !/^[✔✖] /.test(line));
