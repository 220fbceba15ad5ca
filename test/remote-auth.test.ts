// Remote mode's resource-server half (src/remote): bearer JWTs checked against a test issuer on
// loopback, the static token file, scopes, and the exact metadata documents and challenges a
// client discovers the authorization server by.
import { chmodSync, mkdtempSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { SignJWT } from 'jose';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ConfigError, loadConfig } from '../src/config.js';
import {
  assertMayCall,
  authenticate,
  type BearerVerifier,
  discoveryUrls,
  jwtVerifier,
  metadataResponse,
  refusalResponse,
  TokenFileError,
  tokenFileVerifier,
  visibleTools,
} from '../src/remote/index.js';
import { startIssuer, type TestIssuer, unsignedToken } from './helpers/issuer.js';

const RESOURCE = 'https://mcp.alice.olares.test/mcp';
const METADATA_URL = 'https://mcp.alice.olares.test/.well-known/oauth-protected-resource/mcp';
const BOTH = 'olares.read olares.write';

const call = (authorization?: string) =>
  new Request(RESOURCE, { method: 'POST', headers: authorization ? { authorization } : {} });

async function refusal(verifier: BearerVerifier, authorization?: string) {
  const result = await authenticate(call(authorization), verifier, RESOURCE);
  if (!(result instanceof Response)) throw new Error(`accepted: ${JSON.stringify(result.principal)}`);
  return {
    status: result.status,
    challenge: result.headers.get('www-authenticate'),
    body: await result.json(),
  };
}

const invalidToken = (reason: string) =>
  `Bearer error="invalid_token", error_description="${reason}", resource_metadata="${METADATA_URL}", scope="${BOTH}"`;

describe('bearer JWTs from OLARES_MCP_ISSUER', () => {
  let idp: TestIssuer;
  let verifier: BearerVerifier;
  beforeAll(async () => {
    idp = await startIssuer();
    verifier = jwtVerifier({ issuer: idp.issuer, resource: RESOURCE });
  });
  afterAll(() => idp.close());

  it('accepts a good token: principal (iss, sub), scopes, expiry, and the AuthInfo the SDK takes', async () => {
    const token = await idp.sign({ aud: RESOURCE, scope: BOTH, exp: 2_000_000_000 });
    const result = await authenticate(call(`Bearer ${token}`), verifier, RESOURCE);
    if (result instanceof Response) throw new Error(`refused ${result.status}`);
    expect(result.principal).toEqual({ iss: idp.issuer, sub: 'agent-1' });
    expect(result.scopes).toEqual(['olares.read', 'olares.write']);
    expect(result.expiresAt).toBe(2_000_000_000);
    expect(result.authInfo).toMatchObject({ token, scopes: result.scopes, expiresAt: 2_000_000_000 });
    expect(result.authInfo.resource?.href).toBe(RESOURCE);
  });

  it('reads scopes from scp (a list) as well as scope, and accepts an audience list that holds us', async () => {
    const token = await idp.sign({ aud: ['other', RESOURCE], scp: ['olares.read'] });
    const result = await verifier.verify(`Bearer ${token}`);
    expect(result.scopes).toEqual(['olares.read']);
  });

  it('fetches the metadata once and the JWKS once for many verifications (cached remote set)', async () => {
    const token = await idp.sign({ aud: RESOURCE, scope: BOTH });
    const fresh = jwtVerifier({ issuer: idp.issuer, resource: RESOURCE });
    const before = idp.requests.length;
    for (let i = 0; i < 5; i++) await fresh.verify(`Bearer ${token}`);
    expect(idp.requests.slice(before)).toEqual(['/.well-known/oauth-authorization-server', '/jwks']);
  });

  it('answers a request without a token 401 with the metadata link and no error code (RFC 6750 3.1)', async () => {
    const r = await refusal(verifier);
    expect(r.status).toBe(401);
    expect(r.challenge).toBe(`Bearer resource_metadata="${METADATA_URL}", scope="${BOTH}"`);
    expect(r.body.error_description).toMatch(/Authorization: Bearer/);
  });

  it('refuses a token for another audience (RFC 8707)', async () => {
    const token = await idp.sign({ aud: 'https://other.example/mcp', scope: BOTH });
    const r = await refusal(verifier, `Bearer ${token}`);
    expect(r.status).toBe(401);
    expect(r.challenge).toBe(invalidToken('it was not issued for this server (audience)'));
  });

  it('refuses a token signed by another key that claims the JWKS key id', async () => {
    const token = await idp.signWithStranger({ aud: RESOURCE, scope: BOTH });
    const r = await refusal(verifier, `Bearer ${token}`);
    expect(r.challenge).toBe(invalidToken('its signature does not verify'));
  });

  it('refuses an expired token', async () => {
    const token = await idp.sign({ aud: RESOURCE, scope: BOTH, exp: Math.floor(Date.now() / 1000) - 120 });
    const r = await refusal(verifier, `Bearer ${token}`);
    expect(r.challenge).toBe(invalidToken('it has expired'));
  });

  it('refuses a token that is not valid yet (nbf)', async () => {
    const nbf = Math.floor(Date.now() / 1000) + 600;
    const token = await idp.sign({ aud: RESOURCE, scope: BOTH, nbf, exp: nbf + 600 });
    expect((await refusal(verifier, `Bearer ${token}`)).challenge).toBe(invalidToken('it is not valid yet'));
  });

  it('refuses alg none and an HS256 token keyed with anything (no MAC against a public key)', async () => {
    const none = unsignedToken({ iss: idp.issuer, sub: 'x', aud: RESOURCE, scope: BOTH, exp: 2_000_000_000 });
    const hs = await new SignJWT({ sub: 'x', aud: RESOURCE, scope: BOTH, iss: idp.issuer })
      .setProtectedHeader({ alg: 'HS256' })
      .setExpirationTime('5m')
      .sign(new TextEncoder().encode('a shared secret an attacker picked'));
    for (const token of [none, hs]) {
      const r = await refusal(verifier, `Bearer ${token}`);
      expect(r.status).toBe(401);
      expect(r.challenge).toBe(invalidToken('its signature algorithm is not accepted'));
    }
  });

  it('refuses a token of another issuer and a token without sub', async () => {
    const other = await idp.sign({ aud: RESOURCE, scope: BOTH, iss: 'https://evil.example' });
    expect((await refusal(verifier, `Bearer ${other}`)).challenge).toBe(
      invalidToken('it was issued by another authorization server'),
    );
    const anonymous = await idp.sign({ aud: RESOURCE, scope: BOTH, sub: undefined });
    expect((await refusal(verifier, `Bearer ${anonymous}`)).status).toBe(401);
  });

  it('refuses a malformed Authorization header with invalid_token', async () => {
    const r = await refusal(verifier, 'Basic dXNlcjpwYXNz');
    expect(r.challenge).toBe(invalidToken('the Authorization header is not \\"Bearer <token>\\"'));
  });

  it('answers 403 insufficient_scope for a token with neither Olares scope', async () => {
    const token = await idp.sign({ aud: RESOURCE, scope: 'openid profile' });
    const r = await refusal(verifier, `Bearer ${token}`);
    expect(r.status).toBe(403);
    expect(r.challenge).toBe(
      `Bearer error="insufficient_scope", scope="${BOTH}", resource_metadata="${METADATA_URL}"`,
    );
  });
});

describe('scopes: olares.read gets the read-only tools, olares.write all', () => {
  const tools = [
    { name: 'files_ls', readOnly: true },
    { name: 'files_delete', readOnly: false },
  ];

  it('a read-only token is refused a write tool with 403 insufficient_scope naming both scopes', async () => {
    const idp = await startIssuer();
    try {
      const verifier = jwtVerifier({ issuer: idp.issuer, resource: RESOURCE });
      const token = await idp.sign({ aud: RESOURCE, scope: 'olares.read' });
      const who = await authenticate(call(`Bearer ${token}`), verifier, RESOURCE);
      if (who instanceof Response) throw new Error(`refused ${who.status}`);
      expect(() => assertMayCall(who.scopes, 'files_ls', tools)).not.toThrow();
      let refused: Response | undefined;
      try {
        assertMayCall(who.scopes, 'files_delete', tools);
      } catch (err) {
        refused = refusalResponse(err, RESOURCE);
      }
      expect(refused?.status).toBe(403);
      expect(refused?.headers.get('www-authenticate')).toBe(
        `Bearer error="insufficient_scope", scope="${BOTH}", resource_metadata="${METADATA_URL}"`,
      );
      expect((await refused?.json())?.error_description).toMatch(/lacks the scope olares\.write/);
    } finally {
      await idp.close();
    }
  });

  it('lists only what the scopes reach; an unknown name is refused to a read-only token', () => {
    expect(visibleTools(['olares.read'], tools).map((t) => t.name)).toEqual(['files_ls']);
    expect(visibleTools(['olares.write'], tools).map((t) => t.name)).toEqual(['files_ls', 'files_delete']);
    expect(visibleTools(['openid'], tools)).toEqual([]);
    expect(() => assertMayCall(['olares.read'], 'not_a_tool', tools)).toThrow(/olares\.write/);
  });
});

describe('issuer discovery', () => {
  it('probes in the MCP spec order, path-insertion variants included', () => {
    expect(discoveryUrls('https://auth.example.com').map(String)).toEqual([
      'https://auth.example.com/.well-known/oauth-authorization-server',
      'https://auth.example.com/.well-known/openid-configuration',
    ]);
    expect(discoveryUrls('https://auth.example.com/tenant/1').map(String)).toEqual([
      'https://auth.example.com/.well-known/oauth-authorization-server/tenant/1',
      'https://auth.example.com/.well-known/openid-configuration/tenant/1',
      'https://auth.example.com/tenant/1/.well-known/openid-configuration',
    ]);
  });

  it('falls back to OpenID Connect discovery for an issuer with a path', async () => {
    const idp = await startIssuer({ path: '/realms/olares', flavour: 'oidc' });
    try {
      const token = await idp.sign({ aud: RESOURCE, scope: 'olares.read' });
      const result = await jwtVerifier({ issuer: idp.issuer, resource: RESOURCE }).verify(`Bearer ${token}`);
      expect(result.principal.iss).toBe(idp.issuer);
      expect(idp.requests.slice(0, 2)).toEqual([
        '/.well-known/oauth-authorization-server/realms/olares',
        '/.well-known/openid-configuration/realms/olares',
      ]);
    } finally {
      await idp.close();
    }
  });

  it('refuses metadata that names another issuer: 503, no token accepted, the mismatch named', async () => {
    const idp = await startIssuer({ claimedIssuer: () => 'https://evil.example' });
    try {
      const verifier = jwtVerifier({ issuer: idp.issuer, resource: RESOURCE });
      const token = await idp.sign({ aud: RESOURCE, scope: BOTH });
      const result = await authenticate(call(`Bearer ${token}`), verifier, RESOURCE);
      expect(result).toBeInstanceOf(Response);
      const response = result as Response;
      expect(response.status).toBe(503);
      expect(response.headers.get('retry-after')).toBe('10');
      expect((await response.json()).error_description).toMatch(
        /names the issuer "https:\/\/evil\.example", not this one.*Fix: check OLARES_MCP_ISSUER/,
      );
      expect(idp.requests).not.toContain('/jwks');
    } finally {
      await idp.close();
    }
  });
});

describe('--token-file: the static bearer secret', () => {
  const dir = mkdtempSync(join(tmpdir(), 'olares-mcp-token-'));
  const secret = 'k3Qm8x1W0pZ4tY7vB2nR5sL9dF6gH3jA0cE1uI8oP2w=';
  const file = (name: string, content: string, mode: number) => {
    const path = join(dir, name);
    writeFileSync(path, content);
    chmodSync(path, mode);
    return path;
  };
  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  it('accepts the secret (both scopes, principal token-file/owner) and refuses anything else', async () => {
    const verifier = await tokenFileVerifier(file('good', `${secret}\n`, 0o600));
    const ok = await verifier.verify(`Bearer ${secret}`);
    expect(ok.principal).toEqual({ iss: 'token-file', sub: 'owner' });
    expect(ok.scopes).toEqual(['olares.read', 'olares.write']);
    expect(ok.expiresAt).toBeGreaterThan(Date.now() / 1000);
    const r = await refusal(verifier, `Bearer ${secret.slice(0, -2)}x=`);
    expect(r.challenge).toBe(invalidToken('it is not the configured token'));
  });

  it.skipIf(process.platform === 'win32')(
    'refuses a file others may read (0644), naming chmod 600',
    async () => {
      const path = file('open', secret, 0o644);
      await expect(tokenFileVerifier(path)).rejects.toThrow(TokenFileError);
      await expect(tokenFileVerifier(path)).rejects.toThrow(
        `has mode 0644; others may read it. Fix: chmod 600 ${path}`,
      );
    },
  );

  it.skipIf(process.platform === 'win32')(
    'refuses a symlink, a missing file and a short secret',
    async () => {
      const link = join(dir, 'link');
      symlinkSync(file('target', secret, 0o600), link);
      await expect(tokenFileVerifier(link)).rejects.toThrow(/is a symbolic link/);
      await expect(tokenFileVerifier(join(dir, 'absent'))).rejects.toThrow(
        /cannot be opened \(ENOENT\).*openssl rand/,
      );
      await expect(tokenFileVerifier(file('short', 'hunter2', 0o600))).rejects.toThrow(/only 7 characters/);
    },
  );
});

describe('protected-resource metadata (RFC 9728)', () => {
  const settings = { resource: RESOURCE, issuer: 'https://auth.alice.olares.test' };
  const get = (path: string, method = 'GET') =>
    metadataResponse(new Request(`https://mcp.alice.olares.test${path}`, { method }), settings, '/mcp');

  it('serves the exact document at the path-inserted URL and at the root', async () => {
    for (const path of [
      '/.well-known/oauth-protected-resource/mcp',
      '/.well-known/oauth-protected-resource',
    ]) {
      const response = get(path);
      expect(response?.status, path).toBe(200);
      expect(response?.headers.get('content-type')).toMatch(/^application\/json/);
      expect(await response?.json()).toEqual({
        resource: RESOURCE,
        authorization_servers: ['https://auth.alice.olares.test'],
        scopes_supported: ['olares.read', 'olares.write'],
        bearer_methods_supported: ['header'],
      });
    }
  });

  it('passes other paths on and answers other methods 405', () => {
    expect(get('/mcp')).toBeUndefined();
    expect(get('/.well-known/oauth-protected-resource/other')).toBeUndefined();
    const post = get('/.well-known/oauth-protected-resource/mcp', 'POST');
    expect(post?.status).toBe(405);
    expect(post?.headers.get('allow')).toBe('GET, HEAD, OPTIONS');
  });

  it('keeps resource exactly as configured (a bare origin gains no slash)', async () => {
    const bare = metadataResponse(
      new Request('https://mcp.example.test/.well-known/oauth-protected-resource'),
      { resource: 'https://mcp.example.test' },
      '/',
    );
    expect(await bare?.json()).toEqual({
      resource: 'https://mcp.example.test',
      scopes_supported: ['olares.read', 'olares.write'],
      bearer_methods_supported: ['header'],
    });
  });
});

describe('OLARES_MCP_ISSUER and OLARES_MCP_RESOURCE parsing', () => {
  const load = (env: Record<string, string>) => loadConfig(env);

  it('keeps good values as written', () => {
    const c = load({ OLARES_MCP_ISSUER: 'https://auth.alice.olares.com/', OLARES_MCP_RESOURCE: RESOURCE });
    expect(c.mcpIssuer).toBe('https://auth.alice.olares.com/');
    expect(c.mcpResource).toBe(RESOURCE);
    expect(load({ OLARES_MCP_ISSUER: 'http://127.0.0.1:9000' }).mcpIssuer).toBe('http://127.0.0.1:9000');
    expect(load({}).mcpResource).toBeUndefined();
  });

  it.each([
    [
      'OLARES_MCP_RESOURCE',
      'https://mcp.example.com/mcp/',
      /ends with '\/'.*https:\/\/mcp\.example\.com\/mcp\)/,
    ],
    ['OLARES_MCP_RESOURCE', 'https://mcp.example.com/mcp?x=1', /has a query or fragment/],
    ['OLARES_MCP_RESOURCE', 'https://mcp.example.com/mcp#top', /has a query or fragment/],
    ['OLARES_MCP_RESOURCE', 'http://mcp.example.com/mcp', /neither https nor http on loopback/],
    ['OLARES_MCP_ISSUER', 'http://auth.example.com', /neither https nor http on loopback/],
    ['OLARES_MCP_ISSUER', 'https://user:pw@auth.example.com', /carries credentials/],
    ['OLARES_MCP_ISSUER', 'auth.example.com', /is not a URL/],
  ])('refuses %s=%s, naming the variable and the fix', (name, value, why) => {
    expect(() => load({ [name]: value })).toThrow(ConfigError);
    expect(() => load({ [name]: value })).toThrow(why);
    expect(() => load({ [name]: value })).toThrow(new RegExp(`^${name}=.*Fix: `));
  });
});
