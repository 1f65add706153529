import {execFile} from 'node:child_process';
import {mkdtempSync, readFileSync, writeFileSync} from 'node:fs';
import {tmpdir} from 'node:os';
import {join} from 'node:path';
import {fileURLToPath} from 'node:url';
import {promisify} from 'node:util';
import {afterAll, beforeAll, describe, expect, it} from 'vitest';
import {Emulator, type EmulatorOptions} from '../src/emulator/index.js';
import {zipArchive} from '../src/emulator/zip.js';
import {AUTH} from './helpers/cli.js';
import {emulatorTest} from './helpers/emulator-test.js';

const run = promisify(execFile);
const ROOT = fileURLToPath(new URL('..', import.meta.url));
const README = readFileSync(join(ROOT, 'README.md'), 'utf8');

/** The code block after `<!-- recipe: name -->` in the README: what users copy is what runs here. */
function recipe(name: string): string {
  const match = new RegExp(`<!-- recipe: ${name} -->\\n\`\`\`\\w+\\n([\\s\\S]*?)\`\`\``).exec(README);
  if (!match?.[1]) throw new Error(`no recipe ${name} in README.md`);
  return match[1];
}

let tarball: string;
let project: string;
/** A user's shell in the project: the package's command on the PATH, the token set, `$HOST` the emulator's origin when there is one. */
const env = (host?: string): NodeJS.ProcessEnv => ({PATH: `${join(project, 'node_modules', '.bin')}:${process.env.PATH}`, HOME: process.env.HOME, PCLOUD_AUTH: AUTH, ...(host ? {HOST: host} : {})});

let installOutput: string;

/**
 * `npm pack` with its scripts, as a release runs it, in a copy of what it reads: its prepack rewrites
 * package.json for a moment, which the other test files must not see. The copy keeps modification
 * times, so the dist/ that the global setup built is fresh there and not built again.
 */
async function pack(): Promise<string> {
  const copy = mkdtempSync(join(tmpdir(), 'pp-packing-'));
  await run('cp', ['-a', ...['package.json', 'bin', 'build', 'dist', 'README.md', 'LICENSE'].map((name) => join(ROOT, name)), copy]);
  const packDir = mkdtempSync(join(tmpdir(), 'pp-pack-'));
  const {stdout} = await run('npm', ['pack', '--silent', '--pack-destination', packDir], {cwd: copy});
  return join(packDir, stdout.trim().split('\n').at(-1) as string);
}

beforeAll(async () => {
  tarball = await pack();
  project = mkdtempSync(join(tmpdir(), 'pp-user-'));
  writeFileSync(join(project, 'package.json'), JSON.stringify({name: 'user-project', private: true, type: 'module'}));
  // offline: the package must need nothing from the registry
  const {stdout, stderr} = await run('npm', ['install', '--offline', '--no-audit', '--no-fund', tarball], {cwd: project});
  installOutput = stdout + stderr;
}, 120_000);

// The tests below only read what beforeAll made, or run the package against an emulator of their own
// (emulatorTest): side by side, as most of their time is spent waiting on npm, bash and the CLI.
describe.concurrent('the packed package', () => {
  it('holds only what users need', async () => {
    const {stdout} = await run('tar', ['-tzf', tarball]);
    const files = stdout.trim().split('\n').sort();
    expect(files).toContain('package/bin/pcloud-progress.cjs');
    expect(files).toContain('package/dist/cli.cjs');
    for (const name of ['cli.cjs', 'tty.cjs', 'index.js', 'index.cjs']) expect(files).toEqual(expect.arrayContaining([`package/dist/${name}`, `package/dist/${name}.map`]));
    expect(files).toContain('package/dist/index.d.ts');
    expect(files).toContain('package/dist/index.d.cts');
    // every file package.json points at (bin, main, types, each condition of exports) is in it
    const manifest = JSON.parse((await run('tar', ['-xzOf', tarball, 'package/package.json'])).stdout) as Record<string, unknown>;
    const targets = JSON.stringify([manifest.bin, manifest.main, manifest.types, manifest.exports]).match(/"\.\/[^"]+"|"bin\/[^"]+"/g) ?? [];
    expect(targets.length).toBeGreaterThanOrEqual(8);
    for (const target of targets) expect(files).toContain(`package/${JSON.parse(target).replace(/^\.\//, '')}`);
    expect(files).toContain('package/README.md');
    expect(files).toContain('package/LICENSE');
    expect(files.filter((file) => !/^package\/(bin\/|dist\/|README\.md$|LICENSE$|package\.json$)/.test(file))).toEqual([]);
  });

  it('declares no install script: npm installs it without a word', async () => {
    const manifest = JSON.parse(readFileSync(join(project, 'node_modules', 'pcloud-progress', 'package.json'), 'utf8')) as {scripts?: Record<string, string>};
    for (const script of ['preinstall', 'install', 'postinstall', 'prepare']) expect(manifest.scripts).not.toHaveProperty(script);
    expect(installOutput).not.toMatch(/warn/i);
  });

  it('is a library for import and require alike, its names kept in stack traces', async () => {
    // what a user's code sees: the exports, UsageError by its name, a stack trace that names functions
    const probe = (load: string): string => `${load}
      const {watchUpload, UsageError, ExitCode} = lib;
      try {
        for await (const event of watchUpload('h1', {interval: -1})) console.log(event);
      } catch (error) {
        console.log(JSON.stringify({exports: Object.keys(lib).sort(), usage: error instanceof UsageError, name: UsageError.name, exitCode: ExitCode.usage, at: /^ +at ([A-Za-z]+)/m.exec(error.stack)?.[1]}));
      }`;
    writeFileSync(join(project, 'probe.mjs'), probe("import * as lib from 'pcloud-progress';"));
    writeFileSync(join(project, 'probe.cjs'), `(async () => {${probe("const lib = require('pcloud-progress');")}})();`);
    const expected = {exports: ['ExactNumber', 'ExitCode', 'MetricsCollector', 'UsageError', 'watchExtract', 'watchUpload', 'watchZip'], usage: true, name: 'UsageError', exitCode: 2, at: 'durationText'};
    for (const file of ['probe.mjs', 'probe.cjs']) {
      const {stdout, stderr} = await run(process.execPath, [file], {cwd: project, env: env()});
      expect(stderr).toBe('');
      expect(JSON.parse(stdout)).toEqual(expected);
    }
  });

  it('installs into an empty folder: npx finds its command, which runs --version, --help and the demo', async () => {
    const version = await run('npx', ['--no-install', 'pcloud-progress', '--version'], {cwd: project, env: env()});
    expect(version.stdout.trim()).toBe(JSON.parse(readFileSync(join(ROOT, 'package.json'), 'utf8')).version);
    // the rest through the link npx ran (node_modules/.bin, first on env()'s PATH): npx itself costs
    // about 0.8 s of CPU a run, and would add nothing the first run has not shown
    const help = await run('pcloud-progress', ['zip', '--help'], {cwd: project, env: env()});
    expect(help.stdout).toMatch(/Examples:/);
    const demo = await run('pcloud-progress', ['demo', '--duration', '300ms', '--interval', '20ms'], {cwd: project, env: env()});
    expect(demo.stderr).toMatch(/^upload up-\w+: done: 100%/m);
    expect(demo.stderr).toMatch(/^zip zip-\w+: done: 100%/m);
  });
});

describe.concurrent('README recipes, as written', () => {
  const finished = Emulator.uploadAnswer({uploaded: 1000, total: 1000, finished: true, files: [{name: 'a.bin', fileid: 4242}]});

  /** A recipe run by bash: its status and output, whether it succeeded or not. */
  const runRecipe = (name: string, vars: Record<string, string>): Promise<{code: number; stdout: string; stderr: string}> =>
    run('bash', ['--norc', '-c', recipe(name)], {env: {...env(), ...vars}}).then(
      ({stdout, stderr}) => ({code: 0, stdout, stderr}),
      (error: {code: number; stdout: string; stderr: string}) => ({code: error.code, stdout: error.stdout, stderr: error.stderr}),
    );

  emulatorTest('jq: waits for the upload, then uses the file id; a failed upload stops it with its exit code', async ({emulator}) => {
    emulator.script('uploadprogress', 'r1', [Emulator.error(1900), Emulator.uploadAnswer({uploaded: 500, total: 1000}), finished]);
    expect(await runRecipe('jq-fileid', {HASH: 'r1', HOST: emulator.url})).toMatchObject({code: 0, stdout: 'uploaded as file 4242\n'});
    emulator.script('uploadprogress', 'r1-denied', [Emulator.uploadAnswer({uploaded: 500, total: 1000}), Emulator.error(2000)]);
    const failed = await runRecipe('jq-fileid', {HASH: 'r1-denied', HOST: emulator.url});
    expect(failed).toMatchObject({code: 3, stdout: ''});
    expect(failed.stderr).toMatch(/authentication failed/);
  });

  emulatorTest('jq: logs the percent as it goes, ending with 100%, never null; fails with the upload', async ({emulator}) => {
    emulator.script('uploadprogress', 'r2', [Emulator.error(1900), Emulator.uploadAnswer({uploaded: 250, total: 1000}), Emulator.uploadAnswer({uploaded: 500, total: 1000}), finished]);
    expect(await runRecipe('jq-percent', {HASH: 'r2', HOST: emulator.url})).toMatchObject({code: 0, stdout: '25%\n50%\n100%\n'});
    emulator.script('uploadprogress', 'r2-denied', [Emulator.uploadAnswer({uploaded: 250, total: 1000}), Emulator.error(2000)]);
    expect(await runRecipe('jq-percent', {HASH: 'r2-denied', HOST: emulator.url})).toMatchObject({code: 3, stdout: '25%\n'});
  });

  describe('extraction: finished within extractarchive, watched, or refused', () => {
    const entries = Array.from({length: 12}, (_, i) => ({path: `photos/IMG_${i}.jpg`, data: Buffer.alloc(500 + i, i)}));
    const started: Emulator[] = [];
    const emulatorWith = async (options: EmulatorOptions, setUp: (emulator: Emulator) => void): Promise<string> => {
      const one = await Emulator.start({namedByUrl: true, ...options});
      started.push(one);
      setUp(one);
      return one.url;
    };
    afterAll(async () => {
      for (const one of started) await one.close();
    });

    it('a small archive: extractarchive says finished, and the recipe says so', async () => {
      const host = await emulatorWith({extractEntryDelayMs: 1, extractAnswerMs: 10_000}, (one) => one.addZip('photos.zip', zipArchive(entries)));
      expect(await runRecipe('extract', {host})).toMatchObject({code: 0, stdout: "extracted within extractarchive's own answer\n"});
    });

    it('a larger one: extractarchive names the machine and the hash, and the watch runs there to done', async () => {
      // 12 entries 300 ms apart: still extracting when the recipe's watch starts, on a loaded machine too
      const host = await emulatorWith({extractEntryDelayMs: 300, extractAnswerMs: 20}, (one) => one.addZip('photos.zip', zipArchive(entries)));
      const result = await runRecipe('extract', {host});
      expect(result).toMatchObject({code: 0, stdout: ''});
      expect(result.stderr, result.stderr).toMatch(/: done: .* in .*12 entries$/m); // watched while it ran
    });

    it('refused (not an archive): the recipe fails with pCloud\'s words', async () => {
      const host = await emulatorWith({}, (one) => one.addFile('photos.zip', 1000));
      expect(await runRecipe('extract', {host})).toMatchObject({code: 1, stdout: '', stderr: 'extractarchive failed: Unsupported archive format.\n'});
    });
  });

  it("npm run's form of the demo with jq, as the README gives it: npm's banner would break jq without --silent", async () => {
    const form = /`(npm run --silent demo -- --json) (\| jq -c \.)`/.exec(README);
    expect(form).not.toBeNull();
    // the one edit: a short demo
    const command = `set -o pipefail; ${form?.[1]} --duration 300ms --interval 20ms ${form?.[2]}`;
    const {stdout} = await run('bash', ['--norc', '-c', command], {cwd: ROOT, env: {PATH: process.env.PATH, HOME: process.env.HOME}});
    const done = stdout.trim().split('\n').filter((line) => JSON.parse(line).event === 'done');
    expect(done).toHaveLength(5);
  });

  emulatorTest('CI step: passes when the upload finishes, fails the job when it does not', async ({emulator}) => {
    emulator.script('uploadprogress', 'ok', [finished]);
    await expect(run('bash', ['--norc', '-c', recipe('ci-step')], {env: {...env(emulator.url), HASH: 'ok'}})).resolves.toBeTruthy();
    emulator.script('uploadprogress', 'denied', [Emulator.error(2000)]);
    const failed = await run('bash', ['--norc', '-c', recipe('ci-step')], {env: {...env(emulator.url), HASH: 'denied'}}).catch((error: {code: number; stderr: string}) => error);
    expect(failed).toMatchObject({code: 1, stderr: 'upload denied failed with exit code 3\n'});
  });

  emulatorTest('Node.js: the library from the installed package', async ({emulator}) => {
    emulator.script('uploadprogress', 'r3', [Emulator.uploadAnswer({uploaded: 500, total: 1000}), finished]);
    writeFileSync(join(project, 'recipe.mjs'), recipe('node-library'));
    const {stdout} = await run(process.execPath, ['recipe.mjs'], {cwd: project, env: {...env(emulator.url), HASH: 'r3'}});
    expect(stdout).toBe('50.0%\nuploaded as file 4242\n');
  });
});
