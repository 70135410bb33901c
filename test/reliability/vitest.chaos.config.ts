import { defineConfig } from 'vitest/config';

/** `npm run test:chaos`: the long reliability matrices (test/reliability/chaos/*.chaos.ts). */
export default defineConfig({
  test: {
    include: ['test/reliability/chaos/**/*.chaos.ts'],
    pool: 'forks',
    testTimeout: 180_000,
    hookTimeout: 120_000,
    allowOnly: false,
    globalSetup: ['test/reliability/support/global-summary.ts'],
  },
});
