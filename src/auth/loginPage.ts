// The one-shot loopback login page (docs/login.md#login-page): the password and TOTP code go from the
// user's browser straight to this process, never through the MCP client, the model or the logs.
import type { IncomingMessage, Server, ServerResponse } from 'node:http';
import { OlaresMcpError } from '../errors.js';
import type { FirstFactorResult } from './authApi.js';
import { parseOlaresId } from './identity.js';
import type { AuthContext } from './index.js';
import {
  escapeHtml,
  hostIsOurs,
  LOOPBACK_HOST,
  listenLoopback,
  originIsOurs,
  pathTokenMatches,
  readForm,
  registerPage,
  safeEqual,
  sendPage,
  randomToken as token,
  unregisterPage,
} from './loopback.js';
import { destinationNotice, loginForm, MAX_LOGIN_ATTEMPTS } from './pageHtml.js';
import type { AuthTarget } from './trust.js';

const LOGIN_HOST = LOOPBACK_HOST;

export interface LoginResult {
  olaresId: string;
  name: string;
  backend: string;
  expiresAt?: string;
  switched: boolean;
  previous?: string;
}

export class LoginExpiredError extends OlaresMcpError {
  constructor(olaresId: string, why: string) {
    super(
      `the login link for ${olaresId} ${why}. Fix: call profile_login again for a new link (terminal: olares-mcp login --olares-id ${olaresId})`,
      {
        code: 'login_expired',
      },
    );
  }
}

type Step = 'password' | 'totp' | 'done' | 'closed';

export class LoginPage {
  readonly url: string;
  readonly expiresAt: number;
  /** Settles once: the stored login, or why the link is gone. */
  readonly done: Promise<LoginResult>;
  private step: Step = 'password';
  private csrf = token();
  private attempts = 0;
  private first?: FirstFactorResult;
  private busy = false;
  private settle!: { resolve: (r: LoginResult) => void; reject: (e: Error) => void };
  private timer: NodeJS.Timeout;

  private constructor(
    private readonly server: Server,
    private readonly port: number,
    private readonly pathToken: string,
    private readonly auth: AuthContext,
    readonly olaresId: string,
    private readonly opts: LoginPageOptions,
    private readonly target: AuthTarget,
    ttlMs: number,
  ) {
    this.url = `http://${LOGIN_HOST}:${port}/login/${pathToken}`;
    this.expiresAt = Date.now() + ttlMs;
    this.done = new Promise<LoginResult>((resolve, reject) => {
      this.settle = { resolve, reject };
    });
    this.done.catch(() => {}); // callers that never await must not see an unhandled rejection
    this.timer = setTimeout(() => this.close(new LoginExpiredError(olaresId, 'expired')), ttlMs);
    this.timer.unref();
    server.on('request', (req, res) => {
      this.handle(req, res).catch(() => {
        if (!res.headersSent)
          this.page(res, 500, 'Something went wrong', '<p>Try again, or start over with a new link.</p>');
      });
    });
  }

  static async start(auth: AuthContext, olaresId: string, opts: LoginPageOptions = {}): Promise<LoginPage> {
    const identity = parseOlaresId(olaresId);
    // String work only: the auth host sees nothing until the user typed the olaresId on the page.
    const target = await auth.authTarget(identity.olaresId);
    const { server, port } = await listenLoopback();
    const ttlMs = opts.ttlMs ?? (Number(auth.env.OLARES_LOGIN_TTL_MS) || 5 * 60_000);
    return new LoginPage(server, port, token(), auth, identity.olaresId, opts, target, ttlMs);
  }

  get pending() {
    return this.step === 'password' || this.step === 'totp';
  }

  close(reason: Error = new LoginExpiredError(this.olaresId, 'was closed')) {
    if (this.step === 'closed') return;
    if (this.step !== 'done') this.settle.reject(reason);
    this.step = 'closed';
    this.first = undefined;
    clearTimeout(this.timer);
    this.server.close();
    this.server.closeAllConnections?.();
  }

  private async handle(req: IncomingMessage, res: ServerResponse) {
    // DNS rebinding: a page on another origin that resolves to 127.0.0.1 sends its own Host.
    if (!hostIsOurs(req, this.port)) {
      return this.page(
        res,
        421,
        'Wrong address',
        `<p>Open the link exactly as given (http://${LOGIN_HOST}:${this.port}/...).</p>`,
      );
    }
    if (!pathTokenMatches(req, this.port, '/login/', this.pathToken))
      return this.page(res, 404, 'Not found', '<p>This is not a login link.</p>');
    if (this.step === 'done')
      return this.page(
        res,
        410,
        'Link already used',
        `<p>${escapeHtml(this.olaresId)} is logged in; this link cannot be used again.</p>`,
      );
    if (this.step === 'closed' || Date.now() > this.expiresAt) {
      return this.page(
        res,
        410,
        'Link expired',
        '<p>This login link has expired. Ask your agent for a new one (profile_login).</p>',
      );
    }
    if (req.method === 'GET') return this.form(res);
    if (req.method !== 'POST') return this.page(res, 405, 'Method not allowed', '');
    if (!originIsOurs(req, this.port))
      return this.page(res, 403, 'Refused', '<p>Cross-site form posts are refused.</p>');
    const fields = await readForm(req);
    if (!fields) return this.page(res, 413, 'Refused', '<p>The form was too large.</p>');
    if (!safeEqual(fields.get('csrf') ?? '', this.csrf) || fields.get('step') !== this.step) {
      // A stale or replayed form (double submit, back button) never starts another login.
      return this.page(
        res,
        409,
        'Form already submitted',
        '<p>This form was already submitted or is out of date. Reload the link to continue.</p>',
      );
    }
    if (this.busy)
      return this.page(res, 409, 'Working', '<p>The previous submission is still being checked.</p>');
    this.busy = true;
    this.csrf = token();
    try {
      if (this.step === 'password')
        await this.passwordStep(res, fields.get('olaresId') ?? '', fields.get('password') ?? '');
      else await this.totpStep(res, fields.get('totp') ?? '');
    } finally {
      this.busy = false;
    }
  }

  private async passwordStep(res: ServerResponse, typedId: string, password: string) {
    // The typed olaresId is the user's confirmation of this identity and its auth host (M5).
    if (typedId.trim().toLowerCase() !== this.olaresId.toLowerCase())
      return this.form(
        res,
        `The olaresId you typed does not match ${this.olaresId}; nothing was sent. Type it exactly if this is the account you mean to sign in to.`,
      );
    let first: FirstFactorResult;
    try {
      first = await this.auth.passwordStep(this.olaresId, password);
    } catch (err) {
      return this.failed(res, err);
    }
    if (first.fa2) {
      this.first = first;
      this.step = 'totp';
      return this.form(res);
    }
    await this.finish(res, first);
  }

  private async totpStep(res: ServerResponse, code: string) {
    if (!this.first)
      return this.page(res, 409, 'Start over', '<p>Reload the link and enter your password again.</p>');
    let grant: Awaited<ReturnType<AuthContext['totpStep']>>;
    try {
      grant = await this.auth.totpStep(this.olaresId, this.first, code);
    } catch (err) {
      return this.failed(res, err);
    }
    await this.finish(res, grant);
  }

  private failed(res: ServerResponse, err: unknown) {
    this.attempts++;
    if (this.attempts >= MAX_LOGIN_ATTEMPTS) {
      const e = new LoginExpiredError(
        this.olaresId,
        `was locked after ${MAX_LOGIN_ATTEMPTS} failed attempts`,
      );
      this.page(res, 429, 'Too many attempts', `<p>${escapeHtml(e.message)}</p>`);
      this.close(e);
      return;
    }
    return this.form(res, (err as Error).message);
  }

  private async finish(res: ServerResponse, grant: Parameters<AuthContext['persistGrant']>[1]) {
    const stored = await this.auth.persistGrant(
      { olaresId: this.olaresId, name: this.opts.name, makeCurrent: Boolean(this.opts.makeCurrent) },
      grant,
    );
    this.step = 'done';
    this.first = undefined;
    this.page(
      res,
      200,
      'Logged in',
      `<p>Logged in as <b>${escapeHtml(this.olaresId)}</b>. You can close this tab and go back to your agent.</p>`,
    );
    this.settle.resolve({
      olaresId: this.olaresId,
      name: stored.name,
      backend: stored.backend,
      expiresAt: stored.expiresAt,
      switched: stored.switched,
      previous: stored.previous,
    });
    setTimeout(() => this.close(), 1000).unref();
  }

  private form(res: ServerResponse, error?: string) {
    const step = this.step === 'totp' ? 'totp' : 'password';
    const { title, body } = loginForm({
      step,
      olaresId: this.olaresId,
      action: `/login/${this.pathToken}`,
      csrf: this.csrf,
      notice: destinationNotice(this.olaresId, this.target, step === 'totp' ? 'code' : 'password'),
      error,
    });
    this.page(res, error ? 401 : 200, title, body);
  }

  private page(res: ServerResponse, status: number, title: string, body: string) {
    sendPage(res, status, title, body);
  }
}

/** One pending page per identity: a second profile_login returns the same link. */
const pending = new Map<string, LoginPage>();

export interface LoginPageOptions {
  name?: string;
  /** Make the profile current on success; the caller has the user's yes for that. */
  makeCurrent?: boolean;
  ttlMs?: number;
}

export async function openLoginPage(
  auth: AuthContext,
  olaresId: string,
  opts: LoginPageOptions = {},
): Promise<LoginPage> {
  const existing = pending.get(olaresId);
  if (existing?.pending && Date.now() < existing.expiresAt) return existing;
  const page = await LoginPage.start(auth, olaresId, opts);
  pending.set(olaresId, page);
  registerPage(page);
  const forget = () => {
    if (pending.get(olaresId) === page) pending.delete(olaresId);
    unregisterPage(page);
  };
  page.done.then(forget, forget);
  return page;
}
