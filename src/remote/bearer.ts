// Bearer verification for remote mode: JWTs of OLARES_MCP_ISSUER, checked against its JWKS with
// the audience OLARES_MCP_RESOURCE (RFC 8707) and a fixed list of asymmetric algorithms (never
// `none`, never an HS* MAC keyed with a public key). The result names the principal by (iss, sub)
// only: the Olares identity the server acts as is its owner, never a claim.
import { createRemoteJWKSet, errors, type JWTPayload, jwtVerify } from 'jose';
import { discoverIssuer, type IssuerMetadata } from './discovery.js';
import { BearerRejectedError, IssuerUnusableError } from './errors.js';
import { VerifiedTokenCache } from './tokenCache.js';

export interface Principal {
  iss: string;
  sub: string;
}

export interface VerifiedBearer {
  principal: Principal;
  scopes: string[];
  /** Seconds since the epoch, like the JWT `exp`. */
  expiresAt: number;
}

export interface BearerVerifier {
  /** Verifies an `Authorization` header value; throws BearerRejectedError or IssuerUnusableError. */
  verify(authorization: string | null | undefined): Promise<VerifiedBearer>;
}

/** Asymmetric signatures only: the keys come from a public JWKS. */
export const ALLOWED_ALGORITHMS = [
  'RS256',
  'RS384',
  'RS512',
  'PS256',
  'PS384',
  'PS512',
  'ES256',
  'ES384',
  'ES512',
  'EdDSA',
  'Ed25519',
];

const CLOCK_TOLERANCE_S = 30;
const JWKS_COOLDOWN_MS = 30_000;
const JWKS_MAX_AGE_MS = 10 * 60_000;
const DISCOVERY_RETRY_MS = 10_000;

/** The token of an `Authorization: Bearer <token>` value (RFC 6750 sec. 2.1), or undefined. */
export function bearerToken(authorization: string | null | undefined): string | undefined {
  const match = /^Bearer +([A-Za-z0-9\-._~+/]+=*)$/i.exec(authorization?.trim() ?? '');
  return match?.[1];
}

/** The token string or the 401 for a request that carried none (or an unusable header). */
export function requireToken(authorization: string | null | undefined): string {
  const token = bearerToken(authorization);
  if (token) return token;
  if (!authorization) throw new BearerRejectedError('this endpoint needs a bearer token', false);
  throw new BearerRejectedError('the Authorization header is not "Bearer <token>"', true);
}

/** `scope` (RFC 8693/9068, space-separated) or `scp` (a list, or a string as some issuers send). */
export function scopesOf(payload: JWTPayload): string[] {
  const source = typeof payload.scope === 'string' ? payload.scope : payload.scp;
  const list = Array.isArray(source) ? source : typeof source === 'string' ? source.split(' ') : [];
  return [...new Set(list.filter((s): s is string => typeof s === 'string' && s.length > 0))];
}

/** Why jose refused a token, in words that do not echo it. */
function rejectionReason(err: unknown): string | undefined {
  if (err instanceof errors.JWTExpired) return 'it has expired';
  if (err instanceof errors.JWTClaimValidationFailed) {
    if (err.claim === 'aud') return 'it was not issued for this server (audience)';
    if (err.claim === 'iss') return 'it was issued by another authorization server';
    if (err.claim === 'nbf') return 'it is not valid yet';
    return `its ${err.claim} claim is missing or invalid`;
  }
  if (err instanceof errors.JOSEAlgNotAllowed) return 'its signature algorithm is not accepted';
  if (err instanceof errors.JWSSignatureVerificationFailed) return 'its signature does not verify';
  if (err instanceof errors.JWKSNoMatchingKey) return "it was not signed by one of the issuer's keys";
  if (err instanceof errors.JWKSMultipleMatchingKeys) return 'its key id matches several keys';
  if (err instanceof errors.JWSInvalid || err instanceof errors.JWTInvalid) return 'it is not a valid JWT';
  if (err instanceof errors.JOSENotSupported) return 'it uses an unsupported algorithm or key';
  return undefined;
}

export interface JwtVerifierOptions {
  issuer: string;
  resource: string;
  fetch?: typeof fetch;
  /** Tokens verified before (tokenCache.ts); a fresh one per verifier by default. */
  cache?: VerifiedTokenCache;
  /** The clock tokens are judged by (tests move it); Date.now by default. */
  now?: () => number;
}

/** Metadata is found on first use and kept; a failure is retried after a short pause, not per request. */
function lazyDiscovery(options: JwtVerifierOptions) {
  let found: Promise<IssuerMetadata> | undefined;
  let failedAt = 0;
  return async (): Promise<IssuerMetadata> => {
    if (!found && Date.now() - failedAt < DISCOVERY_RETRY_MS)
      throw new IssuerUnusableError(options.issuer, 'its metadata could not be read a moment ago');
    found ??= discoverIssuer(options.issuer, options.fetch);
    try {
      return await found;
    } catch (err) {
      found = undefined;
      failedAt = Date.now();
      throw err;
    }
  };
}

export function jwtVerifier(options: JwtVerifierOptions): BearerVerifier {
  const metadata = lazyDiscovery(options);
  const cache = options.cache ?? new VerifiedTokenCache();
  const now = options.now ?? Date.now;
  let keys: ReturnType<typeof createRemoteJWKSet> | undefined;
  return {
    async verify(authorization) {
      const token = requireToken(authorization);
      const key = VerifiedTokenCache.keyOf(options.issuer, options.resource, token);
      const cached = cache.get(key, now());
      if (cached) return cached;
      const { jwksUri } = await metadata();
      keys ??= createRemoteJWKSet(jwksUri, {
        cooldownDuration: JWKS_COOLDOWN_MS,
        cacheMaxAge: JWKS_MAX_AGE_MS,
        timeoutDuration: 5000,
      });
      const verified = await verifyJwt(token, keys, options, new Date(now()), jwksUri);
      cache.set(key, verified, now());
      return verified;
    },
  };
}

async function verifyJwt(
  token: string,
  keys: ReturnType<typeof createRemoteJWKSet>,
  options: JwtVerifierOptions,
  currentDate: Date,
  jwksUri: URL,
): Promise<VerifiedBearer> {
  try {
    const { payload } = await jwtVerify(token, keys, {
      issuer: options.issuer,
      audience: options.resource,
      algorithms: ALLOWED_ALGORITHMS,
      requiredClaims: ['exp', 'sub'],
      clockTolerance: CLOCK_TOLERANCE_S,
      currentDate,
    });
    return {
      principal: { iss: options.issuer, sub: payload.sub as string },
      scopes: scopesOf(payload),
      expiresAt: payload.exp as number,
    };
  } catch (err) {
    const reason = rejectionReason(err);
    if (reason) throw new BearerRejectedError(reason, true);
    throw new IssuerUnusableError(options.issuer, `its keys at ${jwksUri.href} could not be used`, {
      cause: err,
    });
  }
}
