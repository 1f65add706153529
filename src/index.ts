/**
 * pcloud-progress as a library: the CLI's watch as async iterables of its `--json` events.
 * @packageDocumentation
 */
export {watchUpload, watchZip, UsageError, type WatchOptions, type Duration} from './library.js';
export type {WatchEvent, JobKind, EventName} from './events.js';
export {ExitCode} from './exit-codes.js';
