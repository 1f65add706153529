import {defineConfig} from 'tsup';

export default defineConfig({
  entry: {cli: 'src/main.ts', index: 'src/index.ts'},
  format: ['esm'],
  target: 'node20',
  platform: 'node',
  outDir: 'dist',
  clean: true,
  sourcemap: false,
  dts: false,
  splitting: true,
});
