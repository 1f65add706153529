// npm test: the type-check, the lint and the test suite, side by side. tsc and eslint print only
// when something is wrong, and the suite's own build and slowest files leave a core idle now and
// then: run one after the other, the two cost about 10 s of wall time on a 2-core machine.
import {spawn} from 'node:child_process';
import {fileURLToPath} from 'node:url';

// the packages' own bin files (their exports do not list them: found by path, as npm's .bin links do)
const bin = (pkg, file) => fileURLToPath(new URL(`../node_modules/${pkg}/${file}`, import.meta.url));

/** Runs `node script args`; its output is held and printed at its end (vitest's goes straight through). */
function run(name, script, args, {live = false} = {}) {
  return new Promise((resolve) => {
    const child = spawn(process.execPath, [script, ...args], {stdio: live ? 'inherit' : ['ignore', 'pipe', 'pipe']});
    let output = '';
    child.stdout?.on('data', (chunk) => (output += chunk));
    child.stderr?.on('data', (chunk) => (output += chunk));
    child.on('close', (code, signal) => {
      if (output) process.stdout.write(`\n${name}:\n${output}`);
      if (code !== 0) process.stderr.write(`npm test: ${name} failed (${signal ?? `exit ${code}`})\n`);
      resolve(code ?? 1);
    });
  });
}

// Both keep what they learnt in node_modules/.cache for the next run: a run after a small change
// checks again only what it touches (tsc about 2 s of CPU instead of 9, eslint under 1 s instead of
// 6). A fresh clone (CI) has no cache and checks everything.
const CACHE = fileURLToPath(new URL('../node_modules/.cache/pcloud-progress/', import.meta.url));

const codes = await Promise.all([
  run('typecheck (tsc --noEmit)', bin('typescript', 'bin/tsc'), ['--noEmit', '--incremental', '--tsBuildInfoFile', `${CACHE}tsc.tsbuildinfo`]),
  run('lint (eslint .)', bin('eslint', 'bin/eslint.js'), ['.', '--cache', '--cache-strategy', 'content', '--cache-location', `${CACHE}eslint`]),
  run('vitest', bin('vitest', 'vitest.mjs'), ['run', ...process.argv.slice(2)], {live: true}),
]);
process.exitCode = codes.find((code) => code !== 0) ?? 0;
