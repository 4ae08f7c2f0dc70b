import { defineConfig } from 'tsup';

/** Optional dependencies are loaded dynamically; tsup bundles them unless told not to. */
const external = ['sharp', 'vega', 'vega-lite'];

export default defineConfig([
  {
    entry: {
      index: 'src/index.ts',
      core: 'src/core.ts',
      wasm: 'src/wasm.ts',
      gradientWorker: 'src/backends/parallel/gradientWorker.ts',
    },
    format: ['esm', 'cjs'],
    dts: true,
    sourcemap: true,
    clean: true,
    target: 'node20',
    splitting: false,
    shims: true,
    external,
  },
  {
    entry: { cli: 'src/cli/main.ts' },
    format: ['esm'],
    sourcemap: true,
    target: 'node20',
    banner: { js: '#!/usr/bin/env node' },
    external,
  },
]);
