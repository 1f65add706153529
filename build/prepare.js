// npm runs `prepare` on `npm install` in this folder, on `npm pack`/`npm publish`, and on
// `npm install -g .`, which links this folder without installing its dev dependencies: there tsup
// is missing, and a failed install would leave a half-made link behind. So: build when tsup is
// here; when it is not, say what to run and let the install finish, except when packing, where a
// package without dist/ would be broken. A dist/ newer than everything it is built from is not built
// again (`npm install -g .` right after `npm install` links what the first built); `npm run build`
// always builds.
import {spawnSync} from 'node:child_process';
import {existsSync, readdirSync, statSync} from 'node:fs';
import {createRequire} from 'node:module';
import {join} from 'node:path';

const OUTPUTS = ['dist/cli.cjs', 'dist/tty.cjs', 'dist/index.js', 'dist/index.d.ts', 'dist/THIRD-PARTY-NOTICES.md'];
const INPUTS = ['src', 'build', 'tsup.config.ts', 'package.json', 'package-lock.json', 'tsconfig.json'];

/** The newest modification time under `path` (a file or a folder), in ms. */
function newest(path) {
  const info = statSync(path);
  if (!info.isDirectory()) return info.mtimeMs;
  return readdirSync(path).reduce((latest, name) => Math.max(latest, newest(join(path, name))), info.mtimeMs);
}

function upToDate() {
  if (!OUTPUTS.every((file) => existsSync(file))) return false;
  const built = Math.min(...OUTPUTS.map((file) => statSync(file).mtimeMs));
  return INPUTS.filter((path) => existsSync(path)).every((path) => newest(path) < built);
}

const require = createRequire(import.meta.url);
let tsup;
try {
  tsup = require.resolve('tsup/dist/cli-default.js');
} catch {
  tsup = undefined;
}

if (upToDate()) {
  process.stderr.write('pcloud-progress: dist/ is up to date (npm run build rebuilds it)\n');
  process.exit(0);
}
if (tsup) {
  const {status} = spawnSync(process.execPath, [tsup], {stdio: 'inherit'});
  process.exit(status ?? 1);
}
const packing = ['pack', 'publish'].includes(process.env.npm_command ?? '');
process.stderr.write(`pcloud-progress: dist/ ${packing ? 'cannot be' : 'is not'} built: the dev dependencies (tsup) are not installed: run npm install in ${process.cwd()}\n`);
process.exit(packing ? 1 : 0);
