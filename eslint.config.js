import js from '@eslint/js';
import globals from 'globals';
import tseslint from 'typescript-eslint';

export default tseslint.config(
  {ignores: ['dist/', 'node_modules/', 'coverage/']},
  js.configs.recommended,
  ...tseslint.configs.recommended,
  {
    languageOptions: {globals: globals.node},
    rules: {
      // matching control characters is the point of the sanitizer and the token check
      'no-control-regex': 'off',
      '@typescript-eslint/no-explicit-any': 'error',
      '@typescript-eslint/no-unused-vars': ['error', {argsIgnorePattern: '^_', varsIgnorePattern: '^_'}],
    },
  },
  {
    // Style habit 1: below the entry, process, the clocks and timers come in through Env (src/env.ts),
    // so every test can hand in its own. The emulator is a server of its own (it stands in for pCloud,
    // which keeps real time) and is left out.
    files: ['src/**/*.ts'],
    ignores: ['src/env.ts', 'src/emulator/**'],
    rules: {
      'no-restricted-globals': [
        'error',
        ...['process', 'setTimeout', 'setInterval', 'setImmediate', 'performance'].map((name) => ({name, message: `${name} comes in through Env (src/env.ts): take it from there`})),
      ],
      'no-restricted-properties': ['error', {object: 'Date', property: 'now', message: 'the wall clock is Env.clock.wall() (src/env.ts)'}],
      'no-restricted-syntax': ['error', {selector: "NewExpression[callee.name='Date'][arguments.length=0]", message: 'the wall clock is Env.clock.wall() (src/env.ts)'}],
      'no-restricted-imports': ['error', {paths: ['node:process', 'process', 'node:timers', 'timers', 'node:timers/promises', 'timers/promises'].map((name) => ({name, message: 'process and timers come in through Env (src/env.ts)'}))}],
    },
  },
  {
    // the bin script is CommonJS (it starts faster): require() is how it loads
    files: ['**/*.cjs'],
    languageOptions: {sourceType: 'commonjs'},
    rules: {'@typescript-eslint/no-require-imports': 'off'},
  },
  {
    // dist/tty.cjs is a bundle of its own (the terminal display, loaded only for a terminal): every
    // module it holds is a second copy of the one in dist/cli.cjs. A module with an identity (a
    // class checked with instanceof, a WeakSet, module state) would silently be two. So the
    // display's modules import values only from each other and from pure helpers; types are free.
    files: ['src/render/tty.ts', 'src/render/layout.ts', 'src/render/job-state.ts', 'src/render/describe.ts', 'src/render/renderer.ts', 'src/render/run-summary.ts', 'src/render/board.ts', 'src/render/frame.ts', 'src/render/screen.ts'],
    rules: {
      '@typescript-eslint/no-restricted-imports': [
        'error',
        {
          patterns: [
            {
              group: ['../*', './*', '!./layout.js', '!./job-state.js', '!./describe.js', '!./renderer.js', '!./run-summary.js', '!./board.js', '!./frame.js', '!./screen.js', '!../format.js', '!../duration.js', '!../sanitize.js', '!../job-key.js', '!../exit-codes.js'],
              allowTypeImports: true,
              message: 'dist/tty.cjs holds its own copy of what it imports: only the display modules and pure helpers (format, duration, sanitize, job-key); import types with `import type`.',
            },
          ],
        },
      ],
    },
  },
  {
    // dist/metrics.cjs too (--metrics-file, --pushgateway): its modules import values only from each
    // other and from pure helpers, for the same reason
    files: ['src/metrics/observer.ts', 'src/metrics/exposition.ts', 'src/metrics/file.ts', 'src/metrics/push.ts', 'src/metrics/state.ts'],
    rules: {
      '@typescript-eslint/no-restricted-imports': [
        'error',
        {
          patterns: [
            {
              group: ['../*', './*', '!./exposition.js', '!./file.js', '!./push.js', '!./state.js', '!../sanitize.js', '!../say.js'],
              allowTypeImports: true,
              message: 'dist/metrics.cjs holds its own copy of what it imports: only the metrics modules and pure helpers (sanitize); import types with `import type`.',
            },
          ],
        },
      ],
    },
  },
  {
    // the pure helpers the display shares with the rest: they import nothing with an identity either
    files: ['src/format.ts', 'src/duration.ts', 'src/sanitize.ts', 'src/job-key.ts', 'src/exit-codes.ts'],
    rules: {
      '@typescript-eslint/no-restricted-imports': [
        'error',
        {patterns: [{group: ['./*', '!./duration.js'], allowTypeImports: true, message: 'a helper bundled into dist/tty.cjs too: it may import only other pure helpers.'}]},
      ],
    },
  },
);
