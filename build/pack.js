// `npm pack` and `npm publish`: the packed package.json declares no `prepare`. It is what builds dist/
// in a clone (and in a git dependency), but the package ships dist/ built and no build/: there it
// would only make npm 11 warn at every install ("install scripts not yet covered by allowScripts"),
// and npm 12 ask before running it.
//
// `node build/pack.js` (prepack) builds dist/ unless fresh (with `prepare` gone, npm runs none after
// this), then writes package.json without `scripts.prepare`, the whole file kept beside it in
// package.json.packing. `node build/pack.js --restore` (postpack; for `npm publish` postpublish,
// because publish reads package.json again after packing, for the registry) puts it back. Both keep
// package.json's modification time: dist/ stays fresh (build/fresh.js).
import {existsSync, readFileSync, renameSync, statSync, utimesSync, writeFileSync} from 'node:fs';
import {fileURLToPath} from 'node:url';
import {buildIfStale} from './fresh.js';

const MANIFEST = fileURLToPath(new URL('../package.json', import.meta.url));
const KEPT = `${MANIFEST}.packing`;

/** Writes `text` to `path` through a rename (a reader never sees half a file), with the modification time `mtime`. */
function replace(path, text, {atime, mtime}) {
  writeFileSync(`${path}.tmp`, text);
  utimesSync(`${path}.tmp`, atime, mtime);
  renameSync(`${path}.tmp`, path);
}

function strip() {
  if (existsSync(KEPT)) {
    process.stderr.write('pcloud-progress: an earlier npm pack or publish stopped half-way: package.json.packing holds package.json as it was: run node build/pack.js --restore\n');
    return 1;
  }
  const status = buildIfStale();
  if (status !== 0) return status;
  const text = readFileSync(MANIFEST, 'utf8');
  const manifest = JSON.parse(text);
  if (manifest.scripts?.prepare === undefined) return 0;
  const times = statSync(MANIFEST);
  replace(KEPT, text, times);
  delete manifest.scripts.prepare;
  replace(MANIFEST, `${JSON.stringify(manifest, null, 2)}\n`, times);
  return 0;
}

function restore() {
  if (!existsSync(KEPT)) return 0;
  renameSync(KEPT, MANIFEST); // the copy has the original's modification time
  return 0;
}

const restoring = process.argv.includes('--restore');
// npm publish (and npm stage, its staged form) runs postpack before it reads package.json again:
// it restores at postpublish
const publishing = ['publish', 'stage'].includes(process.env.npm_command ?? '') && process.env.npm_lifecycle_event === 'postpack';
process.exitCode = restoring ? (publishing ? 0 : restore()) : strip();
