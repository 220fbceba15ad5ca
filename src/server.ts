// Builds the McpServer from the tool registry and serves it on stdio, in both protocol eras.
import {
  createRequestStateCodec,
  fromJsonSchema,
  type JsonSchemaType,
  McpServer,
  type RequestStateCodec,
  type ServerContext,
} from '@modelcontextprotocol/server';
import { serveStdio as sdkServeStdio } from '@modelcontextprotocol/server/stdio';
import packageJson from '../package.json' with { type: 'json' };
import { checkUrlTemplate } from './auth/identity.js';
import { AuthContext } from './auth/index.js';
import { countDetachedPagesOf } from './auth/pendingLogins.js';
import { ConfigError } from './config.js';
import { liteJsonSchemaValidator } from './jsonSchemaLite.js';
import type { CallState } from './tools/callProtocol.js';
import { type CallDeps, callTool } from './tools/callTool.js';
import { type CatalogEntry, LISTED_OUTPUT_SCHEMA } from './tools/catalog.js';
import { selectTools } from './tools/registry.js';

const SERVER_NAME = 'olares-mcp';
/** package.json's version: what initialize, `--version` and the published package all report. */
export const SERVER_VERSION: string = packageJson.version;

const INSTRUCTIONS = `Tools for one Olares box (self-hosted personal cloud): its files (drive/Home/...), app market, cluster pods/logs and dashboard.
Use them when the user mentions Olares, their personal cloud, its apps, files or pods.
Start with profile_list; if no profile is logged in, call profile_login and give the user the link: passwords and TOTP codes are typed on that page, never in chat. The link survives a server restart; profile_list shows it while pending. Login does not switch the current profile unless makeCurrent (the user confirms).
Without a confirmation form, destructive tools run on the client's own approval (confirmed: false), risky ones such as a profile switch return an approval link for the user, and a new auth host is refused.
Every tool takes an optional profile (name or olaresId) to run as another identity for that call.
Remote paths look like drive/Home/Documents/a.txt. Lists take limit and page (1-based); logs take tail.
market_* wait: true polls until the app settles and reports progress. dryRun: true returns the plan and changes nothing. Destructive tools ask for confirmation when the client can show it.
Words, one meaning each:
- market app: an app from the market catalog, installed per user (market_* tools; there "app" alone means one).
- namespace: one Kubernetes namespace; each installed market app runs in its own, <app>-<user>.
- app space: the namespaces of one user (user-space-<user>, user-system-<user>, <app>-<user>), or the Shared and System groups (cluster_apps).
- workload: a Deployment, StatefulSet or DaemonSet in a namespace; it runs the pods.
"Is anything unhealthy": cluster_pods {unhealthy: true}. Why a pod restarts: cluster_pod_logs {previous: true, pattern: "error|panic"}.
A secret env variable an app needs (a key, a password): market_install {generateEnvs: [its name]}; the value is never shown, the user reads it in Settings.`;

/** Everything one server process shares between its connections (stdio has one). */
export interface ServerParts {
  auth: AuthContext;
  tools: CatalogEntry[];
  /** One McpServer with the tools `visible` keeps (all by default). */
  buildServer(visible?: (tool: CatalogEntry) => boolean): McpServer;
}

/**
 * Remote mode serves from a pod whose files and environment are not the user's: no tool that
 * reads or writes local paths, and no import of a refresh token from them.
 */
const LOCAL_ONLY_TOOLS = new Set(['files_upload', 'files_download', 'profile_import']);

export interface ServerPartsOptions {
  /** serve --http: no local-path tools, no loopback pages (approval links). */
  remote?: boolean;
  /** serve --http --connect-port: the connect page's origin, for profile_login's link. */
  connectBase?: string;
}

export function createServerParts(
  env: NodeJS.ProcessEnv = process.env,
  opts: ServerPartsOptions = {},
): ServerParts {
  const auth = new AuthContext(env);
  countDetachedPagesOf(auth.home);
  const templateProblem = auth.urlTemplate
    ? checkUrlTemplate(auth.urlTemplate, { allowHttp: auth.config.allowHttp })
    : undefined;
  if (templateProblem) throw new ConfigError(templateProblem);
  const tools = selectTools(auth.config).filter((t) => !opts.remote || !LOCAL_ONLY_TOOLS.has(t.name));
  // The keys are read (or made) on the first confirmation, not at start: most sessions never ask.
  // In remote mode they come from the deployment's Secret, and the previous key still verifies.
  const ttlSeconds = Math.ceil(Math.max(10 * 60_000, auth.config.loginTtlMs) / 1000);
  let codecs: Promise<RequestStateCodec<CallState>[]> | undefined;
  const loadCodecs = () =>
    (codecs ??= auth.state
      .requestStateKeys()
      .then(({ current, previous }) =>
        [current, ...previous].map((key) => createRequestStateCodec<CallState>({ key, ttlSeconds })),
      ));
  const verify = async (state: string, ctx: ServerContext) => {
    const [current, ...previous] = await loadCodecs();
    try {
      return await current.verify(state, ctx);
    } catch (err) {
      for (const codec of previous) {
        const decoded = await codec.verify(state, ctx).catch(() => undefined);
        if (decoded !== undefined) return decoded;
      }
      throw err;
    }
  };
  const callDeps = (server: McpServer): CallDeps => ({
    auth,
    server,
    codec: async () => (await loadCodecs())[0],
    usedIds: () => auth.state.singleUseIds,
    remote: opts.remote,
    connectBase: opts.connectBase,
  });
  const buildServer = (visible: (tool: CatalogEntry) => boolean = () => true) => {
    const server = new McpServer(
      { name: SERVER_NAME, version: SERVER_VERSION, title: 'Olares' },
      {
        instructions: INSTRUCTIONS,
        jsonSchemaValidator: liteJsonSchemaValidator,
        requestState: { verify },
        // The tool list changes only with the environment, which a restart sets.
        cacheHints: {
          'tools/list': { ttlMs: 3_600_000, cacheScope: 'private' },
          'server/discover': { ttlMs: 3_600_000, cacheScope: 'private' },
        },
      },
    );
    const deps = callDeps(server);
    for (const tool of tools) {
      if (!visible(tool)) continue;
      server.registerTool(tool.name, registrationOf(tool), (args: unknown, sdk: ServerContext) =>
        callTool(deps, tool.name, args, sdk),
      );
    }
    return server;
  };
  // Made once per tool, not per server: serve --http builds a server for every request.
  const registrations = new Map(tools.map((tool) => [tool.name, toolRegistration(tool)]));
  const registrationOf = (tool: CatalogEntry) => registrations.get(tool.name)!;
  return { auth, tools, buildServer };
}

const listedOutput = fromJsonSchema(LISTED_OUTPUT_SCHEMA as JsonSchemaType, liteJsonSchemaValidator);

function toolRegistration(tool: CatalogEntry) {
  return {
    title: tool.title,
    description: tool.description,
    inputSchema: fromJsonSchema(tool.inputSchema as JsonSchemaType, liteJsonSchemaValidator),
    outputSchema: listedOutput,
    annotations: tool.annotations,
  };
}

/**
 * Serves both protocol eras on stdio: a client that sends `initialize` (2025-06-18, 2025-11-25)
 * gets that era; one that sends `server/discover` gets 2026-07-28 (no handshake, per-request
 * capabilities, input_required rounds).
 */
export async function serveStdio(env: NodeJS.ProcessEnv = process.env) {
  const { auth, buildServer } = createServerParts(env);
  const handle = sdkServeStdio(() => buildServer());
  setTimeout(() => void auth.warmUp(), 500).unref();
  const shutdown = () => {
    handle.close().finally(() => process.exit(0));
  };
  process.stdin.on('end', shutdown);
  process.on('SIGTERM', shutdown);
  process.on('SIGINT', shutdown);
}
