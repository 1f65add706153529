// `npm run fuzz`: the property-based hostile-server test (test/fuzz-servers.test.ts) with thousands of
// cases instead of the suite's few. FUZZ_RUNS (default 2000), FUZZ_SEED (21) and FUZZ_PARALLEL (3) change
// it; a failing case is printed with its seed and path, so `FUZZ_SEED=... npm run fuzz` replays it.
import {spawnSync} from 'node:child_process';
import {buildIfStale} from './fresh.js';

if (buildIfStale() !== 0) process.exit(1);
const vitest = spawnSync(process.execPath, ['node_modules/vitest/vitest.mjs', 'run', 'test/fuzz-servers.test.ts', '--reporter', 'dot'], {
  stdio: 'inherit',
  env: {...process.env, PCLOUD_PROGRESS_FUZZ: '1'},
});
process.exit(vitest.status ?? 1);
