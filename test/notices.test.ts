import {execFile} from 'node:child_process';
import {mkdirSync, mkdtempSync, readFileSync, writeFileSync} from 'node:fs';
import {tmpdir} from 'node:os';
import {join} from 'node:path';
import {fileURLToPath} from 'node:url';
import {promisify} from 'node:util';
import {build, type Options} from 'tsup';
import {beforeAll, describe, expect, it} from 'vitest';
import configs from '../tsup.config.js';
import type {Plugin} from '../build/trim.js';
import {isAllowedLicense, NOTICES_FILE, noticesText, packageFolderOf, readPackageFolder, thirdPartyNotices, type Metafile} from '../build/notices.js';

const run = promisify(execFile);
const ROOT = fileURLToPath(new URL('..', import.meta.url));

const MIT_TEXT = 'MIT License\n\nCopyright (c) 2024 Fixture Author\n\nPermission is hereby granted, free of charge, ...\n';

/** A fake package folder under `project`/node_modules: package.json plus the given files. */
function fixturePackage(project: string, name: string, manifest: Record<string, unknown>, files: Record<string, string>): string {
  const folder = join(project, 'node_modules', name);
  mkdirSync(folder, {recursive: true});
  writeFileSync(join(folder, 'package.json'), JSON.stringify({name, version: '1.0.0', main: 'index.js', ...manifest}));
  writeFileSync(join(folder, 'index.js'), `module.exports = ${JSON.stringify(`from ${name}`)};\n`);
  for (const [file, text] of Object.entries(files)) writeFileSync(join(folder, file), text);
  return folder;
}

/** A project folder holding one allowed, one GPL and one license-less package. */
function fixtureProject(): string {
  const project = mkdtempSync(join(tmpdir(), 'pp-notices-'));
  fixturePackage(project, 'mit-thing', {license: 'MIT'}, {'LICENSE.md': MIT_TEXT});
  fixturePackage(project, 'gpl-thing', {license: 'GPL-3.0-only'}, {COPYING: 'GNU GENERAL PUBLIC LICENSE\nVersion 3, 29 June 2007\n'});
  fixturePackage(project, 'bare-thing', {license: 'MIT'}, {});
  return project;
}

/** Notices for the packages of `names` in `project`, read from disk as the build reads them. */
const noticesFor = (project: string, names: string[]): string =>
  noticesText(
    names.map((name) => `node_modules/${name}/index.js`),
    (folder) => readPackageFolder(join(project, folder)),
  );

describe('which inputs are packages', () => {
  it('maps an input to its package folder: plain, scoped, nested; not our sources or plugin stubs', () => {
    expect(packageFolderOf('node_modules/got/dist/source/index.js')).toBe('node_modules/got');
    expect(packageFolderOf('node_modules/@sindresorhus/is/distribution/index.js')).toBe('node_modules/@sindresorhus/is');
    expect(packageFolderOf('node_modules/ora/node_modules/string-width/index.js')).toBe('node_modules/ora/node_modules/string-width');
    expect(packageFolderOf('node_modules/a/node_modules/@scope/b/lib/c.js')).toBe('node_modules/a/node_modules/@scope/b');
    expect(packageFolderOf('../elsewhere/node_modules/x/index.js')).toBe('../elsewhere/node_modules/x');
    expect(packageFolderOf('src/main.ts')).toBeUndefined();
    expect(packageFolderOf('package.json')).toBeUndefined();
    expect(packageFolderOf('trim-got:http2-wrapper')).toBeUndefined();
  });
});

describe('the allow-list', () => {
  it.each([
    ['MIT', true],
    ['ISC', true],
    ['BSD-2-Clause', true],
    ['BSD-3-Clause', true],
    ['Apache-2.0', true],
    ['0BSD', true],
    ['(MIT OR GPL-3.0-only)', true],
    ['GPL-3.0-only OR Apache-2.0', true],
    ['MIT AND ISC', true],
    ['MIT AND GPL-3.0-only', false],
    ['(MIT OR GPL-2.0) AND LGPL-3.0', false],
    ['Apache-2.0 WITH LLVM-exception', true],
    ['GPL-2.0-only WITH Classpath-exception-2.0', false],
    ['GPL-3.0', false],
    ['LGPL-2.1-or-later', false],
    ['UNLICENSED', false],
    ['SEE LICENSE IN LICENSE.txt', false],
    ['MIT OR', false],
    ['(MIT', false],
    ['', false],
  ])('%j allowed: %s', (expression, allowed) => {
    expect(isAllowedLicense(expression)).toBe(allowed);
  });
});

describe('the notices text', () => {
  const project = fixtureProject();

  it('names each package with its version and license, and carries its license text with the copyright line', () => {
    const text = noticesFor(project, ['mit-thing']);
    expect(text).toContain('## mit-thing@1.0.0\n\nLicense: MIT\n');
    expect(text).toContain('Copyright (c) 2024 Fixture Author');
    expect(text).toContain('Permission is hereby granted');
  });

  it('fails on a package with a license outside the allow-list, naming it', () => {
    expect(() => noticesFor(project, ['mit-thing', 'gpl-thing'])).toThrow(/gpl-thing@1\.0\.0 .*"GPL-3\.0-only", which is not in the allow-list/);
  });

  it('fails on a package with no license text, naming it', () => {
    expect(() => noticesFor(project, ['bare-thing'])).toThrow(/bare-thing@1\.0\.0 .*has no license text/);
  });

  it('fails on a package whose package.json names no license', () => {
    fixturePackage(project, 'unnamed-thing', {license: undefined}, {LICENSE: MIT_TEXT});
    expect(() => noticesFor(project, ['unnamed-thing'])).toThrow(/unnamed-thing@1\.0\.0 .*has no license in its package\.json/);
  });

  it('reads the old {type} and licenses: [...] forms of the license field', () => {
    fixturePackage(project, 'old-object', {license: {type: 'ISC'}}, {LICENSE: MIT_TEXT});
    fixturePackage(project, 'old-array', {license: undefined, licenses: [{type: 'GPL-2.0'}, {type: 'MIT'}]}, {LICENSE: MIT_TEXT});
    const text = noticesFor(project, ['old-object', 'old-array']);
    expect(text).toContain('## old-object@1.0.0\n\nLicense: ISC\n');
    expect(text).toContain('## old-array@1.0.0\n\nLicense: GPL-2.0 OR MIT\n');
  });

  it('finds the license file in any case and with any extension, each of several', () => {
    fixturePackage(project, 'dual-thing', {license: '(MIT OR Apache-2.0)'}, {'license-mit.txt': MIT_TEXT, 'LICENCE-APACHE': 'Apache License\nVersion 2.0, January 2004\n'});
    const text = noticesFor(project, ['dual-thing']);
    expect(text).toContain('From its file `license-mit.txt`');
    expect(text).toContain('From its file `LICENCE-APACHE`');
    expect(text).toContain('Apache License');
  });

  it('carries an Apache-2.0 package\'s NOTICE file too, which is no license text alone', () => {
    fixturePackage(project, 'apache-thing', {license: 'Apache-2.0'}, {LICENSE: 'Apache License\nVersion 2.0, January 2004\n', NOTICE: 'Apache Thing\nCopyright 2020 The Apache Thing Authors\n'});
    expect(noticesFor(project, ['apache-thing'])).toContain('Copyright 2020 The Apache Thing Authors');
    fixturePackage(project, 'notice-only', {license: 'Apache-2.0'}, {NOTICE: 'Notice Only\nCopyright 2020 Someone\n'});
    expect(() => noticesFor(project, ['notice-only'])).toThrow(/notice-only@1\.0\.0 .*has no license text/);
  });

  it('gives the same bytes whatever the order of the inputs, one entry per name@version', () => {
    fixturePackage(project, 'zeta-thing', {license: 'ISC'}, {LICENSE: MIT_TEXT});
    const forward = noticesFor(project, ['mit-thing', 'zeta-thing', 'mit-thing']);
    const backward = noticesFor(project, ['zeta-thing', 'mit-thing']);
    expect(forward).toBe(backward);
    expect(forward.match(/^## /gm)).toHaveLength(2);
    expect(forward.indexOf('## mit-thing@')).toBeLessThan(forward.indexOf('## zeta-thing@'));
  });
});

describe('a build with the plugin', () => {
  /** Builds `project`/entry.js, which requires `names`, with the notices plugin, as tsup.config.ts does. */
  async function buildFixture(project: string, names: string[]): Promise<string> {
    writeFileSync(join(project, 'entry.js'), names.map((name) => `console.log(require(${JSON.stringify(name)}));\n`).join(''));
    const outDir = mkdtempSync(join(tmpdir(), 'pp-notices-out-'));
    await build({config: false, entry: {entry: join(project, 'entry.js')}, outDir, format: ['cjs'], platform: 'node', noExternal: [/./], silent: true, esbuildPlugins: [thirdPartyNotices().plugin()]});
    return outDir;
  }

  it('writes the notices file next to the output', async () => {
    const project = fixtureProject();
    const outDir = await buildFixture(project, ['mit-thing']);
    expect(readFileSync(join(outDir, NOTICES_FILE), 'utf8')).toContain('## mit-thing@1.0.0');
  });

  it('fails when it bundles a GPL package, naming it', async () => {
    const project = fixtureProject();
    await expect(buildFixture(project, ['mit-thing', 'gpl-thing'])).rejects.toThrow(/gpl-thing@1\.0\.0/);
  });

  it('fails when it bundles a package with no license text', async () => {
    const project = fixtureProject();
    await expect(buildFixture(project, ['bare-thing'])).rejects.toThrow(/bare-thing@1\.0\.0/);
  });
});

// The packed package against an independent reading of the bundler's record: the program is built
// again into a temporary folder with tsup's own metafile output, and every package with code in it
// must have its entry in the notices file inside the tarball.
describe('the packed package', () => {
  let packed: string;
  let metafiles: Metafile[];
  let rebuilt: string;

  beforeAll(async () => {
    const packDir = mkdtempSync(join(tmpdir(), 'pp-pack-'));
    const {stdout} = await run('npm', ['pack', '--silent', '--ignore-scripts', '--pack-destination', packDir], {cwd: ROOT}); // dist/ is built once by the global setup
    const tarball = join(packDir, stdout.trim().split('\n').at(-1) as string);
    packed = (await run('tar', ['-xzOf', tarball, `package/dist/${NOTICES_FILE}`], {maxBuffer: 16 * 1024 * 1024})).stdout;
    const outDir = mkdtempSync(join(tmpdir(), 'pp-metafile-'));
    // tsup.config.ts as it is, into another folder, without types (slow, and no metafile of their
    // own). Each build's metafile is taken from esbuild as it ends: tsup's own metafile-<format>.json
    // would be one file for two CommonJS builds (the program's and the library's), the last one written.
    metafiles = [];
    const capture: Plugin = {
      name: 'capture-metafile',
      setup(esbuild) {
        esbuild.initialOptions.metafile = true;
        esbuild.onEnd((result) => void (result.metafile && metafiles.push(result.metafile as Metafile)));
      },
    };
    await Promise.all((configs as Options[]).map((config) => build({...config, config: false, outDir, dts: false, clean: false, silent: true, esbuildPlugins: [...(config.esbuildPlugins ?? []), capture]})));
    expect(metafiles).toHaveLength(3); // the program (cli, tty), the library as ESM and as CommonJS
    rebuilt = readFileSync(join(outDir, NOTICES_FILE), 'utf8');
  }, 120_000);

  /** name@version of every package with code in an output, read here without build/notices.ts. */
  function bundledPackages(): string[] {
    const found = new Set<string>();
    for (const metafile of metafiles) {
      for (const output of Object.values(metafile.outputs)) {
        for (const [input, {bytesInOutput}] of Object.entries(output.inputs)) {
          const folder = /^(.*node_modules\/(?:@[^/]+\/)?[^/]+)\//.exec(input)?.[1];
          if (folder === undefined || bytesInOutput === 0) continue;
          const manifest = JSON.parse(readFileSync(join(ROOT, folder, 'package.json'), 'utf8')) as {name: string; version: string};
          found.add(`${manifest.name}@${manifest.version}`);
        }
      }
    }
    return [...found].sort();
  }

  it('holds a notices entry with a license text for every package the bundler put into dist/', () => {
    const packages = bundledPackages();
    // the ones the README names, so an empty reading cannot pass
    for (const name of ['commander', 'got', 'ora', 'chalk', 'string-width']) expect(packages.some((key) => key.startsWith(`${name}@`)), name).toBe(true);
    const entries = packed.split(/^(?=## )/m).slice(1);
    for (const key of packages) {
      const entry = entries.find((text) => text.startsWith(`## ${key}\n`));
      expect(entry, key).toBeDefined();
      expect(entry, key).toMatch(/^License: \S+/m);
      expect(entry, key).toMatch(/^```text\n[\s\S]*\S[\s\S]*\n```$/m);
    }
    expect(entries).toHaveLength(packages.length);
  });

  it('is what the build writes from the same sources, byte for byte', () => {
    expect(packed).toBe(rebuilt);
  });
});
