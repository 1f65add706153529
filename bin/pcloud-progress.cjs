#!/usr/bin/env node
'use strict';
// CommonJS, as dist/cli.cjs: an ES module entry costs Node several ms more to start (npm run bench).

/**
 * V8 flags for a watch, which allocates a little per poll for hours while V8 sizes its heap and its
 * compilers for a busy server. Each one is set only on a Node whose V8 knows it: an unknown flag
 * prints "unrecognized flag" on stderr (test/node-flags.test.ts checks them on each Node in CI).
 */
function v8Flags() {
  // - V8 keeps doubling the young generation (up to 16 MiB semi-spaces): kept at its first size;
  // - it lets the old generation grow to up to 4x what survived the last full GC before the next
  //   one: held to 2x.
  // The live heap after a full GC is the same ~8 MiB either way; on Node 20, over 10,000 polls, peak
  // RSS goes from ~110 MiB (neither) and ~81 MiB (young only) to ~68 MiB, and RSS stops growing
  // after the first second (npm run bench). V8 reads both when it next sizes the heap, so setting
  // them while the program runs works.
  const flags = ['--semi-space-growth-factor=1', '--heap-growing-percent=100'];
  // Maglev, V8's mid-tier compiler (on in Node 24), frees each compile job on a background thread,
  // and the memory stays in that thread's malloc arena: on Node 24 peak RSS over 10,000 polls was
  // ~101 MiB, ~84 MiB with the jobs freed on the main thread, at the same CPU per poll (median ratio
  // 1.02 over 7 paired runs); --no-maglev reached ~75 MiB but cost ~20% more CPU. V8 knows the flag
  // from version 12 (Node 22, which ships with Maglev off: no change there, ~76 MiB either way).
  if (Number(process.versions.v8.split('.')[0]) >= 12) flags.push('--no-maglev-destroy-on-background');
  return flags;
}

const args = process.argv.slice(2);
if (args.length === 1 && (args[0] === '--version' || args[0] === '-V')) {
  // The one answer that needs nothing but package.json: skip loading the program (npm run bench).
  process.stdout.on('error', () => {}); // `--version | true`: a closed pipe is not an error
  process.stdout.write(`${require('../package.json').version}\n`);
} else {
  // Node 22.1+ can keep the code V8 compiled for dist/*.cjs on disk (per user and Node version, in
  // the OS temp folder; NODE_DISABLE_COMPILE_CACHE=1 turns it off), as tsc does: later starts skip
  // parsing and compiling most of the bundle (npm run bench). Node 20 has no such cache.
  require('node:module').enableCompileCache?.();
  // Set as the first request starts, not before: once any V8 flag is set, V8 no longer takes the code
  // compiled ahead into Node for its own modules, so each one loaded after that is compiled anew
  // (node:http and node:https: ~6 ms on Node 20, ~20 ms after a flag; ~30 ms of CPU of each watch in
  // all). By its first request the program has loaded what it runs on. A run that sends none (help,
  // a usage error) is short and needs no tuning.
  const channels = require('node:diagnostics_channel');
  const tune = () => {
    channels.unsubscribe('http.client.request.start', tune);
    require('node:v8').setFlagsFromString(v8Flags().join(' '));
  };
  channels.subscribe('http.client.request.start', tune);
  const {main, nodeEnv} = loadProgram();
  let ended = false;
  // Node exits once nothing is left to wait for: were main() ever left waiting on a promise that
  // nothing will settle (a bug), the run would end with exit 0 and no result. It says so instead.
  process.once('beforeExit', () => {
    if (ended) return;
    process.stderr.write('pcloud-progress: internal error (a bug, please report it): the run ended without a result\n');
    process.exitCode = 1;
  });
  main(args, nodeEnv()).then((code) => {
    ended = true;
    process.exitCode = code;
    // Everything is closed by now; should a stray handle remain, it must not keep the process alive.
    setTimeout(() => process.exit(code), 1000).unref();
  });
}

/**
 * dist/ is built by `npm install` in a clone (its `prepare`). A clone linked with `npm install -g .`
 * before that has no dist/, and no build tools either (npm installs no dev dependencies there, and
 * npm 11 runs no `prepare`): one line saying what to run, with the usage exit code, not a stack
 * trace and not 1, which says "a bug". `npm install` is right in every case: it installs what is
 * missing and builds.
 */
function loadProgram() {
  try {
    return require('../dist/cli.cjs');
  } catch (error) {
    if (error.code !== 'MODULE_NOT_FOUND' || !String(error.message).includes('../dist/cli.cjs')) throw error;
    const folder = require('node:path').resolve(__dirname, '..');
    process.stderr.write(`pcloud-progress: not built yet: run npm install in ${folder}\n`);
    process.exit(2);
  }
}
