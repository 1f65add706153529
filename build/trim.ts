// esbuild plugins for tsup that leave out of the bundle, or out of start-up, what the program never uses.
//
// trimGot: the parts of got that our client turns off.
//
// src/api/client.ts always sets `http2: false`, `decompress: false` and no `cache` or `dnsCache`,
// and no other code can reach got's options. Yet got imports the modules behind those features at
// load time, and with them node:http2, node:zlib, node:assert and a TLS socket built at start. They
// were more than half the cost of loading got (measured with `npm run bench`). Each is replaced by a
// stub that throws if it is ever reached, so a future change that turns a feature on fails loudly in
// the tests (which run the built program) instead of quietly doing nothing.
//
// @sindresorhus/is (got's argument checks) builds two Intl.ListFormat at load time, which loads ICU
// data for the message of a failed check; they are made on first use instead.
import {readFile} from 'node:fs/promises';
import type {Options} from 'tsup';
import {TRIMMED_MESSAGE_PREFIX} from '../src/api/trimmed.js';

export type Plugin = NonNullable<Options['esbuildPlugins']>[number];

const off = (feature: string, option: string) => `throw new Error(${JSON.stringify(`${TRIMMED_MESSAGE_PREFIX}${feature} (${option}); see build/trim.ts`)})`;

const STUBS: Record<string, string> = {
  'http2-wrapper': `export default {get auto() {${off('HTTP/2 support', 'http2: false')}}, get globalAgent() {${off('HTTP/2 support', 'http2: false')}}};`,
  'cacheable-request': `export default class CacheableRequest {constructor() {${off('cache', 'no cache option')}}}\nexport class CacheError extends Error {}`,
  'decompress-response': `export default function decompressResponse() {${off('decompression', 'decompress: false')}}`,
  'cacheable-lookup': `export default class CacheableLookup {constructor() {${off('DNS cache', 'no dnsCache option')}}}`,
};

const LIST_FORMATS = [
  ["const andFormatter = new Intl.ListFormat('en', { style: 'long', type: 'conjunction' });", "const andFormatter = {format: (list) => new Intl.ListFormat('en', { style: 'long', type: 'conjunction' }).format(list)};"],
  ["const orFormatter = new Intl.ListFormat('en', { style: 'long', type: 'disjunction' });", "const orFormatter = {format: (list) => new Intl.ListFormat('en', { style: 'long', type: 'disjunction' }).format(list)};"],
] as const;

/**
 * Every patch and stub reports that it applied: a dependency whose file moved (so a filter no longer
 * matches) fails the build at its end, instead of silently bundling what was meant to be left out.
 */
function expectApplied(build: Parameters<Plugin['setup']>[0], plugin: string, expected: readonly string[]): (name: string) => void {
  const applied = new Set<string>();
  build.onStart(() => applied.clear());
  build.onEnd((result) => {
    if (result.errors.length > 0) return; // the build failed already: its own errors say why
    const missing = expected.filter((name) => !applied.has(name));
    if (missing.length > 0) throw new Error(`${plugin}: did not apply to ${missing.join(', ')}: a dependency changed; see build/trim.ts`);
  });
  return (name) => void applied.add(name);
}

export const trimGot: Plugin = {
  name: 'trim-got',
  setup(build) {
    const names = new RegExp(`^(${Object.keys(STUBS).join('|')})$`);
    const applied = expectApplied(build, 'trimGot', [...Object.keys(STUBS).map((name) => `the ${name} stub`), '@sindresorhus/is']);
    build.onResolve({filter: names}, (args) => ({path: args.path, namespace: 'trim-got'}));
    build.onLoad({filter: /.*/, namespace: 'trim-got'}, (args) => {
      applied(`the ${args.path} stub`);
      return {contents: STUBS[args.path], loader: 'js'};
    });
    build.onLoad({filter: /[\\/]@sindresorhus[\\/]is[\\/]distribution[\\/]index\.js$/}, async (args) => {
      applied('@sindresorhus/is');
      let text = await readFile(args.path, 'utf8');
      for (const [eager, lazy] of LIST_FORMATS) {
        // A new version of the package: fail the build rather than silently lose the saving.
        if (!text.includes(eager)) throw new Error(`trimGot: ${args.path} no longer has: ${eager}`);
        text = text.replace(eager, lazy);
      }
      return {contents: text, loader: 'js'};
    });
  },
};

// lazyChildProcess: commander loads node:child_process at start for executable subcommands, which
// this program has none of (3 ms of every start). It is loaded on first use instead.
const CHILD_PROCESS = "const childProcess = require('node:child_process');";

export const lazyChildProcess: Plugin = {
  name: 'lazy-child-process',
  setup(build) {
    const applied = expectApplied(build, 'lazyChildProcess', ['commander/lib/command.js']);
    build.onLoad({filter: /[\\/]commander[\\/]lib[\\/]command\.js$/}, async (args) => {
      applied('commander/lib/command.js');
      const text = await readFile(args.path, 'utf8');
      if (!text.includes(CHILD_PROCESS)) throw new Error(`lazyChildProcess: ${args.path} no longer has: ${CHILD_PROCESS}`);
      return {contents: text.replace(CHILD_PROCESS, "const childProcess = {spawn: (...args) => require('node:child_process').spawn(...args)};"), loader: 'js'};
    });
  },
};

// lazyStringWidth: string-width makes an Intl.Segmenter and three regular expressions of Unicode
// properties (\p{RGI_Emoji} among them) when it loads: about 45 ms of CPU at the start of every run
// on a terminal. It uses them only past its fast path for printable ASCII, and src/render/layout.ts
// calls it only for text that is not one column a character (a server's non-ASCII file name): they
// are made on that first call instead.
const STRING_WIDTH_LAZY = ['segmenter', 'visibleCharacterRegex', 'spacingMarkRegex', 'rgiEmojiRegex'];
const STRING_WIDTH_FAST_PATH = '\tif (/^[\\u0020-\\u007E]*$/.test(string)) {\n\t\treturn string.length;\n\t}\n';

export const lazyStringWidth: Plugin = {
  name: 'lazy-string-width',
  setup(build) {
    const applied = expectApplied(build, 'lazyStringWidth', ['string-width/index.js']);
    build.onLoad({filter: /[\\/]string-width[\\/]index\.js$/}, async (args) => {
      let text = await readFile(args.path, 'utf8');
      // string-width@4 (cli-progress's, not bundled) has none of this: only the version ora uses is patched
      if (!text.includes('new Intl.Segmenter()')) return undefined;
      applied('string-width/index.js');
      const made: string[] = [];
      for (const name of STRING_WIDTH_LAZY) {
        const declaration = new RegExp(`^const ${name} = (.+);$`, 'm');
        const match = declaration.exec(text);
        if (!match) throw new Error(`lazyStringWidth: ${args.path} no longer declares ${name} on one line`);
        text = text.replace(declaration, `let ${name};`);
        made.push(`\t\t${name} = ${match[1]};`);
      }
      if (!text.includes(STRING_WIDTH_FAST_PATH)) throw new Error(`lazyStringWidth: ${args.path} no longer has its ASCII fast path`);
      text = text.replace(STRING_WIDTH_FAST_PATH, `${STRING_WIDTH_FAST_PATH}\n\tif (segmenter === undefined) {\n${made.join('\n')}\n\t}\n`);
      return {contents: text, loader: 'js'};
    });
  },
};
