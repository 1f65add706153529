import {defineConfig, type Options} from 'tsup';
import {thirdPartyNotices} from './build/notices.js';
import {lazyChildProcess, trimGot, type Plugin} from './build/trim.js';

// Dependencies are bundled: resolving got's ~40 modules from node_modules at every start cost more
// than the whole rest of start-up. Measured with `npm run bench` (start -> first request, against
// `node -e 0`): ESM code-split by command 1.87x, one ESM file 1.73x, one CommonJS file 1.62x.
// So the program is CommonJS, in two files:
// - dist/cli.cjs: everything but the terminal display. What a command does not use is parsed but not
//   run (esbuild runs a dynamically imported module on first use): `--help` never starts got.
// - dist/tty.cjs: the terminal display (ora, chalk, string-width), loaded only for a terminal. It
//   repeats a few pure helpers (format, sanitize); nothing with an identity crosses between the two.
// The library (dist/index.js) stays ESM, one file, with its types.
const common: Options = {
  target: 'node20',
  platform: 'node',
  outDir: 'dist',
  sourcemap: false,
  noExternal: [/./],
  minify: true,
  splitting: false,
};

/** commands/watch.ts imports '../render/tty.js': in dist/cli.cjs that is a require of dist/tty.cjs. */
const ttyApart: Plugin = {
  name: 'tty-apart',
  setup(build) {
    build.onResolve({filter: /[\\/]render[\\/]tty\.js$/}, (args) => (args.kind === 'dynamic-import' ? {path: './tty.cjs', external: true} : undefined));
  },
};

// dist/THIRD-PARTY-NOTICES.md: the licenses of what both builds bundled (build/notices.ts). Written once
// both have ended, so always after the clean below, and a failed build leaves none behind.
const notices = thirdPartyNotices();

export default defineConfig([
  {
    ...common,
    entry: {cli: 'src/main.ts', tty: 'src/render/tty.ts'},
    format: ['cjs'],
    // got's HTTP/2, cache, DNS cache and decompression are off in our client: left out; commander's child_process loads on first use (build/trim.ts)
    esbuildPlugins: [trimGot, lazyChildProcess, ttyApart, notices.plugin()],
  },
  {
    ...common,
    entry: {index: 'src/index.ts'},
    format: ['esm'],
    // the two configs build at once: this one empties dist/ but for the other's files
    clean: ['!cli.cjs', '!tty.cjs'],
    dts: {entry: {index: 'src/index.ts'}},
    esbuildPlugins: [trimGot, notices.plugin()],
    // CommonJS dependencies bundled into ESM call require(); ESM has none, so give them one
    banner: {js: "import {createRequire as __pcloudProgressRequire} from 'node:module'; const require = __pcloudProgressRequire(import.meta.url);"},
  },
]);
