import { defineConfig } from 'vitest/config';

// End-to-end journeys: the browser host driven by Playwright in Debian's Chromium (/usr/bin/chromium).
export default defineConfig({
  test: {
    include: ['e2e/**/*.e2e.test.ts'],
    testTimeout: 120_000,
    hookTimeout: 120_000,
    fileParallelism: false,
    pool: 'forks',
  },
});
