// Builds the McpServer from the tool registry and serves it on stdio.
import { McpServer } from '@modelcontextprotocol/sdk/server/mcp.js';
import { StdioServerTransport } from '@modelcontextprotocol/sdk/server/stdio.js';
import { z } from 'zod';
import packageJson from '../package.json' with { type: 'json' };
import { checkUrlTemplate } from './auth/identity.js';
import { AuthContext } from './auth/index.js';
import { countDetachedPagesOf } from './auth/pendingLogins.js';
import { ConfigError } from './config.js';
import { liteJsonSchemaValidator } from './jsonSchemaLite.js';
import { log } from './log.js';
import { compactInputSchema } from './tools/argWords.js';
import { resultText } from './tools/boxText.js';
import { createContext, type ToolContext } from './tools/context.js';
import { inputSchemaOf, type ToolDeclaration } from './tools/defineTool.js';
import { describeError, errorResultMeta } from './tools/errors.js';
import type { Confirmation } from './tools/gate.js';
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

function createServer(env: NodeJS.ProcessEnv = process.env) {
  const auth = new AuthContext(env);
  countDetachedPagesOf(auth.home);
  const templateProblem = auth.urlTemplate
    ? checkUrlTemplate(auth.urlTemplate, { allowHttp: auth.config.allowHttp })
    : undefined;
  if (templateProblem) throw new ConfigError(templateProblem);
  const server = new McpServer(
    { name: SERVER_NAME, version: SERVER_VERSION, title: 'Olares' },
    {
      instructions: INSTRUCTIONS,
      capabilities: { logging: {} },
      jsonSchemaValidator: liteJsonSchemaValidator,
    },
  );
  const tools = selectTools(auth.config);
  for (const decl of tools) registerTool(server, auth, decl);
  compactToolList(server);
  return { server, auth, tools };
}

/**
 * Tool JSON is paid for in every agent's context. Drop what carries no information: the draft-07
 * `$schema` URL on every schema, the default `execution.taskSupport: forbidden`, the title the
 * SDK copies into annotations, `additionalProperties: false`, bounds that say nothing (argWords.ts), and the
 * body of output schemas: every result is still validated against its full zod schema before it
 * leaves (the shapes are in test/__toolsnaps__ and the README), and an agent reads the JSON
 * itself. That halves the tool list; measured by bench/tool-surface.ts.
 */
function compactToolList(server: McpServer) {
  const handlers = (
    server.server as unknown as { _requestHandlers: Map<string, (req: any, extra: any) => Promise<any>> }
  )._requestHandlers;
  const original = handlers.get('tools/list');
  if (!original) return;
  handlers.set('tools/list', async (req, extra) => {
    const result = await original(req, extra);
    for (const tool of result.tools ?? []) {
      delete tool.inputSchema?.$schema;
      // zod's strict objects say additionalProperties: false on every tool; arguments are still
      // checked strictly against the zod schema when a call arrives.
      if (tool.inputSchema?.additionalProperties === false) delete tool.inputSchema.additionalProperties;
      compactInputSchema(tool.inputSchema);
      if (tool.outputSchema) tool.outputSchema = { type: 'object' };
      if (tool.execution?.taskSupport === 'forbidden') delete tool.execution;
      if (tool.annotations?.title === tool.title) delete tool.annotations.title;
    }
    return result;
  });
}

function registerTool(server: McpServer, auth: AuthContext, decl: ToolDeclaration<any, any>) {
  server.registerTool(
    decl.name,
    {
      title: decl.title,
      description: decl.description,
      inputSchema: inputSchemaOf(decl),
      outputSchema: z.object(decl.output),
      annotations: { title: decl.title, ...decl.annotations },
    },
    async (args: any, extra) => {
      const ctx = createContext({
        auth,
        server,
        signal: extra.signal,
        tool: decl.name,
        args,
        profile: args.profile,
        progressToken: extra._meta?.progressToken,
        sendProgress: (params) => extra.sendNotification({ method: 'notifications/progress', params }),
      });
      const audited = !decl.annotations.readOnlyHint;
      let attempted = false;
      let failure: unknown;
      try {
        if (audited) {
          await ctx.auditAttempt(await auditTargetOf(decl, args, ctx), { dryRun: args.dryRun === true });
          attempted = true;
        }
        const out = await decl.handler(args, ctx);
        let { data } = out;
        let note: string | undefined;
        if (audited) {
          const said = confirmationOf(ctx.confirmations, Boolean((data as any)?.dryRun));
          data = { ...data, ...said };
          if (!said.confirmed && ctx.confirmations.length)
            note = `(ran without the user's confirmation: ${said.confirmReason})`;
        }
        const ranAs = ctx.ranAs();
        if (ranAs) data = { ...data, ranAs };
        // Profile and doctor results are the server's own words; everything else comes from the box.
        const fromBox = decl.toolset !== 'profile' && decl.toolset !== 'doctor';
        const text = resultText({ tool: decl.name, summary: out.summary, data, fromBox, note, raw: out.raw });
        return { content: [{ type: 'text' as const, text }], structuredContent: data };
      } catch (err) {
        failure = err;
        log.debug(`${decl.name} failed: ${(err as Error)?.stack ?? err}`);
        return {
          isError: true,
          content: [{ type: 'text' as const, text: describeError(err) }],
          _meta: errorResultMeta(err),
        };
      } finally {
        // In finally so that failed and partly done calls are on record too (review L3).
        if (attempted) await ctx.auditOutcome(failure);
      }
    },
  );
}

/** What audit.log records as the call's target; a target that cannot be worked out falls back to the arguments. */
async function auditTargetOf(decl: ToolDeclaration<any, any>, args: any, ctx: ToolContext): Promise<unknown> {
  const { profile: _p, ...rest } = args;
  if (!decl.auditTarget) return rest;
  try {
    return await decl.auditTarget(args, ctx);
  } catch (err) {
    log.debug(`${decl.name}: audit target: ${(err as Error).message}`);
    return rest;
  }
}

/** What a mutating result says about the user's yes: every confirmation must have been one. */
function confirmationOf(
  confirmations: Confirmation[],
  dryRun: boolean,
): { confirmed: boolean; confirmReason?: string } {
  if (dryRun) return { confirmed: false, confirmReason: 'dry run: nothing was changed' };
  if (!confirmations.length)
    return { confirmed: false, confirmReason: 'this change does not ask for confirmation' };
  const unconfirmed = confirmations.find((c) => !c.confirmed);
  if (!unconfirmed) return { confirmed: true };
  return { confirmed: false, confirmReason: unconfirmed.reason ?? unconfirmed.how };
}

export async function serveStdio(env: NodeJS.ProcessEnv = process.env) {
  const { server, auth } = createServer(env);
  const transport = new StdioServerTransport();
  await server.connect(transport);
  setTimeout(() => void auth.warmUp(), 500).unref();
  const shutdown = () => {
    server.close().finally(() => process.exit(0));
  };
  process.stdin.on('end', shutdown);
  process.on('SIGTERM', shutdown);
  process.on('SIGINT', shutdown);
}
