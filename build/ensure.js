// `node build/ensure.js`: builds dist/ (quietly) unless it is newer than its sources; exits with
// tsup's status. What `npm run demo` and `npm run bench` run before the program they start.
import {spawnSync} from 'node:child_process';
import {distIsFresh, tsupCli} from './fresh.js';

if (!distIsFresh()) {
  const tsup = tsupCli();
  if (!tsup) {
    process.stderr.write('pcloud-progress: dist/ is not built and tsup is not installed: run npm install first\n');
    process.exit(1);
  }
  const {status} = spawnSync(process.execPath, [tsup, '--silent'], {stdio: 'inherit'});
  process.exit(status ?? 1);
}
