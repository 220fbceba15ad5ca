// The protocol side of one tool call, for both eras the server speaks. Handlers never see it:
// they call ctx.confirm / ctx.localRoots / profile_login's link, and this module answers in the
// call's era.
// - 2025 era (initialize): the client takes server-to-client requests, so a question is pushed and
//   awaited (with our own deadline, below the clients' 60 s request timeout).
// - 2026-07-28 era: no server-to-client requests. A question ends this round with an
//   `input_required` result (InputRequiredSignal); the client asks the user and calls again with
//   the answer and our signed `requestState`, and the handler runs again from the top. That is
//   safe because every question is asked before any side effect (gate.ts).
import { createHash, randomBytes } from 'node:crypto';
import {
  type ClientCapabilities,
  type ElicitRequestFormParams,
  type ElicitRequestURLParams,
  type ElicitResult,
  type InputRequests,
  type InputRequiredResult,
  inputRequired,
  inputResponse,
  type McpServer,
  type ServerContext,
} from '@modelcontextprotocol/server';
import type { SingleUseIds } from '../auth/mrtrState.js';
import { log } from '../log.js';

export type Era = 'legacy' | 'modern';

/** A legacy-era question unanswered this long ends the call (clients give up at 60 s). */
export const LEGACY_ANSWER_TIMEOUT_MS = 45_000;

/**
 * Ends this round of a 2026-07-28 call with an `input_required` result. Thrown, not returned, so
 * the gate's callers need no second return path; only ever thrown before a side effect.
 */
export class InputRequiredSignal extends Error {
  constructor(readonly result: InputRequiredResult) {
    super('input required');
  }
}

/** A question (hash of its kind, text and targets) the user said yes to, with the values it showed. */
export interface ConfirmedQuestion {
  q: string;
  memo?: Record<string, string>;
}

/** What a call carries across its rounds, signed by the server (the client only echoes it). */
export interface CallState {
  /** Single use: a state is honoured by one retry only. */
  id: string;
  tool: string;
  /** Hash of the call's canonical arguments: another call never inherits an answer. */
  args: string;
  /** Our own expiry (ms), shorter than the codec's for confirmations. */
  exp: number;
  /** The questions the user said yes to in earlier rounds. */
  confirmed: ConfirmedQuestion[];
  /** The question the last round asked: its key in inputResponses, its hash, the values it showed. */
  asking?: { key: string; q: string; memo?: Record<string, string> };
  /** The client's roots, from an earlier roots/list round. */
  roots?: string[];
  /** A login this call started and now waits for. */
  login?: { pendingId: string; startedAt: number; expiresAt: number };
}

export interface StateCodec {
  mint(state: CallState): Promise<string>;
}

export interface CallProtocolDeps {
  server: McpServer;
  sdk: ServerContext;
  tool: string;
  args: Record<string, unknown>;
  codec: () => Promise<StateCodec>;
  usedIds: () => SingleUseIds;
}

export interface CallProtocol {
  readonly era: Era;
  /** What the client declared: on this request (2026-07-28) or at initialize (2025). */
  readonly capabilities: ClientCapabilities | undefined;
  readonly signal: AbortSignal;
  /** Legacy era only: pushes a question and waits at most LEGACY_ANSWER_TIMEOUT_MS (throws on timeout). */
  elicit(params: ElicitRequestFormParams | ElicitRequestURLParams, timeoutMs?: number): Promise<ElicitResult>;
  /** Legacy era only: the client's roots, or undefined when it has none to give. */
  listRoots(): Promise<string[] | undefined>;
  /** Legacy era only: tells the client a URL-mode elicitation finished (2025-11-25). */
  elicitationComplete(elicitationId: string): Promise<void>;
  /** Modern era: the verified state this retry carries, bound to this call; claimed on first read. */
  state(): Promise<CallState | undefined>;
  /** Modern era: the answers this round carries. */
  readonly responses: Record<string, unknown> | undefined;
  /** Modern era: ends the round asking for `requests`, carrying `state` forward. */
  ask(
    requests: InputRequests,
    state: Omit<CallState, 'id' | 'tool' | 'args' | 'exp'>,
    ttlMs: number,
  ): Promise<never>;
}

export function eraOf(server: McpServer): Era {
  const version = server.server.getNegotiatedProtocolVersion();
  return version && version >= '2026' ? 'modern' : 'legacy';
}

/** Arguments in a canonical order, hashed: an answer given for one call never fits another. */
export function argsHash(tool: string, args: Record<string, unknown>): string {
  const canonical = (v: unknown): unknown =>
    v && typeof v === 'object' && !Array.isArray(v)
      ? Object.fromEntries(
          Object.keys(v as object)
            .sort()
            .map((k) => [k, canonical((v as Record<string, unknown>)[k])]),
        )
      : Array.isArray(v)
        ? v.map(canonical)
        : v;
  return createHash('sha256')
    .update(JSON.stringify([tool, canonical(args)]))
    .digest('base64url');
}

export function createCallProtocol(deps: CallProtocolDeps): CallProtocol {
  const era = eraOf(deps.server);
  const sdk = deps.sdk;
  const envelope = sdk.mcpReq.envelope as Record<string, unknown> | undefined;
  const capabilities =
    era === 'modern'
      ? (envelope?.['io.modelcontextprotocol/clientCapabilities'] as ClientCapabilities | undefined)
      : deps.server.server.getClientCapabilities();
  let claimed: Promise<CallState | undefined> | undefined;
  // Hashed only by a call that asks or answers a question: most calls do neither.
  let hashed: string | undefined;
  const hash = () => (hashed ??= argsHash(deps.tool, deps.args));
  return {
    era,
    capabilities,
    signal: sdk.mcpReq.signal,
    responses: sdk.mcpReq.inputResponses,
    elicit: (params, timeoutMs = LEGACY_ANSWER_TIMEOUT_MS) =>
      sdk.mcpReq.elicitInput(params, { signal: sdk.mcpReq.signal, timeout: timeoutMs }),
    async listRoots() {
      if (!capabilities?.roots) return undefined;
      try {
        const { roots } = await sdk.mcpReq.send(
          { method: 'roots/list' },
          { signal: sdk.mcpReq.signal, timeout: 10_000 },
        );
        return roots.map((r) => r.uri);
      } catch (err) {
        log.debug(`roots/list failed: ${(err as Error).message}`);
        return undefined;
      }
    },
    elicitationComplete: (id) =>
      deps.server.server
        .createElicitationCompletionNotifier(id)()
        .catch(() => {}),
    state() {
      claimed ??= claimState(deps, hash());
      return claimed;
    },
    async ask(requests, carried, ttlMs) {
      const state: CallState = {
        ...carried,
        id: randomBytes(18).toString('base64url'),
        tool: deps.tool,
        args: hash(),
        exp: Date.now() + ttlMs,
      };
      const requestState = await (await deps.codec()).mint(state);
      throw new InputRequiredSignal(inputRequired({ inputRequests: requests, requestState }));
    },
  };
}

/**
 * The state a retry carries, when it belongs to this very call (tool and arguments), is within its
 * own expiry and was not used before; otherwise undefined, so every question is asked again. The
 * SDK already refused a state whose signature or codec expiry failed (-32602).
 */
async function claimState(deps: CallProtocolDeps, hash: string): Promise<CallState | undefined> {
  const state = deps.sdk.mcpReq.requestState<CallState>();
  if (!state || typeof state !== 'object') return undefined;
  if (state.tool !== deps.tool || state.args !== hash) {
    log.debug(`${deps.tool}: a retry's state belongs to other arguments; asking again`);
    return undefined;
  }
  if (!(state.exp > Date.now())) return undefined;
  if (!(await deps.usedIds().claim(state.id, state.exp))) {
    log.debug(`${deps.tool}: a retry's state was used before; asking again`);
    return undefined;
  }
  return state;
}

/** The user's answer to a yes/no form in the answers a retry carries. */
export function formAnswer(
  responses: Record<string, unknown> | undefined,
  key: string,
): 'yes' | 'no' | 'decline' | 'cancel' | 'missing' {
  const view = inputResponse(responses, key);
  if (view.kind !== 'elicit') return 'missing';
  if (view.action !== 'accept') return view.action;
  return view.content?.confirm === true ? 'yes' : 'no';
}

/** The client's roots in the answers a retry carries. */
export function rootsAnswer(
  responses: Record<string, unknown> | undefined,
  key: string,
): string[] | undefined {
  const view = inputResponse(responses, key);
  return view.kind === 'roots' ? view.roots.map((r) => r.uri) : undefined;
}
