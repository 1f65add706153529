import {availableParallelism} from 'node:os';
import {defineConfig} from 'vitest/config';
import {BaseSequencer, type TestSpecification} from 'vitest/node';

/**
 * The files that take longest (waiting on real time, or on the CPU), longest first. Started first,
 * they end while the short files fill the other workers; started last, the run waits for them alone. vitest's own order is longest
 * first only once it has timings cached: a fresh clone (CI) has none and starts the largest files,
 * and these are not the largest.
 */
const LONGEST_FIRST = [
  'test/install.test.ts',
  'test/cli.test.ts',
  'test/serve.test.ts',
  'test/network.test.ts',
  'test/metrics.test.ts',
  'test/bench.test.ts',
  'test/display.test.ts',
  'test/output-choice.test.ts',
  'test/display-1000.test.ts',
  'test/log.test.ts',
  'test/tty.test.ts',
  'test/package.test.ts',
  'test/hardening.test.ts',
  'test/scale-bench.test.ts',
  'test/fuzz-servers.test.ts',
  'test/help.test.ts',
  'test/terminal.test.ts',
  'test/hostile.test.ts',
  'test/hostile-servers.test.ts',
  'test/upload-modes.test.ts',
  'test/live-service.test.ts',
  'test/notices.test.ts',
  'test/shell.test.ts',
  'test/contract.test.ts',
];

class LongestFirst extends BaseSequencer {
  override async sort(files: TestSpecification[]): Promise<TestSpecification[]> {
    const rank = (file: TestSpecification): number => {
      const index = LONGEST_FIRST.findIndex((name) => file.moduleId.endsWith(`/${name}`));
      return index === -1 ? LONGEST_FIRST.length : index;
    };
    // a stable sort: the rest keep vitest's order (failed first, then by cached duration or size)
    return (await super.sort(files)).sort((a, b) => rank(a) - rank(b));
  }
}

/**
 * Test files at once: more than the cores. Most of a file's time is spent waiting on child
 * processes (npm, tmux, the built CLI), servers on loopback and real-time demos, not on the CPU;
 * vitest's default (cores - 1, one file at a time on 2 cores) leaves the CPU idle most of the run.
 * 5 was the fastest on 2 cores from a fresh clone (`npm test -- --maxWorkers=N`, runs alternated,
 * against 4 and 6). Since the files that wait most run their tests side by side, the run keeps both
 * cores busy nearly throughout, and 4, 5 and 6 were within the machine's noise (44 to 49 s); measure
 * again that way before changing it.
 */
const WORKERS = Math.max(5, availableParallelism());

export default defineConfig({
  test: {
    // a worker runs file after file in one process, its modules loaded once: a fresh process per
    // file costs CPU for loading them again, file after file. The tests share no state through
    // modules: each file starts its own emulators, and the few that set process.env put it back.
    isolate: false,
    include: ['test/**/*.test.ts'],
    globalSetup: ['test/global-setup.ts'],
    testTimeout: 30_000,
    hookTimeout: 30_000,
    maxWorkers: WORKERS,
    sequence: {sequencer: LongestFirst},
  },
});
