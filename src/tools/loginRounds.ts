// profile_login's page, in the call's protocol era. The page is where the user types the password
// and TOTP; the tool only ever hands out its link.
// - Without URL-mode elicitation (most clients): a detached page that outlives this server; the
//   result carries the link for the user.
// - 2025 era with URL mode: the page lives in this process; the client opens it on consent, we
//   wait for it and say `notifications/elicitation/complete`.
// - 2026-07-28 with URL mode declared on this request: round 1 returns the link as an
//   input_required URL request; the retry waits at most 45 s for the detached page, then returns
//   a complete result (logged in, or still pending). It never asks again.
import { randomUUID } from 'node:crypto';
import { inputRequired, inputResponse } from '@modelcontextprotocol/server';
import { openInBrowser } from '../auth/loopback.js';
import { closePendingLogin, readPendingLogin } from '../auth/pendingLogins.js';
import { InvalidInputError } from '../errors.js';
import type { CallState } from './callProtocol.js';
import type { ToolContext } from './context.js';

const LEGACY_LOGIN_WAIT_MS = 10 * 60_000;
/** The retry of a 2026-07-28 login round waits this long before saying "still pending". */
const MODERN_LOGIN_WAIT_MS = 45_000;

export interface LoginCall {
  olaresId: string;
  name?: string;
  makeCurrent: boolean;
  hostInfo: { authUrl: string; newHost: boolean };
  hostLine: string;
}

interface PageLink {
  url: string;
  expiresAt: number;
}

export async function loginThroughPage(ctx: ToolContext, call: LoginCall) {
  const url = ctx.elicitation().url;
  if (url && ctx.protocol.era === 'modern') return modernUrlLogin(ctx, call);
  if (url) return legacyUrlLogin(ctx, call);
  const page = await startDetached(ctx, call);
  const opened = ctx.auth.env.OLARES_OPEN_BROWSER === '1' && openInBrowser(page.url);
  return pendingResult(
    call,
    page,
    'pending',
    `Login for ${call.olaresId} is waiting for the user.${opened ? ' The login page was opened in the default browser.' : ''}`,
  );
}

function pendingResult(call: LoginCall, page: PageLink, status: 'pending' | 'declined', why: string) {
  const linkExpiresAt = new Date(page.expiresAt).toISOString();
  return {
    data: { olaresId: call.olaresId, status, loginUrl: page.url, linkExpiresAt, ...call.hostInfo },
    summary: `${why} ${call.hostLine}\nOpen this link in a browser on this machine and sign in there (the password and code never pass through the chat): ${page.url}\nIt works once and expires at ${linkExpiresAt}. Then call profile_list to confirm. Terminal alternative: olares-mcp login --olares-id ${call.olaresId}`,
  };
}

function loggedInResult(
  call: LoginCall,
  result: { name: string; backend?: string; expiresAt?: string; switched?: boolean },
) {
  const switchLine = result.switched
    ? `${result.name} is now the current profile.`
    : 'The current profile did not change (makeCurrent switches it; the user confirms).';
  return {
    data: {
      olaresId: call.olaresId,
      status: 'logged-in' as const,
      profile: result.name,
      backend: result.backend,
      expiresAt: result.expiresAt,
      switched: result.switched,
      ...call.hostInfo,
    },
    summary: `logged in as ${call.olaresId} (profile: ${result.name}); token stored via ${result.backend}\n${switchLine}`,
  };
}

async function startDetached(ctx: ToolContext, call: LoginCall) {
  const { startDetachedLoginPage } = await import('../auth/loginPageProcess.js');
  return startDetachedLoginPage(ctx.auth, call.olaresId, { name: call.name, makeCurrent: call.makeCurrent });
}

async function legacyUrlLogin(ctx: ToolContext, call: LoginCall) {
  const { openLoginPage } = await import('../auth/loginPage.js');
  const page = await openLoginPage(ctx.auth, call.olaresId, {
    name: call.name,
    makeCurrent: call.makeCurrent,
  });
  if (!('done' in page))
    return pendingResult(call, page, 'pending', `Login for ${call.olaresId} is waiting for the user.`);
  const elicitationId = randomUUID();
  const answer = await ctx.protocol.elicit(
    { mode: 'url', elicitationId, url: page.url, message: pageMessage(call) },
    LEGACY_LOGIN_WAIT_MS,
  );
  if (answer.action !== 'accept')
    return pendingResult(
      call,
      page,
      'declined',
      `The login page was ${answer.action === 'decline' ? 'declined' : 'cancelled'}; nothing was stored.`,
    );
  const result = await raceAbort(page.done, ctx.signal, LEGACY_LOGIN_WAIT_MS);
  await ctx.protocol.elicitationComplete(elicitationId);
  return loggedInResult(call, result);
}

const pageMessage = (call: LoginCall) =>
  `Sign in to ${call.olaresId} on the local olares-mcp login page (password and TOTP are typed there, not in the chat). ${call.hostLine}`;

async function modernUrlLogin(ctx: ToolContext, call: LoginCall) {
  const carried = await ctx.protocol.state();
  if (carried?.login) {
    const answer = inputResponse(ctx.protocol.responses, 'login');
    if (answer.kind === 'elicit' && answer.action !== 'accept') {
      const record = readPendingLogin(ctx.auth.home, carried.login.pendingId);
      if (record) closePendingLogin(ctx.auth.home, record);
      return pendingResult(
        call,
        { url: record?.url ?? '', expiresAt: carried.login.expiresAt },
        'declined',
        `The login page was ${answer.action === 'decline' ? 'declined' : 'cancelled'}; nothing was stored.`,
      );
    }
    return awaitDetachedLogin(ctx, call, carried.login);
  }
  const page = await startDetached(ctx, call);
  const login: NonNullable<CallState['login']> = {
    pendingId: page.id,
    startedAt: Date.now(),
    expiresAt: page.expiresAt,
  };
  return ctx.protocol.ask(
    { login: inputRequired.elicitUrl({ url: page.url, message: pageMessage(call) }) },
    { confirmed: carried?.confirmed ?? [], login },
    Math.max(1_000, page.expiresAt - Date.now()),
  );
}

/** The retry after the link: done when the page ended with the profile logged in; else still pending. */
async function awaitDetachedLogin(ctx: ToolContext, call: LoginCall, login: NonNullable<CallState['login']>) {
  const deadline = Date.now() + MODERN_LOGIN_WAIT_MS;
  for (;;) {
    const record = readPendingLogin(ctx.auth.home, login.pendingId);
    const ended = !record || record.expiresAt <= Date.now();
    if (ended) {
      const { profiles } = await ctx.auth.listProfiles(call.olaresId);
      const view = profiles.find((p) => p.olaresId === call.olaresId);
      if (view?.status.startsWith('logged-in'))
        return loggedInResult(call, {
          name: view.name,
          backend: view.backend,
          expiresAt: view.expiresAt,
          switched: view.current && call.makeCurrent,
        });
      return pendingResult(
        call,
        { url: record?.url ?? '', expiresAt: login.expiresAt },
        'declined',
        `The login page for ${call.olaresId} closed without a login; nothing was stored. Call profile_login again for a new link.`,
      );
    }
    if (Date.now() >= deadline || ctx.signal.aborted)
      return pendingResult(
        call,
        record,
        'pending',
        `Login for ${call.olaresId} is still waiting for the user.`,
      );
    await new Promise((r) => setTimeout(r, 250));
  }
}

function raceAbort<T>(promise: Promise<T>, signal: AbortSignal, timeoutMs: number): Promise<T> {
  return new Promise<T>((resolve, reject) => {
    const timer = setTimeout(
      () =>
        reject(
          new InvalidInputError(
            `the login was not completed within ${timeoutMs / 60_000} minutes; call profile_login again`,
          ),
        ),
      timeoutMs,
    );
    const onAbort = () =>
      reject(new InvalidInputError('profile_login was cancelled; the link stays valid until it expires'));
    signal.addEventListener('abort', onAbort, { once: true });
    promise.then(resolve, reject).finally(() => {
      clearTimeout(timer);
      signal.removeEventListener('abort', onAbort);
    });
  });
}
