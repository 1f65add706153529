import {defineConfig} from 'tsup';
import {trimGot} from './build/trim-got.js';

// Dependencies are bundled: resolving got's ~40 modules from node_modules at every start cost more
// than the whole rest of start-up (measured with `npm run bench`). Code split by command, so
// `--version` loads only commander and `--json` never loads ora, cli-progress or chalk.
export default defineConfig({
  entry: {cli: 'src/main.ts', index: 'src/index.ts'},
  format: ['esm'],
  target: 'node20',
  platform: 'node',
  outDir: 'dist',
  clean: true,
  sourcemap: false,
  dts: {entry: {index: 'src/index.ts'}},
  splitting: true,
  noExternal: [/./],
  minify: true,
  // got's HTTP/2, cache, DNS cache and decompression are off in our client: left out (build/trim-got.ts)
  esbuildPlugins: [trimGot],
  // CommonJS dependencies (cli-progress) call require(); ESM has none, so give them one
  banner: {js: "import {createRequire as __pcloudProgressRequire} from 'node:module'; const require = __pcloudProgressRequire(import.meta.url);"},
});
