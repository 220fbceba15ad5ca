// `olares-mcp serve --http`: one Streamable HTTP endpoint for agents that cannot spawn a process.
// Both protocol eras through the v2 SDK's per-request handler (2025-era clients served
// statelessly), behind the resource-server checks of src/remote (Host/Origin, bearer, rate,
// body size, scopes). Each request gets a fresh McpServer listing only what its token may call.
import { createServer, type Server as HttpServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { parseArgs } from 'node:util';
import { createMcpHandler } from '@modelcontextprotocol/server';
import { loadConfig } from './config.js';
import { InvalidInputError, OlaresMcpError } from './errors.js';
import { log } from './log.js';
import { AuditLines } from './remote/auditLines.js';
import {
  type Authenticated,
  calledTools,
  chooseServeAuth,
  MAX_BODY_BYTES,
  mayCall,
  NO_AUTH_PRINCIPAL,
  type Principal,
  principalKey,
  type RequestBody,
  remoteFront,
  TOKEN_FILE_PRINCIPAL,
  TokenBuckets,
  verifierFor,
} from './remote/index.js';
import { type Exchange, nodeListener } from './remote/nodeHttp.js';
import { type ConnectListener, listenConnect } from './serveConnect.js';
import { createServerParts } from './server.js';
import type { CatalogEntry } from './tools/catalog.js';

/** How long an idle connection from the balancer stays open: longer than the balancer keeps it. */
const KEEP_ALIVE_MS = 65_000;

/** How long a shutdown waits for calls in flight before cancelling them. */
const DRAIN_MS = 25_000;

export interface HttpOptions {
  host: string;
  port: number;
  path: string;
  tokenFile?: string;
  noAuth: boolean;
  /** --connect-port: where the connect page listens (serveConnect.ts); none when unset. */
  connectPort?: number;
}

function portOf(flag: string, value: string): number {
  const port = Number(value);
  if (!/^\d+$/.test(value) || port > 65535)
    throw new InvalidInputError(`${flag} ${value} is not a port number (0-65535; 0 picks a free one)`);
  return port;
}

export function parseServeArgs(argv: string[]): HttpOptions {
  const { values } = parseArgs({
    args: argv,
    options: {
      http: { type: 'boolean' },
      host: { type: 'string', default: '127.0.0.1' },
      port: { type: 'string', default: '8080' },
      path: { type: 'string', default: '/mcp' },
      'token-file': { type: 'string' },
      'no-auth': { type: 'boolean' },
      'connect-port': { type: 'string' },
    },
    strict: true,
  });
  if (!values.http) throw new InvalidInputError('serve takes --http (without arguments it serves stdio)');
  const port = portOf('--port', values.port);
  if (!values.path.startsWith('/') || /[?#\s]/.test(values.path))
    throw new InvalidInputError(`--path ${values.path} must be an absolute path such as /mcp`);
  const connect = values['connect-port'];
  return {
    host: values.host,
    port,
    path: values.path.replace(/\/+$/, '') || '/',
    tokenFile: values['token-file'],
    noAuth: Boolean(values['no-auth']),
    connectPort: connect === undefined ? undefined : portOf('--connect-port', connect),
  };
}

export interface RunningHttp {
  url: string;
  server: HttpServer;
  close(): Promise<void>;
}

export async function startHttp(
  opts: HttpOptions,
  env: NodeJS.ProcessEnv = process.env,
): Promise<RunningHttp> {
  const connect =
    opts.connectPort === undefined
      ? undefined
      : await listenConnect(opts.host, opts.connectPort, loadConfig(env).mcpConnectUrl);
  try {
    return await startEndpoint(opts, env, connect);
  } catch (err) {
    connect?.close();
    throw err;
  }
}

async function startEndpoint(
  opts: HttpOptions,
  env: NodeJS.ProcessEnv,
  connect: ConnectListener | undefined,
): Promise<RunningHttp> {
  const parts = createServerParts(env, { remote: true, connectBase: connect?.base });
  connect?.serve(parts.auth);
  const access = parts.tools.map((t) => ({ name: t.name, readOnly: t.annotations.readOnlyHint }));
  const mcp = createMcpHandler(
    (ctx) => {
      const scopes = ctx.authInfo?.scopes ?? [];
      const bound = ctx.authInfo?.extra?.bound === true;
      const visible = (tool: CatalogEntry) =>
        (bound || UNBOUND_TOOLS.has(tool.name)) &&
        mayCall(scopes, { name: tool.name, readOnly: tool.annotations.readOnlyHint });
      // A call of one visible tool needs only that tool registered: the server is built per
      // request, and registering the whole list for each call was a fifth of a call's CPU.
      // Anything else (a list, an unknown or hidden name) gets every visible tool, as before.
      const called = parts.tools.find((t) => t.name === ctx.authInfo?.extra?.calls);
      return parts.buildServer(called && visible(called) ? (tool) => tool === called : visible);
    },
    {
      legacy: 'stateless',
      maxRequestBodySize: MAX_BODY_BYTES,
      onerror: (err) => log.debug(`http: ${err.message}`),
    },
  );
  // A balancer keeps idle connections to the replica open for reuse; the replica must not close
  // them first (Node's default is 5 s), or a request sent as it closes one is lost as a reset (a
  // 502 for the caller). Gateways time idle upstream connections out after about 60 s.
  const http = createServer({ keepAliveTimeout: KEEP_ALIVE_MS });
  await new Promise<void>((resolve, reject) => {
    http.once('error', reject);
    http.listen(opts.port, opts.host, () => resolve());
  });
  const port = (http.address() as AddressInfo).port;
  const auth = closeOnThrow(http, () =>
    chooseServeAuth({
      listenHost: opts.host,
      port,
      path: opts.path,
      resource: parts.auth.config.mcpResource,
      issuer: parts.auth.config.mcpIssuer,
      tokenFile: opts.tokenFile,
      noAuth: opts.noAuth,
    }),
  );
  const verifier = await verifierFor(auth).catch((err) => {
    http.close();
    throw err;
  });
  const front = remoteFront({
    verifier,
    settings: { resource: auth.resource, issuer: auth.kind === 'issuer' ? auth.issuer : undefined },
    endpointPath: opts.path,
    listenHost: opts.host,
    tools: () => access,
    buckets: new TokenBuckets(parts.auth.config.ratePerSecond, parts.auth.config.ratePerSecond),
  });
  const routes = createRoutes(front, mcp, (p) => parts.auth.state.principals.isBound(p));
  http.on(
    'request',
    nodeListener(routes.route, (err) => log.debug(`http: ${err.message}`)),
  );
  const url = `http://${opts.host.includes(':') ? `[${opts.host}]` : opts.host}:${port}${opts.path}`;
  log.info(
    `serving MCP on ${url} (${auth.kind === 'none' ? 'no authorization, loopback only' : auth.kind}; resource ${auth.resource})${connect ? `; connect page on ${connect.base}` : ''}`,
  );
  const close = async () => {
    connect?.close();
    await routes.drain(http);
    await mcp.close();
  };
  return { url, server: http, close };
}

/** Health, readiness and the MCP endpoint, with the calls in flight kept for a graceful drain. */
function createRoutes(
  front: ReturnType<typeof remoteFront>,
  mcp: ReturnType<typeof createMcpHandler>,
  isBound: (principal: Principal) => Promise<boolean>,
) {
  let draining = false;
  const inFlight = new Set<AbortController>();
  const callMcp = async (request: Request, who: Authenticated, body: RequestBody, exchange: Exchange) => {
    let bound: boolean;
    try {
      bound = await isOwnerPrincipal(who.principal, isBound);
    } catch (err) {
      return storeDownResponse(err);
    }
    const unbound = bound ? undefined : unboundRefusal(body, who.principal);
    if (unbound) return unbound;
    inFlight.add(exchange.controller);
    try {
      const calls = body.parsed ? onlyCalledTool(body.json) : undefined;
      const authInfo = { ...who.authInfo, extra: { ...who.authInfo.extra, bound, calls } };
      const response = body.parsed
        ? await mcp.fetch(request, { authInfo, parsedBody: body.json })
        : await mcp.fetch(withRawBody(request, body), { authInfo });
      auditLine(request, who, response.status);
      return response;
    } finally {
      inFlight.delete(exchange.controller);
    }
  };
  const route = async (request: Request, exchange: Exchange): Promise<Response> => {
    const { pathname } = new URL(request.url);
    if (pathname === '/healthz') return new Response('ok\n');
    // Ready while not draining; never tied to the state store, so callers get a clear error from
    // the tool rather than a gateway 503 while it is down.
    if (pathname === '/readyz')
      return draining ? new Response('draining\n', { status: 503 }) : new Response('ready\n');
    if (draining)
      return Response.json(
        { error: 'shutting down; retry on another replica' },
        { status: 503, headers: { 'retry-after': '1' } },
      );
    return front(request, (r, who, body) => callMcp(r, who, body, exchange), exchange.readBody);
  };
  const drain = async (http: HttpServer) => {
    draining = true;
    http.close();
    const deadline = Date.now() + DRAIN_MS;
    while (inFlight.size && Date.now() < deadline) await new Promise((r) => setTimeout(r, 100));
    if (inFlight.size)
      log.warn(`shutdown: cancelling ${inFlight.size} call(s) still running after ${DRAIN_MS / 1000} s`);
    for (const c of inFlight) c.abort(new Error('the server is shutting down; call again'));
    http.closeAllConnections();
  };
  return { route, drain };
}

/**
 * A token from the issuer is served only once its (iss, sub) was bound to the owner: a token the
 * issuer gave someone else must not act as the owner. The token file and --no-auth principals
 * are the owner by construction (the file is the owner's, --no-auth is loopback only).
 */
async function isOwnerPrincipal(
  principal: Principal,
  isBound: (principal: Principal) => Promise<boolean>,
): Promise<boolean> {
  if (principal.iss === TOKEN_FILE_PRINCIPAL.iss || principal.iss === NO_AUTH_PRINCIPAL.iss) return true;
  return isBound(principal);
}

/**
 * What an unbound principal may call: profile_login, whose link (the connect page) lets the owner
 * bind it, and profile_list. Any other tool call is refused before the server sees it; listing,
 * discovery and the handshake pass (the list then holds only these two).
 */
const UNBOUND_TOOLS = new Set(['profile_login', 'profile_list']);
/** The methods that reach them (both eras' handshakes, listing, calling); anything else waits for the binding. */
const UNBOUND_METHODS = new Set(['initialize', 'ping', 'server/discover', 'tools/list', 'tools/call']);

/** The request methods of a JSON-RPC body (one message or a batch); responses have none. */
function methodsOf(body: unknown): string[] {
  const messages = Array.isArray(body) ? body : [body];
  return messages
    .map((m) => (m && typeof m === 'object' ? (m as { method?: unknown }).method : undefined))
    .filter((m): m is string => typeof m === 'string');
}

function unboundRefusal(body: RequestBody, principal: Principal): Response | undefined {
  if (!body.parsed) return undefined; // not JSON: the MCP handler answers the parse error, and calls nothing
  const json = body.json;
  const refused = [
    ...calledTools(json)
      .filter((name) => !name || !UNBOUND_TOOLS.has(name))
      .map((name) => name ?? '(no name)'),
    ...methodsOf(json).filter((m) => !UNBOUND_METHODS.has(m) && !m.startsWith('notifications/')),
  ];
  if (!refused.length) return undefined;
  return Response.json(
    {
      error: 'access_denied',
      error_description: `this token's principal (iss ${principal.iss}, sub ${principal.sub}) is not bound to the owner of this server, so it may call only profile_login and profile_list (${refused.join(', ')} refused). Fix: call profile_login and have the owner sign in on the connect page it links to, or the owner runs \`olares-mcp remote bind --iss ${principal.iss} --sub ${principal.sub}\` where the server's state lives`,
    },
    { status: 403 },
  );
}

/**
 * The binding could not be read because the store is down: say so (the message names the store and
 * that service resumes by itself) rather than a bare 500; nothing ran, so the caller may retry.
 */
function storeDownResponse(err: unknown): Response {
  if (!(err instanceof OlaresMcpError)) throw err;
  return Response.json(
    { error: 'temporarily_unavailable', error_description: err.message },
    { status: 503, headers: { 'retry-after': '1' } },
  );
}

/** The tool a body calls when it is one tools/call message (not a batch); else undefined. */
function onlyCalledTool(json: unknown): string | undefined {
  if (Array.isArray(json)) return undefined;
  const [name, ...more] = calledTools(json);
  return more.length ? undefined : name;
}

/** A body that is not JSON goes to the MCP handler as it came, which answers the parse error. */
function withRawBody(request: Request, body: RequestBody): Request {
  if (body.bytes.length === 0 || request.method === 'GET' || request.method === 'HEAD') return request;
  return new Request(request, { body: new Uint8Array(body.bytes) });
}

/** The port was bound to learn it (--port 0); a refusal after that must not leave it listening. */
function closeOnThrow<T>(http: HttpServer, fn: () => T): T {
  try {
    return fn();
  } catch (err) {
    http.close();
    throw err;
  }
}

let auditLines: AuditLines | undefined;

/** One line per request on stdout (the HTTP mode's stdout is free): who, what, how it ended; never a secret. */
function auditLine(request: Request, who: Authenticated, status: number) {
  const line = {
    time: new Date().toISOString(),
    principal: principalKey(who.principal),
    method: request.method,
    mcpMethod: request.headers.get('mcp-method') ?? undefined,
    tool: request.headers.get('mcp-name') ?? undefined,
    status,
  };
  auditLines ??= new AuditLines();
  auditLines.push(JSON.stringify(line));
}

export async function serveHttp(argv: string[], env: NodeJS.ProcessEnv = process.env) {
  const running = await startHttp(parseServeArgs(argv), env);
  const shutdown = () => {
    running.close().finally(() => process.exit(0));
  };
  process.once('SIGTERM', shutdown);
  process.once('SIGINT', shutdown);
}
