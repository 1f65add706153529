import {execFile, execFileSync} from 'node:child_process';
import {mkdirSync, mkdtempSync, rmSync, symlinkSync, writeFileSync} from 'node:fs';
import {tmpdir} from 'node:os';
import {join} from 'node:path';
import {promisify} from 'node:util';
import {afterAll, beforeAll, describe, expect, it} from 'vitest';
import {BIN, runCli} from './helpers/cli.js';
import {hasTmux, Terminal} from './helpers/tmux.js';

const run = promisify(execFile);

function installed(shell: string): boolean {
  try {
    execFileSync(shell, ['-c', 'exit 0'], {stdio: 'ignore'});
    return true;
  } catch {
    return false;
  }
}
// bash is required; zsh and fish are tested where they are installed (CI may lack them)
const hasZsh = installed('zsh');
const hasFish = installed('fish');

let home: string;
let bin: string;
let files: string;
/** A user's environment: pcloud-progress on the PATH, a home of its own (zsh writes .zcompdump there). */
const env = (): NodeJS.ProcessEnv => ({PATH: `${bin}:${process.env.PATH}`, HOME: home, LANG: 'C.UTF-8'});

beforeAll(() => {
  home = mkdtempSync(join(tmpdir(), 'pp-home-'));
  bin = join(home, 'bin');
  mkdirSync(bin);
  symlinkSync(BIN, join(bin, 'pcloud-progress'));
  files = join(home, 'tokens');
  mkdirSync(files);
  for (const name of ['token.txt', 'token file']) writeFileSync(join(files, name), 'x');
});
afterAll(() => {
  if (home) rmSync(home, {recursive: true, force: true});
});

/** What bash offers for a command line being typed (its last word is where TAB was pressed). */
async function bashCompletes(...words: string[]): Promise<string[]> {
  const script = [
    'set -e', // no completion function, no answer: an error, not an empty list
    'source <(pcloud-progress completion bash)',
    'COMP_WORDS=("$@"); COMP_CWORD=$(($# - 1))',
    '_pcloud_progress',
    'printf "%s\\n" "${COMPREPLY[@]}"',
  ].join('\n');
  const {stdout} = await run('bash', ['--norc', '--noprofile', '-c', script, 'bash', 'pcloud-progress', ...words], {env: env()});
  return stdout.split('\n').filter((line) => line !== '');
}

/** The commands and each command's options, as --help lists them: what completion must offer. */
async function helpListing(): Promise<Map<string, string[]>> {
  const listed = (text: string, section: string): string[] => {
    const lines = new RegExp(`^${section}:\\n((?: {2}.*\\n)+)`, 'm').exec(text)?.[1] ?? '';
    return [...lines.matchAll(/^ {2}(\S+)/gm)].map((match) => (match[1] as string).replace(/,$/, ''));
  };
  const options = (text: string): string[] => [...text.matchAll(/^ {2}(-\w)?(?:, )?(--[\w-]+)?/gm)].flatMap((match) => [match[1], match[2]].filter((name): name is string => name !== undefined));
  const main = (await runCli(['--help'])).stdout;
  const listing = new Map<string, string[]>();
  for (const command of listed(main, 'Commands').filter((name) => name !== 'help')) {
    const text = (await runCli([command, '--help'])).stdout;
    listing.set(command, options(/^Options:\n((?: {2}.*\n)+)/m.exec(text)?.[1] ?? ''));
  }
  return listing;
}

describe('completion bash', () => {
  it('completes commands and their options', async () => {
    expect(await bashCompletes('up')).toEqual(['upload']);
    expect(await bashCompletes('upload', '--re')).toEqual(['--region', '--request-timeout']);
    expect(await bashCompletes('')).toEqual(['upload', 'zip', 'extract', 'server', 'demo', 'completion', 'help']);
    expect(await bashCompletes('-')).toEqual(['-V', '--version', '-h', '--help']);
    expect(await bashCompletes('zip', '--js')).toEqual(['--json']);
    expect(await bashCompletes('help', 'u')).toEqual(['upload']);
  });

  it('completes option values: regions, and files for the token files', async () => {
    expect(await bashCompletes('upload', '--region', '')).toEqual(['us', 'eu']);
    // bash splits --region=e at the =
    expect(await bashCompletes('zip', '--region', '=', 'e')).toEqual(['eu']);
    expect((await bashCompletes('upload', '--auth-file', join(files, 'tok'))).sort()).toEqual([join(files, 'token file'), join(files, 'token.txt')].sort());
    expect((await bashCompletes('zip', 'h1', '--access-token-file', `${files}/`)).sort()).toEqual([join(files, 'token file'), join(files, 'token.txt')].sort());
    expect(await bashCompletes('completion', '')).toEqual(['bash', 'zsh', 'fish']);
  });

  it('offers nothing where nothing can be guessed: a host, a duration, a hash, after --', async () => {
    expect(await bashCompletes('upload', '--host', '')).toEqual([]);
    expect(await bashCompletes('upload', '--wait', '')).toEqual([]);
    expect(await bashCompletes('upload', '')).toEqual([]);
    expect(await bashCompletes('upload', '--', '-')).toEqual([]);
  });

  it('offers every command and every option --help lists: generated from the program, it cannot drift', async () => {
    const listing = await helpListing();
    expect([...listing.keys()]).toEqual(expect.arrayContaining(['upload', 'zip', 'extract', 'server', 'demo', 'completion']));
    expect(await bashCompletes('')).toEqual(expect.arrayContaining([...listing.keys()]));
    for (const [command, options] of listing) {
      expect(options.length, command).toBeGreaterThan(0);
      expect(await bashCompletes(command, '-'), command).toEqual(options);
    }
  });

  it('an unknown shell is a usage error naming the ones there are', async () => {
    const result = await runCli(['completion', 'tcsh']);
    expect(result.code).toBe(2);
    expect(result.stdout).toBe('');
    expect(result.stderr).toMatch(/^pcloud-progress: .*'tcsh'.*bash, zsh, fish/);
  });
});

describe.skipIf(!hasFish)('completion fish', () => {
  async function fishCompletes(line: string): Promise<string[]> {
    const {stdout} = await run('fish', ['--no-config', '-c', 'pcloud-progress completion fish | source; complete -C $argv[1]', line], {env: env()});
    return stdout
      .split('\n')
      .filter((entry) => entry !== '')
      .map((entry) => entry.split('\t')[0] as string);
  }

  it('completes commands, options and their values', async () => {
    expect(await fishCompletes('pcloud-progress up')).toEqual(['upload']);
    expect(await fishCompletes('pcloud-progress upload --re')).toEqual(['--region', '--request-timeout']);
    expect(await fishCompletes('pcloud-progress zip --region ')).toEqual(['eu', 'us']);
    expect(await fishCompletes(`pcloud-progress upload --auth-file ${files}/tok`)).toEqual([join(files, 'token file'), join(files, 'token.txt')].sort());
    expect(await fishCompletes('pcloud-progress completion ')).toEqual(['bash', 'fish', 'zsh']);
  });
});

describe.skipIf(!hasZsh)('completion zsh', () => {
  it('is a valid zsh script', async () => {
    const {stdout: script} = await runCli(['completion', 'zsh']);
    expect(script).toMatch(/^#compdef pcloud-progress\n/);
    const path = join(home, '_pcloud-progress');
    writeFileSync(path, script);
    await expect(run('zsh', ['-n', path])).resolves.toBeTruthy();
  });

  describe.skipIf(!hasTmux)('in an interactive zsh', () => {
    let terminal: Terminal;
    beforeAll(async () => {
      terminal = new Terminal(['zsh', '-f'], {PATH: env().PATH as string, HOME: home}, {columns: 120, rows: 30});
      terminal.keys('autoload -Uz compinit && compinit -u && source <(pcloud-progress completion zsh) && print READY', 'Enter');
      await terminal.waitFor(/^READY$/m);
    });
    afterAll(() => terminal?.kill());

    it('TAB completes a command, then lists the options that start the same', async () => {
      terminal.keys('pcloud-progress up', 'Tab');
      // (tmux drops the trailing space after the completed word)
      await terminal.waitFor(/pcloud-progress upload$/m);
      terminal.keys('C-u');
      terminal.keys('pcloud-progress upload --re', 'Tab');
      const screen = await terminal.waitFor(/^--request-timeout/m);
      expect(screen).toMatch(/^--region +-- picks the default host/m);
      terminal.keys('C-u');
      terminal.keys('pcloud-progress zip --region ', 'Tab');
      await terminal.waitFor(/^eu +us$/m);
      terminal.keys('C-u');
    });
  });
});
