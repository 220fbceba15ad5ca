// The auth host's three calls (docs/wire/auth.md).
import { createHash } from 'node:crypto';
import { OlaresMcpError, WireReader } from '../errors.js';
import { httpRequest, mapNetworkError } from '../net/http.js';
import { AuthenticationFailedError, RefreshRejectedError } from './errors.js';

export interface TokenGrant {
  accessToken: string;
  refreshToken?: string;
  sessionId?: string;
  fa2: boolean;
}

export interface AuthCallOptions {
  authUrl: string;
  insecure?: boolean;
  signal?: AbortSignal;
  timeoutMs?: number;
}

export const hashPassword = (password: string) =>
  createHash('md5').update(`${password}@Olares2025`).digest('hex');

/** Non-auth HTTP failures of the auth host: transient, nothing stamped. */
export class AuthHttpError extends OlaresMcpError {
  constructor(
    readonly endpoint: string,
    readonly status: number,
    body: string,
  ) {
    super(`${endpoint} returned HTTP ${status}: ${truncate(body)}`, {
      code: status >= 500 ? 'http_5xx' : 'http_4xx',
      retryable: status >= 500 || status === 429,
    });
  }
}

const truncate = (s: string, n = 256) => (s.length > n ? `${s.slice(0, n)}...(truncated)` : s);

async function post(
  endpoint: string,
  body: unknown,
  opts: AuthCallOptions & { headers?: Record<string, string> },
): Promise<{ status: number; text: string; setCookie: string[] }> {
  const url = `${opts.authUrl}${endpoint}`;
  const timeoutMs = opts.timeoutMs ?? 10_000;
  try {
    const res = await httpRequest(url, {
      method: 'POST',
      insecure: opts.insecure,
      headers: { 'content-type': 'application/json', accept: 'application/json', ...opts.headers },
      body: JSON.stringify(body),
      signal: opts.signal,
      headersTimeout: timeoutMs,
      bodyTimeout: timeoutMs,
    });
    const text = await res.body.text();
    const sc = res.headers['set-cookie'];
    return { status: res.statusCode, text, setCookie: Array.isArray(sc) ? sc : sc ? [sc] : [] };
  } catch (err) {
    throw mapNetworkError(err, url, timeoutMs);
  }
}

/** Authelia's envelope: `{status:"OK", data:{...}}` or `{status:"KO", message}`. */
interface Envelope {
  ok: boolean;
  status: string;
  message?: string;
  data?: Record<string, unknown>;
}

function readEnvelope(endpoint: string, text: string): Envelope {
  const r = new WireReader('auth', `POST ${endpoint}`);
  let raw: unknown;
  try {
    raw = JSON.parse(text);
  } catch {
    r.fail('body', `is not JSON: ${truncate(text, 80)}`);
  }
  const o = r.object(raw, 'body');
  const status = r.string(o, 'status');
  return {
    ok: status.toUpperCase() === 'OK',
    status,
    message: r.optString(o, 'message'),
    data: r.optObject(o.data, 'data'),
  };
}

/** The KO message of an error answer, if it carries one. */
function koMessage(text: string): string | undefined {
  try {
    const m = (JSON.parse(text) as { message?: unknown })?.message;
    return typeof m === 'string' && m ? truncate(m, 200) : undefined;
  } catch {
    return undefined;
  }
}

export function parseEnvelope(endpoint: string, text: string, failure: string): TokenGrant {
  const env = readEnvelope(endpoint, text);
  if (!env.ok)
    throw new AuthenticationFailedError(`${failure}: ${env.status}${env.message ? `: ${env.message}` : ''}`);
  const r = new WireReader('auth', `POST ${endpoint}`);
  const d = env.data ?? {};
  return {
    accessToken: r.optString(d, 'access_token', 'data.') ?? '',
    refreshToken: r.optString(d, 'refresh_token', 'data.') || undefined,
    sessionId: r.optString(d, 'session_id', 'data.') || undefined,
    fa2: r.optBoolean(d, 'fa2', 'data.') === true,
  };
}

export interface FirstFactorResult extends TokenGrant {
  /** Cookies the TOTP step must carry (same jar in olares-cli). */
  cookies: string;
}

export async function firstFactor(
  input: { local: string; password: string; targetUrl: string },
  opts: AuthCallOptions,
): Promise<FirstFactorResult> {
  const endpoint = '/api/firstfactor';
  const res = await post(
    `${endpoint}?hideCookie=true`,
    {
      username: input.local,
      password: hashPassword(input.password),
      keepMeLoggedIn: false,
      requestMethod: 'POST',
      targetURL: input.targetUrl,
      acceptCookie: true,
    },
    opts,
  );
  if (res.status === 401) {
    // 401 also means "LLDAP is unavailable" and the like: the server's message tells them apart.
    const said = koMessage(res.text);
    throw new AuthenticationFailedError(
      `first-factor authentication failed${said ? ` (the server said: ${said})` : ''}: wrong password or unknown user, or the box could not check them. Fix: check the olaresId and password and try again`,
    );
  }
  if (res.status === 429)
    throw new AuthenticationFailedError(
      `first-factor authentication refused: ${koMessage(res.text) ?? 'too many failed login attempts'}. Fix: wait a few minutes before trying again`,
    );
  if (res.status !== 200) throw new AuthHttpError(endpoint, res.status, res.text);
  const grant = parseEnvelope(endpoint, res.text, 'first-factor authentication failed');
  return { ...grant, cookies: res.setCookie.map((c) => c.split(';')[0]).join('; ') };
}

export async function secondFactorTotp(
  input: { firstFactor: FirstFactorResult; code: string; targetUrl: string },
  opts: AuthCallOptions,
): Promise<TokenGrant> {
  const endpoint = '/api/secondfactor/totp';
  const headers: Record<string, string> = {
    'x-authorization': input.firstFactor.accessToken,
    'x-unauth-error': 'Non-Redirect',
  };
  if (input.firstFactor.cookies) headers.cookie = input.firstFactor.cookies;
  const res = await post(
    endpoint,
    { targetUrl: input.targetUrl, token: input.code.trim() },
    { ...opts, headers },
  );
  if (res.status === 401) {
    throw new AuthenticationFailedError(
      'second-factor authentication failed: the TOTP code was not accepted. Fix: enter the current 6-digit code from your authenticator app',
    );
  }
  if (res.status !== 200) throw new AuthHttpError(endpoint, res.status, res.text);
  const grant = parseEnvelope(endpoint, res.text, 'second-factor authentication failed');
  if (!grant.accessToken)
    throw new AuthenticationFailedError('second-factor authentication returned no access token');
  return { ...grant, sessionId: grant.sessionId || input.firstFactor.sessionId };
}

/** 401/403/459 -> RefreshRejectedError (grant dead); other failures are transient. */
export async function refreshGrant(
  input: { refreshToken: string; accessToken?: string },
  opts: AuthCallOptions,
): Promise<TokenGrant> {
  const endpoint = '/api/refresh';
  const headers: Record<string, string> = {};
  if (input.accessToken) headers['x-authorization'] = input.accessToken;
  const res = await post(
    endpoint,
    { refreshToken: input.refreshToken },
    { ...opts, timeoutMs: opts.timeoutMs ?? 15_000, headers },
  );
  if (res.status === 401 || res.status === 403 || res.status === 459)
    throw new RefreshRejectedError(res.status, truncate(res.text));
  if (res.status !== 200) throw new AuthHttpError(endpoint, res.status, res.text);
  const env = readEnvelope(endpoint, res.text);
  if (!env.ok) {
    throw new OlaresMcpError(`refresh failed: ${env.status}${env.message ? `: ${env.message}` : ''}`, {
      code: 'refresh_failed',
      retryable: true,
    });
  }
  const grant = parseEnvelope(endpoint, res.text, 'refresh failed');
  if (!grant.accessToken)
    throw new OlaresMcpError('refresh returned empty access_token', {
      code: 'refresh_failed',
      retryable: true,
    });
  return { ...grant, refreshToken: grant.refreshToken || input.refreshToken };
}
