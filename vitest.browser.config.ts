import { defineConfig } from 'vitest/config';

/**
 * `npm run test:browser`: builds web/, serves it and drives Debian's Chromium through playwright-core.
 * Kept out of `npm test` (vitest.config.ts includes only *.test.ts); needs /usr/bin/chromium
 * (scripts/ensure-chromium.sh installs it).
 */
export default defineConfig({
  test: {
    include: ['test/browser/**/*.browser.ts'],
    testTimeout: 300_000,
    hookTimeout: 120_000,
    pool: 'forks',
  },
});
