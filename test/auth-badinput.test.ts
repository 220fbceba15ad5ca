// Bad input to the auth core: one clear message naming cause and fix, nothing stored is lost.
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { createServer } from 'node:https';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { checkUrlTemplate } from '../src/auth/identity.js';
import { AuthContext, parseOlaresId, serviceBaseUrl, statusOf } from '../src/auth/index.js';
import { formatRemaining } from '../src/auth/jwt.js';
import { OlaresHttp } from '../src/transport/http.js';
import { makeBox, type TestBox } from './helpers/sim.js';
import { noOpensslReason, selfSignedCert } from './helpers/tls.js';

const jwt = (exp?: number) =>
  `${Buffer.from('{"alg":"HS256"}').toString('base64url')}.${Buffer.from(JSON.stringify(exp ? { exp } : { sub: 'x' })).toString('base64url')}.sig`;

describe('identity and URLs', () => {
  it('parses olaresIds as olares-cli does and refuses what cannot be a host name', () => {
    expect(parseOlaresId('  alice@olares.com ')).toMatchObject({
      local: 'alice',
      domain: 'olares.com',
      terminus: 'alice.olares.com',
    });
    expect(parseOlaresId('bob').olaresId).toBe('bob@olares.com');
    expect(() => parseOlaresId('')).toThrow(
      /^olaresId is empty\. Fix: pass an olaresId like alice@olares.com/,
    );
    expect(() => parseOlaresId('a@b@c')).toThrow(/contains more than one '@'/);
    expect(() => parseOlaresId('al ice@olares.com')).toThrow(/invalid name/);
    expect(() => parseOlaresId('alice@olares.com/../x')).toThrow(/invalid domain/);
  });

  it('derives service URLs from the template, prefix and auth override', () => {
    const id = parseOlaresId('alice@olares.com');
    expect(serviceBaseUrl(id, 'files')).toBe('https://files.alice.olares.com');
    expect(serviceBaseUrl(id, 'vault')).toBe('https://vault.alice.olares.com/server');
    expect(serviceBaseUrl(id, 'market', { prefix: 'dev.' })).toBe('https://market.dev.alice.olares.com');
    expect(serviceBaseUrl(id, 'auth', { authUrlOverride: 'https://sso.example/' })).toBe(
      'https://sso.example',
    );
    expect(
      serviceBaseUrl(id, 'control-hub', { template: 'http://127.0.0.1:9/{service}/{local}/{domain}' }),
    ).toBe('http://127.0.0.1:9/control-hub/alice/olares.com');
    expect(checkUrlTemplate('https://olares.example')).toMatch(/must contain \{service\}/);
    expect(checkUrlTemplate('ftp://{service}.x')).toMatch(/http\(s\)/);
  });

  it('computes olares-cli statuses from the JWT exp', () => {
    const now = Date.now();
    expect(statusOf(null).status).toBe('never');
    expect(statusOf({ olaresId: 'a', accessToken: jwt(now / 1000 + 3 * 3600 + 125) }, now).status).toBe(
      'logged-in (3h2m)',
    );
    expect(statusOf({ olaresId: 'a', accessToken: jwt() }).status).toBe('logged-in');
    expect(statusOf({ olaresId: 'a', accessToken: jwt(now / 1000 - 1) }, now).status).toBe('expired');
    expect(statusOf({ olaresId: 'a', accessToken: jwt(now / 1000 + 100), invalidatedAt: 5 }).status).toBe(
      'invalidated',
    );
    expect(formatRemaining(86399)).toBe('23h59m');
    expect(formatRemaining(754)).toBe('12m34s');
  });
});

describe('bad state and environment', () => {
  let box: TestBox;
  beforeEach(async () => {
    box = await makeBox();
  });
  afterEach(() => box.close());

  it('leaves a corrupt config.json byte-identical and names the fix', async () => {
    await box.login('bob@olares.com');
    const path = box.auth.paths.config;
    await writeFile(path, '{"profiles": [ broken');
    await expect(box.auth.profiles.use('bob@olares.com')).rejects.toThrow(
      /is not valid .*left untouched. Fix: repair the JSON/,
    );
    await expect(box.login('alice@olares.com')).rejects.toThrow(/is not valid/);
    expect(await readFile(path, 'utf8')).toBe('{"profiles": [ broken');
    expect(await box.auth.stores.file.get('bob@olares.com')).not.toBeNull(); // the token survived
  });

  it('refuses a profile name with control characters before anything is stored or spawned', async () => {
    const auth = box.auth;
    for (const name of ['a\u0000b', 'tab\there', 'bell\u0007'])
      await expect(auth.checkProfileName('alice@olares.com', name)).rejects.toThrow(
        /contains control characters/,
      );
    await expect(auth.checkProfileName('alice@olares.com', 'plain-name')).resolves.toBeUndefined();
  });

  it('names unknown profiles with the known ones, and creates a missing locks dir', async () => {
    await box.login('bob@olares.com', { name: 'bob' });
    await expect(box.auth.session('carol')).rejects.toThrow(
      /profile "carol" not found in .*config.json; known profiles: bob/,
    );
    await rm(box.auth.paths.locks, { recursive: true, force: true });
    await box.auth.profiles.use('bob');
    const rec = (await box.auth.stores.file.get('bob@olares.com'))!;
    await box.auth.stores.file.set({ ...rec, accessToken: jwt(Date.now() / 1000 - 10) });
    const http = new OlaresHttp(await box.auth.session());
    expect((await http.json<any>('desktop', '/api/echo')).data.user).toBe('bob@olares.com');
  });

  it('says when the home cannot be written, without losing anything', async () => {
    const blocker = join(box.home, 'a-file');
    await writeFile(blocker, 'x');
    const auth = new AuthContext({ ...box.env, OLARES_MCP_HOME: join(blocker, 'home') });
    await expect(auth.passwordStep('bob@olares.com', box.password('bob@olares.com'))).rejects.toThrow(
      /cannot read .*a-file\/home \(ENOTDIR\)\. Fix: .*OLARES_MCP_HOME/,
    );
    const first = await box.auth.passwordStep('bob@olares.com', box.password('bob@olares.com'));
    await expect(auth.persistGrant({ olaresId: 'bob@olares.com', makeCurrent: true }, first)).rejects.toThrow(
      /cannot (read|write to) .*\((ENOTDIR|EEXIST)\)\. Fix: make the directory (readable|writable) by this user, or point OLARES_MCP_HOME at a/,
    );
    expect(await readFile(blocker, 'utf8')).toBe('x');
  });

  it('reports an unreachable host and a bad OLARES_TOKEN_STORE clearly', async () => {
    await box.login('bob@olares.com');
    const auth = new AuthContext({ ...box.env, OLARES_URL_TEMPLATE: 'http://127.0.0.1:9/{service}' });
    await expect(new OlaresHttp(await auth.session()).json('desktop', '/api/echo')).rejects.toThrow(
      /^cannot reach 127.0.0.1:9 \(ECONNREFUSED\)\. Fix: check that the Olares box is on/,
    );
    expect(() => new AuthContext({ ...box.env, OLARES_TOKEN_STORE: 'vault' })).toThrow(
      /OLARES_TOKEN_STORE="vault" is not one of auto, keychain, file/,
    );
  });
});

if (noOpensslReason) console.warn(`TLS test skipped: ${noOpensslReason}`);

describe.skipIf(noOpensslReason)('TLS failure', () => {
  it('names OLARES_INSECURE_SKIP_VERIFY=1, which then makes the call succeed', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'olares-tls-'));
    const server = createServer(selfSignedCert(dir, '127.0.0.1'), (_req, res) => {
      res.writeHead(200, { 'content-type': 'application/json' });
      res.end('{"code":0,"data":{"ok":true}}');
    });
    await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
    const port = (server.address() as AddressInfo).port;
    const env = {
      OLARES_MCP_HOME: dir,
      OLARES_TOKEN_STORE: 'file',
      OLARES_URL_TEMPLATE: `https://127.0.0.1:${port}/{service}`,
      OLARES_ID: 'bob@olares.com',
      OLARES_ACCESS_TOKEN: jwt(Date.now() / 1000 + 600),
    };
    try {
      const strict = new OlaresHttp(await new AuthContext(env).session());
      await expect(strict.json('desktop', '/x')).rejects.toThrow(
        /TLS verification failed for 127.0.0.1:\d+ \(\w+\)\. Fix: .*OLARES_INSECURE_SKIP_VERIFY=1/,
      );
      const relaxed = new OlaresHttp(
        await new AuthContext({ ...env, OLARES_INSECURE_SKIP_VERIFY: '1' }).session(),
      );
      expect(await relaxed.json<any>('desktop', '/x')).toEqual({ code: 0, data: { ok: true } });
    } finally {
      server.close();
      await rm(dir, { recursive: true, force: true });
    }
  });
});
