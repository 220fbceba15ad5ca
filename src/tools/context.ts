// What a tool handler gets besides its arguments. Everything protocol-specific (progress,
// elicitation, roots, cancellation) is reached through here; `server` is the one raw door, kept
// for profile_login's URL-mode elicitation and its completion notice.
import { randomUUID } from 'node:crypto';
import { homedir } from 'node:os';
import type { McpServer } from '@modelcontextprotocol/sdk/server/mcp.js';
import type { AuthContext } from '../auth/index.js';
import { OlaresMcpError } from '../errors.js';
import { log } from '../log.js';
import { OlaresClients } from '../olares/index.js';
import { requestApproval } from './approvalPage.js';
import { type Confirmation, type ConfirmRequest, confirm, type GateDeps } from './gate.js';
import {
  type ClientRootUris,
  type EffectiveLocalRoots,
  effectiveLocalRoots,
  LocalRootsRefusedError,
} from './localRoots.js';

export interface ToolContext {
  auth: AuthContext;
  server: McpServer;
  signal: AbortSignal;
  /** Clients bound to the call's profile (its `profile` argument, else the default). */
  olares(): Promise<OlaresClients>;
  /**
   * The olaresId the handler ran as: set once its olares() resolved, so the result can name it.
   * The audit line and approval links resolve the profile too, but that alone is not running as it.
   */
  ranAs(): string | undefined;
  /** Sends notifications/progress when the client asked for it; no-op otherwise. Never decreases. */
  progress(progress: number, total?: number, message?: string): Promise<void>;
  /** The client's declared elicitation modes. */
  elicitation(): { form: boolean; url: boolean };
  /**
   * The one confirmation gate (gate.ts): call it before any side effect. Resolves when the change
   * may go ahead (saying whether the user really confirmed); throws when nothing may be changed.
   */
  confirm(req: ConfirmRequest): Promise<Confirmation>;
  /** Every confirmation this call went through, in order: the result reports them. */
  readonly confirmations: Confirmation[];
  /**
   * The effective local roots (localRoots.ts) that upload sources, download targets and token
   * files must lie in; throws LocalRootsRefusedError when nothing is allowed.
   */
  localRoots(): Promise<string[]>;
  /**
   * audit.log lines around one mutating call (never a secret): an `attempt` before the handler
   * runs, which refuses the call when it cannot be written (nothing changes unaudited), and an
   * `outcome` after it, whatever happened.
   */
  auditAttempt(target: unknown, opts: { dryRun: boolean }): Promise<void>;
  auditOutcome(error?: unknown): Promise<void>;
  /** Says what the call has done so far, so a failure's outcome line tells partly done work. */
  donePart(note: string): void;
  /** The same, with where the roots came from or why none are allowed (for doctor). */
  localRootsInfo(): Promise<EffectiveLocalRoots>;
}

/** The outcome's error code: ours, else the system's (EACCES...), never a message that may echo data. */
function auditErrorCode(err: unknown): string {
  if (err instanceof OlaresMcpError) return err.code;
  if ((err as Error)?.name === 'AbortError') return 'cancelled';
  const code = (err as NodeJS.ErrnoException)?.code;
  return typeof code === 'string' && /^[A-Z0-9_]+$/.test(code) ? code : 'internal';
}

export interface ContextDeps {
  auth: AuthContext;
  server: McpServer;
  signal: AbortSignal;
  /** The tool being called and its arguments: approvals are bound to them. */
  tool: string;
  args: Record<string, unknown>;
  profile?: string;
  progressToken?: string | number;
  sendProgress: (params: {
    progressToken: string | number;
    progress: number;
    total?: number;
    message?: string;
  }) => Promise<void>;
}

/** What one call remembers between its context's methods. */
interface CallState {
  clients?: Promise<OlaresClients>;
  /** The olaresId the clients resolved to. */
  olaresId?: string;
  /** The handler itself asked for the clients. */
  handlerRanAs?: boolean;
  highestReported: number;
  audited?: Record<string, unknown>;
  donePart?: string;
}

export function createContext(deps: ContextDeps): ToolContext {
  const state: CallState = { highestReported: -Infinity };
  const ctx: ToolContext = {
    auth: deps.auth,
    server: deps.server,
    signal: deps.signal,
    olares() {
      state.handlerRanAs = true;
      return sessionClients(deps, state);
    },
    ranAs: () => (state.handlerRanAs ? state.olaresId : undefined),
    progress: (progress, total, message) => reportProgress(deps, state, progress, total, message),
    elicitation() {
      const caps = deps.server.server.getClientCapabilities()?.elicitation;
      return { form: Boolean(caps?.form), url: Boolean(caps?.url) };
    },
    confirmations: [],
    async confirm(req) {
      const confirmation = await confirm(gateDeps(deps, state, ctx), req);
      ctx.confirmations.push(confirmation);
      return confirmation;
    },
    async localRoots() {
      const info = await ctx.localRootsInfo();
      if (!info.roots.length) throw new LocalRootsRefusedError(info.refused ?? 'no local roots');
      return info.roots;
    },
    async localRootsInfo() {
      return effectiveLocalRoots(deps.auth.config.localRoots, await listClientRoots(deps), homedir());
    },
    auditAttempt: (target, opts) => writeAuditAttempt(deps, state, target, opts),
    auditOutcome: (error) => writeAuditOutcome(deps, state, error),
    donePart(note) {
      state.donePart = note;
    },
  };
  return ctx;
}

function sessionClients(deps: ContextDeps, state: CallState): Promise<OlaresClients> {
  // OLARES_PROFILE_LOCK is enforced by auth.session() itself.
  state.clients ??= deps.auth.session(deps.profile).then((s) => {
    const clients = new OlaresClients(s, deps.auth);
    state.olaresId = clients.olaresId;
    return clients;
  });
  return state.clients;
}

async function reportProgress(
  deps: ContextDeps,
  state: CallState,
  progress: number,
  total?: number,
  message?: string,
) {
  if (deps.progressToken === undefined || progress <= state.highestReported) return;
  state.highestReported = progress;
  await deps.sendProgress({ progressToken: deps.progressToken, progress, total, message }).catch(() => {});
}

/** The protocol side of the confirmation gate (gate.ts) for this call. */
function gateDeps(deps: ContextDeps, state: CallState, ctx: ToolContext): GateDeps {
  return {
    tool: deps.tool,
    args: deps.args,
    mode: deps.auth.config.confirm,
    canShowForm: ctx.elicitation().form && deps.auth.config.forms,
    askForm: (message, question) => askConfirmForm(deps, message, question),
    approvalLink: (message, change) => approvalLinkFor(deps, state, message, change),
  };
}

async function askConfirmForm(deps: ContextDeps, message: string, question: string) {
  const answer = await deps.server.server.elicitInput(
    {
      mode: 'form',
      message,
      requestedSchema: {
        type: 'object',
        properties: {
          confirm: { type: 'boolean', title: 'Yes, do it', description: question, default: false },
        },
        required: ['confirm'],
      },
    },
    { signal: deps.signal, timeout: 10 * 60_000 },
  );
  if (answer.action === 'accept') return answer.content?.confirm === true ? 'yes' : 'no';
  return answer.action;
}

async function approvalLinkFor(deps: ContextDeps, state: CallState, message: string, change: ConfirmRequest) {
  // Bound to who the call runs as: an approval for alice never runs as bob.
  const identity = await sessionClients(deps, state).then(
    (c) => c.olaresId,
    () => `profile ${deps.profile ?? '(default)'}`,
  );
  return requestApproval({
    tool: deps.tool,
    identity,
    args: deps.args,
    change: { question: change.question, targets: change.targets },
    message,
    memo: change.memo,
    ttlMs: deps.auth.config.loginTtlMs,
    openBrowser: deps.auth.config.openBrowser,
  });
}

async function writeAuditAttempt(
  deps: ContextDeps,
  state: CallState,
  target: unknown,
  { dryRun }: { dryRun: boolean },
) {
  let profile: string | undefined;
  try {
    profile = (await sessionClients(deps, state)).olaresId;
  } catch {
    profile = deps.profile;
  }
  state.audited = { id: randomUUID(), profile, tool: deps.tool, target, ...(dryRun ? { dryRun } : {}) };
  await deps.auth.appendAudit(
    JSON.stringify({ time: new Date().toISOString(), phase: 'attempt', ...state.audited }),
  );
}

async function writeAuditOutcome(deps: ContextDeps, state: CallState, error?: unknown) {
  if (!state.audited) return;
  const outcome =
    error === undefined
      ? { outcome: 'ok' }
      : {
          outcome: 'error',
          error: auditErrorCode(error),
          ...(state.donePart ? { partial: state.donePart } : {}),
        };
  const line = JSON.stringify({
    time: new Date().toISOString(),
    phase: 'outcome',
    ...state.audited,
    ...outcome,
  });
  try {
    await deps.auth.appendAudit(line);
  } catch (err) {
    log.warn(`could not write the outcome of ${deps.tool} to audit.log: ${(err as Error).message}`);
  }
}

/** The client's roots/list answer; undefined when it declares no roots or the request fails. */
async function listClientRoots(deps: ContextDeps): Promise<ClientRootUris> {
  if (!deps.server.server.getClientCapabilities()?.roots) return undefined;
  try {
    const { roots } = await deps.server.server.listRoots(undefined, { signal: deps.signal, timeout: 10_000 });
    return roots.map((r) => r.uri);
  } catch (err) {
    log.debug(`roots/list failed: ${(err as Error).message}`);
    return undefined;
  }
}
