import {buildIfStale} from '../build/fresh.js';

/**
 * The CLI tests run the built program as a user would: it is built once before the suite, unless
 * dist/ is already newer than its sources (as right after `npm ci`, whose `prepare` built it).
 */
export default function setup(): void {
  if (buildIfStale() !== 0) throw new Error('the build of dist/ failed');
}
