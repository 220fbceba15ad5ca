// Auth against the real Authelia fork's answers (docs/wire/files.md, docs/wire/auth.md rows 6-7): a
// refresh refused while LLDAP restarts, first-factor messages, and the cookie-only node routes.
import { readdir, rm } from 'node:fs/promises';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { OlaresHttp } from '../src/transport/http.js';
import { makeBox, type TestBox } from './helpers/sim.js';

const REFRESH = 'POST /auth/api/refresh';
const FIRST = 'POST /auth/api/firstfactor';

async function waitFor(what: string, ok: () => boolean, ms = 10_000) {
  const deadline = Date.now() + ms;
  while (!ok()) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 5));
  }
}

describe('refresh refused while the user backend restarts', () => {
  let box: TestBox;
  const id = 'bob@olares.com';
  const expire = async () => {
    const rec = (await box.auth.stores.file.get(id))!;
    await box.auth.stores.file.set({
      ...rec,
      accessToken: await box.sim.issueAccessToken(box.sim.userById(id)!, { ttlSec: -5 }),
    });
  };
  beforeEach(async () => {
    box = await makeBox({ env: { OLARES_MCP_LOCK_STALE_MS: '2000' } });
    await box.login(id);
  });
  afterEach(() => box.close());

  it('tries once more after a pause and stamps nothing when that works', async () => {
    await expire();
    box.auth.refresher.rejectRetryMs = 50;
    box.sim.addFault({ match: REFRESH, kind: 'status', status: 401, times: 1 });
    const http = new OlaresHttp(await box.auth.session());
    const body = await http.json<{ data: { user: string } }>('desktop', '/api/echo');
    expect(body.data.user).toBe(id);
    expect(box.sim.count(REFRESH)).toBe(2);
    expect((await box.auth.stores.file.get(id))!.invalidatedAt).toBeUndefined();
  });

  it('stamps the grant dead when the second try is refused too', async () => {
    await expire();
    box.auth.refresher.rejectRetryMs = 50;
    box.sim.revokeRefreshTokens(id);
    const http = new OlaresHttp(await box.auth.session());
    await expect(http.json('desktop', '/api/echo')).rejects.toThrow(/became invalid/);
    expect(box.sim.count(REFRESH)).toBe(2);
    expect((await box.auth.stores.file.get(id))!.invalidatedAt).toBeGreaterThan(0);
  });

  it('writes nothing when the lock was lost during the pause', async () => {
    await expire();
    const stored = (await box.auth.stores.file.get(id))!;
    // proper-lockfile touches the lock every stale/2 = 1 s; a vanished lock marks it compromised.
    box.auth.refresher.rejectRetryMs = 1500;
    box.sim.addFault({ match: REFRESH, kind: 'status', status: 401, times: 1 });
    const http = new OlaresHttp(await box.auth.session());
    const call = http.json('desktop', '/api/echo');
    await waitFor('the first refresh', () => box.sim.count(REFRESH) === 1);
    for (const name of await readdir(box.auth.paths.locks))
      await rm(join(box.auth.paths.locks, name), { recursive: true, force: true });
    await expect(call).rejects.toThrow(/refresh lock was lost .*nothing was written/);
    expect(box.sim.count(REFRESH)).toBe(1);
    const after = (await box.auth.stores.file.get(id))!;
    expect(after.invalidatedAt).toBeUndefined();
    expect(after.accessToken).toBe(stored.accessToken);
  });
});

describe('first-factor refusals', () => {
  let box: TestBox;
  beforeEach(async () => {
    box = await makeBox();
  });
  afterEach(() => box.close());

  it("passes the server's 401 message through, and names a 429 ban", async () => {
    box.sim.addFault({ match: FIRST, kind: 'status', status: 401, times: 1 });
    await expect(box.auth.passwordStep('bob@olares.com', box.password('bob@olares.com'))).rejects.toThrow(
      /the server said: injected fault: HTTP 401/,
    );
    box.sim.addFault({ match: FIRST, kind: 'status', status: 429, times: 1 });
    await expect(box.auth.passwordStep('bob@olares.com', box.password('bob@olares.com'))).rejects.toThrow(
      /refused: injected fault: HTTP 429\. Fix: wait/,
    );
  });
});

describe('simulator node routes', () => {
  let box: TestBox;
  beforeEach(async () => {
    box = await makeBox();
  });
  afterEach(() => box.close());

  it('take only the auth_token cookie, as the envoy ext_authz forwards no X-Authorization', async () => {
    const token = await box.sim.issueAccessToken(box.sim.userById('bob@olares.com')!);
    const url = `${box.sim.url}/files/api/task/olares/?task_id=none`;
    const headerOnly = await fetch(url, { headers: { 'x-authorization': token } });
    expect(headerOnly.status).toBe(401);
    const cookie = await fetch(url, { headers: { cookie: `auth_token=${token}` } });
    expect(cookie.status).toBe(200);
    expect(await cookie.json()).toEqual({ code: 0, msg: 'success' });
  });
});

describe('redirects of raw reads', () => {
  let box: TestBox;
  beforeEach(async () => {
    box = await makeBox();
    await box.login('bob@olares.com');
  });
  afterEach(() => box.close());

  it('are followed only on the files host: auth headers never go elsewhere', async () => {
    const http = new OlaresHttp(await box.auth.session());
    expect(http.sameOriginPath('files', '/seafhttp/files/t/a.bin')).toBe('/seafhttp/files/t/a.bin');
    expect(http.sameOriginPath('files', `${box.sim.url}/files/seafhttp/files/t/a.bin?x=1`)).toBe(
      '/seafhttp/files/t/a.bin?x=1',
    );
    expect(http.sameOriginPath('files', `${box.sim.url}/market/x`)).toBeUndefined();
    expect(http.sameOriginPath('files', 'https://elsewhere.example/seafhttp/files/t/a.bin')).toBeUndefined();
    expect(http.sameOriginPath('files', '//elsewhere.example/x')).toBeUndefined();
  });
});

describe("the files backend's own 403", () => {
  let box: TestBox;
  beforeEach(async () => {
    box = await makeBox();
    await box.login('bob@olares.com');
  });
  afterEach(() => box.close());

  it('is reported at once, without a refresh: the token was fine', async () => {
    const http = new OlaresHttp(await box.auth.session());
    const LIST = 'GET /files/api/resources/*';
    box.sim.addFault({
      match: LIST,
      kind: 'status',
      status: 403,
      body: { code: 1, message: 'Permission denied.' },
      times: 1,
    });
    await expect(http.json('files', '/api/resources/drive/Common/')).rejects.toThrow(
      /HTTP 403.*Permission denied\..*Logging in again will not help/,
    );
    expect(box.sim.count(REFRESH)).toBe(0);
    expect(box.sim.count(LIST)).toBe(1);
    // Any other 403 may be the edge refusing the token: refresh and replay once, as before.
    box.sim.addFault({ match: LIST, kind: 'status', status: 403, times: 1 });
    await http.json('files', '/api/resources/drive/Home/');
    expect(box.sim.count(REFRESH)).toBe(1);
    expect(box.sim.count(LIST)).toBe(3);
  });
});

describe('a box whose every route reads only the cookie', () => {
  let box: TestBox;
  beforeEach(async () => {
    box = await makeBox({ cookieOnlyEverywhere: true });
    await box.login('bob@olares.com');
  });
  afterEach(() => box.close());

  it('still serves every call: the client sends the auth_token cookie with each', async () => {
    const http = new OlaresHttp(await box.auth.session());
    const info = await http.json<{ data: { osVersion: string } }>('desktop', '/api/olares-info');
    expect(info.data.osVersion).toBe('1.12.6');
    await http.json('files', '/api/resources/drive/Home/');
    expect(box.sim.refusals()).toBe(0);
  });
});
