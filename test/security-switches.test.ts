// M4 (security review): safety switches fail closed. Values are trimmed and case-insensitive;
// anything that is not an accepted value stops the server with a message naming the variable,
// instead of silently meaning "off".
import { spawn } from 'node:child_process';
import { writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { loadConfig } from '../src/config.js';
import { CLI, connect, type McpSession, textOf } from './helpers/mcp.js';
import { makeBox, type TestBox } from './helpers/sim.js';

/** Starts the server the way a client does and waits for it to exit on its own. */
function startAndExit(env: NodeJS.ProcessEnv): Promise<{ code: number | null; stderr: string }> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [CLI], { env, stdio: ['pipe', 'pipe', 'pipe'] });
    let stderr = '';
    child.stderr.on('data', (d) => {
      stderr += d;
    });
    const timer = setTimeout(() => {
      child.kill();
      reject(new Error(`the server kept running; stderr: ${stderr}`));
    }, 15_000);
    child.on('exit', (code) => {
      clearTimeout(timer);
      resolve({ code, stderr });
    });
  });
}

describe('M4: safety switches fail closed', () => {
  let box: TestBox;
  let mcp: McpSession | undefined;
  beforeEach(async () => {
    box = await makeBox();
  });
  afterEach(async () => {
    await mcp?.close();
    mcp = undefined;
    await box.close();
  });

  it('M4: OLARES_READ_ONLY accepts yes/on/padded/mixed-case values as on', async () => {
    for (const value of ['yes', 'on', ' 1', '1 ', 'True ']) {
      mcp = await connect({ ...box.env, OLARES_READ_ONLY: value });
      const names = (await mcp.listTools()).map((t) => t.name);
      expect(names, `OLARES_READ_ONLY=${JSON.stringify(value)}`).not.toContain('files_rm');
      expect(names).toContain('files_ls');
      await mcp.close();
      mcp = undefined;
    }
  });

  it('M4: an unknown OLARES_READ_ONLY or OLARES_CONFIRM value stops the server, naming the variable', async () => {
    const cases: Array<[string, string, RegExp]> = [
      ['OLARES_READ_ONLY', 'maybe', /OLARES_READ_ONLY="maybe" is not a boolean.*1, true, yes, on/],
      ['OLARES_CONFIRM', '1', /OLARES_CONFIRM="1" is not one of strict, off/],
      ['OLARES_CONFIRM', 'strct', /OLARES_CONFIRM="strct" is not one of strict, off/],
      ['OLARES_FORMS', 'never', /OLARES_FORMS="never" is not one of on, off/],
      ['OLARES_TRUSTED_DOMAINS', 'http://evil/', /OLARES_TRUSTED_DOMAINS has an entry "http:\/\/evil\/"/],
    ];
    for (const [name, value, message] of cases) {
      const { code, stderr } = await startAndExit({ ...box.env, [name]: value });
      expect(code, `${name}=${value}`).toBe(1);
      expect(stderr).toMatch(message);
    }
  });

  it('M4: OLARES_CONFIRM="strict " (trailing space) is strict: no deletion without a confirmation', async () => {
    await box.login('alice@olares.com');
    mcp = await connect({ ...box.env, OLARES_CONFIRM: 'strict ' });
    const made = await mcp.call('files_mkdir', { path: 'drive/Home/Documents/keep' });
    expect(made.isError).toBeFalsy();
    const r = await mcp.call('files_rm', { paths: ['drive/Home/Documents/keep'], recursive: true });
    expect(r.isError).toBe(true);
    // Strict: a form or the user's own approval on the loopback page, never the client's say-so.
    expect(textOf(r)).toMatch(/files_rm needs the user's approval and nothing was changed yet.*\/approve\//);
    const still = await mcp.call('files_stat', { path: 'drive/Home/Documents/keep' });
    expect(still.structuredContent.exists).toBe(true);
  });

  it('an empty value means unset, and a desktop bundle placeholder counts as unset', () => {
    const c = loadConfig({
      OLARES_READ_ONLY: '',
      OLARES_CONFIRM: '  ',
      // biome-ignore lint/suspicious/noTemplateCurlyInString: the literal placeholder an MCPB host leaves
      OLARES_LOCAL_ROOTS: '${user_config.local_roots}',
    });
    expect(c.readOnly).toBe(false);
    expect(c.confirm).toBe('ask');
    expect(c.localRoots).toBeUndefined();
    expect(loadConfig({ OLARES_READ_ONLY: 'OFF', OLARES_CONFIRM: 'Strict' })).toMatchObject({
      readOnly: false,
      confirm: 'strict',
    });
    expect(
      loadConfig({ OLARES_TRUSTED_DOMAINS: 'Auth.Example.com, *.box.example.org' }).trustedDomains,
    ).toEqual(['auth.example.com', '*.box.example.org']);
  });

  it('a bad switch in the terminal commands is reported the same way', async () => {
    const file = join(box.home, 'x');
    await writeFile(file, '');
    const { code, stderr } = await new Promise<{ code: number | null; stderr: string }>((resolve) => {
      const child = spawn(process.execPath, [CLI, 'doctor'], {
        env: { ...box.env, OLARES_READ_ONLY: 'nope' },
        stdio: ['ignore', 'pipe', 'pipe'],
      });
      let err = '';
      child.stderr.on('data', (d) => {
        err += d;
      });
      child.on('exit', (c) => resolve({ code: c, stderr: err }));
    });
    expect(code).not.toBe(0);
    expect(stderr).toMatch(/OLARES_READ_ONLY="nope" is not a boolean/);
  });
});
