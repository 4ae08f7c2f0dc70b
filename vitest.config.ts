import { defineConfig } from 'vitest/config';

/** tfjs prints an "install tfjs-node" banner once per test file; it cannot be installed here. */
const isTfjsNodeBanner = (log: string): boolean =>
  log.includes('looks like you are running TensorFlow.js in Node.js') || /^=+\s*$/.test(log.trim());

export default defineConfig({
  test: {
    include: ['test/**/*.test.ts'],
    setupFiles: ['test/setup.ts'],
    testTimeout: 60_000,
    hookTimeout: 60_000,
    pool: 'forks',
    onConsoleLog: (log) => (isTfjsNodeBanner(log) ? false : undefined),
  },
});
