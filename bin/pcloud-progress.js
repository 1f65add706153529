#!/usr/bin/env node
import {readFileSync} from 'node:fs';

const args = process.argv.slice(2);
if (args.length === 1 && (args[0] === '--version' || args[0] === '-V')) {
  // The one answer that needs nothing but package.json: skip loading the program (npm run bench).
  const {version} = JSON.parse(readFileSync(new URL('../package.json', import.meta.url), 'utf8'));
  process.stdout.write(`${version}\n`);
} else {
  const {main, nodeEnv} = await import('../dist/cli.js');
  const code = await main(args, nodeEnv());
  process.exitCode = code;
  // Everything is closed by now; should a stray handle remain, it must not keep the process alive.
  setTimeout(() => process.exit(code), 1000).unref();
}
