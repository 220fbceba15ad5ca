// The pure rules behind the trust boundary: which auth hosts are trusted, which plain-http hosts
// count as local, what a token and a profile name may look like. No network, no server.
import { describe, expect, it } from 'vitest';
import { assertProfileName, findProfile } from '../src/auth/config.js';
import { checkUrlTemplate, isLocalNetworkHost, parseOlaresId } from '../src/auth/identity.js';
import { isTokenShaped } from '../src/auth/refreshTokenSource.js';
import { authTarget, fixedTemplateAuthHost, matchesTrustedDomain } from '../src/auth/trust.js';

const sources = (over: Partial<Parameters<typeof authTarget>[1]> = {}) => ({
  profiles: [],
  urlOptions: () => ({ template: over.template }),
  trustedDomains: [],
  ...over,
});

describe('trusted auth hosts', () => {
  it('trusts nothing by default, not even an unknown name under olares.com', () => {
    for (const id of ['mallory@olares.com', 'x@attacker.test'])
      expect(authTarget(parseOlaresId(id), sources()).trusted).toBe(false);
  });

  it("trusts an existing profile's auth host, a fixed-host template and OLARES_TRUSTED_DOMAINS", () => {
    const alice = { olaresId: 'alice@olares.com' };
    expect(authTarget(parseOlaresId('alice@olares.com'), sources({ profiles: [alice] }))).toMatchObject({
      trusted: true,
      trustedBecause: 'profile',
      url: 'https://auth.alice.olares.com',
    });
    const fixed = 'https://{service}.box.example.com';
    expect(fixedTemplateAuthHost(fixed)).toBe('auth.box.example.com');
    expect(authTarget(parseOlaresId('eve@evil.test'), sources({ template: fixed })).trustedBecause).toBe(
      'url-template',
    );
    expect(fixedTemplateAuthHost('https://{service}.{terminus}')).toBeUndefined();
    expect(fixedTemplateAuthHost('https://{service}.{prefix}box.example.com')).toBeUndefined();
    const listed = sources({ trustedDomains: ['*.example.com', 'auth.bob.olares.com'] });
    expect(authTarget(parseOlaresId('carol@example.com'), listed).trustedBecause).toBe(
      'OLARES_TRUSTED_DOMAINS',
    );
    expect(authTarget(parseOlaresId('bob@olares.com'), listed).trusted).toBe(true);
    expect(authTarget(parseOlaresId('mallory@olares.com'), listed).trusted).toBe(false);
  });

  it('matches *.suffix below the suffix only, and a port only when written', () => {
    const u = (s: string) => new URL(s);
    expect(matchesTrustedDomain(u('https://auth.a.example.com'), '*.example.com')).toBe(true);
    expect(matchesTrustedDomain(u('https://example.com'), '*.example.com')).toBe(false);
    expect(matchesTrustedDomain(u('https://auth.a.badexample.com'), '*.example.com')).toBe(false);
    expect(matchesTrustedDomain(u('https://auth.example.com:8443'), 'auth.example.com')).toBe(true);
    expect(matchesTrustedDomain(u('https://auth.example.com:8443'), 'auth.example.com:443')).toBe(false);
  });
});

describe('plain http (L7)', () => {
  it('counts loopback and private ranges as local, nothing else', () => {
    for (const h of [
      '127.0.0.1',
      '127.9.9.9',
      'localhost',
      '[::1]',
      '10.2.3.4',
      '172.16.0.1',
      '172.31.255.255',
      '192.168.1.1',
      '[fd12::1]',
      '[fc00::1]',
    ])
      expect(isLocalNetworkHost(h), h).toBe(true);
    for (const h of [
      '172.32.0.1',
      '172.15.0.1',
      '8.8.8.8',
      'auth.alice.olares.com',
      '192.169.0.1',
      '[fe80::1]',
      '[2001:db8::1]',
    ])
      expect(isLocalNetworkHost(h), h).toBe(false);
  });

  it('refuses an http template to a public host unless OLARES_ALLOW_HTTP', () => {
    expect(checkUrlTemplate('http://{service}.{terminus}')).toMatch(/plain http.*OLARES_ALLOW_HTTP=1/);
    expect(checkUrlTemplate('http://{service}.{terminus}', { allowHttp: true })).toBeUndefined();
    expect(checkUrlTemplate('http://127.0.0.1:8080/{service}')).toBeUndefined();
    expect(checkUrlTemplate('https://{service}.{terminus}')).toBeUndefined();
  });
});

describe('token shape and profile names', () => {
  it('accepts one line of token characters up to 4 KiB', () => {
    expect(isTokenShaped('eyJhbGciOi.eyJzdWIiOi.sig-_~+/=')).toBe(true);
    expect(isTokenShaped('a'.repeat(4096))).toBe(true);
    for (const bad of ['', 'a'.repeat(4097), 'two words', 'a\nb', 'a\0b', 'HOME=/root\0PATH=/bin', 'tökén'])
      expect(isTokenShaped(bad), JSON.stringify(bad.slice(0, 20))).toBe(false);
  });

  it('refuses a name reading as another identity or already taken, and resolves olaresIds first (L4)', () => {
    const cfg = {
      profiles: [
        { olaresId: 'bob@olares.com', name: 'alice@olares.com' },
        { olaresId: 'alice@olares.com', name: 'work' },
      ],
    };
    expect(findProfile(cfg, 'alice@olares.com')?.olaresId).toBe('alice@olares.com');
    expect(findProfile(cfg, 'work')?.olaresId).toBe('alice@olares.com');
    expect(() => assertProfileName(cfg, 'carol@olares.com', 'bob@olares.com')).toThrow(/another identity/);
    expect(() => assertProfileName(cfg, 'carol@olares.com', 'work')).toThrow(/already used/);
    expect(() => assertProfileName(cfg, 'carol@olares.com', 'carol@olares.com')).not.toThrow();
    expect(() => assertProfileName(cfg, 'alice@olares.com', 'work')).not.toThrow();
  });
});
