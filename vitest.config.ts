import { defineConfig } from 'vitest/config';

/**
 * The suites that drive the server through an MCP client run twice: as a 2026-07-28 client (the
 * v2 SDK Client pinned to that revision) and as a 2025-11-25 one (the v1 SDK Client), since the
 * server serves both eras from one stdio process (test/helpers/mcp.ts picks the client).
 */
const BOTH_ERAS = [
  'test/e2e-*.test.ts',
  'test/security-*.test.ts',
  'test/secrets.test.ts',
  'test/error-meta.test.ts',
];

export default defineConfig({
  test: {
    testTimeout: 60_000,
    hookTimeout: 60_000,
    pool: 'forks',
    // Two cores: spawning many MCP servers at once makes every test slow, so cap parallel files.
    maxWorkers: 2,
    projects: [
      { extends: true, test: { name: 'modern', include: ['test/**/*.test.ts'] } },
      {
        extends: true,
        test: { name: 'legacy', include: BOTH_ERAS, env: { OLARES_TEST_ERA: 'legacy' } },
      },
    ],
  },
});
