import {execFileSync} from 'node:child_process';
import {distIsFresh, tsupCli} from '../build/fresh.js';

/**
 * The CLI tests run the built program as a user would: it is built once before the suite, unless
 * dist/ is already newer than its sources (as right after `npm ci`, whose `prepare` built it).
 */
export default function setup(): void {
  if (distIsFresh()) return;
  const tsup = tsupCli();
  if (!tsup) throw new Error('tsup is not installed: run npm install');
  execFileSync(process.execPath, [tsup, '--silent'], {stdio: 'inherit'});
}
