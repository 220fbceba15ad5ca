// Finding the issuer's keys: its authorization-server metadata, probed at the well-known URLs in
// the order the MCP 2026-07-28 authorization spec gives (RFC 8414 first, then OpenID Connect
// Discovery, path-insertion variants for an issuer with a path), and accepted only when it names
// the configured issuer identically (RFC 8414 sec. 3.3: otherwise anyone answering at that URL
// could choose which keys we trust).
import { isLoopbackHost } from '../config.js';
import { IssuerUnusableError } from './errors.js';

export interface IssuerMetadata {
  issuer: string;
  jwksUri: URL;
}

const FETCH_TIMEOUT_MS = 5000;

/** The metadata URLs to try, best first. */
export function discoveryUrls(issuer: string): URL[] {
  const url = new URL(issuer);
  const path = url.pathname.replace(/\/+$/, '');
  const at = (p: string) => new URL(p, url.origin);
  if (!path) return [at('/.well-known/oauth-authorization-server'), at('/.well-known/openid-configuration')];
  return [
    at(`/.well-known/oauth-authorization-server${path}`),
    at(`/.well-known/openid-configuration${path}`),
    at(`${path}/.well-known/openid-configuration`),
  ];
}

/** https, or http on loopback only, like OLARES_MCP_ISSUER itself. */
function safeKeyUrl(issuer: string, value: unknown): URL {
  let url: URL | undefined;
  try {
    url = typeof value === 'string' ? new URL(value) : undefined;
  } catch {}
  if (!url) throw new IssuerUnusableError(issuer, 'its metadata has no valid jwks_uri');
  if (url.protocol !== 'https:' && !(url.protocol === 'http:' && isLoopbackHost(url.hostname)))
    throw new IssuerUnusableError(issuer, `its jwks_uri ${url.href} is neither https nor loopback http`);
  return url;
}

async function fetchJson(url: URL, fetchImpl: typeof fetch): Promise<unknown | undefined> {
  const response = await fetchImpl(url, {
    headers: { accept: 'application/json' },
    redirect: 'error',
    signal: AbortSignal.timeout(FETCH_TIMEOUT_MS),
  });
  if (response.status !== 200) {
    await response.body?.cancel();
    return undefined;
  }
  return response.json();
}

/**
 * The first metadata document found, checked. A document that names another issuer stops the
 * search (it is a misconfiguration or an attack, not a reason to try the next URL).
 */
export async function discoverIssuer(
  issuer: string,
  fetchImpl: typeof fetch = fetch,
): Promise<IssuerMetadata> {
  const tried: string[] = [];
  for (const url of discoveryUrls(issuer)) {
    let doc: unknown;
    try {
      doc = await fetchJson(url, fetchImpl);
    } catch (err) {
      throw new IssuerUnusableError(issuer, `fetching ${url.href} failed`, { cause: err });
    }
    if (doc === undefined) {
      tried.push(url.href);
      continue;
    }
    const named = (doc as { issuer?: unknown }).issuer;
    if (named !== issuer)
      throw new IssuerUnusableError(
        issuer,
        `its metadata at ${url.href} names the issuer ${JSON.stringify(named)}, not this one`,
      );
    return { issuer, jwksUri: safeKeyUrl(issuer, (doc as { jwks_uri?: unknown }).jwks_uri) };
  }
  throw new IssuerUnusableError(issuer, `no metadata found at ${tried.join(', ')}`);
}
