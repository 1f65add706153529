/**
 * The one identity of a job in a run: two jobs with the same key are one (named twice, they are
 * watched once), and the displays keep one state per key. A pure helper: the terminal display's
 * own bundle holds a copy (see eslint.config.js).
 */
export function jobKey(job: {kind: string; hash: string}): string {
  return `${job.kind}\0${job.hash}`;
}
