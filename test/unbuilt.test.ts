import {execFile} from 'node:child_process';
import {cpSync, mkdtempSync, readFileSync, realpathSync} from 'node:fs';
import {tmpdir} from 'node:os';
import {join} from 'node:path';
import {fileURLToPath} from 'node:url';
import {promisify} from 'node:util';
import {describe, expect, it} from 'vitest';

const run = promisify(execFile);
const ROOT = fileURLToPath(new URL('..', import.meta.url));
const VERSION = (JSON.parse(readFileSync(join(ROOT, 'package.json'), 'utf8')) as {version: string}).version;

/** Runs an installed bin the way a shell would (through its #! line). */
async function runBin(path: string, args: string[]): Promise<{code: number; stdout: string; stderr: string}> {
  return run(path, args, {env: {PATH: process.env.PATH, HOME: process.env.HOME}}).then(
    ({stdout, stderr}) => ({code: 0, stdout, stderr}),
    (error: {code: number; stdout: string; stderr: string}) => ({code: error.code, stdout: error.stdout, stderr: error.stderr}),
  );
}

describe('the bin before a build', () => {
  it('says in one line what to run, exit 2 (usage, not 1: a bug), instead of a stack trace', async () => {
    // the bin names the folder it runs from, as Node resolved it
    const folder = realpathSync(mkdtempSync(join(tmpdir(), 'pp-unbuilt-')));
    cpSync(join(ROOT, 'bin'), join(folder, 'bin'), {recursive: true});
    cpSync(join(ROOT, 'package.json'), join(folder, 'package.json'));
    for (const args of [['--help'], ['upload', 'h1']]) {
      const result = await runBin(join(folder, 'bin', 'pcloud-progress.cjs'), args);
      expect(result).toEqual({code: 2, stdout: '', stderr: `pcloud-progress: not built yet: run npm install in ${folder}\n`});
    }
    // --version needs only package.json
    expect(await runBin(join(folder, 'bin', 'pcloud-progress.cjs'), ['--version'])).toEqual({code: 0, stdout: `${VERSION}\n`, stderr: ''});
  });
});
