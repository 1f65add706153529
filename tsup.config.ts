import {defineConfig, type Options} from 'tsup';
import {thirdPartyNotices} from './build/notices.js';
import {lazyChildProcess, lazyStringWidth, trimGot, type Plugin} from './build/trim.js';

// Dependencies are bundled: resolving got's ~40 modules from node_modules at every start cost more
// than the whole rest of start-up. Measured with `npm run bench` (start -> first request, against
// `node -e 0`): ESM code-split by command 1.87x, one ESM file 1.73x, one CommonJS file 1.62x.
// So the program is CommonJS, in two files:
// - dist/cli.cjs: everything but the terminal display. What a command does not use is parsed but not
//   run (esbuild runs a dynamically imported module on first use): `--help` never starts got.
// - dist/tty.cjs: the terminal display (ora, chalk, string-width), loaded only for a terminal. It
//   repeats a few pure helpers (format, sanitize); nothing with an identity crosses between the two.
// - dist/metrics.cjs: --metrics-file and --pushgateway (prom-client), loaded only when one is given.
//   Inside dist/cli.cjs it would be parsed at every start, metrics or not.
// The library is one file per module system, with its types: dist/index.js (ESM) and dist/index.cjs
// (for require()). Each bundle has a source map beside it, which Node reads only under
// --enable-source-maps: names and lines of our sources in a stack trace, not the sources themselves
// (the package ships none), which would make the maps three times as large.
const common: Options = {
  target: 'node20',
  platform: 'node',
  outDir: 'dist',
  sourcemap: true,
  noExternal: [/./],
  minify: true,
  splitting: false,
  esbuildOptions(options) {
    options.sourcesContent = false;
  },
};

/** session.ts imports './render/tty.js': in dist/cli.cjs that is a require of dist/tty.cjs. */
const ttyApart: Plugin = {
  name: 'tty-apart',
  setup(build) {
    build.onResolve({filter: /[\\/]render[\\/]tty\.js$/}, (args) => (args.kind === 'dynamic-import' ? {path: './tty.cjs', external: true} : undefined));
  },
};

/** session.ts imports './metrics/observer.js': in dist/cli.cjs that is a require of dist/metrics.cjs. */
const metricsApart: Plugin = {
  name: 'metrics-apart',
  setup(build) {
    build.onResolve({filter: /[\\/]metrics[\\/]observer\.js$/}, (args) => (args.kind === 'dynamic-import' ? {path: './metrics.cjs', external: true} : undefined));
  },
};

// dist/THIRD-PARTY-NOTICES.md: the licenses of what both builds bundled (build/notices.ts). Written once
// both have ended, so always after the clean below, and a failed build leaves none behind.
const notices = thirdPartyNotices();

export default defineConfig([
  {
    ...common,
    entry: {cli: 'src/main.ts', tty: 'src/render/tty.ts', metrics: 'src/metrics/observer.ts'},
    format: ['cjs'],
    // got's HTTP/2, cache, DNS cache and decompression are off in our client: left out; commander's
    // child_process and string-width's segmenter and emoji expressions are made on first use (build/trim.ts)
    esbuildPlugins: [trimGot, lazyChildProcess, lazyStringWidth, ttyApart, metricsApart, notices.plugin()],
    // `await import('./render/tty.js')` and the like become require() calls: an import() in CommonJS
    // starts Node's ES module loader, and it scans the CommonJS file for its exports first. That was
    // 22-26 ms to load dist/tty.cjs instead of 8-10 ms, and an import('node:fs') costs 5-7 ms, not 0.1.
    esbuildOptions(options, context) {
      common.esbuildOptions?.(options, context);
      options.supported = {...options.supported, 'dynamic-import': false};
    },
  },
  {
    ...common,
    entry: {index: 'src/index.ts'},
    format: ['esm', 'cjs'],
    // a library user's stack trace reads `at durationText`, not `at Je`, and UsageError.name is
    // 'UsageError', not 'O'. Not in the CLI's bundles, which print no stack trace: there it cost start-up
    // (paired runs, 60 each: `--help` about 2 ms of 45)
    keepNames: true,
    // the two configs build at once: this one empties dist/ but for the other's files
    clean: ['!cli.cjs', '!tty.cjs', '!metrics.cjs', '!cli.cjs.map', '!tty.cjs.map', '!metrics.cjs.map'],
    // declarations only, unchecked (TypeScript's noCheck): the same files, in about 3.7 s of CPU
    // instead of 5.2 (most of the build's); `npm test`'s tsc --noEmit is the type-check
    dts: {entry: {index: 'src/index.ts'}, compilerOptions: {noCheck: true}},
    esbuildPlugins: [trimGot, notices.plugin()],
    // CommonJS dependencies bundled into ESM call require(); ESM has none, so give it one
    banner: ({format}) => (format === 'esm' ? {js: "import {createRequire as __pcloudProgressRequire} from 'node:module'; const require = __pcloudProgressRequire(import.meta.url);"} : undefined),
  },
]);
