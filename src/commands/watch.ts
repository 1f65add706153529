import type {Env} from '../env.js';
import type {JobKind} from '../events.js';
import {resolveWatchOptions, type RawOptions} from '../options.js';
import {runSession} from '../session.js';

/** `upload`, `zip` and `extract`: argv's strings -> options -> the watch. */
export async function watchCommand(kind: JobKind, hashes: string[], raw: RawOptions, env: Env): Promise<number> {
  return runSession(await resolveWatchOptions({jobs: hashes.map((hash) => ({kind, hash})), hashFileKind: kind}, raw, env), env);
}

