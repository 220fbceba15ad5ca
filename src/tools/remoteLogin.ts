// profile_login in remote mode (serve --http): the person is not at the server's machine, so the
// link is the connect page (src/auth/connectPage.ts) on the box's private entrance, which logs
// the OWNER in and binds the calling principal. Only the owner can be logged in (the instance's
// identity comes from its environment); the `name` and `makeCurrent` arguments are ignored, as
// an argument never changes whose box this is. 2026-07-28 with URL mode declared: the link goes
// out as an input_required URL request and the retry waits at most 45 s for the page, as the
// stdio login does (loginRounds.ts); otherwise the result carries the link.

import { inputRequired, inputResponse } from '@modelcontextprotocol/server';
import { type ConnectLink, openConnectPage, ownerOf } from '../auth/connect.js';
import { parseOlaresId } from '../auth/identity.js';
import { OlaresMcpError } from '../errors.js';
import type { CallState } from './callProtocol.js';
import type { RemoteCall, ToolContext } from './context.js';

type LoginRound = NonNullable<CallState['login']>;

const MODERN_LOGIN_WAIT_MS = 45_000;
const POLL_MS = 250;

export class NotOwnerError extends OlaresMcpError {
  constructor(asked: string, owner: string) {
    super(
      `this server serves only its owner ${owner}; a login for ${asked} is refused. Fix: call profile_login {olaresId: "${owner}"}, or install olares-mcp for ${asked} on that user's box`,
      { code: 'profile_locked' },
    );
  }
}

export class ConnectPageOffError extends OlaresMcpError {
  constructor(principal?: { iss: string; sub: string }) {
    const bind = principal
      ? `; the owner can also bind this agent where the server's state lives: olares-mcp remote bind --iss ${principal.iss} --sub ${principal.sub}`
      : '';
    super(
      `this server has no connect page, so no login link can be given. Fix: start it with serve --http --connect-port P (and OLARES_MCP_CONNECT_URL off loopback)${bind}`,
      { code: 'connect_page_off' },
    );
  }
}

interface RemoteLoginData {
  olaresId: string;
  status: 'logged-in' | 'pending' | 'declined';
  authUrl: string;
  newHost: boolean;
  loginUrl?: string;
  linkExpiresAt?: string;
  profile?: string;
  backend?: string;
  expiresAt?: string;
}

export async function remoteLogin(ctx: ToolContext, remote: RemoteCall, asked: string) {
  const owner = await ownerOf(ctx.auth);
  const { olaresId } = parseOlaresId(asked);
  if (olaresId.toLowerCase() !== owner.olaresId.toLowerCase())
    throw new NotOwnerError(olaresId, owner.olaresId);
  const target = await ctx.auth.authTarget(owner.olaresId);
  const authUrl = `${target.scheme}//${target.host}`;
  const base: RemoteLoginData = { olaresId: owner.olaresId, status: 'pending', authUrl, newHost: false };
  const modern = ctx.elicitation().url && ctx.protocol.era === 'modern';
  const carried = modern ? await ctx.protocol.state() : undefined;
  if (carried?.login) return retryRound(ctx, base, carried.login);
  // A bound caller gets olares-cli's rule (no second login while a token is valid); an unbound one
  // needs the page for its binding even when the owner is logged in.
  if (remote.bound) await ctx.auth.assertCanAuthenticate(owner.olaresId);
  if (!remote.connectBase) throw new ConnectPageOffError(remote.bound ? undefined : remote.principal);
  const link = await openConnectPage(ctx.auth, {
    owner,
    principal: remote.bound ? undefined : remote.principal,
    base: remote.connectBase,
  });
  if (!modern) return pending(base, link, `Login for ${owner.olaresId} is waiting for the owner.`);
  const login = { pendingId: link.record, startedAt: Date.now(), expiresAt: link.expiresAt };
  const message = `Sign in to ${base.olaresId} on your box's olares-mcp connect page (the password and TOTP are typed there, not in the chat). It sends the password to ${base.authUrl}.`;
  return ctx.protocol.ask(
    { login: inputRequired.elicitUrl({ url: link.url, message }) },
    { confirmed: carried?.confirmed ?? [], login },
    Math.max(1_000, link.expiresAt - Date.now()),
  );
}

function pending(base: RemoteLoginData, link: Partial<ConnectLink>, why: string) {
  const linkExpiresAt = link.expiresAt ? new Date(link.expiresAt).toISOString() : undefined;
  const open = link.url
    ? `Give the owner this link; they open it in a browser signed in to their Olares box and type the password there (it never passes through the chat): ${link.url}\nIt works once and expires at ${linkExpiresAt}.`
    : `The link given before works until ${linkExpiresAt}.`;
  return {
    data: { ...base, loginUrl: link.url, linkExpiresAt },
    summary: `${why} The page sends the password to ${base.authUrl}.\n${open} Then call profile_list to confirm.`,
  };
}

async function retryRound(ctx: ToolContext, base: RemoteLoginData, login: LoginRound) {
  const answer = inputResponse(ctx.protocol.responses, 'login');
  if (answer.kind === 'elicit' && answer.action !== 'accept') {
    await ctx.auth.state.pendingLogins.delete(login.pendingId);
    return {
      data: { ...base, status: 'declined' as const },
      summary: `The connect page was ${answer.action === 'decline' ? 'declined' : 'cancelled'}; nothing was stored.`,
    };
  }
  return awaitConnect(ctx, base, login);
}

/** The retry after the link: logged in once the page's record is gone and the owner's token is live. */
async function awaitConnect(ctx: ToolContext, base: RemoteLoginData, login: LoginRound) {
  const deadline = Date.now() + MODERN_LOGIN_WAIT_MS;
  for (;;) {
    const record = await ctx.auth.state.pendingLogins.get(login.pendingId);
    if (!record || record.expiresAt <= Date.now()) {
      const { profiles } = await ctx.auth.listProfiles();
      const view = profiles.find((p) => p.olaresId === base.olaresId);
      if (view?.status.startsWith('logged-in') && (await boundNow(ctx)))
        return {
          data: {
            ...base,
            status: 'logged-in' as const,
            profile: view.name,
            backend: view.backend,
            expiresAt: view.expiresAt,
          },
          summary: `logged in as ${base.olaresId} (profile: ${view.name}); token stored via ${view.backend}. This agent may now use the other tools.`,
        };
      return {
        data: { ...base, status: 'declined' as const },
        summary: `The connect page for ${base.olaresId} closed without a login; nothing was stored. Call profile_login again for a new link.`,
      };
    }
    if (Date.now() >= deadline || ctx.signal.aborted)
      return pending(
        base,
        { expiresAt: login.expiresAt },
        `Login for ${base.olaresId} is still waiting for the owner.`,
      );
    await new Promise((r) => setTimeout(r, POLL_MS));
  }
}

async function boundNow(ctx: ToolContext): Promise<boolean> {
  const remote = ctx.remote;
  if (!remote || remote.bound || !remote.principal) return true;
  return ctx.auth.state.principals.isBound(remote.principal);
}
