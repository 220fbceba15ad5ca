// The discovery half of the MCP authorization spec: the RFC 9728 protected-resource metadata
// (served at the path-inserted well-known URL and at the root) and the RFC 6750 challenges that
// point to it. Our own builders rather than the SDK's: its document would spell `resource` as
// URL.href (a bare origin gains a '/') while tokens are checked against OLARES_MCP_RESOURCE as
// written, and its 401 always says error="invalid_token", even to a request that sent no token
// (RFC 6750 sec. 3.1 says a challenge to such a request carries no error code).
import { getOAuthProtectedResourceMetadataUrl } from '@modelcontextprotocol/server';
import type { BearerRejectedError, InsufficientScopeError } from './errors.js';
import { SCOPES_SUPPORTED } from './scopes.js';

export interface ResourceSettings {
  /** OLARES_MCP_RESOURCE, as written. */
  resource: string;
  /** OLARES_MCP_ISSUER; unset with --token-file (no authorization server to name). */
  issuer?: string;
}

export const METADATA_ROOT = '/.well-known/oauth-protected-resource';

export interface ProtectedResourceMetadata {
  resource: string;
  authorization_servers?: string[];
  scopes_supported: string[];
  bearer_methods_supported: string[];
}

export function protectedResourceMetadata(settings: ResourceSettings): ProtectedResourceMetadata {
  return {
    resource: settings.resource,
    ...(settings.issuer ? { authorization_servers: [settings.issuer] } : {}),
    scopes_supported: [...SCOPES_SUPPORTED],
    bearer_methods_supported: ['header'],
  };
}

/** The public URL clients are pointed to: the well-known path inserted before the resource path. */
export function resourceMetadataUrl(resource: string): string {
  return getOAuthProtectedResourceMetadataUrl(new URL(resource));
}

/** The paths this server answers with the document: path-inserted (from --path) and root. */
export function metadataPaths(endpointPath: string): string[] {
  const path = endpointPath.replace(/\/+$/, '');
  return path ? [`${METADATA_ROOT}${path}`, METADATA_ROOT] : [METADATA_ROOT];
}

const ALLOW = 'GET, HEAD, OPTIONS';
/** Public facts every browser-based client must be able to read, hence open CORS. */
const CORS = { 'access-control-allow-origin': '*', 'access-control-allow-methods': ALLOW };

/** The metadata answer when `request` asks for it, undefined otherwise (route it on). */
export function metadataResponse(
  request: Request,
  settings: ResourceSettings,
  endpointPath: string,
): Response | undefined {
  const { pathname } = new URL(request.url);
  if (!metadataPaths(endpointPath).includes(pathname)) return undefined;
  if (request.method === 'OPTIONS') return new Response(null, { status: 204, headers: CORS });
  if (request.method !== 'GET' && request.method !== 'HEAD')
    return new Response(null, { status: 405, headers: { ...CORS, allow: ALLOW } });
  return Response.json(protectedResourceMetadata(settings), {
    headers: { ...CORS, 'cache-control': 'max-age=3600' },
  });
}

const quoted = (value: string) => `"${value.replaceAll(/[\\"]/g, '\\$&').replaceAll(/[^\x20-\x7e]/g, ' ')}"`;

function challenge(params: [string, string | undefined][]): string {
  const parts = params.filter((p): p is [string, string] => p[1] !== undefined);
  return `Bearer ${parts.map(([k, v]) => `${k}=${quoted(v)}`).join(', ')}`;
}

const ALL_SCOPES = SCOPES_SUPPORTED.join(' ');

/** 401 with the challenge that leads a client to the metadata (and says why, when a token failed). */
export function unauthorizedResponse(error: BearerRejectedError, resource: string): Response {
  const header = error.tokenSent
    ? challenge([
        ['error', 'invalid_token'],
        ['error_description', error.reason],
        ['resource_metadata', resourceMetadataUrl(resource)],
        ['scope', ALL_SCOPES],
      ])
    : challenge([
        ['resource_metadata', resourceMetadataUrl(resource)],
        ['scope', ALL_SCOPES],
      ]);
  const body = error.tokenSent
    ? { error: 'invalid_token', error_description: error.reason }
    : { error: 'unauthorized', error_description: error.message };
  return Response.json(body, { status: 401, headers: { 'www-authenticate': header } });
}

/** 403 naming every scope this server knows, so one new token covers every tool (MCP spec). */
export function insufficientScopeResponse(error: InsufficientScopeError, resource: string): Response {
  const header = challenge([
    ['error', 'insufficient_scope'],
    ['scope', ALL_SCOPES],
    ['resource_metadata', resourceMetadataUrl(resource)],
  ]);
  return Response.json(
    { error: 'insufficient_scope', error_description: error.message },
    { status: 403, headers: { 'www-authenticate': header } },
  );
}
