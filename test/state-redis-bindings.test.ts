// Bindings of bearer principals in the shared store as a replica reads them on every call
// (src/auth/redis/bindings.ts): remembered once read, and forgotten within BINDING_RECHECK_MS of a
// revocation made anywhere (another replica, `olares-mcp remote revoke`), on a real redis-server.
import { afterEach, describe, expect, it } from 'vitest';
import {
  BINDING_MAX_AGE_MS,
  BINDING_RECHECK_MS,
  RedisPrincipalBindings,
} from '../src/auth/redis/bindings.js';
import { StateStore } from '../src/auth/redis/store.js';
import { redisSkipReason } from './helpers/redis.js';
import { privateRedis } from './helpers/redisHooks.js';

const PREFIX = 'test-bindings:';
const AGENT = { iss: 'https://idp.example', sub: 'agent-1' };

describe.skipIf(redisSkipReason)('principal bindings in the shared store', () => {
  const shared = privateRedis();
  const stores: StateStore[] = [];
  /** A replica's view (its own connection and clock) and the owner's CLI elsewhere. */
  const replica = (now: () => number) => {
    const store = new StateStore({
      host: shared.server.host,
      port: shared.server.port,
      password: shared.server.password,
      prefix: PREFIX,
    });
    stores.push(store);
    return new RedisPrincipalBindings(store, now);
  };
  const elsewhere = () => replica(Date.now);

  afterEach(async () => {
    for (const store of stores.splice(0)) await store.close();
    await shared.raw.flushall();
  });

  const bindingKeys = () => shared.raw.keys(`${PREFIX}binding:*`);

  it('answers a binding it read from memory, without reading the store again', async () => {
    await elsewhere().bindPrincipal(AGENT);
    let now = 0;
    const bindings = replica(() => now);
    expect(await bindings.isBound(AGENT)).toBe(true);
    // Dropped behind its back (no revocation mark): memory still answers, so no read happened.
    await shared.raw.del(...(await bindingKeys()));
    now = BINDING_RECHECK_MS - 1;
    expect(await bindings.isBound(AGENT)).toBe(true);
  });

  it('refuses a principal within BINDING_RECHECK_MS of a revocation made on another replica', async () => {
    await elsewhere().bindPrincipal(AGENT);
    let now = 0;
    const bindings = replica(() => now);
    expect(await bindings.isBound(AGENT)).toBe(true);
    expect(await elsewhere().revokePrincipal(AGENT)).toBe(true);
    now = BINDING_RECHECK_MS;
    expect(await bindings.isBound(AGENT)).toBe(false);
    expect(await bindingKeys()).toEqual([]);
  });

  it('refuses at once on the replica that revoked', async () => {
    const bindings = replica(() => 0);
    await bindings.bindPrincipal(AGENT);
    expect(await bindings.isBound(AGENT)).toBe(true);
    expect(await bindings.revokePrincipal(AGENT)).toBe(true);
    expect(await bindings.isBound(AGENT)).toBe(false);
  });

  it('never remembers "not bound": a binding made elsewhere is served on the next call', async () => {
    const bindings = replica(() => 0);
    expect(await bindings.isBound(AGENT)).toBe(false);
    await elsewhere().bindPrincipal(AGENT);
    expect(await bindings.isBound(AGENT)).toBe(true);
  });

  it('reads a binding again after BINDING_MAX_AGE_MS even when no revocation mark moved', async () => {
    await elsewhere().bindPrincipal(AGENT);
    let now = 0;
    const bindings = replica(() => now);
    expect(await bindings.isBound(AGENT)).toBe(true);
    await shared.raw.del(...(await bindingKeys()));
    now = BINDING_MAX_AGE_MS;
    expect(await bindings.isBound(AGENT)).toBe(false);
  });
});
