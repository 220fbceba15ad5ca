// The verified-token cache of remote mode (src/remote/tokenCache.ts): a bearer token is checked
// once and then served from memory, but only until its exp, only for the issuer and audience it
// was verified for, and only once it passed every check.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  BearerRejectedError,
  jwtVerifier,
  type VerifiedBearer,
  VerifiedTokenCache,
} from '../src/remote/index.js';
import { startIssuer, type TestIssuer } from './helpers/issuer.js';

const RESOURCE = 'https://mcp.alice.olares.test/mcp';
const OTHER = 'https://mcp.bob.olares.test/mcp';
const BOTH = 'olares.read olares.write';

/** Counts the verifications answered from memory. */
class CountingCache extends VerifiedTokenCache {
  hits = 0;
  override get(key: string, nowMs: number): VerifiedBearer | undefined {
    const found = super.get(key, nowMs);
    if (found) this.hits++;
    return found;
  }
}

describe('verified-token cache', () => {
  let idp: TestIssuer;
  beforeAll(async () => {
    idp = await startIssuer();
  });
  afterAll(() => idp.close());

  it('verifies a token once, then answers it from memory with the same principal and scopes', async () => {
    const cache = new CountingCache();
    const verifier = jwtVerifier({ issuer: idp.issuer, resource: RESOURCE, cache });
    const token = await idp.sign({ aud: RESOURCE, scope: BOTH });
    const first = await verifier.verify(`Bearer ${token}`);
    const again = await verifier.verify(`Bearer ${token}`);
    expect(cache.hits).toBe(1);
    expect(again).toEqual(first);
    expect(again.principal).toEqual({ iss: idp.issuer, sub: 'agent-1' });
    expect(Object.isFrozen(again.scopes)).toBe(true);
  });

  it('refuses a cached token once it has expired: the entry lives until exp, then jose judges it again', async () => {
    let now = Date.now();
    const cache = new CountingCache();
    const verifier = jwtVerifier({ issuer: idp.issuer, resource: RESOURCE, cache, now: () => now });
    const exp = Math.floor(now / 1000) + 60;
    const token = await idp.sign({ aud: RESOURCE, scope: BOTH, exp });
    await verifier.verify(`Bearer ${token}`);
    now = exp * 1000 - 1;
    await verifier.verify(`Bearer ${token}`);
    expect(cache.hits).toBe(1);
    now = exp * 1000 + 31_000; // past exp and the 30 s clock tolerance
    const refused = await verifier.verify(`Bearer ${token}`).catch((err) => err);
    expect(refused).toBeInstanceOf(BearerRejectedError);
    expect((refused as Error).message).toMatch(/expired/);
    expect(cache.hits).toBe(1);
    expect(cache.size).toBe(0);
  });

  it('never serves a token to another audience, even from a cache both verifiers share', async () => {
    const cache = new CountingCache();
    const ours = jwtVerifier({ issuer: idp.issuer, resource: RESOURCE, cache });
    const theirs = jwtVerifier({ issuer: idp.issuer, resource: OTHER, cache });
    const token = await idp.sign({ aud: RESOURCE, scope: BOTH });
    await ours.verify(`Bearer ${token}`);
    const refused = await theirs.verify(`Bearer ${token}`).catch((err) => err);
    expect(refused).toBeInstanceOf(BearerRejectedError);
    expect((refused as Error).message).toMatch(/audience/);
    expect(cache.hits).toBe(0);
  });

  it('keeps no refused token: a wrong audience or a stranger signature is refused every time', async () => {
    const cache = new CountingCache();
    const verifier = jwtVerifier({ issuer: idp.issuer, resource: RESOURCE, cache });
    const wrongAudience = await idp.sign({ aud: OTHER, scope: BOTH });
    const stranger = await idp.signWithStranger({ aud: RESOURCE, scope: BOTH });
    for (const token of [wrongAudience, stranger, wrongAudience, stranger])
      await expect(verifier.verify(`Bearer ${token}`)).rejects.toBeInstanceOf(BearerRejectedError);
    expect(cache.size).toBe(0);
    expect(cache.hits).toBe(0);
  });

  it('holds at most its bound of tokens, dropping the least recently used', () => {
    const cache = new VerifiedTokenCache(2);
    const bearer = (sub: string): VerifiedBearer => ({
      principal: { iss: 'https://idp.test', sub },
      scopes: ['olares.read'],
      expiresAt: 2_000_000_000,
    });
    cache.set('a', bearer('a'), 0);
    cache.set('b', bearer('b'), 0);
    expect(cache.get('a', 1)?.principal.sub).toBe('a'); // a is now the most recently used
    cache.set('c', bearer('c'), 2);
    expect(cache.size).toBe(2);
    expect(cache.get('b', 3)).toBeUndefined();
    expect(cache.get('a', 3)?.principal.sub).toBe('a');
    expect(cache.get('c', 3)?.principal.sub).toBe('c');
  });

  it('trusts an entry no longer than its maximum age, whatever the exp', () => {
    const cache = new VerifiedTokenCache(8, 1000);
    cache.set('k', { principal: { iss: 'i', sub: 's' }, scopes: [], expiresAt: 2_000_000_000 }, 0);
    expect(cache.get('k', 999)).toBeDefined();
    expect(cache.get('k', 1000)).toBeUndefined();
  });
});
