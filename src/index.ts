/**
 * pcloud-progress as a library: the CLI's watch as async iterables of its `--json` events.
 * @packageDocumentation
 */
export {watchUpload, watchZip, watchExtract, UsageError, type WatchOptions, type UploadWatchOptions, type Duration} from './library.js';
export type {WatchEvent, StatusEvent, FinalEvent, WaitingEvent, ProgressEvent, DoneEvent, ErrorEvent, OutputEvent, JobKind, EventName} from './events.js';
export {ExactNumber} from './json.js';
export {ExitCode} from './exit-codes.js';
export {MetricsCollector, type MetricsCollectorOptions} from './metrics/collector.js';
