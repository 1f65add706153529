import {mkdtempSync, readdirSync, readFileSync, writeFileSync} from 'node:fs';
import {tmpdir} from 'node:os';
import {basename, join} from 'node:path';
import {pathToFileURL} from 'node:url';
import {afterAll, beforeAll, describe, expect, it} from 'vitest';
import {Emulator} from '../src/emulator/index.js';
import {runCli, type CliResult} from './helpers/cli.js';

// What each command loads decides how fast it starts (npm run bench). These tests check the loading
// itself, not timings: the built CLI runs with a module hook that lists every file it loads, and
// Node's list of the built-in modules it loaded.

const dir = mkdtempSync(join(tmpdir(), 'pp-loading-'));
// PP_LOADING_LOG names the run's two lists; the hook runs on its own thread, which shares the environment.
writeFileSync(
  join(dir, 'hooks.mjs'),
  `import {appendFileSync} from 'node:fs';
export async function load(url, context, next) {
  if (url.startsWith('file:')) appendFileSync(process.env.PP_LOADING_LOG + '.files', url + '\\n');
  return next(url, context);
}
`,
);
writeFileSync(
  join(dir, 'register.mjs'),
  `import {register} from 'node:module';
import {writeFileSync} from 'node:fs';
register('./hooks.mjs', import.meta.url);
process.on('exit', () => writeFileSync(process.env.PP_LOADING_LOG + '.builtins', process.moduleLoadList.join('\\n')));
`,
);

interface Loaded {
  result: CliResult;
  /** our own files, by name: pcloud-progress.js, cli.js, chunk-XXXX.js, ... */
  files: string[];
  /** Node's built-in modules: 'http', 'tls', ... */
  builtins: string[];
}

let runs = 0;
/** Runs the built CLI and reports what it loaded. */
async function loaded(args: string[]): Promise<Loaded> {
  const log = join(dir, `run${(runs += 1)}`);
  const result = await runCli(args, {env: {NODE_OPTIONS: `--import=${pathToFileURL(join(dir, 'register.mjs')).href}`, PP_LOADING_LOG: log}});
  const files = readFileSync(`${log}.files`, 'utf8')
    .trim()
    .split('\n')
    .filter((url) => !url.startsWith(pathToFileURL(dir).href))
    .map((url) => basename(new URL(url).pathname));
  const builtins = readFileSync(`${log}.builtins`, 'utf8')
    .split('\n')
    .filter((line) => line.startsWith('NativeModule '))
    .map((line) => line.slice('NativeModule '.length));
  return {result, files, builtins};
}

/** Which of the built files hold what: found by text each part alone contains. */
function distFile(files: string[], marker: string): boolean {
  return files.some((name) => name !== 'pcloud-progress.js' && readFileSync(new URL(`../dist/${name}`, import.meta.url), 'utf8').includes(marker));
}
const GOT = 'ERR_NON_2XX_3XX_RESPONSE';
const CLI_PROGRESS = 'barCompleteChar';
const ORA = 'dots12';

let emulator: Emulator;
beforeAll(async () => {
  emulator = await Emulator.start();
});
afterAll(async () => {
  await emulator.close();
});

describe('what each command loads', () => {
  it('finds each part by its marker (else the checks below could not fail)', () => {
    const built = readdirSync(new URL('../dist/', import.meta.url)).filter((name) => name.endsWith('.js'));
    for (const marker of [GOT, CLI_PROGRESS, ORA]) expect(distFile(built, marker), marker).toBe(true);
    expect(distFile(['cli.js'], GOT)).toBe(false);
  });

  it('--version loads nothing but the bin script', async () => {
    const {result, files} = await loaded(['--version']);
    expect(result.code).toBe(0);
    expect(files).toEqual(['pcloud-progress.js']);
  });

  it('--help loads neither got nor the terminal display', async () => {
    const {result, files} = await loaded(['--help']);
    expect(result.code).toBe(0);
    expect(files).toContain('cli.js');
    expect(distFile(files, GOT)).toBe(false);
    expect(distFile(files, CLI_PROGRESS)).toBe(false);
    expect(distFile(files, ORA)).toBe(false);
  });

  it('--json loads got without its HTTP/2, cache and decompression parts, and no terminal display', async () => {
    emulator.script('uploadprogress', 'j1', [Emulator.uploadAnswer({uploaded: 10, total: 10, finished: true, files: []})]);
    const {result, files, builtins} = await loaded(['upload', 'j1', '--host', emulator.url, '--json']);
    expect(result.code).toBe(0);
    expect(result.stdout).toContain('"event":"done"');
    expect(distFile(files, GOT)).toBe(true);
    expect(distFile(files, CLI_PROGRESS)).toBe(false);
    expect(distFile(files, ORA)).toBe(false);
    expect(builtins).toContain('http');
    for (const unused of ['http2', 'zlib', 'assert']) expect(builtins).not.toContain(unused);
  });

  it('plain lines off a TTY load no terminal display either', async () => {
    emulator.script('uploadprogress', 'p1', [Emulator.uploadAnswer({uploaded: 10, total: 10, finished: true, files: []})]);
    const {result, files} = await loaded(['upload', 'p1', '--host', emulator.url]);
    expect(result.code).toBe(0);
    expect(distFile(files, CLI_PROGRESS)).toBe(false);
    expect(distFile(files, ORA)).toBe(false);
  });
});
