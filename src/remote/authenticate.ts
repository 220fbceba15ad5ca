// Who is calling: the bearer verified into a principal and its scopes, or the refusal that
// answers the request (401, 403, 503), in the shapes the SDK handler and the challenges need.
import type { AuthInfo } from '@modelcontextprotocol/server';
import type { BearerVerifier, Principal, VerifiedBearer } from './bearer.js';
import { BearerRejectedError, InsufficientScopeError, IssuerUnusableError } from './errors.js';
import { insufficientScopeResponse, unauthorizedResponse } from './metadata.js';
import { hasOlaresScope, SCOPES } from './scopes.js';

export interface Authenticated extends VerifiedBearer {
  /** What the SDK handler takes as `authInfo` (it reaches tools as ctx.http.authInfo). */
  authInfo: AuthInfo;
}

/** One key per principal for rate limits, bindings and audit lines. */
export const principalKey = (p: Principal) => `${p.iss}#${p.sub}`;

const ISSUER_RETRY_S = 10;

/** The HTTP answer for a refusal born in this layer; anything else is rethrown (a bug, not a refusal). */
export function refusalResponse(err: unknown, resource: string): Response {
  if (err instanceof BearerRejectedError) return unauthorizedResponse(err, resource);
  if (err instanceof InsufficientScopeError) return insufficientScopeResponse(err, resource);
  if (err instanceof IssuerUnusableError)
    return Response.json(
      { error: 'temporarily_unavailable', error_description: err.message },
      { status: 503, headers: { 'retry-after': String(ISSUER_RETRY_S) } },
    );
  throw err;
}

/**
 * The principal behind a request, or the response that refuses it: 401 without a valid token,
 * 403 for a token with neither Olares scope, 503 while the issuer cannot be used.
 */
export async function authenticate(
  request: Request,
  verifier: BearerVerifier,
  resource: string,
): Promise<Authenticated | Response> {
  const header = request.headers.get('authorization');
  try {
    const verified = await verifier.verify(header);
    if (!hasOlaresScope(verified.scopes))
      throw new InsufficientScopeError(`${SCOPES.read} or ${SCOPES.write}`);
    const authInfo: AuthInfo = {
      token: header?.replace(/^Bearer +/i, '').trim() ?? '',
      clientId: principalKey(verified.principal),
      scopes: verified.scopes,
      expiresAt: verified.expiresAt,
      resource: new URL(resource),
      extra: { principal: verified.principal },
    };
    return { ...verified, authInfo };
  } catch (err) {
    return refusalResponse(err, resource);
  }
}
