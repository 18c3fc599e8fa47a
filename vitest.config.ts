import { defineConfig } from 'vitest/config';

// Unit and integration tests sit beside the code they test (*.test.ts); e2e/ runs separately with
// Playwright against the browser host (scripts/e2e.mjs).
export default defineConfig({
  // The console's panels are Preact TSX (as scripts/build.mjs builds them), so a test may import one.
  oxc: { jsx: { runtime: 'automatic', importSource: 'preact' } },
  test: {
    include: ['src/**/*.test.ts', 'native-bridge/**/*.test.ts', 'bench/**/*.test.ts', 'scripts/**/*.test.ts'],
    testTimeout: 60_000,
    hookTimeout: 60_000,
    pool: 'forks',
    // vitest's default is one worker less than the cores: one at a time on the 2-core CI box. Most of
    // these tests wait on child processes, pseudo-terminals, sockets and timers rather than compute,
    // so two files at once roughly halve the wait (tests never assert wall-clock time; a test that
    // needs quiet, as the two-writer crash test did, says so and makes itself robust to load).
    maxWorkers: 2,
    // On CI (a clean clone on a shared 2-core box) a test that fails gets one more run: a red CI
    // lands nothing, and a test that fails twice is still red. A pass on the second run is printed
    // "(retry x1)" in the log, to be looked at, not forgotten. Locally (CI unset) no retry: a flaky
    // test shows itself.
    retry: process.env.CI ? 1 : 0,
  },
});
