import type {Env} from '../env.js';
import {chooseMode, type JobKind} from '../jobs.js';
import {resolveWatchOptions, type RawOptions} from '../options.js';
import {runSession} from '../session.js';

/** `upload`, `zip` and `extract`: argv's strings -> options -> the watch. A mode flag (`--link`, `--transfer`) picks the table's row. */
export async function watchCommand(kind: JobKind, hashes: string[], raw: RawOptions, env: Env): Promise<number> {
  const job = {kind, ...chooseMode(kind, raw as Record<string, unknown>)};
  return runSession(await resolveWatchOptions({jobs: hashes.map((hash) => ({...job, hash})), hashFileJob: job}, raw, env), env);
}
