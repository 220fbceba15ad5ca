// The request guards of remote mode (src/remote/guards.ts): Host and Origin on every request, the
// 4 MiB body limit (declared or streamed), the per-principal token bucket behind 429, and the
// choice of authorization at start.
import { describe, expect, it } from 'vitest';
import { loadConfig } from '../src/config.js';
import {
  allowedHosts,
  chooseServeAuth,
  hostAndOriginRefusal,
  MAX_BODY_BYTES,
  RemoteSetupError,
  rateLimitedResponse,
  readBodyBytes,
  TokenBuckets,
  verifierFor,
} from '../src/remote/index.js';

const RESOURCE = 'https://mcp.alice.olares.test/mcp';
const boxPolicy = { listenHost: '0.0.0.0', resource: RESOURCE };
const loopPolicy = { listenHost: '127.0.0.1' };

const request = (host: string, origin?: string) =>
  new Request('http://127.0.0.1/mcp', {
    method: 'POST',
    headers: { host, ...(origin === undefined ? {} : { origin }) },
  });

describe('Host and Origin', () => {
  it('allows the resource host off loopback, and the loopback names on loopback', () => {
    expect(allowedHosts(boxPolicy)).toEqual(['mcp.alice.olares.test']);
    expect(allowedHosts(loopPolicy)).toEqual(['localhost', '127.0.0.1', '[::1]']);
    expect(allowedHosts({ listenHost: '::1' })).toEqual(['localhost', '127.0.0.1', '[::1]']);
    expect(allowedHosts({ listenHost: 'mcp.lan', resource: RESOURCE })).toEqual([
      'mcp.lan',
      'mcp.alice.olares.test',
    ]);
  });

  it('passes allowed hosts (any port) without an Origin, as non-browser clients send', () => {
    expect(hostAndOriginRefusal(request('mcp.alice.olares.test'), boxPolicy)).toBeUndefined();
    expect(hostAndOriginRefusal(request('127.0.0.1:8787'), loopPolicy)).toBeUndefined();
    expect(hostAndOriginRefusal(request('[::1]:8787'), loopPolicy)).toBeUndefined();
  });

  it('refuses a rebinding Host with 403 naming the fix', async () => {
    for (const [host, policy] of [
      ['evil.example', boxPolicy],
      ['mcp.alice.olares.test.evil.example', boxPolicy],
      ['evil.example:8787', loopPolicy],
      ['mcp.alice.olares.test', loopPolicy],
      ['evil.example@mcp.alice.olares.test', boxPolicy],
      ['mcp.alice.olares.test/x', boxPolicy],
    ] as const) {
      const refused = hostAndOriginRefusal(request(host), policy);
      expect(refused?.status, host).toBe(403);
      expect((await refused?.json())?.error_description).toMatch(
        /is not this server\. Fix: .*OLARES_MCP_RESOURCE/,
      );
    }
  });

  it('allows the resource origin and loopback origins on loopback, refuses other origins and null', () => {
    const host = 'mcp.alice.olares.test';
    expect(hostAndOriginRefusal(request(host, 'https://mcp.alice.olares.test'), boxPolicy)).toBeUndefined();
    expect(
      hostAndOriginRefusal(request('localhost:8787', 'http://localhost:6274'), loopPolicy),
    ).toBeUndefined();
    for (const origin of [
      'https://evil.example',
      'http://mcp.alice.olares.test',
      'https://mcp.alice.olares.test:8443',
      'null',
      'http://localhost:6274',
    ])
      expect(hostAndOriginRefusal(request(host, origin), boxPolicy)?.status, origin).toBe(403);
    expect(hostAndOriginRefusal(request('localhost:1', 'https://evil.example'), loopPolicy)?.status).toBe(
      403,
    );
  });
});

describe('request body limit', () => {
  const post = (body: BodyInit, headers: Record<string, string> = {}) =>
    new Request('http://127.0.0.1/mcp', { method: 'POST', body, headers, duplex: 'half' } as RequestInit);

  it('reads a body at the limit whole', async () => {
    const body = 'x'.repeat(1000);
    const bytes = await readBodyBytes(post(body), 1000);
    expect(bytes).toBeInstanceOf(Buffer);
    expect((bytes as Buffer).toString('utf8')).toBe(body);
  });

  it('answers 413 for a declared length over the limit without reading it', async () => {
    const response = await readBodyBytes(post('{}', { 'content-length': String(MAX_BODY_BYTES + 1) }));
    expect((response as Response).status).toBe(413);
  });

  it('answers 413 for a streamed body that grows past the limit (no length declared)', async () => {
    let pulled = 0;
    const stream = new ReadableStream<Uint8Array>({
      pull(controller) {
        pulled += 1;
        controller.enqueue(new Uint8Array(64 * 1024));
        if (pulled > 1000) controller.close();
      },
    });
    const response = await readBodyBytes(post(stream), MAX_BODY_BYTES);
    expect((response as Response).status).toBe(413);
    expect(pulled).toBeLessThan(MAX_BODY_BYTES / (64 * 1024) + 4);
  });
});

describe('per-principal token bucket', () => {
  it('lets 20 through at once, then refuses with Retry-After until time refills it', () => {
    let now = 0;
    const buckets = new TokenBuckets(20, 20, () => now);
    for (let i = 0; i < 20; i++) expect(buckets.take('alice').ok).toBe(true);
    const refused = buckets.take('alice');
    expect(refused).toEqual({ ok: false, retryAfterSeconds: 1 });
    expect(buckets.take('bob').ok).toBe(true);
    now += 100;
    expect(buckets.take('alice').ok).toBe(true);
    expect(buckets.take('alice').ok).toBe(true);
    expect(buckets.take('alice').ok).toBe(false);
  });

  it('holds 20 requests a second over time, not more', () => {
    let now = 0;
    const buckets = new TokenBuckets(20, 20, () => now);
    let granted = 0;
    for (let ms = 0; ms < 10_000; ms += 5) {
      now = ms;
      if (buckets.take('alice').ok) granted += 1;
    }
    expect(granted).toBeGreaterThanOrEqual(20 * 10);
    expect(granted).toBeLessThanOrEqual(20 * 10 + 20);
  });

  it('forgets idle principals, so memory follows the active callers', () => {
    let now = 0;
    const buckets = new TokenBuckets(20, 20, () => now);
    for (let i = 0; i < 100; i++) buckets.take(`p${i}`);
    expect(buckets.size).toBe(100);
    now += 5000;
    buckets.take('alice');
    expect(buckets.size).toBe(1);
  });

  it('takes its rate from OLARES_MCP_RATE_PER_SECOND (default 20), refusing a value that is not a positive whole number', async () => {
    expect(loadConfig({}).ratePerSecond).toBe(20);
    expect(loadConfig({ OLARES_MCP_RATE_PER_SECOND: '500' }).ratePerSecond).toBe(500);
    for (const bad of ['0', '-1', '2.5', 'lots'])
      expect(() => loadConfig({ OLARES_MCP_RATE_PER_SECOND: bad })).toThrow(/OLARES_MCP_RATE_PER_SECOND/);
    const response = rateLimitedResponse(1, 500);
    expect((await response.json()).error_description).toContain('more than 500 requests a second');
  });

  it('answers 429 with Retry-After in seconds', async () => {
    const response = rateLimitedResponse(2);
    expect(response.status).toBe(429);
    expect(response.headers.get('retry-after')).toBe('2');
    expect((await response.json()).error).toBe('rate_limited');
  });
});

describe('chooseServeAuth: how serve --http authorizes, decided at start', () => {
  const base = { listenHost: '127.0.0.1', port: 8787, path: '/mcp', noAuth: false };

  it('takes the issuer, the token file or (loopback only) --no-auth', () => {
    expect(chooseServeAuth({ ...base, issuer: 'https://auth.example.com', resource: RESOURCE })).toEqual({
      kind: 'issuer',
      issuer: 'https://auth.example.com',
      resource: RESOURCE,
    });
    expect(chooseServeAuth({ ...base, tokenFile: '/run/token' })).toEqual({
      kind: 'token-file',
      path: '/run/token',
      resource: 'http://127.0.0.1:8787/mcp',
    });
    expect(chooseServeAuth({ ...base, listenHost: '::1', noAuth: true })).toEqual({
      kind: 'none',
      resource: 'http://[::1]:8787/mcp',
    });
  });

  it('--no-auth on loopback serves the owner with both scopes, no header needed', async () => {
    const verifier = await verifierFor(chooseServeAuth({ ...base, noAuth: true }));
    expect(await verifier.verify(undefined)).toMatchObject({
      principal: { iss: 'no-auth', sub: 'owner' },
      scopes: ['olares.read', 'olares.write'],
    });
  });

  it.each([
    [
      { listenHost: '0.0.0.0', noAuth: true },
      /--no-auth on 0\.0\.0\.0 would let anyone.*Fix: listen on 127\.0\.0\.1/,
    ],
    [
      { listenHost: '0.0.0.0', issuer: 'https://auth.example.com' },
      /needs the endpoint's public URL\. Fix: set OLARES_MCP_RESOURCE/,
    ],
    [{}, /no way to authorize callers was given\. Fix: set OLARES_MCP_ISSUER .* or pass --token-file F/],
    [{ issuer: 'https://a.example', tokenFile: '/f' }, /OLARES_MCP_ISSUER and --token-file were both given/],
    [{ tokenFile: '/f', noAuth: true }, /--token-file and --no-auth were both given/],
  ])('refuses %o, naming the fix', (change, why) => {
    expect(() => chooseServeAuth({ ...base, ...change })).toThrow(RemoteSetupError);
    expect(() => chooseServeAuth({ ...base, ...change })).toThrow(why);
  });
});
