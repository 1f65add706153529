#!/usr/bin/env node
'use strict';
// CommonJS, as dist/cli.cjs: an ES module entry costs Node several ms more to start (npm run bench).

const args = process.argv.slice(2);
if (args.length === 1 && (args[0] === '--version' || args[0] === '-V')) {
  // The one answer that needs nothing but package.json: skip loading the program (npm run bench).
  process.stdout.on('error', () => {}); // `--version | true`: a closed pipe is not an error
  process.stdout.write(`${require('../package.json').version}\n`);
} else {
  // A watch allocates a little per poll for hours, and V8 sizes its heap for a busy server:
  // - it keeps doubling the young generation (up to 16 MiB semi-spaces): kept at its first size;
  // - it lets the old generation grow to up to 4x what survived the last full GC before the next
  //   one: held to 2x.
  // The live heap after a full GC is the same ~8 MiB either way; over 10,000 polls, peak RSS goes
  // from ~110 MiB (neither) and ~81 MiB (young only) to ~68 MiB, and RSS stops growing after the
  // first second (npm run bench). V8 reads both when it next sizes the heap, so setting them here works.
  require('node:v8').setFlagsFromString('--semi-space-growth-factor=1 --heap-growing-percent=100');
  const {main, nodeEnv} = loadProgram();
  main(args, nodeEnv()).then((code) => {
    process.exitCode = code;
    // Everything is closed by now; should a stray handle remain, it must not keep the process alive.
    setTimeout(() => process.exit(code), 1000).unref();
  });
}

/** dist/ is built by `npm run build` (npm install runs it): before that, one line saying so, not a stack. */
function loadProgram() {
  try {
    return require('../dist/cli.cjs');
  } catch (error) {
    if (error.code !== 'MODULE_NOT_FOUND' || !String(error.message).includes('../dist/cli.cjs')) throw error;
    const folder = require('node:path').resolve(__dirname, '..');
    process.stderr.write(`pcloud-progress: not built yet: run npm run build (or npm install) in ${folder}\n`);
    process.exit(1);
  }
}
