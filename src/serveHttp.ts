// `olares-mcp serve --http`: one Streamable HTTP endpoint for agents that cannot spawn a process.
// Both protocol eras through the v2 SDK's per-request handler (2025-era clients served
// statelessly), behind the resource-server checks of src/remote (Host/Origin, bearer, rate,
// body size, scopes). Each request gets a fresh McpServer listing only what its token may call.
import { createServer, type Server as HttpServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { parseArgs } from 'node:util';
import { toNodeHandler } from '@modelcontextprotocol/node';
import { createMcpHandler } from '@modelcontextprotocol/server';
import { InvalidInputError, OlaresMcpError } from './errors.js';
import { log } from './log.js';
import {
  type Authenticated,
  chooseServeAuth,
  MAX_BODY_BYTES,
  mayCall,
  NO_AUTH_PRINCIPAL,
  type Principal,
  principalKey,
  remoteFront,
  TOKEN_FILE_PRINCIPAL,
  TokenBuckets,
  verifierFor,
} from './remote/index.js';
import { createServerParts } from './server.js';

/** How long a shutdown waits for calls in flight before cancelling them. */
const DRAIN_MS = 25_000;

export interface HttpOptions {
  host: string;
  port: number;
  path: string;
  tokenFile?: string;
  noAuth: boolean;
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
  const port = Number(values.port);
  if (!Number.isInteger(port) || port < 0 || port > 65535)
    throw new InvalidInputError(`--port ${values.port} is not a port number (0-65535; 0 picks a free one)`);
  if (!values.path.startsWith('/') || /[?#\s]/.test(values.path))
    throw new InvalidInputError(`--path ${values.path} must be an absolute path such as /mcp`);
  if (values['connect-port'])
    log.warn(
      '--connect-port: the private connect page is not served by this version; binding uses `olares-mcp remote bind`',
    );
  return {
    host: values.host,
    port,
    path: values.path.replace(/\/+$/, '') || '/',
    tokenFile: values['token-file'],
    noAuth: Boolean(values['no-auth']),
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
  const parts = createServerParts(env, { remote: true });
  const access = parts.tools.map((t) => ({ name: t.name, readOnly: t.annotations.readOnlyHint }));
  const mcp = createMcpHandler(
    (ctx) => {
      const scopes = ctx.authInfo?.scopes ?? [];
      return parts.buildServer((decl) =>
        mayCall(scopes, { name: decl.name, readOnly: decl.annotations.readOnlyHint }),
      );
    },
    {
      legacy: 'stateless',
      maxRequestBodySize: MAX_BODY_BYTES,
      onerror: (err) => log.debug(`http: ${err.message}`),
    },
  );
  const http = createServer();
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
  http.on('request', toNodeHandler({ fetch: routes.route }, { maxRequestBodySize: MAX_BODY_BYTES }));
  const url = `http://${opts.host.includes(':') ? `[${opts.host}]` : opts.host}:${port}${opts.path}`;
  log.info(
    `serving MCP on ${url} (${auth.kind === 'none' ? 'no authorization, loopback only' : auth.kind}; resource ${auth.resource})`,
  );
  const close = async () => {
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
  const callMcp = async (request: Request, who: Authenticated) => {
    const unbound = await bindingRefusal(who.principal, isBound);
    if (unbound) return unbound;
    const controller = new AbortController();
    inFlight.add(controller);
    request.signal.addEventListener('abort', () => controller.abort(), { once: true });
    try {
      const response = await mcp.fetch(new Request(request, { signal: controller.signal }), {
        authInfo: who.authInfo,
      });
      auditLine(request, who, response.status);
      return response;
    } finally {
      inFlight.delete(controller);
    }
  };
  const route = async (request: Request): Promise<Response> => {
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
    return front(request, callMcp);
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
async function bindingRefusal(
  principal: Principal,
  isBound: (principal: Principal) => Promise<boolean>,
): Promise<Response | undefined> {
  if (principal.iss === TOKEN_FILE_PRINCIPAL.iss || principal.iss === NO_AUTH_PRINCIPAL.iss) return undefined;
  let bound: boolean;
  try {
    bound = await isBound(principal);
  } catch (err) {
    // The store is down: say so (it names the store and that service resumes by itself) rather
    // than the handler's bare 500; nothing was run, so the caller may simply retry.
    if (!(err instanceof OlaresMcpError)) throw err;
    return Response.json(
      { error: 'temporarily_unavailable', error_description: err.message },
      { status: 503, headers: { 'retry-after': '1' } },
    );
  }
  if (bound) return undefined;
  return Response.json(
    {
      error: 'access_denied',
      error_description: `this token's principal (iss ${principal.iss}, sub ${principal.sub}) is not bound to the owner of this server. Fix: the owner runs \`olares-mcp remote bind --iss ${principal.iss} --sub ${principal.sub}\` where the server's state lives`,
    },
    { status: 403 },
  );
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
  process.stdout.write(`${JSON.stringify(line)}\n`);
}

export async function serveHttp(argv: string[], env: NodeJS.ProcessEnv = process.env) {
  const running = await startHttp(parseServeArgs(argv), env);
  const shutdown = () => {
    running.close().finally(() => process.exit(0));
  };
  process.once('SIGTERM', shutdown);
  process.once('SIGINT', shutdown);
}
