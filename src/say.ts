import type {OutStream} from './env.js';

/** The program's name: the commands' usage, and the start of every line it says on stderr. */
export const NAME = 'pcloud-progress';

/** `pcloud-progress: <text>` on its own line (stderr: errors, warnings, notices). */
export function say(stream: Pick<OutStream, 'write'>, text: string): void {
  stream.write(`${NAME}: ${text}\n`);
}
