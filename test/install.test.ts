import {execFile} from 'node:child_process';
import {cpSync, existsSync, lstatSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, realpathSync, rmSync} from 'node:fs';
import {tmpdir} from 'node:os';
import {dirname, join} from 'node:path';
import {fileURLToPath} from 'node:url';
import {promisify} from 'node:util';
import {afterAll, beforeAll, describe, expect, it} from 'vitest';

const run = promisify(execFile);
const ROOT = fileURLToPath(new URL('..', import.meta.url));
const README = readFileSync(join(ROOT, 'README.md'), 'utf8');
const VERSION = (JSON.parse(readFileSync(join(ROOT, 'package.json'), 'utf8')) as {version: string}).version;

/** The code block after `<!-- recipe: name -->` in the README: what users copy is what runs here. */
function recipe(name: string): string {
  const match = new RegExp(`<!-- recipe: ${name} -->\\n\`\`\`\\w+\\n([\\s\\S]*?)\`\`\``).exec(README);
  if (!match?.[1]) throw new Error(`no recipe ${name} in README.md`);
  return match[1];
}

/** The repository as a fresh clone of this working tree has it: tracked and new files, no node_modules, no dist/. */
async function freshClone(): Promise<string> {
  const clone = realpathSync(mkdtempSync(join(tmpdir(), 'pp-clone-')));
  const {stdout} = await run('git', ['ls-files', '-z', '--cached', '--others', '--exclude-standard'], {cwd: ROOT, maxBuffer: 16 * 1024 * 1024});
  // (node_modules and dist/ are ignored by git; a linked node_modules would not be: left out by name)
  const wanted = (path: string): boolean => path !== '' && !/^(node_modules|dist)(\/|$)/.test(path) && existsSync(join(ROOT, path));
  for (const file of stdout.split('\0').filter(wanted)) {
    mkdirSync(dirname(join(clone, file)), {recursive: true});
    cpSync(join(ROOT, file), join(clone, file));
  }
  return clone;
}

/**
 * npm as a user runs it, but: `-g` goes to a prefix of the test's own (nothing global is touched),
 * and nothing is fetched: packages come from the npm cache that `npm ci` filled (offline), since
 * tests only talk to loopback.
 */
function npmEnv(prefix: string): NodeJS.ProcessEnv {
  return {
    PATH: process.env.PATH,
    HOME: process.env.HOME,
    LANG: 'C.UTF-8',
    npm_config_prefix: prefix,
    npm_config_offline: 'true',
    npm_config_audit: 'false',
    npm_config_fund: 'false',
    npm_config_update_notifier: 'false',
  };
}

async function bash(script: string, cwd: string, env: NodeJS.ProcessEnv): Promise<{code: number; stdout: string; stderr: string}> {
  return run('bash', ['--norc', '--noprofile', '-c', `set -euo pipefail\n${script}`], {cwd, env, maxBuffer: 16 * 1024 * 1024}).then(
    ({stdout, stderr}) => ({code: 0, stdout, stderr}),
    (error: {code: number; stdout: string; stderr: string}) => ({code: error.code, stdout: error.stdout, stderr: error.stderr}),
  );
}

/** Runs an installed bin the way a shell would (through its #! line). */
async function runBin(path: string, args: string[]): Promise<{code: number; stdout: string; stderr: string}> {
  return run(path, args, {env: {PATH: process.env.PATH, HOME: process.env.HOME}}).then(
    ({stdout, stderr}) => ({code: 0, stdout, stderr}),
    (error: {code: number; stdout: string; stderr: string}) => ({code: error.code, stdout: error.stdout, stderr: error.stderr}),
  );
}

/**
 * Puts a copy of this checkout's node_modules (what `npm ci` installed from the same lockfile) in
 * the clone, before its README `npm install`. npm then only checks it against the lockfile, prunes
 * what the lockfile does not name (a package installed by hand here does not count there either),
 * and runs `prepare`, which builds dist/ from nothing: about 5 s of CPU instead of 20 for unpacking
 * over 250 packages from npm's cache. That npm installs them into an empty folder is what `.ci/run`'s
 * own `npm ci` on a fresh clone shows. A copy, not hard links: npm rewrites files there in place.
 */
async function withInstalledDependencies(clone: string): Promise<void> {
  const target = join(clone, 'node_modules');
  rmSync(target, {recursive: true, force: true});
  mkdirSync(target);
  // not .cache: tools' caches, and in CI the Node builds .ci/run keeps there (over 200 MB)
  const entries = readdirSync(join(ROOT, 'node_modules')).filter((name) => name !== '.cache');
  await run('cp', ['-a', ...entries.map((name) => join(ROOT, 'node_modules', name)), target]);
}

/** A recipe line as a command: its `# comment` and spacing left out. */
const command = (line: string): string => line.replace(/\s+#.*$/, '').trim();

describe('installing from a fresh clone, as the README says', () => {
  let clone: string;
  /** The recipe lines that have run in the clone, and succeeded. */
  const ranInClone = new Set<string>();
  /**
   * A recipe without the lines at its start that the clone has already run: the copy recipe begins
   * with the `npm install` the link recipe ran in this same clone (an install and a build of dist/,
   * about a quarter of this file's time), and a second one would change nothing.
   */
  const notYetRun = (script: string): string => {
    const lines = script.trimEnd().split('\n');
    const first = lines.findIndex((line) => !ranInClone.has(command(line)));
    return (first === -1 ? [] : lines.slice(first)).join('\n');
  };
  const prefix = (name: string): string => join(clone, '..', `${clone.split('/').at(-1)}-${name}`);
  beforeAll(async () => {
    clone = await freshClone();
  });
  // the clone gets a node_modules of its own (over 100 MB): not left in the temp folder
  afterAll(() => {
    if (!clone) return;
    for (const folder of [clone, prefix('early'), prefix('linked'), prefix('copied')]) rmSync(folder, {recursive: true, force: true});
  });

  it('npm install -g . alone (no dev dependencies): the install works and the command says in one line what to run, exit 2', async () => {
    const early = prefix('early');
    const result = await bash('npm install -g .', clone, npmEnv(early));
    expect(result, result.stderr).toMatchObject({code: 0});
    expect(await runBin(join(early, 'bin', 'pcloud-progress'), ['--help'])).toEqual({
      code: 2,
      stdout: '',
      stderr: `pcloud-progress: not built yet: run npm install in ${clone}\n`,
    });
  });

  // after the test above: its link (to the clone, not built then) must work once the clone is built
  it(
    'the README install lines put a working pcloud-progress on the PATH; the link made before works too',
    async () => {
      const linked = prefix('linked');
      await withInstalledDependencies(clone);
      const result = await bash(recipe('install'), clone, npmEnv(linked));
      expect(result, result.stderr).toMatchObject({code: 0});
      for (const line of recipe('install').trimEnd().split('\n')) ranInClone.add(command(line));
      for (const bin of [join(linked, 'bin', 'pcloud-progress'), join(prefix('early'), 'bin', 'pcloud-progress')]) {
        expect(await runBin(bin, ['--version'])).toEqual({code: 0, stdout: `${VERSION}\n`, stderr: ''});
        const help = await runBin(bin, ['--help']);
        expect(help).toMatchObject({code: 0, stderr: ''});
        expect(help.stdout).toMatch(/^Usage: pcloud-progress /);
      }
      // a link to the clone, as the README says
      expect(lstatSync(join(linked, 'lib', 'node_modules', 'pcloud-progress')).isSymbolicLink()).toBe(true);
    },
    240_000,
  );

  it(
    'the README copy install: a package of its own that needs the clone no more',
    async () => {
      const copied = prefix('copied');
      // run alone (-t), this test runs the whole recipe
      const script = notYetRun(recipe('install-copy'));
      const result = await bash(script, clone, npmEnv(copied));
      expect(result, `${script}\n${result.stderr}`).toMatchObject({code: 0});
      // the package declares no install script: npm 11 warns of every one (npm 12 asks first)
      expect(result.stderr).not.toMatch(/^npm warn .*pcloud-progress/m);
      const installed = join(copied, 'lib', 'node_modules', 'pcloud-progress');
      expect(lstatSync(installed).isDirectory()).toBe(true);
      expect(JSON.parse(readFileSync(join(installed, 'package.json'), 'utf8')).scripts).not.toHaveProperty('prepare');
      // ...while the clone's own package.json, which npm pack stripped for the package, is as it was
      expect(JSON.parse(readFileSync(join(clone, 'package.json'), 'utf8')).scripts).toHaveProperty('prepare', 'node build/prepare.js');
      expect(existsSync(join(clone, 'package.json.packing'))).toBe(false);
      const bin = join(copied, 'bin', 'pcloud-progress');
      expect(await runBin(bin, ['--version'])).toEqual({code: 0, stdout: `${VERSION}\n`, stderr: ''});
      const help = await runBin(bin, ['upload', '--help']);
      expect(help).toMatchObject({code: 0, stderr: ''});
      expect(help.stdout).toContain('(default: 10s)');
    },
    240_000,
  );
});
