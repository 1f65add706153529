import {createHash} from 'node:crypto';
import {existsSync, mkdirSync, readdirSync, readFileSync, rmSync, writeFileSync} from 'node:fs';
import {join} from 'node:path';
import type ts from 'typescript';
import {describe, expect, it} from 'vitest';

// The README's TypeScript use of the library type-checks under the project's strict settings,
// against the declarations the package ships (dist/index.d.ts, built from src/index.ts before the
// suite): what a user's compiler sees, and a program a fraction the size of src/ and got's types.

const ROOT = new URL('..', import.meta.url).pathname;
const README = readFileSync(join(ROOT, 'README.md'), 'utf8');
const BLOCKS = [...README.matchAll(/<!-- typecheck: ([\w-]+) -->\n```ts\n([\s\S]*?)```/g)].map((match) => ({name: match[1] as string, code: match[2] as string}));

const WRONG = "import {watchUpload} from 'pcloud-progress';\nfor await (const e of watchUpload('h')) console.log(e.exitCode);";

// inside the repository, so that node_modules (@types/node) resolves as for the project itself
const DIR = join(ROOT, 'node_modules', '.cache', 'readme-typecheck');

/** Every block (and one wrong use, to show the check can fail) in one program: one type-check, not one a block. */
async function checkAll(blocks: {name: string; code: string}[]): Promise<Map<string, string[]>> {
  const {default: ts} = await import('typescript');
  mkdirSync(DIR, {recursive: true});
  const files = new Map(blocks.map((block) => [join(DIR, `${block.name}.ts`), block.name]));
  for (const [file, name] of files) writeFileSync(file, `${blocks.find((block) => block.name === name)?.code ?? ''}\nexport {};\n`);
  const options: ts.CompilerOptions = {
    strict: true,
    noUncheckedIndexedAccess: true,
    target: ts.ScriptTarget.ES2022,
    module: ts.ModuleKind.NodeNext,
    moduleResolution: ts.ModuleResolutionKind.NodeNext,
    types: ['node'],
    typeRoots: [join(ROOT, 'node_modules', '@types')],
    noEmit: true,
    skipLibCheck: true,
    baseUrl: ROOT,
    paths: {'pcloud-progress': ['dist/index.d.ts']},
  };
  const program = ts.createProgram([...files.keys()], options);
  const found = new Map(blocks.map((block) => [block.name, [] as string[]]));
  for (const diagnostic of ts.getPreEmitDiagnostics(program)) {
    const name = (diagnostic.file && files.get(diagnostic.file.fileName)) ?? 'elsewhere';
    if (!found.has(name)) found.set(name, []);
    found.get(name)?.push(ts.flattenDiagnosticMessageText(diagnostic.messageText, '\n'));
  }
  return found;
}

/**
 * The result of a check is kept, named by everything it read: the blocks, the declarations the
 * package ships, this file (its options), and the versions of TypeScript and @types/node. The same
 * inputs give the same result without the 4 s of CPU a program with @types/node costs; a change to
 * any of them checks again (and a fresh clone, as in CI, has nothing kept).
 */
async function checkAllOnce(blocks: {name: string; code: string}[]): Promise<Map<string, string[]>> {
  const version = (pkg: string): string => (JSON.parse(readFileSync(join(ROOT, 'node_modules', pkg, 'package.json'), 'utf8')) as {version: string}).version;
  const hash = createHash('sha256');
  for (const part of [JSON.stringify(blocks), readFileSync(join(ROOT, 'dist', 'index.d.ts'), 'utf8'), readFileSync(new URL(import.meta.url), 'utf8'), version('typescript'), version('@types/node')]) hash.update(`${part.length}:${part}`);
  const kept = join(DIR, `result-${hash.digest('hex')}.json`);
  if (existsSync(kept)) return new Map(JSON.parse(readFileSync(kept, 'utf8')) as [string, string[]][]);
  const found = await checkAll(blocks);
  for (const old of readdirSync(DIR)) if (old.startsWith('result-')) rmSync(join(DIR, old), {force: true});
  writeFileSync(kept, JSON.stringify([...found]));
  return found;
}

const RESULTS = await checkAllOnce([...BLOCKS, {name: 'wrong', code: WRONG}]);

describe('README TypeScript', () => {
  it('has a TypeScript example of the library', () => {
    expect(BLOCKS.map((block) => block.name)).toContain('library-ts');
  });

  it.each(BLOCKS.map((block) => block.name))('%s type-checks under strict', (name) => {
    expect(RESULTS.get(name)).toEqual([]);
    expect(RESULTS.get('elsewhere')).toBeUndefined();
  });

  it('a wrong use fails: the check can fail', () => {
    expect((RESULTS.get('wrong') ?? []).join('\n')).toMatch(/exitCode/);
  });
});
