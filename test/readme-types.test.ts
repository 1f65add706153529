import {mkdirSync, readFileSync, writeFileSync} from 'node:fs';
import {join} from 'node:path';
import ts from 'typescript';
import {describe, expect, it} from 'vitest';

// The README's TypeScript use of the library type-checks under the project's strict settings,
// against the library's own entry (src/index.ts, what dist/index.d.ts is made from).

const ROOT = new URL('..', import.meta.url).pathname;
const README = readFileSync(join(ROOT, 'README.md'), 'utf8');
const BLOCKS = [...README.matchAll(/<!-- typecheck: ([\w-]+) -->\n```ts\n([\s\S]*?)```/g)].map((match) => ({name: match[1] as string, code: match[2] as string}));

function diagnostics(name: string, code: string): string[] {
  // inside the repository, so that node_modules (@types/node) resolves as for the project itself
  const dir = join(ROOT, 'node_modules', '.cache', 'readme-typecheck');
  mkdirSync(dir, {recursive: true});
  const file = join(dir, `${name}.ts`);
  writeFileSync(file, `${code}\nexport {};\n`);
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
    paths: {'pcloud-progress': ['src/index.ts']},
  };
  // the project's own declarations for packages that ship none
  const program = ts.createProgram([file, join(ROOT, 'src', 'api', 'proxy-from-env.d.ts')], options);
  return ts.getPreEmitDiagnostics(program).map((d) => ts.flattenDiagnosticMessageText(d.messageText, '\n'));
}

describe('README TypeScript', () => {
  it('has a TypeScript example of the library', () => {
    expect(BLOCKS.map((block) => block.name)).toContain('library-ts');
  });

  it.each(BLOCKS.map((block) => [block.name, block.code] as const))('%s type-checks under strict', (name, code) => {
    expect(diagnostics(name, code)).toEqual([]);
  });

  it('a wrong use fails: the check can fail', () => {
    const wrong = "import {watchUpload} from 'pcloud-progress';\nfor await (const e of watchUpload('h')) console.log(e.exitCode);";
    expect(diagnostics('wrong', wrong).join('\n')).toMatch(/exitCode/);
  });
});
