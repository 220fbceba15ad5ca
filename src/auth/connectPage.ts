// The connect page of serve --http (`/connect/<id>` on the --connect-port listener): the remote
// twin of the stdio login page (loginPage.ts), drawn with the same form (pageHtml.ts). On a box
// it is reached only through the private entrance, so the box's own login proves the person is
// the owner; the page then takes the owner's password (+ TOTP), stores the owner's tokens in the
// state backend and binds the principal whose call made the link. Every step is a record taken
// from the store and put back (shared state, so any replica serves any step): one step at a
// time, one success, locked after MAX_LOGIN_ATTEMPTS failures, a fresh CSRF value per form.
// Host and Origin are checked before this (serveHttp.ts), as on the MCP listener.
import type { FirstFactorResult, TokenGrant } from './authApi.js';
import { CONNECT_ID, connectRecordName } from './connect.js';
import type { AuthContext } from './index.js';
import { randomToken, safeEqual } from './loopback.js';
import {
  destinationNotice,
  escapeHtml,
  loginForm,
  MAX_LOGIN_ATTEMPTS,
  PAGE_HEADERS,
  pageHtml,
} from './pageHtml.js';
import type { SharedPendingLogin } from './state.js';

const MAX_FORM_BYTES = 16 * 1024;

const page = (status: number, title: string, body: string) =>
  new Response(pageHtml(title, body), { status, headers: PAGE_HEADERS });

const gone = () =>
  page(
    410,
    'Link used or expired',
    '<p>This connect link was used, has expired or was locked after too many attempts; or a submission from another tab is being checked right now (then reload in a moment). Otherwise ask your agent for a new one (profile_login).</p>',
  );

interface Visit {
  auth: AuthContext;
  id: string;
  record: SharedPendingLogin;
}

export function connectPageHandler(auth: AuthContext): (request: Request) => Promise<Response> {
  return async (request) => {
    const id = new URL(request.url).pathname.match(/^\/connect\/([^/]+)$/)?.[1] ?? '';
    if (!CONNECT_ID.test(id)) return page(404, 'Not found', '<p>This is not a connect link.</p>');
    try {
      if (request.method === 'GET') {
        const record = await auth.state.pendingLogins.get(connectRecordName(id));
        return record ? await form({ auth, id, record }) : gone();
      }
      if (request.method !== 'POST') return page(405, 'Method not allowed', '');
      const fields = await readForm(request);
      if (!fields) return page(413, 'Refused', '<p>The form was too large.</p>');
      const record = await auth.state.pendingLogins.take(connectRecordName(id));
      return record ? await submit({ auth, id, record }, fields) : gone();
    } catch (err) {
      return page(
        503,
        'Not available',
        `<p>${escapeHtml((err as Error).message)}</p><p>Try again in a moment, or ask your agent for a new link.</p>`,
      );
    }
  };
}

async function readForm(request: Request): Promise<URLSearchParams | undefined> {
  if (Number(request.headers.get('content-length') ?? 0) > MAX_FORM_BYTES) return undefined;
  const text = await request.text();
  return text.length > MAX_FORM_BYTES ? undefined : new URLSearchParams(text);
}

/** Puts the record back for its next step; an expired one is simply not put back. */
async function putBack(visit: Visit): Promise<boolean> {
  const ttl = visit.record.expiresAt - Date.now();
  if (ttl <= 0) return false;
  await visit.auth.state.pendingLogins.put(connectRecordName(visit.id), visit.record, ttl);
  return true;
}

async function submit(visit: Visit, fields: URLSearchParams): Promise<Response> {
  const { record } = visit;
  if (!safeEqual(fields.get('csrf') ?? '', record.csrf ?? '') || fields.get('step') !== record.step) {
    // A stale or replayed form (double submit, back button) never starts another attempt.
    if (!(await putBack(visit))) return gone();
    return page(
      409,
      'Form already submitted',
      '<p>This form was already submitted or is out of date. Reload the link to continue.</p>',
    );
  }
  record.csrf = randomToken();
  if (record.step === 'totp') return totpStep(visit, fields.get('totp') ?? '');
  return passwordStep(visit, fields.get('olaresId') ?? '', fields.get('password') ?? '');
}

async function passwordStep(visit: Visit, typedId: string, password: string): Promise<Response> {
  const { auth, record } = visit;
  // The typed olaresId is the person's confirmation of this identity and its auth host (M5).
  if (typedId.trim().toLowerCase() !== record.olaresId.toLowerCase()) {
    if (!(await putBack(visit))) return gone();
    return form(
      visit,
      `The olaresId you typed does not match ${record.olaresId}; nothing was sent. Type it exactly if this is your account.`,
    );
  }
  let first: FirstFactorResult;
  try {
    first = await auth.passwordStep(record.olaresId, password);
  } catch (err) {
    return failed(visit, err);
  }
  if (!first.fa2) return finish(visit, first);
  record.step = 'totp';
  record.firstFactor = first;
  if (!(await putBack(visit))) return gone();
  return form(visit);
}

async function totpStep(visit: Visit, code: string): Promise<Response> {
  const first = visit.record.firstFactor;
  if (!first) return gone();
  let grant: TokenGrant;
  try {
    grant = await visit.auth.totpStep(visit.record.olaresId, first, code);
  } catch (err) {
    return failed(visit, err);
  }
  return finish(visit, grant);
}

async function failed(visit: Visit, err: unknown): Promise<Response> {
  visit.record.attempts = (visit.record.attempts ?? 0) + 1;
  if (visit.record.attempts >= MAX_LOGIN_ATTEMPTS)
    return page(
      429,
      'Too many attempts',
      `<p>This connect link was locked after ${MAX_LOGIN_ATTEMPTS} failed attempts; nothing was stored. Ask your agent for a new one (profile_login).</p>`,
    );
  if (!(await putBack(visit))) return gone();
  return form(visit, (err as Error).message);
}

async function finish(visit: Visit, grant: TokenGrant): Promise<Response> {
  const { auth, record } = visit;
  await auth.persistGrant({ olaresId: record.olaresId, name: record.name, makeCurrent: false }, grant);
  const bound = record.principal ? await auth.state.principals.bindPrincipal(record.principal) : false;
  const agent = record.principal
    ? `<p>The agent signed in as <b>${escapeHtml(record.principal.sub)}</b> at <b>${escapeHtml(record.principal.iss)}</b> ${bound ? 'may now' : 'could already'} use this server as you. To undo it: <code>olares-mcp remote revoke --iss ${escapeHtml(record.principal.iss)} --sub ${escapeHtml(record.principal.sub)}</code>.</p>`
    : '';
  return page(
    200,
    'Connected',
    `<p>Logged in as <b>${escapeHtml(record.olaresId)}</b>.</p>${agent}<p>You can close this tab and go back to your agent.</p>`,
  );
}

async function form(visit: Visit, error?: string): Promise<Response> {
  const { record } = visit;
  const step = record.step === 'totp' ? 'totp' : 'password';
  // The owner comes from the server's environment, not from the agent: the host is the owner's.
  const target = { ...(await visit.auth.authTarget(record.olaresId)), trusted: true };
  const binding = record.principal
    ? `<p class="warn" id="binding">Signing in also lets the agent signed in as <b>${escapeHtml(record.principal.sub)}</b> at <b>${escapeHtml(record.principal.iss)}</b> use this server as you. Continue only if you are connecting that agent now; otherwise close this page.</p>`
    : '';
  const { title, body } = loginForm({
    step,
    olaresId: record.olaresId,
    action: `/connect/${visit.id}`,
    csrf: record.csrf ?? '',
    notice: `${destinationNotice(record.olaresId, target, step === 'totp' ? 'code' : 'password')}\n${binding}`,
    error,
  });
  return page(error ? 401 : 200, title, body);
}
