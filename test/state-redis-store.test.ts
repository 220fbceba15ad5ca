// The shared store's own guarantees on a real redis-server: fenced writes, single-use ids across
// connections, a restart that loses no acknowledged write, key rotation, a wrong password.
import { afterEach, describe, expect, it } from 'vitest';
import { AuthContext } from '../src/auth/index.js';
import { splitVersioned } from '../src/auth/redis/scripts.js';
import { KeyRing } from '../src/auth/redis/seal.js';
import { OlaresHttp } from '../src/transport/http.js';
import { newKey, redisEnv, redisSkipReason } from './helpers/redis.js';
import { privateRedis } from './helpers/redisHooks.js';
import { makeBox, type TestBox } from './helpers/sim.js';
import { eventually } from './helpers/wait.js';

const ID = 'bob@olares.com';
const PREFIX = 'test-olares-mcp:';

describe.skipIf(redisSkipReason)('shared state store', () => {
  const shared = privateRedis();
  const contexts: AuthContext[] = [];
  const boxes: TestBox[] = [];
  const keys = { OLARES_MCP_TOKEN_KEY: newKey(), OLARES_MCP_STATE_KEY: newKey() };
  const context = (extra: NodeJS.ProcessEnv = {}) => {
    const auth = new AuthContext({ ...boxes[0]?.env, ...redisEnv(shared.server, { ...keys, ...extra }) });
    contexts.push(auth);
    return auth;
  };
  const loggedInBox = async () => {
    const box = await makeBox({ env: redisEnv(shared.server, keys) });
    boxes.push(box);
    await box.login(ID);
    return box;
  };

  afterEach(async () => {
    for (const auth of contexts.splice(0)) await auth.state.close();
    for (const box of boxes.splice(0)) {
      await box.auth.state.close();
      await box.close();
    }
    await shared.raw.flushall();
  });

  it('writes a refreshed record only while the lease is ours and the record is the one read', async () => {
    const box = await loggedInBox();
    const store = await box.auth.stores.forWrite();
    const read = (await store.get(ID))!;
    const version = async () => splitVersioned(await shared.raw.get(`${PREFIX}token:${ID}`)).version;
    const v0 = await version();
    const lease = (await box.auth.state.leases.tryAcquire(ID))!;
    expect(await box.auth.state.leases.tryAcquire(ID)).toBeUndefined();
    // Taken over: the lease key now names another owner (as after a lapse and a new SET NX).
    await shared.raw.set(`${PREFIX}lease:${ID}`, 'someone-else', 'PX', 5000);
    expect(await lease.commit(store, read, { olaresId: ID, accessToken: 'mine' })).toBe(false);
    expect(await lease.invalidate(store, read, Date.now())).toBe(false);
    expect(await version()).toBe(v0);
    await lease.release();
    expect(await shared.raw.get(`${PREFIX}lease:${ID}`)).toBe('someone-else'); // released only by its holder
    await shared.raw.del(`${PREFIX}lease:${ID}`);
    // Ours again, but the record moved on since it was read: the fence refuses.
    const second = (await box.auth.state.leases.tryAcquire(ID))!;
    await store.set({ olaresId: ID, accessToken: 'newer' });
    expect(await second.commit(store, read, { olaresId: ID, accessToken: 'stale-read' })).toBe(false);
    expect((await store.get(ID))!.accessToken).toBe('newer');
    // A conflict means someone else wrote under a lease of theirs: this one counts as lost now.
    expect(second.held).toBe(false);
    await second.release();
    const third = (await box.auth.state.leases.tryAcquire(ID))!;
    const fresh = (await store.get(ID))!;
    expect(await third.commit(store, fresh, { olaresId: ID, accessToken: 'fenced' })).toBe(true);
    expect((await store.get(ID))!.accessToken).toBe('fenced');
    expect(await version()).toBe(v0 + 2);
    await third.release();
    expect(await shared.raw.exists(`${PREFIX}lease:${ID}`)).toBe(0);
  });

  it('lets exactly one of two connections claim a single-use id', async () => {
    const [a, b] = [context(), context()];
    const expires = Date.now() + 60_000;
    const ids = Array.from({ length: 20 }, (_, i) => `state-id-${i}-${'x'.repeat(12)}`);
    const claims = await Promise.all(
      ids.map((id) =>
        Promise.all([a.state.singleUseIds.claim(id, expires), b.state.singleUseIds.claim(id, expires)]),
      ),
    );
    for (const pair of claims) expect(pair.filter(Boolean)).toHaveLength(1);
    expect(await a.state.singleUseIds.claim(ids[0], expires)).toBe(false);
    expect(await a.state.singleUseIds.claim('expired-state-id-0000', Date.now() - 1)).toBe(false);
    expect(await a.state.singleUseIds.claim('../bad', expires)).toBe(false);
  });

  it('fails clearly while the store is down, keeps every acknowledged write, and resumes by itself', async () => {
    const box = await loggedInBox();
    const http = new OlaresHttp(await box.auth.session());
    expect((await http.json<any>('desktop', '/api/echo')).data.user).toBe(ID);
    const acknowledged: string[] = [];
    let writing = true;
    const writer = (async () => {
      for (let i = 0; writing; i++) {
        const sub = `user-${i}`;
        const ok = await box.auth.state.principals
          .bindPrincipal({ iss: 'https://issuer.example', sub })
          .then(() => true)
          .catch(() => false);
        if (ok) acknowledged.push(sub);
      }
    })();
    await eventually(() => acknowledged.length >= 20, 'some acknowledged writes');
    expect(await box.auth.checkLockDir()).toBeUndefined();
    await shared.server.kill();
    expect(await box.auth.checkLockDir()).toBe('state_store_unavailable');
    const started = Date.now();
    const down = await box.auth
      .session()
      .then((s) => new OlaresHttp(s).json('desktop', '/api/echo'))
      .catch((e: Error) => e);
    expect(String(down)).toMatch(
      new RegExp(
        `state store at 127\\.0\\.0\\.1:${shared.server.port} is unreachable: .+; calls fail until it is back`,
      ),
    );
    expect(Date.now() - started).toBeLessThan(10_000);
    await shared.server.start();
    await eventually(
      async () => {
        const s = await box.auth.session().catch(() => undefined);
        return Boolean(s && (await new OlaresHttp(s).json('desktop', '/api/echo').catch(() => undefined)));
      },
      'service to resume',
      20_000,
    );
    writing = false;
    await writer;
    const bound = await Promise.all(
      acknowledged.map((sub) => box.auth.state.principals.isBound({ iss: 'https://issuer.example', sub })),
    );
    expect(bound.filter((b) => !b)).toHaveLength(0);
    expect(acknowledged.length).toBeGreaterThanOrEqual(20);
    console.info(`store restart: ${acknowledged.length} acknowledged writes all read back`);
  });

  it('never hangs a call on a store that stops answering', async () => {
    const box = await loggedInBox();
    const auth = context();
    expect((await auth.profiles.load()).profiles).toHaveLength(1);
    shared.server.pause();
    try {
      const started = Date.now();
      const err = await auth.session().catch((e: Error) => e);
      expect(String(err)).toMatch(/state store at .* is unreachable: Command timed out/);
      // commandTimeout is 3 s: well before any caller would give up on a tool call.
      expect(Date.now() - started).toBeLessThan(8000);
    } finally {
      shared.server.resume();
    }
    await eventually(
      async () => Boolean(await auth.session().catch(() => undefined)),
      'the store to answer again',
    );
    expect((await box.auth.session()).identity.olaresId).toBe(ID);
  });

  it('keeps pending logins sealed, for their time to live, and hands each out once', async () => {
    const auth = context();
    const pending = auth.state.pendingLogins!;
    const record = { olaresId: ID, makeCurrent: true, createdAt: Date.now(), expiresAt: Date.now() + 60_000 };
    await pending.put('login-1', record, 60_000);
    await pending.put('login-2', record, 50);
    const stored = await shared.raw.get(`${PREFIX}pending:login-1`);
    expect(stored).not.toContain(ID);
    expect(await context().state.pendingLogins!.get('login-1')).toEqual(record);
    const takes = await Promise.all([
      pending.take('login-1'),
      context().state.pendingLogins!.take('login-1'),
    ]);
    expect(takes.filter(Boolean)).toEqual([record]);
    await eventually(
      async () => (await pending.get('login-2')) === undefined,
      'the short-lived record to lapse',
    );
    await shared.raw.set(`${PREFIX}pending:login-3`, stored!); // a sealed record moved to another id does not open
    expect(await pending.get('login-3')).toBeUndefined();
  });

  it('re-encrypts records under the new token key, and reads them once the old key is gone', async () => {
    await loggedInBox();
    const old = Buffer.from(keys.OLARES_MCP_TOKEN_KEY, 'base64');
    const next = newKey();
    const sealedUnder = async (key: string) =>
      new KeyRing([Buffer.from(key, 'base64')]).open(
        splitVersioned(await shared.raw.get(`${PREFIX}token:${ID}`)).payload!,
        ID,
      );
    expect(await sealedUnder(keys.OLARES_MCP_TOKEN_KEY)).toBeDefined();
    const onlyNew = context({ OLARES_MCP_TOKEN_KEY: next });
    await expect((await onlyNew.stores.forWrite()).get(ID)).rejects.toThrow(/OLARES_MCP_TOKEN_KEY_PREVIOUS/);
    const rotating = context({
      OLARES_MCP_TOKEN_KEY: next,
      OLARES_MCP_TOKEN_KEY_PREVIOUS: old.toString('base64'),
    });
    const during = (await (await rotating.stores.forWrite()).get(ID))!;
    expect(await sealedUnder(next)).toBeDefined();
    expect(await sealedUnder(keys.OLARES_MCP_TOKEN_KEY)).toBeUndefined();
    const after = context({ OLARES_MCP_TOKEN_KEY: next });
    expect((await (await after.stores.forWrite()).get(ID))?.accessToken).toBe(during.accessToken);
    const stateKeys = await context({
      OLARES_MCP_STATE_KEY: next,
      OLARES_MCP_STATE_KEY_PREVIOUS: keys.OLARES_MCP_STATE_KEY,
    }).state.requestStateKeys();
    expect(Buffer.from(stateKeys.current).toString('base64')).toBe(next);
    expect(stateKeys.previous.map((k) => Buffer.from(k).toString('base64'))).toEqual([
      keys.OLARES_MCP_STATE_KEY,
    ]);
  });

  it('names OLARES_REDIS_PASSWORD when the store refuses the password', async () => {
    for (const password of ['wrong-password', '']) {
      const auth = context({ OLARES_REDIS_PASSWORD: password });
      await expect(auth.profiles.load()).rejects.toThrow(
        new RegExp(`state store at 127\\.0\\.0\\.1:${shared.server.port} refused .*OLARES_REDIS_PASSWORD`),
      );
    }
  });

  it("keeps both of two replicas' profile changes made at once", async () => {
    const [a, b] = [context(), context()];
    const ids = (who: string) => Array.from({ length: 5 }, (_, i) => `${who}${i}@olares.com`);
    await Promise.all([
      ...ids('a').map((id) => a.profiles.upsert({ olaresId: id }, { switchTo: false })),
      ...ids('b').map((id) => b.profiles.upsert({ olaresId: id }, { switchTo: false })),
    ]);
    const names = (await a.profiles.load()).profiles.map((p) => p.olaresId).sort();
    expect(names).toEqual([...ids('a'), ...ids('b')].sort());
  });
});
