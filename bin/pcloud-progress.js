#!/usr/bin/env node
import {main, nodeEnv} from '../dist/cli.js';

const code = await main(process.argv.slice(2), nodeEnv());
process.exitCode = code;
// Everything is closed by now; should a stray handle remain, it must not keep the process alive.
setTimeout(() => process.exit(code), 1000).unref();
