// npm runs `prepare` on `npm install` in this folder and when it installs this repository as a git
// dependency: both with the dev dependencies, so tsup is there and dist/ is built. Where tsup is
// missing (an install that left them out), it says what to run and lets the install finish. A dist/
// newer than everything it is built from is not built again; `npm run build` always builds.
// `npm pack` and `npm publish` build in prepack instead (build/pack.js), and the package they make
// declares no `prepare`: it ships dist/ built.
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
process.stderr.write(`pcloud-progress: dist/ is not built: the dev dependencies (tsup) are not installed: run npm install in ${process.cwd()}\n`);
