// A second real MCP client: the MCP Inspector CLI (v1.0.3, pinned) drives the built server over
// stdio. It declares no elicitation, so profile_login must answer with the loopback link.
import { execFile } from 'node:child_process';
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { CLI } from './helpers/mcp.js';
import { makeBox, type TestBox } from './helpers/sim.js';

const run = promisify(execFile);
const INSPECTOR = join(import.meta.dirname, '..', 'node_modules', '.bin', 'mcp-inspector');
const haveInspector = existsSync(INSPECTOR);
if (!haveInspector) console.warn(`inspector tests skipped: ${INSPECTOR} is missing (run npm install)`);

describe.skipIf(!haveInspector)('MCP Inspector CLI over stdio', () => {
  let box: TestBox;
  const inspect = async (...args: string[]) => {
    const envFlags = Object.entries(box.env).flatMap(([k, v]) =>
      v && k.startsWith('OLARES_') ? ['-e', `${k}=${v}`] : [],
    );
    const { stdout } = await run(INSPECTOR, ['--cli', ...envFlags, process.execPath, CLI, ...args], {
      timeout: 60_000,
    });
    return JSON.parse(stdout.slice(stdout.indexOf('{')));
  };
  beforeAll(async () => {
    box = await makeBox();
    await box.login('bob@olares.com', { name: 'bob' });
  });
  afterAll(() => box?.close());

  it('lists the tools', async () => {
    const out = await inspect('--method', 'tools/list');
    const names = out.tools.map((t: any) => t.name);
    expect(names).toContain('profile_list');
    expect(names).toContain('profile_login');
  });

  it('calls profile_list against the simulator-backed home', async () => {
    const out = await inspect('--method', 'tools/call', '--tool-name', 'profile_list');
    expect(out.isError).toBeFalsy();
    expect(out.structuredContent.profiles).toEqual([
      expect.objectContaining({ name: 'bob', olaresId: 'bob@olares.com', current: true }),
    ]);
  });

  it('gets the loopback login link from profile_login (no elicitation)', async () => {
    const out = await inspect(
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
