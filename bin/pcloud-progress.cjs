#!/usr/bin/env node
'use strict';
// CommonJS, as dist/cli.cjs: an ES module entry costs Node several ms more to start (npm run bench).

const args = process.argv.slice(2);
if (args.length === 1 && (args[0] === '--version' || args[0] === '-V')) {
  // The one answer that needs nothing but package.json: skip loading the program (npm run bench).
  process.stdout.on('error', () => {}); // `--version | true`: a closed pipe is not an error
  process.stdout.write(`${require('../package.json').version}\n`);
} else {
  // A watch allocates a little per poll for hours; V8 would keep doubling its young generation
  // (16 MiB semi-spaces, ~110 MiB RSS). Kept at its first size, RSS stays near 85 MiB and the heap
  // after GC is the same ~8 MiB (npm run bench). Read by V8 whenever it would grow, so it works here.
  require('node:v8').setFlagsFromString('--semi-space-growth-factor=1');
  const {main, nodeEnv} = require('../dist/cli.cjs');
  main(args, nodeEnv()).then((code) => {
    process.exitCode = code;
    // Everything is closed by now; should a stray handle remain, it must not keep the process alive.
    setTimeout(() => process.exit(code), 1000).unref();
  });
}
