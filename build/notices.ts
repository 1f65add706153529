// thirdPartyNotices: the license of every package bundled into dist/, written next to it at build time.
//
// commander, got, ora, chalk, string-width and what they pull in are copied into dist/ (tsup.config.ts
// says why). Their licenses allow that only if the copyright and permission notice travel with every
// copy, so the build writes dist/THIRD-PARTY-NOTICES.md. The list comes from esbuild's metafile, the
// bundler's own record of the inputs that ended up in each output, not from package.json: a new
// transitive dependency is listed the day it arrives, and one the bundle stops using drops out.
//
// The build fails when a bundled package has no license file, or a license outside ALLOWED_LICENSES:
// an incompatible license is caught by the build that would first ship it.
import {readdirSync, readFileSync, statSync} from 'node:fs';
import {mkdir, writeFile} from 'node:fs/promises';
import {join, resolve} from 'node:path';
import type {Plugin} from './trim.js';

export const NOTICES_FILE = 'THIRD-PARTY-NOTICES.md';

/** Permissive licenses: shipping their code asks only that the notice goes along (SPDX identifiers). */
export const ALLOWED_LICENSES: readonly string[] = ['MIT', 'ISC', 'BSD-2-Clause', 'BSD-3-Clause', 'Apache-2.0', '0BSD'];

/** The part of esbuild's metafile we read: which inputs went into which output, and how many bytes of each. */
export interface Metafile {
  outputs: Record<string, {inputs: Record<string, {bytesInOutput: number}>}>;
}

export interface LicenseFile {
  /** the file's name in the package folder: LICENSE, license.md, COPYING, LICENSE-MIT.txt, NOTICE, ... */
  file: string;
  text: string;
}

/** What a package folder says about itself. */
export interface PackageFacts {
  name: string;
  version: string;
  /** an SPDX expression, or undefined when package.json names none */
  license: string | undefined;
  licenseFiles: LicenseFile[];
}

/** Reads a package folder, given as the metafile spells it (node_modules/ora/node_modules/string-width). */
export type PackageReader = (folder: string) => PackageFacts;

/**
 * Inputs with code in some output, from all metafiles, sorted. An input esbuild tree-shook to nothing
 * (0 bytes) put nothing of its package into dist/.
 */
export function bundledInputs(metafiles: Iterable<Metafile>): string[] {
  const inputs = new Set<string>();
  for (const metafile of metafiles) {
    for (const output of Object.values(metafile.outputs)) {
      for (const [input, {bytesInOutput}] of Object.entries(output.inputs)) if (bytesInOutput > 0) inputs.add(input);
    }
  }
  return [...inputs].sort();
}

// esbuild writes `namespace:path` for inputs a plugin made up (build/trim.ts's stubs); at least two
// characters so a Windows drive letter is not one.
const PLUGIN_NAMESPACE = /^[\w-]{2,}:/;
// The last node_modules wins: node_modules/ora/node_modules/string-width is ora's own copy.
const PACKAGE_FOLDER = /^(.*(?:^|\/)node_modules\/(?:@[^/]+\/)?[^/]+)\//;

/** The package folder an input belongs to, or undefined for our own sources and plugin stubs. */
export function packageFolderOf(input: string): string | undefined {
  if (PLUGIN_NAMESPACE.test(input)) return undefined;
  return PACKAGE_FOLDER.exec(input.replaceAll('\\', '/'))?.[1];
}

/**
 * True when an SPDX expression lets us ship the code under an allowed license: `A OR B` needs one
 * side, `A AND B` both; `A WITH exception` is what A allows (an exception only adds permissions).
 * Anything it cannot read (`SEE LICENSE IN ...`, `UNLICENSED`, a typo) is not allowed.
 */
export function isAllowedLicense(expression: string): boolean {
  const allowed = new Set(ALLOWED_LICENSES.map((id) => id.toUpperCase()));
  const tokens = (expression.match(/[()]|[^\s()]+/g) ?? []).map((token) => token.toUpperCase());
  let at = 0;
  const malformed = new Error('malformed');
  const orExpression = (): boolean => {
    let value = andExpression();
    while (tokens[at] === 'OR') {
      at += 1;
      value = andExpression() || value;
    }
    return value;
  };
  const andExpression = (): boolean => {
    let value = term();
    while (tokens[at] === 'AND') {
      at += 1;
      value = term() && value;
    }
    return value;
  };
  const term = (): boolean => {
    const token = tokens[at++];
    if (token === '(') {
      const value = orExpression();
      if (tokens[at++] !== ')') throw malformed;
      return value;
    }
    if (token === undefined || [')', 'OR', 'AND', 'WITH'].includes(token)) throw malformed;
    if (tokens[at] === 'WITH') {
      if (tokens[at + 1] === undefined) throw malformed;
      at += 2;
    }
    return allowed.has(token);
  };
  try {
    const value = orExpression();
    return at === tokens.length && value;
  } catch (error) {
    if (error === malformed) return false;
    throw error;
  }
}

const LICENSE_FILE = /^(?:licen[cs]e|copying)(?:[-._].*)?$/i;
// Apache-2.0 (section 4d) asks that a package's NOTICE file travel with the code too.
const NOTICE_FILE = /^notice(?:[-._].*)?$/i;

/** package.json's license: the SPDX string, or the old `{type}` and `licenses: [{type}]` forms (either of them). */
function licenseField(manifest: {license?: unknown; licenses?: unknown}): string | undefined {
  const typeOf = (entry: unknown): string | undefined => (typeof entry === 'string' ? entry : typeof entry === 'object' && entry && 'type' in entry && typeof entry.type === 'string' ? entry.type : undefined);
  if (manifest.license !== undefined) return typeOf(manifest.license);
  if (!Array.isArray(manifest.licenses)) return undefined;
  const types = manifest.licenses.map(typeOf);
  return types.length > 0 && types.every((type) => type !== undefined) ? types.join(' OR ') : undefined;
}

/** Reads a package folder on disk: its package.json and every LICENSE/LICENCE/COPYING/NOTICE file, any case, any extension. */
export function readPackageFolder(folder: string): PackageFacts {
  const manifest = JSON.parse(readFileSync(join(folder, 'package.json'), 'utf8')) as {name?: unknown; version?: unknown; license?: unknown; licenses?: unknown};
  const licenseFiles = readdirSync(folder)
    .filter((file) => (LICENSE_FILE.test(file) || NOTICE_FILE.test(file)) && statSync(join(folder, file)).isFile())
    .sort()
    .map((file) => ({file, text: readFileSync(join(folder, file), 'utf8')}));
  return {name: String(manifest.name), version: String(manifest.version), license: licenseField(manifest), licenseFiles};
}

/** Why a package may not be shipped, or undefined when it may. */
function licenseProblem(facts: PackageFacts): string | undefined {
  if (facts.license === undefined) return 'has no license in its package.json';
  if (!isAllowedLicense(facts.license)) return `is licensed "${facts.license}", which is not in the allow-list (${ALLOWED_LICENSES.join(', ')})`;
  if (!facts.licenseFiles.some(({file, text}) => LICENSE_FILE.test(file) && text.trim() !== '')) return 'has no license text (no LICENSE, LICENCE or COPYING file)';
  return undefined;
}

/** The line endings and trailing space a checkout may add, taken out: the same text on every machine. */
const normalized = (text: string): string => text.replace(/\r\n?/g, '\n').replace(/[ \t]+$/gm, '').trim();

/** A code fence longer than any run of backticks in the text, so a license text cannot close it. */
function fenced(text: string): string {
  let fence = '```';
  while (text.includes(fence)) fence += '`';
  return `${fence}text\n${text}\n${fence}`;
}

const compare = (a: string, b: string): number => (a < b ? -1 : a > b ? 1 : 0);

function entry(facts: PackageFacts): string {
  const texts = facts.licenseFiles.filter(({text}) => text.trim() !== '').map(({file, text}) => `From its file \`${file}\`:\n\n${fenced(normalized(text))}`);
  return [`## ${facts.name}@${facts.version}`, `License: ${facts.license}`, ...texts].join('\n\n');
}

/**
 * The notices file for the bundled inputs (metafile paths), each package read with `read`. Throws an
 * error naming the package (name@version and folder) when one may not be shipped. Sorted by name and
 * version: the same inputs always give the same bytes.
 */
export function noticesText(inputs: Iterable<string>, read: PackageReader): string {
  const folders = new Set<string>();
  for (const input of inputs) {
    const folder = packageFolderOf(input);
    if (folder !== undefined) folders.add(folder);
  }
  const packages = new Map<string, PackageFacts>();
  for (const folder of [...folders].sort()) {
    let facts: PackageFacts;
    try {
      facts = read(folder);
    } catch (error) {
      throw new Error(`third-party notices: cannot read the bundled package in ${folder}: ${(error as Error).message}`);
    }
    const problem = licenseProblem(facts);
    if (problem) throw new Error(`third-party notices: the bundled package ${facts.name}@${facts.version} (${folder}) ${problem}; see build/notices.ts`);
    // two folders holding the same version ship the same code and the same notice
    packages.set(`${facts.name}@${facts.version}`, facts);
  }
  // code-unit order, no locale: the same on every machine
  const sorted = [...packages.values()].sort((a, b) => (a.name === b.name ? compare(a.version, b.version) : compare(a.name, b.name)));
  const header = [
    '# Third-party notices',
    'pcloud-progress bundles the code of the packages below into the files of its `dist/` folder. Their licenses ask that their copyright and permission notices go with every copy: here they are, as each package ships them.',
    'This file is generated at build time by build/notices.ts from the bundler\'s record of what went into `dist/`.',
    sorted.map((facts) => `- ${facts.name}@${facts.version} (${facts.license})`).join('\n'),
  ];
  return `${[...header, ...sorted.map(entry)].join('\n\n')}\n`;
}

/**
 * esbuild plugins for several builds that write one notices file together: call `plugin()` once for
 * each single-format build. When every one of them has ended, the file is written into the output
 * folder from the union of their metafiles; until then (or when one failed) nothing is written. A
 * package that may not be shipped fails the build that completes the set.
 */
export function thirdPartyNotices(): {plugin: () => Plugin} {
  const metafiles = new Map<number, Metafile>();
  let builds = 0;
  const plugin = (): Plugin => {
    const build = builds++;
    return {
      name: 'third-party-notices',
      setup(esbuild) {
        esbuild.initialOptions.metafile = true;
        const workingDir = esbuild.initialOptions.absWorkingDir ?? process.cwd();
        esbuild.onEnd(async (result) => {
          metafiles.delete(build);
          if (!result.metafile || result.errors.length > 0) return undefined;
          metafiles.set(build, result.metafile);
          if (metafiles.size < builds) return undefined;
          let text: string;
          try {
            text = noticesText(bundledInputs(metafiles.values()), (folder) => readPackageFolder(resolve(workingDir, folder)));
          } catch (error) {
            return {errors: [{text: (error as Error).message}]};
          }
          const outdir = resolve(workingDir, esbuild.initialOptions.outdir ?? 'dist');
          await mkdir(outdir, {recursive: true});
          await writeFile(join(outdir, NOTICES_FILE), text);
          return undefined;
        });
      },
    };
  };
  return {plugin};
}
