import {execFileSync} from 'node:child_process';
import {mkdtempSync, readFileSync, writeFileSync} from 'node:fs';
import {tmpdir} from 'node:os';
import {join} from 'node:path';
import {describe, expect} from 'vitest';
import type {Emulator} from '../src/emulator/index.js';
import {runCli} from './helpers/cli.js';
import {emulatorTest} from './helpers/emulator-test.js';
import {finished} from './helpers/tty.js';

// bin/pcloud-progress.cjs tunes V8 with v8.setFlagsFromString. A flag this V8 does not know is no
// error there, only a line on stderr, and nothing else would notice a Node that dropped or renamed
// one. CI runs the suite on each supported Node (.ci/run): this checks the flags on the Node running
// it. The built CLI runs with a preloaded script that records every setFlagsFromString call. bin/
// sets them as the first request starts: a watch that gets one answer, from the test's emulator.

const dir = mkdtempSync(join(tmpdir(), 'pp-flags-'));
writeFileSync(
  join(dir, 'record.cjs'),
  `const v8 = require('node:v8');
const set = v8.setFlagsFromString;
v8.setFlagsFromString = (flags) => {
  require('node:fs').appendFileSync(process.env.PP_FLAGS_LOG, flags + '\\n');
  const loaded = process.moduleLoadList.filter((name) => name.startsWith('NativeModule ')).map((name) => name.slice('NativeModule '.length));
  require('node:fs').writeFileSync(process.env.PP_FLAGS_LOG + '.loaded', loaded.join('\\n'));
  set(flags);
};
`,
);

/** The V8 flags the CLI set, one per entry, as written (`--no-x`, `--y=1`), and Node's modules loaded by then. */
async function flagsSet(emulator: Emulator): Promise<{flags: string[]; stderr: string; loadedBefore: string[]}> {
  const log = join(mkdtempSync(join(dir, 'run-')), 'flags.log');
  writeFileSync(log, '');
  emulator.script('uploadprogress', 'h1', [finished]);
  const result = await runCli(['upload', 'h1', '--host', emulator.url, '--json'], {env: {NODE_OPTIONS: `--require=${join(dir, 'record.cjs')}`, PP_FLAGS_LOG: log}});
  expect(result.code).toBe(0);
  const loadedBefore = readFileSync(`${log}.loaded`, 'utf8').split('\n');
  return {flags: readFileSync(log, 'utf8').split(/\s+/).filter((flag) => flag !== ''), stderr: result.stderr, loadedBefore};
}

/** `node --v8-options` of the Node running the suite: each flag's name and its default. */
function v8Options(): Map<string, string> {
  const text = execFileSync(process.execPath, ['--v8-options'], {encoding: 'utf8', maxBuffer: 16 * 1024 * 1024});
  const options = new Map<string, string>();
  for (const match of text.matchAll(/^ {2}--([a-z0-9-]+) \(.*\n\s+type: \S+\s+default: (.*)$/gm)) options.set(match[1]!, match[2]!.trim());
  return options;
}

const V8_OPTIONS = v8Options();
const MAGLEV_ON = V8_OPTIONS.get('maglev') === '--maglev';

/** `--no-maglev-x` and `--semi-space-growth-factor=1` -> the option's name as --v8-options lists it. */
const flagName = (flag: string): string => {
  const name = flag.replace(/^--/, '').replace(/=.*$/, '').replaceAll('_', '-');
  return name.startsWith('no-') ? name.slice('no-'.length) : name;
};

describe(`the V8 flags bin/ sets, on this Node (${process.version})`, () => {
  emulatorTest('are each known to this V8, and none makes it complain on stderr', async ({emulator}) => {
    const known = V8_OPTIONS;
    expect(known.size).toBeGreaterThan(100); // the listing was read
    const {flags, stderr} = await flagsSet(emulator);
    // the two heap flags are set on every Node
    expect(flags).toEqual(expect.arrayContaining(['--semi-space-growth-factor=1', '--heap-growing-percent=100']));
    for (const flag of flags) expect(known.has(flagName(flag)), `${flag} is not in node --v8-options`).toBe(true);
    expect(stderr).not.toMatch(/unrecognized flag/i);
  });

  // once a flag is set, Node's own modules load without their precompiled code (~30 ms of a watch's start)
  emulatorTest('are set once the HTTP client has loaded Node modules it runs on, not at start', async ({emulator}) => {
    const {flags, loadedBefore} = await flagsSet(emulator);
    expect(flags.length).toBeGreaterThan(0);
    expect(loadedBefore).toEqual(expect.arrayContaining(['http', 'https', 'tls', 'net', 'dns']));
  });

  // where Maglev is off (Node 20, 22 as shipped) the flag changes nothing: npm run bench
  emulatorTest.skipIf(!MAGLEV_ON)('free Maglev compile jobs on the main thread, Maglev being on here', async ({emulator}) => {
    const {flags} = await flagsSet(emulator);
    expect(flags).toContain('--no-maglev-destroy-on-background');
  });
});
