/** The contract's exit codes, in one place. */
export const ExitCode = {
  ok: 0,
  bug: 1,
  usage: 2,
  auth: 3,
  notFound: 4,
  rateLimited: 5,
  failure: 6,
  timeout: 7,
  /** finished, but some items failed (a remote upload's URL ended in status "error") */
  partial: 8,
  sighup: 129,
  sigint: 130,
  sigterm: 143,
} as const;

export type ExitCodeValue = (typeof ExitCode)[keyof typeof ExitCode];

/** Why a command failed, by the name of its row in the table above. */
export type ExitReason = Exclude<keyof typeof ExitCode, 'ok'>;

/**
 * With several jobs the run's exit code is the highest among them, except that an interruption
 * (129/130/143) always wins: it is higher anyway.
 */
export function combineExitCodes(codes: readonly number[]): number {
  return codes.reduce((a, b) => Math.max(a, b), 0);
}

/** How a stop signal ends a run: 128 + its number, and what the last event says. */
export const SIGNAL_EXITS = {
  SIGHUP: {exitCode: ExitCode.sighup, message: 'the terminal was closed (SIGHUP)'},
  SIGINT: {exitCode: ExitCode.sigint, message: 'interrupted (SIGINT)'},
  SIGTERM: {exitCode: ExitCode.sigterm, message: 'terminated (SIGTERM)'},
} as const;
