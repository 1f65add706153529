// npm test: the type-check, the lint and the test suite, side by side. tsc and eslint print only
// when something is wrong, and the suite's own build and slowest files leave a core idle now and
// then: run one after the other, the two cost about 10 s of wall time on a 2-core machine.
import {spawn} from 'node:child_process';
import {mkdirSync, readFileSync, rmSync, statSync, writeFileSync} from 'node:fs';
import {join, relative} from 'node:path';
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

// Both keep what they learnt in node_modules/.cache for the next run. eslint checks again only the
// files that changed (under 1 s of CPU instead of 6). tsc runs in build mode on a config of the
// cache's own (the project's, with noEmit and its build info kept there): when no file it reads has
// changed since a run without errors, it says so in about 0.3 s of CPU and checks nothing; plain
// --incremental parsed every file again to find that out (about 4 s of CPU a run). A fresh clone (CI)
// has no cache and checks everything. npm ci empties node_modules, cache and all; after an npm
// install that changed packages (the lockfile is newer than the build info), tsc checks everything.
const CACHE = fileURLToPath(new URL('../node_modules/.cache/pcloud-progress/', import.meta.url));
const TSCONFIG = join(CACHE, 'tsconfig.json');
const BUILD_INFO = join(CACHE, 'tsc-build.tsbuildinfo');
mkdirSync(CACHE, {recursive: true});
const config = `${JSON.stringify({extends: relative(CACHE, fileURLToPath(new URL('../tsconfig.json', import.meta.url))), compilerOptions: {noEmit: true, incremental: true, tsBuildInfoFile: './tsc-build.tsbuildinfo'}})}\n`;
// written only when it differs: a newer config is a change to tsc, which would check everything again
if (readFileSync(TSCONFIG, {encoding: 'utf8', flag: 'a+'}) !== config) writeFileSync(TSCONFIG, config);
const mtime = (file) => statSync(file, {throwIfNoEntry: false})?.mtimeMs ?? 0;
if (mtime(fileURLToPath(new URL('../package-lock.json', import.meta.url))) > mtime(BUILD_INFO)) rmSync(BUILD_INFO, {force: true});

const codes = await Promise.all([
  run('typecheck (tsc --noEmit)', bin('typescript', 'bin/tsc'), ['--build', TSCONFIG]),
  run('lint (eslint .)', bin('eslint', 'bin/eslint.js'), ['.', '--cache', '--cache-strategy', 'content', '--cache-location', join(CACHE, 'eslint')]),
  run('vitest', bin('vitest', 'vitest.mjs'), ['run', ...process.argv.slice(2)], {live: true}),
]);
process.exitCode = codes.find((code) => code !== 0) ?? 0;
