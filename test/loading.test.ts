import {mkdtempSync, readFileSync, writeFileSync} from 'node:fs';
import {tmpdir} from 'node:os';
import {basename, join} from 'node:path';
import {afterAll, beforeAll, describe, expect, it} from 'vitest';
import {Emulator} from '../src/emulator/index.js';
import {runCli, type CliResult} from './helpers/cli.js';

// What each command loads decides how fast it starts (npm run bench). These tests check the loading
// itself, not timings: the built CLI runs with a preloaded script that lists, at exit, every file
// it required and the built-in modules Node loaded.

const dir = mkdtempSync(join(tmpdir(), 'pp-loading-'));
writeFileSync(
  join(dir, 'record.cjs'),
  `process.on('exit', () => {
  const files = Object.keys(require.cache).filter((file) => file !== __filename);
  require('node:fs').writeFileSync(process.env.PP_LOADING_LOG, JSON.stringify({files, builtins: process.moduleLoadList}));
});
`,
);

interface Loaded {
  result: CliResult;
  /** our own files, by name: pcloud-progress.cjs, cli.cjs, tty.cjs */
  files: string[];
  /** Node's built-in modules: 'http', 'tls', ... */
  builtins: string[];
}

let runs = 0;
/** Runs the built CLI and reports what it loaded. */
async function loaded(args: string[], env: Record<string, string | undefined> = {}): Promise<Loaded> {
  const log = join(dir, `run${(runs += 1)}.json`);
  const result = await runCli(args, {env: {...env, NODE_OPTIONS: `--require=${join(dir, 'record.cjs')}`, PP_LOADING_LOG: log}});
  const recorded = JSON.parse(readFileSync(log, 'utf8')) as {files: string[]; builtins: string[]};
  return {
    result,
    files: recorded.files.map((file) => basename(file)).filter((name) => name !== 'package.json'),
    builtins: recorded.builtins.filter((line) => line.startsWith('NativeModule ')).map((line) => line.slice('NativeModule '.length)),
  };
}

/** The terminal display's file: ora and string-width are in it and in no other program file. */
const TTY = 'tty.cjs';
const holds = (name: string, marker: string): boolean => readFileSync(new URL(`../dist/${name}`, import.meta.url), 'utf8').includes(marker);

let emulator: Emulator;
beforeAll(async () => {
  emulator = await Emulator.start();
});
afterAll(async () => {
  await emulator.close();
});

describe('what each command loads', () => {
  it('keeps the terminal display apart: ora and string-width only in tty.cjs', () => {
    // ora's spinners; string-width's emoji test (cli.cjs holds layout.ts's MIN_COLUMNS, not the measure)
    for (const marker of ['dots12', 'RGI_Emoji']) {
      expect(holds(TTY, marker), marker).toBe(true);
      expect(holds('cli.cjs', marker), marker).toBe(false);
    }
  });

  it('loads its own parts with require(), not import(): an import() starts Node\'s ES module loader, which scans the file first', () => {
    expect(holds('cli.cjs', 'require("./tty.cjs")')).toBe(true);
    expect(holds('cli.cjs', 'require("./metrics.cjs")')).toBe(true);
    expect(readFileSync(new URL('../dist/cli.cjs', import.meta.url), 'utf8')).not.toMatch(/\bimport\(/);
  });

  it('--version loads nothing but the bin script', async () => {
    const {result, files} = await loaded(['--version']);
    expect(result.code).toBe(0);
    expect(files).toEqual(['pcloud-progress.cjs']);
  });

  it('--help neither starts got (no node:http) nor loads the terminal display, child_process or fs/promises', async () => {
    const {result, files, builtins} = await loaded(['--help']);
    expect(result.code).toBe(0);
    expect(files).toEqual(['pcloud-progress.cjs', 'cli.cjs']);
    for (const unused of ['http', 'child_process', 'fs/promises', 'readline']) expect(builtins).not.toContain(unused);
  });

  it('a usage error (no credentials, a bad hash) loads no HTTP client: no got, node:http or node:tls', async () => {
    for (const [args, env] of [
      [['upload', 'h1'], {PCLOUD_AUTH: undefined}],
      [['zip', 'bad hash'], {}],
    ] as const) {
      const {result, builtins} = await loaded([...args], env);
      expect(result.code, args.join(' ')).toBe(2);
      for (const unused of ['http', 'https', 'tls', 'dns']) expect(builtins, `${args.join(' ')}: ${unused}`).not.toContain(unused);
    }
  });

  it('--json starts got without its HTTP/2, cache and decompression parts, and no terminal display', async () => {
    emulator.script('uploadprogress', 'j1', [Emulator.uploadAnswer({uploaded: 10, total: 10, finished: true, files: []})]);
    const {result, files, builtins} = await loaded(['upload', 'j1', '--host', emulator.url, '--json']);
    expect(result.code).toBe(0);
    expect(result.stdout).toContain('"event":"done"');
    expect(files).toEqual(['pcloud-progress.cjs', 'cli.cjs']);
    expect(builtins).toContain('http');
    for (const unused of ['http2', 'zlib', 'assert']) expect(builtins).not.toContain(unused);
  });

  it('prom-client is in metrics.cjs only, which --metrics-file loads (and --json alone does not: above)', async () => {
    const marker = 'A metric with the name'; // a message of prom-client's registry
    expect(holds('metrics.cjs', marker)).toBe(true);
    expect(holds('cli.cjs', marker)).toBe(false);
    emulator.script('uploadprogress', 'm1', [Emulator.uploadAnswer({uploaded: 10, total: 10, finished: true, files: []})]);
    const file = join(mkdtempSync(join(tmpdir(), 'pp-loading-metrics-')), 'm.prom');
    const {result, files} = await loaded(['upload', 'm1', '--host', emulator.url, '--json', '--metrics-file', file]);
    expect(result.code).toBe(0);
    expect(files).toEqual(['pcloud-progress.cjs', 'cli.cjs', 'metrics.cjs']);
    expect(readFileSync(file, 'utf8')).toContain('pcloud_progress_state{kind="upload",hash="m1"');
  });

  it('plain lines off a TTY load no terminal display either', async () => {
    emulator.script('uploadprogress', 'p1', [Emulator.uploadAnswer({uploaded: 10, total: 10, finished: true, files: []})]);
    const {result, files} = await loaded(['upload', 'p1', '--host', emulator.url]);
    expect(result.code).toBe(0);
    expect(files).not.toContain(TTY);
  });
});
