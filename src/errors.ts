import {ExitCode} from './exit-codes.js';

/** Bad arguments, bad hash, bad host, no credentials: one line on stderr, exit 2, no request sent. */
export class UsageError extends Error {
  readonly exitCode = ExitCode.usage;
}
