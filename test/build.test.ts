import {execFileSync} from 'node:child_process';
import {mkdirSync, mkdtempSync, utimesSync, writeFileSync} from 'node:fs';
import {tmpdir} from 'node:os';
import {join} from 'node:path';
import {build} from 'esbuild';
import {describe, expect, it} from 'vitest';
import {distIsFresh, OUTPUTS} from '../build/fresh.js';
import {lazyChildProcess, lazyStringWidth, trimGot} from '../build/trim.js';

// build/trim.ts patches got's, commander's and string-width's files at bundle time: a patch or stub
// that no longer applies (a file moved in a new version) must fail the build, not silently bundle
// what it trims.

const ROOT = new URL('..', import.meta.url).pathname;

/** The bundle of `source` (CommonJS), built with `plugins`. */
async function bundle(source: string, plugins: Parameters<typeof build>[0]['plugins']): Promise<string> {
  const dir = mkdtempSync(join(tmpdir(), 'pp-build-'));
  const entry = join(dir, 'entry.js');
  writeFileSync(entry, source);
  const result = await build({entryPoints: [entry], bundle: true, platform: 'node', format: 'cjs', write: false, logLevel: 'silent', nodePaths: [join(ROOT, 'node_modules')], plugins});
  return result.outputFiles[0]?.text ?? '';
}

describe('build/trim.ts', () => {
  it('applies every stub and patch to got and commander as they are', async () => {
    await expect(bundle("import got from 'got'; import {Command} from 'commander'; console.log(got, Command);", [trimGot, lazyChildProcess])).resolves.toContain('got');
  });

  it('string-width made lazy: loading it makes no segmenter; it measures as before, ASCII without one', async () => {
    const code = await bundle("import stringWidth from 'string-width'; module.exports = stringWidth;", [lazyStringWidth]);
    const file = join(mkdtempSync(join(tmpdir(), 'pp-build-')), 'string-width.cjs');
    writeFileSync(file, code);
    const probe = `let made = 0;
const Segmenter = Intl.Segmenter;
Intl.Segmenter = class extends Segmenter { constructor(...args) { super(...args); made += 1; } };
const stringWidth = require(${JSON.stringify(file)});
const atLoad = made;
const ascii = stringWidth('upload h1  50%');
const afterAscii = made;
const widths = ['写真', '🎉', 'e\u0301', '👩‍👩‍👧', '\u001b[1mbold\u001b[22m'].map((text) => stringWidth(text));
console.log(JSON.stringify({atLoad, ascii, afterAscii, widths, made}));`;
    const output = execFileSync(process.execPath, ['-e', probe], {encoding: 'utf8'});
    expect(JSON.parse(output)).toEqual({atLoad: 0, ascii: 14, afterAscii: 0, widths: [4, 2, 1, 2, 4], made: 1});
  });

  it('fails the build when a stub or patch did not apply (here: got is not there to patch)', async () => {
    await expect(bundle("import {Command} from 'commander'; console.log(Command);", [trimGot, lazyChildProcess])).rejects.toThrow(/trimGot: did not apply to the http2-wrapper stub, .*@sindresorhus\/is/);
    await expect(bundle("import got from 'got'; console.log(got);", [trimGot, lazyChildProcess])).rejects.toThrow(/lazyChildProcess: did not apply to commander\/lib\/command\.js/);
    await expect(bundle("import got from 'got'; console.log(got);", [lazyStringWidth])).rejects.toThrow(/lazyStringWidth: did not apply to string-width\/index\.js/);
  });
});

// prepare, npm run demo/bench and the suite's setup skip the build when dist/ is fresh: a source
// changed after the build must make it stale, or the tests would run an old program.
describe('build/fresh.js', () => {
  /** A checkout with sources written at `sources` and every output at `built` (seconds). */
  function checkout(sources: number, built: number, outputs: readonly string[] = OUTPUTS): string {
    const root = mkdtempSync(join(tmpdir(), 'pp-fresh-'));
    mkdirSync(join(root, 'src', 'api'), {recursive: true});
    mkdirSync(join(root, 'dist'));
    for (const file of ['src/api/client.ts', 'src/main.ts', 'package.json', 'package-lock.json', 'tsconfig.json']) {
      writeFileSync(join(root, file), '');
      utimesSync(join(root, file), sources, sources);
    }
    for (const folder of ['src/api', 'src']) utimesSync(join(root, folder), sources, sources);
    for (const file of outputs) {
      writeFileSync(join(root, file), '');
      utimesSync(join(root, file), built, built);
    }
    return root;
  }

  it('is fresh when every output is newer than every source', () => {
    expect(distIsFresh(checkout(1000, 2000))).toBe(true);
  });

  it('is stale when a source deep in src/ changed after the build, or the lockfile did', () => {
    const root = checkout(1000, 2000);
    utimesSync(join(root, 'src', 'api', 'client.ts'), 3000, 3000);
    expect(distIsFresh(root)).toBe(false);
    const locked = checkout(1000, 2000);
    utimesSync(join(locked, 'package-lock.json'), 3000, 3000);
    expect(distIsFresh(locked)).toBe(false);
  });

  it('is stale when an output is missing or older than a source', () => {
    expect(distIsFresh(checkout(1000, 2000, OUTPUTS.slice(1)))).toBe(false);
    const root = checkout(1000, 2000);
    utimesSync(join(root, 'dist', 'tty.cjs'), 500, 500);
    expect(distIsFresh(root)).toBe(false);
  });
});
