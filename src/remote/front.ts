// The guards and the resource-server checks composed in the order every request takes, in front
// of a fetch-style MCP handler (the SDK's createMcpHandler): what the integrator wires into
// `serve --http`. Health probes (/healthz, /readyz) are routed before it: they carry no token.

import { type Authenticated, authenticate, principalKey, refusalResponse } from './authenticate.js';
import type { BearerVerifier } from './bearer.js';
import { InsufficientScopeError } from './errors.js';
import {
  type HostPolicy,
  hostAndOriginRefusal,
  rateLimitedResponse,
  readBodyBytes,
  TokenBuckets,
} from './guards.js';
import { metadataResponse, type ResourceSettings } from './metadata.js';
import { mayCall, neededScope, type ToolAccess } from './scopes.js';

export interface FrontOptions {
  verifier: BearerVerifier;
  /** OLARES_MCP_RESOURCE and OLARES_MCP_ISSUER. */
  settings: ResourceSettings;
  /** --path, e.g. /mcp. */
  endpointPath: string;
  /** --host. */
  listenHost: string;
  /** The served tools as {name, readOnly}; read on every call, so it may change. */
  tools: () => readonly ToolAccess[];
  buckets?: TokenBuckets;
}

/** A request body read once: its bytes, and its JSON value when it parses (`parsed`). */
export type RequestBody = { bytes: Buffer } & ({ parsed: true; json: unknown } | { parsed: false });

/**
 * Reads the body (at most MAX_BODY_BYTES) once the caller is known, or answers 413. By default
 * from the web request; a Node front passes one that reads its own stream.
 */
export type BodyReader = () => Promise<Buffer | Response>;

/** What the front hands on: the request (its body already read: use `body`) and who sent it. */
export type McpHandler = (request: Request, auth: Authenticated, body: RequestBody) => Promise<Response>;

export function parseBody(bytes: Buffer): RequestBody {
  if (bytes.length === 0) return { bytes, parsed: false };
  try {
    return { bytes, parsed: true, json: JSON.parse(bytes.toString('utf8')) };
  } catch {
    return { bytes, parsed: false }; // not JSON: the MCP handler answers the parse error
  }
}

/** The tool names a JSON-RPC body calls (one message, or a 2025-03-26 batch); [] when none. */
export function calledTools(body: unknown): (string | undefined)[] {
  const messages = Array.isArray(body) ? body : [body];
  return messages
    .filter((m) => m && typeof m === 'object' && (m as { method?: unknown }).method === 'tools/call')
    .map((m) => {
      const name = (m as { params?: { name?: unknown } }).params?.name;
      return typeof name === 'string' ? name : undefined;
    });
}

/** 403 insufficient_scope when the body calls a tool the scopes do not reach. */
function scopeRefusal(body: RequestBody, who: Authenticated, options: FrontOptions): Error | undefined {
  if (!body.parsed) return undefined;
  const tools = options.tools();
  for (const name of calledTools(body.json)) {
    const tool = tools.find((t) => t.name === name);
    if (!mayCall(who.scopes, tool)) return new InsufficientScopeError(neededScope(tool));
  }
  return undefined;
}

export function remoteFront(
  options: FrontOptions,
): (request: Request, next: McpHandler, readBody?: BodyReader) => Promise<Response> {
  const { settings, endpointPath } = options;
  const policy: HostPolicy = { listenHost: options.listenHost, resource: settings.resource };
  const buckets = options.buckets ?? new TokenBuckets();
  return async (request, next, readBody = () => readBodyBytes(request)) => {
    const refused =
      hostAndOriginRefusal(request, policy) ?? metadataResponse(request, settings, endpointPath);
    if (refused) return refused;
    const who = await authenticate(request, options.verifier, settings.resource);
    if (who instanceof Response) return who;
    const take = buckets.take(principalKey(who.principal));
    if (!take.ok) return rateLimitedResponse(take.retryAfterSeconds, buckets.rate);
    const bytes = await readBody();
    if (bytes instanceof Response) return bytes;
    const body = parseBody(bytes);
    const scope = scopeRefusal(body, who, options);
    if (scope) return refusalResponse(scope, settings.resource);
    return next(request, who, body);
  };
}
