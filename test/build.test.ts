import {mkdtempSync, writeFileSync} from 'node:fs';
import {tmpdir} from 'node:os';
import {join} from 'node:path';
import {build} from 'esbuild';
import {describe, expect, it} from 'vitest';
import {lazyChildProcess, trimGot} from '../build/trim.js';

// build/trim.ts patches got's and commander's files at bundle time: a patch or stub that no longer
// applies (a file moved in a new version) must fail the build, not silently bundle what it trims.

const ROOT = new URL('..', import.meta.url).pathname;

async function bundle(source: string, plugins: Parameters<typeof build>[0]['plugins']): Promise<void> {
  const dir = mkdtempSync(join(tmpdir(), 'pp-build-'));
  const entry = join(dir, 'entry.js');
  writeFileSync(entry, source);
  await build({entryPoints: [entry], bundle: true, platform: 'node', write: false, logLevel: 'silent', nodePaths: [join(ROOT, 'node_modules')], plugins});
}

describe('build/trim.ts', () => {
  it('applies every stub and patch to got and commander as they are', async () => {
    await expect(bundle("import got from 'got'; import {Command} from 'commander'; console.log(got, Command);", [trimGot, lazyChildProcess])).resolves.toBeUndefined();
  });

  it('fails the build when a stub or patch did not apply (here: got is not there to patch)', async () => {
    await expect(bundle("import {Command} from 'commander'; console.log(Command);", [trimGot, lazyChildProcess])).rejects.toThrow(/trimGot: did not apply to the http2-wrapper stub, .*@sindresorhus\/is/);
    await expect(bundle("import got from 'got'; console.log(got);", [trimGot, lazyChildProcess])).rejects.toThrow(/lazyChildProcess: did not apply to commander\/lib\/command\.js/);
  });
});
