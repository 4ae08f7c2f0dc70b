import { defineConfig, type Options } from 'tsup';

/** Optional peer dependencies are loaded dynamically; tsup bundles them unless told not to. */
const external = ['sharp', 'vega', 'vega-lite', '@tensorflow/tfjs-node', '@tensorflow/tfjs-node-gpu'];

/** The library entries. Each format is built from one module graph (splitting): `tear-ssl` and
 * `tear-ssl/core` share chunks, so a class such as TearArgumentError exists once and `instanceof`
 * holds across entries. */
const entry = {
  index: 'src/index.ts',
  core: 'src/core.ts',
  wasm: 'src/wasm.ts',
  gradientWorker: 'src/backends/parallel/gradientWorker.ts',
};

const shared: Options = {
  splitting: true,
  sourcemap: true,
  target: 'node20',
  shims: true,
  external,
  // Source maps give file and line; the sources themselves are not shipped a second time.
  esbuildOptions(options) {
    options.sourcesContent = false;
  },
};

export default defineConfig([
  {
    ...shared,
    // The CLI shares the ESM chunks; its shebang comes from src/cli/main.ts.
    entry: { ...entry, cli: 'src/cli/main.ts' },
    format: ['esm'],
    dts: { entry },
  },
  {
    ...shared,
    entry,
    format: ['cjs'],
    dts: { entry },
  },
]);
