// A test OAuth authorization server on loopback: keys made by jose, RFC 8414 / OIDC metadata and
// a JWKS served by node:http, and a signer for access tokens. Each knob breaks one thing a real
// issuer could get wrong, so the resource server's refusals can be shown one at a time.
import { randomUUID } from 'node:crypto';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { exportJWK, generateKeyPair, type JWTPayload, SignJWT } from 'jose';

export interface IssuerOptions {
  /** Path of the issuer identifier (e.g. '/tenant'); none by default. */
  path?: string;
  /** Serve only this metadata flavour (default: RFC 8414 only). */
  flavour?: 'oauth' | 'oidc';
  /** What the metadata document says the issuer is (default: the real one). */
  claimedIssuer?: (real: string) => string;
}

export interface TestIssuer {
  issuer: string;
  /** A token signed with the issuer's key: defaults sub, exp (+5 min) and iat; `claims` override. */
  sign(claims: JWTPayload, header?: { alg?: string; kid?: string }): Promise<string>;
  /** The same, signed by a key that is not in the JWKS but claims the JWKS key's id. */
  signWithStranger(claims: JWTPayload): Promise<string>;
  /** Paths requested so far (metadata probes, JWKS fetches). */
  requests: string[];
  close(): Promise<void>;
}

const ALG = 'ES256';

function metadataPaths(path: string, flavour: 'oauth' | 'oidc'): string[] {
  if (flavour === 'oauth') return [`/.well-known/oauth-authorization-server${path}`];
  return path
    ? [`/.well-known/openid-configuration${path}`, `${path}/.well-known/openid-configuration`]
    : ['/.well-known/openid-configuration'];
}

async function listen(server: Server): Promise<number> {
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return (server.address() as AddressInfo).port;
}

export async function startIssuer(options: IssuerOptions = {}): Promise<TestIssuer> {
  const keys = await generateKeyPair(ALG, { extractable: true });
  const stranger = await generateKeyPair(ALG);
  const kid = randomUUID();
  const jwk = { ...(await exportJWK(keys.publicKey)), kid, alg: ALG, use: 'sig' };
  const requests: string[] = [];
  let issuer = '';
  let served: string[] = [];
  const server = createServer((req, res) => {
    const path = new URL(req.url ?? '/', 'http://x').pathname;
    requests.push(path);
    const send = (body: unknown) =>
      res.writeHead(200, { 'content-type': 'application/json' }).end(JSON.stringify(body));
    if (path === '/jwks') return send({ keys: [jwk] });
    if (served.includes(path))
      return send({
        issuer: options.claimedIssuer ? options.claimedIssuer(issuer) : issuer,
        jwks_uri: `${new URL(issuer).origin}/jwks`,
        response_types_supported: ['code'],
      });
    res.writeHead(404).end();
  });
  const port = await listen(server);
  issuer = `http://127.0.0.1:${port}${options.path ?? ''}`;
  served = metadataPaths(options.path ?? '', options.flavour ?? 'oauth');

  const build = (claims: JWTPayload, header: { alg?: string; kid?: string } = {}) =>
    new SignJWT({ sub: 'agent-1', ...claims })
      .setProtectedHeader({ alg: header.alg ?? ALG, kid: header.kid ?? kid, typ: 'at+jwt' })
      .setIssuedAt()
      .setExpirationTime(claims.exp ?? '5m');
  return {
    issuer,
    requests,
    sign: (claims, header) => build({ iss: issuer, ...claims }, header).sign(keys.privateKey),
    signWithStranger: (claims) => build({ iss: issuer, ...claims }).sign(stranger.privateKey),
    close: () =>
      new Promise((resolve) => {
        server.close(() => resolve());
        server.closeAllConnections();
      }),
  };
}

const b64url = (value: unknown) => Buffer.from(JSON.stringify(value)).toString('base64url');

/** An unsecured JWT (`alg: none`, empty signature): what an attacker sends to skip the signature. */
export function unsignedToken(claims: JWTPayload): string {
  return `${b64url({ alg: 'none', typ: 'JWT' })}.${b64url(claims)}.`;
}
