// One tool call from arguments to result, the same in every protocol era and transport: check the
// arguments against the tool's zod declaration, build its context, audit a mutating call around
// the handler, and turn what happened into the result (or the input_required round).
import type {
  CallToolResult,
  InputRequiredResult,
  McpServer,
  ServerContext,
} from '@modelcontextprotocol/server';
import { z } from 'zod';
import type { AuthContext } from '../auth/index.js';
import type { SingleUseIds } from '../auth/mrtrState.js';
import { InvalidInputError } from '../errors.js';
import { log } from '../log.js';
import { resultText } from './boxText.js';
import { createCallProtocol, InputRequiredSignal, type StateCodec } from './callProtocol.js';
import { declarationOf } from './catalog.js';
import { createContext, type RemoteCall, type ToolContext } from './context.js';
import { inputSchemaOf, type ToolDeclaration } from './defineTool.js';
import { describeError, errorResultMeta } from './errors.js';
import type { Confirmation } from './gate.js';

export interface CallDeps {
  auth: AuthContext;
  server: McpServer;
  codec: () => Promise<StateCodec>;
  usedIds: () => SingleUseIds;
  /** Remote mode: the user is not at this machine, so no loopback approval pages. */
  remote?: boolean;
  /** Remote mode: the connect page's origin (serve --http --connect-port). */
  connectBase?: string;
}

/**
 * Who calls, as serve --http put it in the SDK's authInfo (`extra.principal`, `extra.bound`).
 * Anything missing or misshapen reads as an unbound caller with no principal: fail closed.
 */
function remoteCallOf(deps: CallDeps, sdk: ServerContext): RemoteCall | undefined {
  if (!deps.remote) return undefined;
  const extra = sdk.http?.authInfo?.extra as { principal?: unknown; bound?: unknown } | undefined;
  const p = extra?.principal as { iss?: unknown; sub?: unknown } | undefined;
  const principal =
    typeof p?.iss === 'string' && typeof p?.sub === 'string' ? { iss: p.iss, sub: p.sub } : undefined;
  return { principal, bound: extra?.bound === true, connectBase: deps.connectBase };
}

export interface ToolSchemas {
  input: z.ZodType;
  output: z.ZodType;
}

/**
 * The zod schemas of one tool, built on its first call (not at start: most sessions call a few
 * tools): arguments are refused strictly, results checked.
 */
const builtSchemas = new WeakMap<ToolDeclaration<any, any>, ToolSchemas>();
function schemasOf(decl: ToolDeclaration<any, any>): ToolSchemas {
  let built = builtSchemas.get(decl);
  if (!built) {
    built = { input: inputSchemaOf(decl), output: z.object(decl.output) };
    builtSchemas.set(decl, built);
  }
  return built;
}

export async function callTool(
  deps: CallDeps,
  name: string,
  rawArgs: unknown,
  sdk: ServerContext,
): Promise<CallToolResult | InputRequiredResult> {
  const decl = await declarationOf(name);
  const schemas = schemasOf(decl);
  const parsed = schemas.input.safeParse(rawArgs ?? {});
  if (!parsed.success) return errorResult(new InvalidInputError(invalidArgsText(decl.name, parsed.error)));
  const args = parsed.data as Record<string, any>;
  const protocol = createCallProtocol({ ...deps, sdk, tool: decl.name, args });
  const progressToken = sdk.mcpReq._meta?.progressToken;
  const ctx = createContext({
    auth: deps.auth,
    protocol,
    signal: sdk.mcpReq.signal,
    tool: decl.name,
    args,
    profile: args.profile,
    progressToken,
    approvalLinks: !deps.remote,
    remote: remoteCallOf(deps, sdk),
    sendProgress: (params) => sdk.mcpReq.notify({ method: 'notifications/progress', params }),
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
    return completeResult(decl, schemas, out, ctx, audited);
  } catch (err) {
    failure = err;
    if (err instanceof InputRequiredSignal) return err.result;
    log.debug(`${decl.name} failed: ${(err as Error)?.stack ?? err}`);
    return errorResult(err);
  } finally {
    // In finally so that failed and partly done calls are on record too (review L3).
    if (attempted) await ctx.auditOutcome(failure);
  }
}

function completeResult(
  decl: ToolDeclaration<any, any>,
  schemas: ToolSchemas,
  out: Awaited<ReturnType<ToolDeclaration<any, any>['handler']>>,
  ctx: ToolContext,
  audited: boolean,
): CallToolResult {
  let data: Record<string, unknown> = out.data;
  let note: string | undefined;
  if (audited) {
    const said = confirmationOf(ctx.confirmations, Boolean(data?.dryRun));
    data = { ...data, ...said };
    if (!said.confirmed && ctx.confirmations.length)
      note = `(ran without the user's confirmation: ${said.confirmReason})`;
  }
  const ranAs = ctx.ranAs();
  if (ranAs) data = { ...data, ranAs };
  const checked = schemas.output.safeParse(data);
  if (!checked.success) {
    log.warn(`${decl.name}: result does not match its output schema: ${z.prettifyError(checked.error)}`);
    return errorResult(new Error(`${decl.name} produced a result that does not match its schema`));
  }
  // Profile and doctor results are the server's own words; everything else comes from the box.
  const fromBox = decl.toolset !== 'profile' && decl.toolset !== 'doctor';
  const text = resultText({ tool: decl.name, summary: out.summary, data, fromBox, note, raw: out.raw });
  return { content: [{ type: 'text', text }], structuredContent: data };
}

function errorResult(err: unknown): CallToolResult {
  return {
    isError: true,
    content: [{ type: 'text', text: describeError(err) }],
    _meta: errorResultMeta(err),
  };
}

function invalidArgsText(tool: string, error: z.ZodError): string {
  const problems = error.issues.map((i) => `${i.path.join('.') || '(arguments)'}: ${i.message}`);
  return `invalid arguments for ${tool}: ${problems.join('; ')}. Fix the arguments and call again`;
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
