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
    files: ['src/render/tty.ts', 'src/render/layout.ts', 'src/render/job-state.ts', 'src/render/describe.ts', 'src/render/renderer.ts', 'src/render/board.ts', 'src/render/frame.ts', 'src/render/screen.ts'],
    rules: {
      '@typescript-eslint/no-restricted-imports': [
        'error',
        {
          patterns: [
            {
              group: ['../*', './*', '!./layout.js', '!./job-state.js', '!./describe.js', '!./renderer.js', '!./board.js', '!./frame.js', '!./screen.js', '!../format.js', '!../duration.js', '!../sanitize.js'],
              allowTypeImports: true,
              message: 'dist/tty.cjs holds its own copy of what it imports: only the display modules and pure helpers (format, duration, sanitize); import types with `import type`.',
            },
          ],
        },
      ],
    },
  },
  {
    // the pure helpers the display shares with the rest: they import nothing with an identity either
    files: ['src/format.ts', 'src/duration.ts', 'src/sanitize.ts'],
    rules: {
      '@typescript-eslint/no-restricted-imports': [
        'error',
        {patterns: [{group: ['./*', '!./duration.js'], allowTypeImports: true, message: 'a helper bundled into dist/tty.cjs too: it may import only other pure helpers.'}]},
      ],
    },
  },
);
