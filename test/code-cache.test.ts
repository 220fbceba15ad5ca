// The stdio server's code cache (src/codeCache.ts): written on the first start, used by the next,
// replaced when V8 refuses it, never read from or written to a directory other users can write,
// off with NODE_DISABLE_COMPILE_CACHE; and where it lives on each platform.
import { spawn } from 'node:child_process';
import { chmod, mkdir, mkdtemp, readdir, readFile, rm, stat, utimes, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { codeCacheDir } from '../src/codeCache.js';
import { CLI } from './helpers/mcp.js';

const INITIALIZE = `${JSON.stringify({
  jsonrpc: '2.0',
  id: 1,
  method: 'initialize',
  params: { protocolVersion: '2025-11-25', capabilities: {}, clientInfo: { name: 'test', version: '0' } },
})}\n`;

/** Starts the server, waits for its initialize result, closes stdin and waits for it to exit. */
function session(env: NodeJS.ProcessEnv): Promise<{ stdout: string; stderr: string; code: number | null }> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [CLI], { env, stdio: ['pipe', 'pipe', 'pipe'] });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (d) => {
      stdout += d;
      if (stdout.includes('"id":1')) child.stdin.end();
    });
    child.stderr.on('data', (d) => {
      stderr += d;
    });
    child.on('error', reject);
    child.on('close', (code) => resolve({ stdout, stderr, code }));
    child.stdin.write(INITIALIZE);
  });
}

describe('code cache of the stdio server', () => {
  let root: string;
  let env: NodeJS.ProcessEnv;
  let cacheDir: string;
  beforeEach(async () => {
    root = await mkdtemp(join(tmpdir(), 'olares-code-cache-'));
    cacheDir = join(root, 'cache', 'olares-mcp');
    env = {
      ...process.env,
      XDG_CACHE_HOME: join(root, 'cache'),
      OLARES_MCP_HOME: join(root, 'home'),
      OLARES_MCP_DEBUG: '1',
    };
    delete env.NODE_DISABLE_COMPILE_CACHE;
  });
  afterEach(() => rm(root, { recursive: true, force: true }));

  const cacheFiles = async () => (await readdir(cacheDir).catch(() => [])).filter((f) => f.endsWith('.v8'));

  it.skipIf(process.platform === 'win32')(
    'is written private on the first start, used by the next, replaced when V8 refuses it',
    async () => {
      const first = await session(env);
      expect(first.stdout).toContain('"serverInfo"');
      expect(first.stderr).toMatch(/code cache: written to /);
      const [file] = await cacheFiles();
      expect(file).toMatch(
        new RegExp(`^app-\\w+\\.cjs-stdio-\\d+-\\d+-${process.version}-${process.arch}\\.v8$`),
      );
      expect((await stat(cacheDir)).mode & 0o777).toBe(0o700);
      expect((await stat(join(cacheDir, file))).mode & 0o777).toBe(0o600);

      const second = await session(env);
      expect(second.stdout).toContain('"serverInfo"');
      expect(second.stderr).toMatch(/code cache: used/);
      expect(second.stderr).not.toMatch(/written/);

      await writeFile(join(cacheDir, file), Buffer.alloc(4096, 7), { mode: 0o600 });
      const refused = await session(env);
      expect(refused.stdout).toContain('"serverInfo"');
      expect(refused.stderr).toMatch(/code cache: rejected by V8/);
      expect(refused.stderr).toMatch(/code cache: written to /);
      expect((await readFile(join(cacheDir, file))).equals(Buffer.alloc(4096, 7))).toBe(false);
    },
  );

  it.skipIf(process.platform === 'win32')(
    'is neither read nor written where other users can write',
    async () => {
      await mkdir(cacheDir, { recursive: true });
      await chmod(cacheDir, 0o777);
      const run = await session(env);
      expect(run.stdout).toContain('"serverInfo"');
      expect(run.stderr).toMatch(/code cache: not written, .* is not private to this user/);
      expect(await cacheFiles()).toEqual([]);
    },
  );

  it('is off with NODE_DISABLE_COMPILE_CACHE, Node’s own switch', async () => {
    const run = await session({ ...env, NODE_DISABLE_COMPILE_CACHE: '1' });
    expect(run.stdout).toContain('"serverInfo"');
    expect(await cacheFiles()).toEqual([]);
  });

  it.skipIf(process.platform === 'win32')(
    'drops caches of other builds after a week, not sooner',
    async () => {
      await mkdir(cacheDir, { recursive: true, mode: 0o700 });
      const old = join(cacheDir, 'stdio-OLDBUILD.cjs-1-1-v20.0.0-x64.v8');
      const recent = join(cacheDir, 'stdio-NEWBUILD.cjs-1-1-v20.0.0-x64.v8');
      const unrelated = join(cacheDir, 'notes.txt');
      for (const f of [old, recent, unrelated]) await writeFile(f, 'x', { mode: 0o600 });
      const eightDaysAgo = new Date(Date.now() - 8 * 24 * 3600 * 1000);
      await utimes(old, eightDaysAgo, eightDaysAgo);
      await utimes(unrelated, eightDaysAgo, eightDaysAgo);
      const run = await session(env);
      expect(run.stderr).toMatch(/code cache: written to /);
      const left = await readdir(cacheDir);
      expect(left).not.toContain('stdio-OLDBUILD.cjs-1-1-v20.0.0-x64.v8');
      expect(left).toContain('stdio-NEWBUILD.cjs-1-1-v20.0.0-x64.v8');
      expect(left).toContain('notes.txt');
    },
  );
});

describe('codeCacheDir', () => {
  it('follows each platform’s cache convention', () => {
    expect(codeCacheDir({}, 'linux', '/home/a')).toBe('/home/a/.cache/olares-mcp');
    expect(codeCacheDir({ XDG_CACHE_HOME: '/xdg' }, 'linux', '/home/a')).toBe('/xdg/olares-mcp');
    // A relative XDG_CACHE_HOME is invalid by the spec and ignored.
    expect(codeCacheDir({ XDG_CACHE_HOME: 'rel' }, 'linux', '/home/a')).toBe('/home/a/.cache/olares-mcp');
    expect(codeCacheDir({}, 'darwin', '/Users/a')).toBe('/Users/a/Library/Caches/olares-mcp');
    expect(codeCacheDir({ LOCALAPPDATA: 'C:\\Users\\a\\AppData\\Local' }, 'win32', 'C:\\Users\\a')).toMatch(
      /olares-mcp[\\/]Cache$/,
    );
    expect(codeCacheDir({}, 'win32', 'C:\\Users\\a')).toBeUndefined();
    expect(codeCacheDir({}, 'linux', '')).toBeUndefined();
    expect(codeCacheDir({ NODE_DISABLE_COMPILE_CACHE: '1' }, 'linux', '/home/a')).toBeUndefined();
  });
});
