// Is dist/ newer than everything it is built from? `prepare` (npm install), `npm run demo`,
// `npm run bench` and the test suite's setup all build only when it is not: a fresh clone's
// `npm install` builds once, and what follows runs that build instead of making it again (about
// 4 s of CPU each on a 2-core machine). `npm run build` always builds.
import {spawnSync} from 'node:child_process';
import {existsSync, readdirSync, statSync} from 'node:fs';
import {createRequire} from 'node:module';
import {join} from 'node:path';
import {fileURLToPath} from 'node:url';

const ROOT = fileURLToPath(new URL('..', import.meta.url));
export const OUTPUTS = ['dist/cli.cjs', 'dist/tty.cjs', 'dist/metrics.cjs', 'dist/index.js', 'dist/index.cjs', 'dist/index.d.ts', 'dist/index.d.cts', 'dist/THIRD-PARTY-NOTICES.md'];
const INPUTS = ['src', 'build', 'tsup.config.ts', 'package.json', 'package-lock.json', 'tsconfig.json'];

/** The newest modification time under `path` (a file or a folder), in ms. */
function newest(path) {
  const info = statSync(path);
  if (!info.isDirectory()) return info.mtimeMs;
  return readdirSync(path).reduce((latest, name) => Math.max(latest, newest(join(path, name))), info.mtimeMs);
}

/** Every output is there, and older than none of the inputs. */
export function distIsFresh(root = ROOT) {
  const outputs = OUTPUTS.map((file) => join(root, file));
  if (!outputs.every((file) => existsSync(file))) return false;
  const built = Math.min(...outputs.map((file) => statSync(file).mtimeMs));
  return INPUTS.map((path) => join(root, path))
    .filter((path) => existsSync(path))
    .every((path) => newest(path) < built);
}

/** tsup's command-line entry, or undefined where the dev dependencies are not installed. */
export function tsupCli(root = ROOT) {
  try {
    return createRequire(join(root, 'package.json')).resolve('tsup/dist/cli-default.js');
  } catch {
    return undefined;
  }
}

/**
 * Builds dist/ (quietly) unless it is fresh; returns tsup's exit status, 0 when nothing was built.
 * What `npm run demo`, `npm run bench` (build/ensure.js) and the suite's setup run first.
 */
export function buildIfStale(root = ROOT) {
  if (distIsFresh(root)) return 0;
  const tsup = tsupCli(root);
  if (!tsup) {
    process.stderr.write('pcloud-progress: dist/ is not built and tsup is not installed: run npm install first\n');
    return 1;
  }
  return spawnSync(process.execPath, [tsup, '--silent'], {cwd: root, stdio: 'inherit'}).status ?? 1;
}
