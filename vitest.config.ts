import { defineConfig } from 'vitest/config';

export default defineConfig({
  test: {
    include: ['test/**/*.test.ts'],
    testTimeout: 60_000,
    hookTimeout: 60_000,
    pool: 'forks',
    // Two cores: spawning many MCP servers at once makes every test slow, so cap parallel files.
    maxWorkers: 2,
  },
});
