// What a tool handler gets besides its arguments. Everything protocol-specific (progress,
// elicitation, roots, cancellation) is reached through here so handlers stay plain functions.
import { appendFile } from 'node:fs/promises';
import { delimiter, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { McpServer } from '@modelcontextprotocol/sdk/server/mcp.js';
import { ensureDir } from '../auth/fsutil.js';
import type { AuthContext } from '../auth/index.js';
import { OlaresMcpError } from '../errors.js';
import { log } from '../log.js';
import { OlaresClients } from '../olares/index.js';
import { requestApproval } from './approvalPage.js';
import { type Confirmation, type ConfirmRequest, confirm } from './gate.js';

/** OLARES_PROFILE_LOCK: the `profile` argument may not move a call to another identity. */
export class ProfileLockedError extends OlaresMcpError {
  constructor(named: string, pinned: string) {
    super(
      `OLARES_PROFILE_LOCK is on: this server runs only as ${pinned}, and the call named profile "${named}"; nothing was done. Fix: drop the profile argument, or change OLARES_PROFILE / unset OLARES_PROFILE_LOCK in the server's environment`,
      { code: 'profile_locked' },
    );
  }
}

export interface ToolContext {
  auth: AuthContext;
  server: McpServer;
  signal: AbortSignal;
  /** Clients bound to the call's profile (its `profile` argument, else the default). */
  olares(): Promise<OlaresClients>;
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
  /** Local directories that upload sources and download targets must lie in. */
  localRoots(): Promise<string[]>;
  /** One JSON line in audit.log per mutating call; never a secret. */
  audit(tool: string, target: unknown): Promise<void>;
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

export function createContext(deps: ContextDeps): ToolContext {
  let clients: Promise<OlaresClients> | undefined;
  let last = -Infinity;
  const ctx: ToolContext = {
    auth: deps.auth,
    server: deps.server,
    signal: deps.signal,
    olares() {
      clients ??= (async () => {
        const session = await deps.auth.session(deps.profile);
        if (deps.auth.config.profileLock && deps.profile) {
          const pinned = await deps.auth.session();
          if (pinned.identity.olaresId !== session.identity.olaresId)
            throw new ProfileLockedError(deps.profile, pinned.identity.olaresId);
        }
        return new OlaresClients(session, deps.auth);
      })();
      return clients;
    },
    async progress(progress, total, message) {
      if (deps.progressToken === undefined || progress <= last) return;
      last = progress;
      await deps
        .sendProgress({ progressToken: deps.progressToken, progress, total, message })
        .catch(() => {});
    },
    elicitation() {
      const caps = deps.server.server.getClientCapabilities()?.elicitation;
      return { form: Boolean(caps?.form), url: Boolean(caps?.url) };
    },
    confirmations: [],
    async confirm(req) {
      const form = ctx.elicitation().form && deps.auth.config.forms;
      const confirmation = await confirm(
        {
          tool: deps.tool,
          args: deps.args,
          mode: deps.auth.config.confirm,
          canShowForm: form,
          async askForm(message, question) {
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
          },
          async approvalLink(message, change) {
            // Bound to who the call runs as: an approval for alice never runs as bob.
            const identity = await ctx.olares().then(
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
          },
        },
        req,
      );
      ctx.confirmations.push(confirmation);
      return confirmation;
    },
    async localRoots() {
      if (deps.server.server.getClientCapabilities()?.roots) {
        try {
          const { roots } = await deps.server.server.listRoots(undefined, {
            signal: deps.signal,
            timeout: 10_000,
          });
          const dirs = roots.filter((r) => r.uri.startsWith('file://')).map((r) => fileURLToPath(r.uri));
          if (dirs.length) return dirs;
        } catch (err) {
          log.debug(`roots/list failed: ${(err as Error).message}`);
        }
      }
      const configured = deps.auth.env.OLARES_LOCAL_ROOTS?.split(delimiter).filter(Boolean);
      return (configured?.length ? configured : [process.cwd()]).map((d) => resolve(d));
    },
    async audit(tool, target) {
      let profile: string | undefined;
      try {
        profile = (await ctx.olares()).olaresId;
      } catch {
        profile = deps.profile;
      }
      const line = JSON.stringify({ time: new Date().toISOString(), profile, tool, target });
      try {
        await ensureDir(deps.auth.home);
        await appendFile(deps.auth.paths.audit, `${line}\n`, { mode: 0o600 });
      } catch (err) {
        log.warn(`could not write audit.log: ${(err as Error).message}`);
      }
    },
  };
  return ctx;
}
