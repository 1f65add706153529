export {nodeEnv} from './env.js';
export type {Env} from './env.js';
export type {WatchEvent, JobKind} from './events.js';
export {ExitCode} from './exit-codes.js';
