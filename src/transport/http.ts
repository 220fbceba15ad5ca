// The refreshing HTTP client (design.md sec. 6). Injects the access token, refreshes and replays
// once on 401/403/459 for replayable bodies, refreshes pre-flight for streaming bodies.
import type { Readable } from 'node:stream';
import type { Dispatcher } from 'undici';
import { httpRequest, isExpiring, mapNetworkError, type ServiceName, type Session } from '../auth/index.js';
import { AuthRejectedError, HttpStatusError, PermissionDeniedError } from './errors.js';

/** A body factory is replayable: it is called again for the replay. */
export type RequestBody =
  | string
  | Uint8Array
  | Blob
  | null
  | undefined
  | (() => string | Uint8Array | Blob | Readable)
  | Readable;

export interface RequestOptions {
  method?: string;
  query?: Record<string, string | number | boolean | undefined>;
  headers?: Record<string, string>;
  body?: RequestBody;
  /** JSON body (replayable). */
  json?: unknown;
  signal?: AbortSignal;
  /** Time to the response headers (default 30 s); 0 = none. */
  timeoutMs?: number;
  /** Time between body chunks (default 30 s); 0 = none (long transfers). */
  bodyTimeoutMs?: number;
  /** Statuses handed back to the caller instead of thrown (2xx always are). */
  allowStatus?: number[];
  /** Response body buffer; bulk downloads want MiBs, not undici's 64 KiB default. */
  highWaterMark?: number;
}

export type Response = Dispatcher.ResponseData;

const AUTH_FAILURE = new Set([401, 403, 459]);
const PREFLIGHT_SKEW_SEC = 60;

export function isReplayable(body: RequestBody): boolean {
  return (
    body == null ||
    typeof body === 'string' ||
    typeof body === 'function' ||
    ArrayBuffer.isView(body) ||
    body instanceof ArrayBuffer ||
    body instanceof Blob
  );
}

export class OlaresHttp {
  constructor(readonly session: Session) {}

  get olaresId() {
    return this.session.identity.olaresId;
  }

  url(service: ServiceName, path: string, query?: RequestOptions['query']): string {
    const base = this.session.baseUrl(service);
    let url = `${base}${path.startsWith('/') ? path : `/${path}`}`;
    if (query) {
      const qs = new URLSearchParams();
      for (const [k, v] of Object.entries(query)) if (v !== undefined) qs.set(k, String(v));
      const s = qs.toString();
      if (s) url += (url.includes('?') ? '&' : '?') + s;
    }
    return url;
  }

  /** Sends the request; returns 2xx (and allowStatus) responses, throws typed errors otherwise. */
  async request(service: ServiceName, path: string, opts: RequestOptions = {}): Promise<Response> {
    const method = (
      opts.method ?? (opts.body != null || opts.json !== undefined ? 'POST' : 'GET')
    ).toUpperCase();
    const url = this.url(service, path, opts.query);
    const body = opts.json !== undefined ? JSON.stringify(opts.json) : opts.body;
    const replayable = isReplayable(body);
    const creds = this.session.credentials;

    const first = await creds.accessToken();
    let token = first;
    let res: Response | undefined;
    try {
      if (!replayable && isExpiring(token, PREFLIGHT_SKEW_SEC)) token = await creds.refresh(token);
      res = await this.send(url, method, token, body, opts);
    } finally {
      // Calls holding the same token wait for this answer instead of all being refused at once.
      creds.answered(first, token !== first || (res !== undefined && AUTH_FAILURE.has(res.statusCode)));
    }
    if (AUTH_FAILURE.has(res.statusCode) && replayable) {
      await res.body.dump().catch(() => {});
      token = await creds.refresh(token);
      res = await this.send(url, method, token, body, opts);
    }
    if ((res.statusCode >= 200 && res.statusCode < 300) || opts.allowStatus?.includes(res.statusCode))
      return res;

    const text = await res.body.text().catch(() => '');
    if (res.statusCode === 403) throw new PermissionDeniedError(service, method, path, this.olaresId, text);
    if (AUTH_FAILURE.has(res.statusCode)) throw new AuthRejectedError(res.statusCode, this.olaresId);
    throw new HttpStatusError(res.statusCode, service, method, path, text);
  }

  /** One unauthenticated GET of the service root: is anything answering there? (doctor) */
  async reachable(
    service: ServiceName,
  ): Promise<{ url: string; reachable: boolean; httpStatus?: number; error?: string }> {
    const url = `${this.session.baseUrl(service)}/`;
    try {
      const res = await httpRequest(url, {
        method: 'GET',
        insecure: this.session.insecure,
        headersTimeout: 3000,
        bodyTimeout: 3000,
        signal: AbortSignal.timeout(4000),
      });
      await res.body.dump();
      return { url, reachable: true, httpStatus: res.statusCode };
    } catch (err) {
      return { url, reachable: false, error: (mapNetworkError(err, url, 3000) as Error).message };
    }
  }

  async json<T = unknown>(service: ServiceName, path: string, opts: RequestOptions = {}): Promise<T> {
    const res = await this.request(service, path, {
      ...opts,
      headers: { accept: 'application/json', ...opts.headers },
    });
    const text = await res.body.text();
    if (!text) return undefined as T;
    try {
      return JSON.parse(text) as T;
    } catch {
      throw new HttpStatusError(
        res.statusCode,
        service,
        opts.method ?? 'GET',
        path,
        `response is not JSON: ${text.slice(0, 120)}`,
      );
    }
  }

  async text(service: ServiceName, path: string, opts: RequestOptions = {}): Promise<string> {
    const res = await this.request(service, path, opts);
    return res.body.text();
  }

  private async send(
    url: string,
    method: string,
    token: string,
    body: RequestBody,
    opts: RequestOptions,
  ): Promise<Response> {
    const headers: Record<string, string> = { ...opts.headers };
    if (opts.json !== undefined && !headers['content-type']) headers['content-type'] = 'application/json';
    headers['x-authorization'] = token;
    headers['x-unauth-error'] = 'Non-Redirect';
    headers.cookie = headers.cookie ? `${headers.cookie}; auth_token=${token}` : `auth_token=${token}`;
    const timeoutMs = opts.timeoutMs ?? 30_000;
    try {
      return await httpRequest(url, {
        method: method as Dispatcher.HttpMethod,
        headers,
        body: (typeof body === 'function' ? body() : body) as any,
        signal: opts.signal,
        insecure: this.session.insecure,
        headersTimeout: timeoutMs,
        bodyTimeout: opts.bodyTimeoutMs ?? 30_000,
        ...(opts.highWaterMark ? { highWaterMark: opts.highWaterMark } : {}),
      });
    } catch (err) {
      throw mapNetworkError(err, url, timeoutMs);
    }
  }
}

export { AuthRejectedError, HttpStatusError, PermissionDeniedError } from './errors.js';
