import { fileURLToPath } from 'node:url';
import { defineConfig } from 'vitest/config';

/** tfjs prints an "install tfjs-node" banner once per test file; it cannot be installed here. */
const isTfjsNodeBanner = (log: string): boolean =>
  log.includes('looks like you are running TensorFlow.js in Node.js') || /^=+\s*$/.test(log.trim());

export default defineConfig({
  // The examples import the package by name (self-reference); in a clone that is the source (as tsconfig's paths).
  resolve: {
    alias: [
      { find: /^tear-ssl$/, replacement: fileURLToPath(new URL('./src/index.ts', import.meta.url)) },
      { find: /^tear-ssl\/(core|wasm)$/, replacement: fileURLToPath(new URL('./src/$1.ts', import.meta.url)) },
    ],
  },
  test: {
    include: ['test/**/*.test.ts'],
    setupFiles: ['test/setup.ts'],
    testTimeout: 60_000,
    hookTimeout: 60_000,
    pool: 'forks',
    onConsoleLog: (log) => (isTfjsNodeBanner(log) ? false : undefined),
  },
});
