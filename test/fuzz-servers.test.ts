import fc from 'fast-check';
import {describe, expect, it} from 'vitest';
import {describeCase, fuzzCase, problems, runCase} from './helpers/fuzz-servers.js';

// The built CLI against a raw loopback server answering random bytes (issue 21). The suite runs a
// small seeded number of cases; `npm run fuzz` runs thousands (FUZZ_RUNS, FUZZ_SEED, FUZZ_PARALLEL)
// and reports what it found.

const FUZZ = process.env.PCLOUD_PROGRESS_FUZZ === '1';
const RUNS = Number(process.env.FUZZ_RUNS ?? (FUZZ ? 2000 : 8));
const SEED = Number(process.env.FUZZ_SEED ?? 21);
/** Property runs at once, each with its own seed (SEED, SEED + 1, ...): the CLI is mostly waiting on the server. */
const PARALLEL = Number(process.env.FUZZ_PARALLEL ?? (FUZZ ? 3 : 2));

describe('hostile servers, property-based', () => {
  it(
    `the CLI ends in time, with one final event per job, a documented exit code, and no secret in its output (${RUNS} cases, seed ${SEED})`,
    async () => {
      const found: string[] = [];
      let ran = 0;
      const exits = new Map<string, number>();
      const runs = Array.from({length: PARALLEL}, (_, i) => Math.floor(RUNS / PARALLEL) + (i < RUNS % PARALLEL ? 1 : 0));
      await Promise.all(
        runs.map(async (numRuns, i) => {
          if (numRuns === 0) return;
          const details = await fc.check(
            fc.asyncProperty(fuzzCase, async (testCase) => {
              const result = await runCase(testCase);
              ran += 1;
              const exit = String(result.code ?? result.signal);
              exits.set(exit, (exits.get(exit) ?? 0) + 1);
              const wrong = problems(testCase, result);
              if (wrong.length > 0) throw new Error(`${wrong.join('; ')}\nstdout: ${result.stdout.slice(-600)}\nstderr: ${result.stderr.slice(-600)}`);
            }),
            {numRuns, seed: SEED + i, endOnFailure: !FUZZ, interruptAfterTimeLimit: FUZZ ? undefined : 60_000},
          );
          if (details.failed) {
            const example = details.counterexample?.[0];
            found.push(`seed ${SEED + i}, path ${details.counterexamplePath}: ${details.errorInstance instanceof Error ? details.errorInstance.message : String(details.errorInstance)}\ncase: ${example ? describeCase(example) : '?'}`);
          }
        }),
      );
      if (FUZZ) {
        const tally = [...exits].sort(([a], [b]) => Number(a) - Number(b)).map(([code, count]) => `${code}: ${count}`).join(', ');
        process.stdout.write(`\nfuzz: ${ran} cases run (${RUNS} asked, seeds ${SEED}..${SEED + PARALLEL - 1}); exit codes ${tally}; ${found.length === 0 ? 'nothing found' : `${found.length} failing:\n${found.join('\n\n')}`}\n`);
      }
      expect(found).toEqual([]);
    },
    FUZZ ? 24 * 3600_000 : 120_000,
  );
});
