import {ExitCode, type ExitReason} from './exit-codes.js';

/**
 * A command ended in a failure the contract names. Thrown up to main(), the one place that prints
 * its message and turns its reason into the exit code (exit-codes.ts): no code below decides one.
 */
export class CommandError extends Error {
  override name = 'CommandError';

  constructor(
    message: string,
    readonly reason: ExitReason,
  ) {
    super(message);
  }
}

/** Bad arguments, bad hash, bad host, no credentials: one line on stderr, exit 2, no request sent. */
export class UsageError extends CommandError {
  override name = 'UsageError';

  constructor(message: string) {
    super(message, 'usage');
  }

  /** 2, for library users who check it (the CLI reads `reason`) */
  get exitCode(): number {
    return ExitCode.usage;
  }
}
