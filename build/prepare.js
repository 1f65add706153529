// npm runs `prepare` on `npm install` in this folder, on `npm pack`/`npm publish`, and on
// `npm install -g .`, which links this folder without installing its dev dependencies: there tsup
// is missing, and a failed install would leave a half-made link behind. So: build when tsup is
// here; when it is not, say what to run and let the install finish, except when packing, where a
// package without dist/ would be broken. A dist/ newer than everything it is built from is not built
// again (`npm install -g .` right after `npm install` links what the first built); `npm run build`
// always builds.
import {spawnSync} from 'node:child_process';
import {distIsFresh, tsupCli} from './fresh.js';

if (distIsFresh()) {
  process.stderr.write('pcloud-progress: dist/ is up to date (npm run build rebuilds it)\n');
  process.exit(0);
}
const tsup = tsupCli();
if (tsup) {
  const {status} = spawnSync(process.execPath, [tsup], {stdio: 'inherit'});
  process.exit(status ?? 1);
}
const packing = ['pack', 'publish'].includes(process.env.npm_command ?? '');
process.stderr.write(`pcloud-progress: dist/ ${packing ? 'cannot be' : 'is not'} built: the dev dependencies (tsup) are not installed: run npm install in ${process.cwd()}\n`);
process.exit(packing ? 1 : 0);
