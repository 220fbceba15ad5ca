// What a tool handler gets besides its arguments. Everything protocol-specific (progress,
// elicitation, roots, cancellation) is reached through here; `protocol` (callProtocol.ts) is the
// one raw door, kept for profile_login's URL-mode link in either protocol era.
import { createHash, randomUUID } from 'node:crypto';
import { homedir } from 'node:os';
import { inputRequired, SdkError, SdkErrorCode } from '@modelcontextprotocol/server';
import type { AuthContext } from '../auth/index.js';
import type { Principal } from '../auth/principals.js';
import { OlaresMcpError } from '../errors.js';
import { log } from '../log.js';
import type { OlaresClients } from '../olares/index.js';
import {
  type CallProtocol,
  type ConfirmedQuestion,
  formAnswer,
  InputRequiredSignal,
  LEGACY_ANSWER_TIMEOUT_MS,
  rootsAnswer,
} from './callProtocol.js';
import { type Confirmation, type ConfirmRequest, confirm, type FormAnswer, type GateDeps } from './gate.js';
import {
  type ClientRootUris,
  type EffectiveLocalRoots,
  effectiveLocalRoots,
  LocalRootsRefusedError,
} from './localRoots.js';

/** Remote mode (serve --http): who calls, and where the connect page is reached. */
export interface RemoteCall {
  /** The bearer token's (iss, sub), as serve --http verified it (the SDK's ctx.http.authInfo). */
  principal?: Principal;
  /** serve --http found the principal bound to the owner (or the owner by construction). */
  bound: boolean;
  /** The connect page's origin; undefined when serve --http runs without --connect-port. */
  connectBase?: string;
}

export interface ToolContext {
  auth: AuthContext;
  protocol: CallProtocol;
  signal: AbortSignal;
  /** Set in remote mode only. */
  remote?: RemoteCall;
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
  protocol: CallProtocol;
  signal: AbortSignal;
  /** The tool being called and its arguments: approvals are bound to them. */
  tool: string;
  args: Record<string, unknown>;
  profile?: string;
  /** Loopback approval pages can reach the user (stdio on the user's machine; not remote mode). */
  approvalLinks?: boolean;
  remote?: RemoteCall;
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
  /** 2026-07-28: message hashes the user said yes to, in this round or carried from earlier ones. */
  confirmedThisCall: ConfirmedQuestion[];
  /** 2026-07-28: the client's roots once known in this call. */
  roots?: string[];
}

export function createContext(deps: ContextDeps): ToolContext {
  const state: CallState = { highestReported: -Infinity, confirmedThisCall: [] };
  const ctx: ToolContext = {
    auth: deps.auth,
    protocol: deps.protocol,
    signal: deps.signal,
    remote: deps.remote,
    olares() {
      state.handlerRanAs = true;
      return sessionClients(deps, state);
    },
    ranAs: () => (state.handlerRanAs ? state.olaresId : undefined),
    progress: (progress, total, message) => reportProgress(deps, state, progress, total, message),
    elicitation() {
      const caps = deps.protocol.capabilities?.elicitation as { form?: object; url?: object } | undefined;
      // A bare `elicitation: {}` is the 2025-06-18 declaration: forms only.
      const bare = caps !== undefined && caps.form === undefined && caps.url === undefined;
      return { form: bare || Boolean(caps?.form), url: Boolean(caps?.url) };
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
      return effectiveLocalRoots(deps.auth.config.localRoots, await clientRoots(deps, state), homedir());
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
  // The service clients (and the HTTP stack under them) load on a call's first use, not at start.
  state.clients ??= Promise.all([deps.auth.session(deps.profile), import('../olares/index.js')]).then(
    ([s, olares]) => {
      const clients = new olares.OlaresClients(s, deps.auth);
      state.olaresId = clients.olaresId;
      return clients;
    },
  );
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
    askForm: (message, req) => askConfirmForm(deps, state, message, req),
    approvalLink:
      deps.approvalLinks === false
        ? undefined
        : (message, change) => approvalLinkFor(deps, state, message, change),
  };
}

const confirmForm = (message: string, question: string) => ({
  mode: 'form' as const,
  message,
  requestedSchema: {
    type: 'object' as const,
    properties: {
      confirm: { type: 'boolean' as const, title: 'Yes, do it', description: question, default: false },
    },
    required: ['confirm'],
  },
});

/** 2026-07-28 confirmations live ten minutes, in the user's hands between two rounds. */
const CONFIRM_STATE_TTL_MS = 10 * 60_000;

/**
 * One yes/no question, in the call's era. 2025: pushed and awaited, at most 45 s (a client that
 * declares forms and never draws them must not hang the call). 2026-07-28: answered from the
 * retry's signed state and answers, else asked by ending this round (callProtocol.ts). A question
 * is known by its text and targets, not its details: a value the handler chose afresh (a link
 * password) is carried as the memo the user saw, as approval links do.
 */
async function askConfirmForm(
  deps: ContextDeps,
  state: CallState,
  message: string,
  req: ConfirmRequest,
): Promise<FormAnswer> {
  const protocol = deps.protocol;
  if (protocol.era === 'legacy') {
    try {
      const answer = await protocol.elicit(confirmForm(message, req.question), LEGACY_ANSWER_TIMEOUT_MS);
      if (answer.action === 'accept') return { answer: answer.content?.confirm === true ? 'yes' : 'no' };
      return { answer: answer.action };
    } catch (err) {
      if (deps.signal.aborted) throw err;
      if (isTimeout(err)) return { answer: 'no-answer' };
      throw err;
    }
  }
  const carried = await protocol.state();
  const q = createHash('sha256')
    .update(JSON.stringify([req.kind, req.question, req.targets]))
    .digest('base64url');
  const confirmed = state.confirmedThisCall;
  const known = confirmed.find((c) => c.q === q) ?? carried?.confirmed.find((c) => c.q === q);
  if (known) {
    if (!confirmed.includes(known)) confirmed.push(known);
    return { answer: 'yes', memo: known.memo };
  }
  if (carried?.asking?.q === q) {
    const answer = formAnswer(protocol.responses, carried.asking.key);
    if (answer === 'yes') {
      confirmed.push({ q, memo: carried.asking.memo });
      return { answer, memo: carried.asking.memo };
    }
    if (answer !== 'missing') return { answer };
  }
  const key = `confirm${confirmed.length}`;
  const { mode: _form, ...formParams } = confirmForm(message, req.question);
  const earlier = (carried?.confirmed ?? []).filter((c) => !confirmed.some((d) => d.q === c.q));
  return protocol.ask(
    { [key]: inputRequired.elicit(formParams) },
    { confirmed: [...earlier, ...confirmed], asking: { key, q, memo: req.memo }, roots: state.roots },
    CONFIRM_STATE_TTL_MS,
  );
}

const isTimeout = (err: unknown) => err instanceof SdkError && err.code === SdkErrorCode.RequestTimeout;

async function approvalLinkFor(deps: ContextDeps, state: CallState, message: string, change: ConfirmRequest) {
  // Bound to who the call runs as: an approval for alice never runs as bob.
  const identity = await sessionClients(deps, state).then(
    (c) => c.olaresId,
    () => `profile ${deps.profile ?? '(default)'}`,
  );
  const { requestApproval } = await import('./approvalPage.js');
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
      : error instanceof InputRequiredSignal
        ? { outcome: 'asked' }
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

/**
 * The client's roots. 2025: a roots/list request when the client declares roots. 2026-07-28: an
 * input_required round asking for them, only when OLARES_LOCAL_ROOTS is unset (then they decide
 * nothing) and this request declares roots; the answer is carried in the signed state afterwards.
 */
async function clientRoots(deps: ContextDeps, state: CallState): Promise<ClientRootUris> {
  const protocol = deps.protocol;
  if (protocol.era === 'legacy') return protocol.listRoots();
  if (state.roots) return state.roots;
  if (deps.auth.config.localRoots !== undefined || !protocol.capabilities?.roots) return undefined;
  const carried = await protocol.state();
  const answered = carried?.roots ?? rootsAnswer(protocol.responses, 'roots');
  if (answered) {
    state.roots = answered;
    return answered;
  }
  return protocol.ask(
    { roots: inputRequired.listRoots() },
    { confirmed: carried?.confirmed ?? [] },
    CONFIRM_STATE_TTL_MS,
  );
}
