import type {LoopEvent} from '../poll-job.js';

/** Consumes the merged event stream of all jobs; never decides anything, only shows. */
export interface Renderer {
  handle(event: LoopEvent): void;
  /** Once, after the last event (also on interruption): final lines, terminal restored. */
  end(): void;
}

export const silentRenderer: Renderer = {handle() {}, end() {}};

/** `upload 3f9a…`: how people see a job named in a line. */
export function jobLabel(kind: string, hash: string): string {
  return `${kind} ${hash}`;
}
