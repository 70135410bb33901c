import { defineConfig } from 'vitest/config';

export default defineConfig({
  test: {
    include: ['test/**/*.test.ts'],
    pool: 'forks',
    // Two forks on CI's two cores: much of a settlement test waits (local servers, Chromium, timers),
    // and vitest's default (cores − 1) ran every file in one fork, one after the other.
    maxWorkers: 2,
    testTimeout: 60_000,
    hookTimeout: 60_000,
    allowOnly: false,
    passWithNoTests: false,
    // Prints the reliability suite's summary (cases per category, failures, records lost) once, at the end.
    globalSetup: [
      'test/support/global-iam.ts',
      'test/support/global-browser.ts',
      'test/reliability/support/global-summary.ts',
    ],
  },
});
