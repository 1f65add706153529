import {execFileSync} from 'node:child_process';
import {createRequire} from 'node:module';

/** The CLI tests run the built program as a user would: build it once before the suite. */
export default function setup(): void {
  const require = createRequire(import.meta.url);
  const tsup = require.resolve('tsup/dist/cli-default.js');
  execFileSync(process.execPath, [tsup, '--silent'], {stdio: 'inherit'});
}
