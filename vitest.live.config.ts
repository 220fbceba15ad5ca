import { defineConfig } from 'vitest/config';

// `npm run test:live`: only the cases that talk to a real box (test/live/*.live.ts).
export default defineConfig({
  test: {
    include: ['test/live/**/*.live.ts'],
    testTimeout: 120_000,
    hookTimeout: 120_000,
    pool: 'forks',
    maxWorkers: 1,
  },
});
