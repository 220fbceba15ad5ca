// The attacks the security review tried that HELD ("Attacks that held"): kept as tests so they
// keep holding. Each drives the built server over stdio, and the login page over raw HTTP the way
// a hostile page or a local process could.
import { execFileSync } from 'node:child_process';
import { mkdir, symlink, writeFile } from 'node:fs/promises';
import { connect as netConnect } from 'node:net';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { hiddenFields, pageRequest } from './helpers/browser.js';
import { connect, type McpSession, textOf } from './helpers/mcp.js';
import { makeBox, type TestBox } from './helpers/sim.js';

/** One raw HTTP request (exact bytes), for Host headers no client library would send. */
function raw(port: number, request: string): Promise<number> {
  return new Promise((resolve, reject) => {
    const socket = netConnect(port, '127.0.0.1');
    let data = '';
    socket.on('data', (d) => {
      data += d;
    });
    socket.on('error', reject);
    socket.on('close', () => resolve(Number(/^HTTP\/1\.[01] (\d{3})/.exec(data)?.[1] ?? 0)));
    socket.end(request);
  });
}

describe('attacks that held in the security review', () => {
  let box: TestBox;
  let mcp: McpSession | undefined;
  let work: string;
  beforeEach(async () => {
    box = await makeBox();
    work = join(box.home, 'work');
    await mkdir(work);
  });
  afterEach(async () => {
    await mcp?.close();
    mcp = undefined;
    await box.close();
  });

  async function loginPage() {
    mcp = await connect({ ...box.env, OLARES_LOCAL_ROOTS: work });
    const r = await mcp.call('profile_login', { olaresId: 'bob@olares.com' });
    const url = new URL(r.structuredContent.loginUrl as string);
    return { url, port: Number(url.port), path: url.pathname };
  }

  it('login page: every Host but the exact one is refused (421), and the link survives', async () => {
    const { port, path, url } = await loginPage();
    const get = (host: string | null, version = '1.1') =>
      raw(
        port,
        `GET ${path} HTTP/${version}\r\n${host === null ? '' : `Host: ${host}\r\n`}Connection: close\r\n\r\n`,
      );
    const hostile = [
      '',
      `localhost:${port}`,
      '127.0.0.1',
      `127.0.0.1:${port}.evil.com`,
      `127.0.0.1:0${port}`,
      `[::ffff:127.0.0.1]:${port}`,
      'evil.com',
      `127.0.0.1:${port}@evil.com`,
      `127.0.0.1:${port}#`,
      `127.0.0.1.:${port}`,
    ];
    for (const host of hostile) expect(await get(host), `Host: ${JSON.stringify(host)}`).toBe(421);
    expect(await get(null, '1.0'), 'no Host (HTTP/1.0)').toBe(421);
    expect(
      await raw(
        port,
        `GET ${path} HTTP/1.1\r\nHost: evil.com\r\nHost: 127.0.0.1:${port}\r\nConnection: close\r\n\r\n`,
      ),
      'duplicate Host, evil first',
    ).toBe(421);
    expect((await pageRequest(url.href)).status).toBe(200);
  });

  it('login page: wrong paths 404, other methods 405, cross-site posts 403, stale forms 409, big bodies 413', async () => {
    const { url } = await loginPage();
    const base = `${url.origin}`;
    for (const p of [
      '/login/',
      `${url.pathname.slice(0, -1)}`,
      url.pathname.toUpperCase(),
      `/${url.pathname}`,
    ])
      expect((await pageRequest(`${base}${p}`)).status, p).toBe(404);
    for (const method of ['PUT', 'DELETE', 'OPTIONS'])
      expect((await pageRequest(url.href, { method })).status, method).toBe(405);
    const page = await pageRequest(url.href);
    const fields = hiddenFields(page.html);
    const form = (extra: Record<string, string> = {}) =>
      new URLSearchParams({ ...fields, olaresId: 'bob@olares.com', password: 'wrong', ...extra }).toString();
    for (const origin of [
      'null',
      'http://evil.com',
      `http://localhost:${url.port}`,
      `HTTP://127.0.0.1:${url.port}`,
    ])
      expect((await pageRequest(url.href, { method: 'POST', body: form(), origin })).status, origin).toBe(
        403,
      );
    expect((await pageRequest(url.href, { method: 'POST', body: form({ csrf: 'forged' }) })).status).toBe(
      409,
    );
    expect((await pageRequest(url.href, { method: 'POST', body: form({ step: 'totp' }) })).status).toBe(409);
    const big = `${form()}&pad=${'x'.repeat(17 * 1024)}`;
    expect((await pageRequest(url.href, { method: 'POST', body: big })).status).toBe(413);
    // None of those reached the auth host.
    expect(box.sim.count('POST /auth/api/firstfactor')).toBe(0);
  });

  it('remote paths: traversal refused, encoded forms passed on literally and not found', async () => {
    await box.login('alice@olares.com');
    mcp = await connect({ ...box.env, OLARES_LOCAL_ROOTS: work });
    for (const path of [
      'drive/Home/../Home',
      'drive/Home/./Documents',
      'drive/Home/a\\b',
      'drive/Home/a\0b',
    ]) {
      const r = await mcp.call('files_ls', { path });
      expect(r.isError, path).toBe(true);
      expect(textOf(r), path).toMatch(/path|segment|invalid/i);
    }
    for (const path of ['drive/Home/%2e%2e', 'drive/Home/..%2F', 'drive/Home/．．']) {
      const r = await mcp.call('files_stat', { path });
      expect(r.isError, `${path}: ${textOf(r)}`).toBeFalsy();
      expect(r.structuredContent.exists, path).toBe(false);
    }
  });

  it('profile_import: non-OLARES names, both sources, FIFOs, directories, /dev/zero and big files are refused', async () => {
    mcp = await connect({ ...box.env, OLARES_LOCAL_ROOTS: work });
    const refused = async (args: Record<string, unknown>) => {
      const r = await mcp!.call('profile_import', { olaresId: 'bob@olares.com', ...args });
      expect(r.isError, JSON.stringify(args)).toBe(true);
      return textOf(r);
    };
    for (const name of ['PATH', 'olares_refresh_token', 'OLARES_']) await refused({ refreshTokenEnv: name });
    expect(
      await refused({ refreshTokenEnv: 'OLARES_REFRESH_TOKEN', refreshTokenFile: join(work, 'x') }),
    ).toMatch(/exactly one/);
    execFileSync('mkfifo', [join(work, 'fifo')]);
    await mkdir(join(work, 'dir'));
    await writeFile(join(work, 'big'), Buffer.alloc(10 * 1024 * 1024, 65));
    await symlink('/dev/zero', join(work, 'zero'));
    for (const f of ['fifo', 'dir', 'big', 'zero']) await refused({ refreshTokenFile: join(work, f) });
    await refused({ refreshTokenFile: '/dev/zero' });
    expect(box.sim.count('POST /auth/api/refresh')).toBe(0);
  });

  it('local paths: traversal, symlinks out, NUL and empty paths are refused for uploads and downloads', async () => {
    await box.login('alice@olares.com');
    const outside = join(box.home, 'outside');
    await mkdir(outside);
    await writeFile(join(outside, 'secret.txt'), 'secret');
    await symlink(join(outside, 'secret.txt'), join(work, 'link.txt'));
    await symlink(outside, join(work, 'linkdir'));
    mcp = await connect({ ...box.env, OLARES_LOCAL_ROOTS: work });
    for (const localPath of [
      join(work, '..', 'outside', 'secret.txt'),
      `${work}/./x/../../outside/secret.txt`,
      join(work, 'link.txt'),
      join(work, 'linkdir', 'secret.txt'),
      `${work}/a\0b`,
      '',
      '   ',
      'relative.txt',
    ]) {
      const up = await mcp.call('files_upload', { localPath, remotePath: 'drive/Home/Documents/' });
      expect(up.isError, `upload ${JSON.stringify(localPath)}`).toBe(true);
    }
    for (const localPath of [
      join(outside, 'x.txt'),
      join(work, 'linkdir', 'x.txt'),
      join(work, 'link.txt'),
    ]) {
      const down = await mcp.call('files_download', {
        remotePath: 'drive/Home/Documents/welcome.txt',
        localPath,
        overwrite: true,
      });
      expect(down.isError, `download ${localPath}`).toBe(true);
    }
    // Nothing reached the box's upload endpoints.
    expect(box.sim.count('POST /files/upload/upload-link/:node/:uid')).toBe(0);
    expect(box.sim.count('POST /files/seafhttp/upload-aj/:id')).toBe(0);
  });
});
