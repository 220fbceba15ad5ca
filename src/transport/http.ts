// The refreshing HTTP client (docs/refresh.md#reactive-refresh). Injects the access token, refreshes and replays
// once on 401/403/459 for replayable bodies, refreshes pre-flight for streaming bodies. Requests
// go through undici's pooled connections; big downloads through download.ts.
import type { Readable } from 'node:stream';
import type { Dispatcher } from 'undici';
import { isExpiring, type ServiceName, type Session } from '../auth/index.js';
import { httpRequest, mapNetworkError } from '../net/http.js';
import { type FileSink, type GetToFileResult, getToFile } from './download.js';
import { AuthRejectedError, HttpStatusError, PermissionDeniedError } from './errors.js';
import { getKeptAlive, getTextKeptAlive, postKeptAlive, type TextAnswer } from './keepAlive.js';
import { bodyLength, type FileRangeBody, type PostResult, postFromFile, withBody } from './upload.js';

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
}

export type Response = Dispatcher.ResponseData;

const AUTH_FAILURE = new Set([401, 403, 459]);

/**
 * The files backend's own refusals: the token was fine, the user may not do this (drive/Common
 * for non-admins, read-only sync repos; beclab/files handler/utils.go Gate). A refresh won't help.
 */
const BACKEND_DENIAL =
  /^\s*\{\s*"(?:error|code)"\s*:\s*(?:"Permission denied\."|1\s*,\s*"message"\s*:\s*"Permission denied\.")/;

const deniedByBackend = (status: number, text: string) => status === 403 && BACKEND_DENIAL.test(text);

/** A response whose body was read to judge a 403; `final` when it is no token problem. */
type Judged = Response & { deniedText?: string; final?: boolean };
const OWN_CONNECTION_MIN_BYTES = 1024 * 1024;
const PREFLIGHT_SKEW_SEC = 60;

function isReplayable(body: RequestBody): boolean {
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

  /**
   * The path below `service`'s base URL that a redirect's Location names, or undefined when it
   * leaves that origin (auth headers must never follow it elsewhere). A root-relative Location
   * such as the files backend's `/seafhttp/...` is on the service's own host.
   */
  sameOriginPath(service: ServiceName, location: string): string | undefined {
    const base = new URL(this.session.baseUrl(service));
    if (location.startsWith('/') && !location.startsWith('//')) return location;
    let target: URL;
    try {
      target = new URL(location, `${base.href.replace(/\/$/, '')}/`);
    } catch {
      return undefined;
    }
    if (target.origin !== base.origin) return undefined;
    const prefix = base.pathname.replace(/\/$/, '');
    if (prefix && !target.pathname.startsWith(`${prefix}/`)) return undefined;
    return target.pathname.slice(prefix.length) + target.search;
  }

  /** Sends the request; returns 2xx (and allowStatus) responses, throws typed errors otherwise. */
  async request(service: ServiceName, path: string, opts: RequestOptions = {}): Promise<Response> {
    const method = (
      opts.method ?? (opts.body != null || opts.json !== undefined ? 'POST' : 'GET')
    ).toUpperCase();
    const url = this.url(service, path, opts.query);
    const body = opts.json !== undefined ? JSON.stringify(opts.json) : opts.body;
    const res: Judged = await this.authorized(
      isReplayable(body),
      (token) => this.send(url, method, token, body, opts).then(judge403),
      (refused) => refused.body.dump().catch(() => {}),
    );
    if ((res.statusCode >= 200 && res.statusCode < 300) || opts.allowStatus?.includes(res.statusCode))
      return res;
    const text = res.deniedText ?? (await res.body.text().catch(() => ''));
    throw this.statusError(res.statusCode, service, method, path, text);
  }

  /**
   * GET into a file: 2xx bodies go to `sink`; `allowStatus` answers come back without a body.
   * Refreshes and replays like request(): a refused GET wrote nothing. A body of `size` bytes or
   * more gets a connection of its own (transport/download.ts, as fast as curl); a smaller one
   * rides a kept-alive connection (transport/keepAlive.ts), where a new TCP/TLS handshake would
   * cost more than the copy.
   */
  async download(
    service: ServiceName,
    path: string,
    opts: {
      sink: FileSink;
      /** Bytes expected, when known: picks the connection. */
      size?: number;
      headers?: Record<string, string>;
      signal?: AbortSignal;
      allowStatus?: number[];
      idleTimeoutMs?: number;
    },
  ): Promise<GetToFileResult> {
    const url = this.url(service, path);
    const timeoutMs = 30_000;
    const ownConnection = opts.size === undefined || opts.size >= OWN_CONNECTION_MIN_BYTES;
    const res = await this.authorized(
      true,
      (token, onStatus) => {
        const sink: FileSink = {
          ...opts.sink,
          offsetFor: (status) => {
            onStatus(status);
            return opts.sink.offsetFor(status);
          },
        };
        const get = ownConnection ? getToFile : getKeptAlive;
        return get(url, sink, {
          headers: { ...opts.headers, ...this.authHeaders(token) },
          insecure: this.session.insecure,
          signal: opts.signal,
          headersTimeoutMs: timeoutMs,
          idleTimeoutMs: opts.idleTimeoutMs ?? timeoutMs,
        }).catch((err) => {
          throw mapNetworkError(err, url, timeoutMs);
        });
      },
      async () => {},
    );
    if ((res.statusCode >= 200 && res.statusCode < 300) || opts.allowStatus?.includes(res.statusCode))
      return res;
    throw this.statusError(res.statusCode, service, 'GET', path, res.errorText);
  }

  /**
   * POST of a file range (an upload chunk). The body is one-shot, so the token is refreshed
   * pre-flight when near expiry and a refusal is not replayed. A body of 1 MiB or more gets a
   * connection of its own (transport/upload.ts); a smaller one is read whole into a reused buffer
   * and rides a kept-alive connection (transport/keepAlive.ts), where a handshake per file would
   * cost more than the copy.
   */
  async upload(
    service: ServiceName,
    path: string,
    opts: { body: FileRangeBody; headers: Record<string, string>; signal?: AbortSignal; timeoutMs: number },
  ): Promise<PostResult> {
    const url = this.url(service, path);
    const ownConnection = bodyLength(opts.body) >= OWN_CONNECTION_MIN_BYTES;
    const res = await this.authorized(
      false,
      async (token) => {
        const headers = { ...opts.headers, ...this.authHeaders(token, opts.headers.cookie) };
        const insecure = this.session.insecure;
        const sent = ownConnection
          ? postFromFile(url, opts.body, {
              headers,
              insecure,
              signal: opts.signal,
              idleTimeoutMs: opts.timeoutMs,
            })
          : withBody(opts.body, (bytes) =>
              postKeptAlive(url, bytes, {
                headers,
                insecure,
                signal: opts.signal,
                headersTimeoutMs: opts.timeoutMs,
                idleTimeoutMs: opts.timeoutMs,
              }),
            );
        return sent.catch((err) => {
          throw mapNetworkError(err, url, opts.timeoutMs);
        });
      },
      async () => {},
    );
    if (res.statusCode >= 200 && res.statusCode < 300) return res;
    throw this.statusError(res.statusCode, service, 'POST', path, res.text);
  }

  /**
   * Sends with the current token. A refusal (401/403/459) of a replayable request refreshes the
   * token and sends once more; a one-shot stream refreshes before sending instead. `send` calls
   * `onStatus` when the answer's status is known, if that comes before its promise settles (a
   * download settles only at the end of its body).
   */
  private async authorized<R extends { statusCode: number; final?: boolean }>(
    replayable: boolean,
    send: (token: string, onStatus: (status: number) => void) => Promise<R>,
    discard: (refused: R) => Promise<unknown>,
  ): Promise<R> {
    const creds = this.session.credentials;
    const first = await creds.accessToken();
    // Calls holding the same token wait for this answer instead of all being refused at once.
    let heldCallsReleased = false;
    const releaseHeldCalls = (refused: boolean) => {
      if (heldCallsReleased) return;
      heldCallsReleased = true;
      creds.answered(first, refused);
    };
    let token = first;
    let res: R | undefined;
    try {
      if (!replayable && isExpiring(token, PREFLIGHT_SKEW_SEC)) {
        token = await creds.refresh(token);
        releaseHeldCalls(true);
      }
      res = await send(token, (status) => releaseHeldCalls(AUTH_FAILURE.has(status)));
    } finally {
      releaseHeldCalls(res !== undefined && AUTH_FAILURE.has(res.statusCode) && !res.final);
    }
    if (AUTH_FAILURE.has(res.statusCode) && replayable && !res.final) {
      await discard(res);
      token = await creds.refresh(token);
      res = await send(token, () => {});
    }
    return res;
  }

  private statusError(status: number, service: ServiceName, method: string, path: string, text: string) {
    if (status === 403) return new PermissionDeniedError(service, method, path, this.olaresId, text);
    if (AUTH_FAILURE.has(status)) return new AuthRejectedError(status, this.olaresId);
    return new HttpStatusError(status, service, method, path, text);
  }

  private authHeaders(token: string, cookie?: string): Record<string, string> {
    return {
      'x-authorization': token,
      'x-unauth-error': 'Non-Redirect',
      cookie: cookie ? `${cookie}; auth_token=${token}` : `auth_token=${token}`,
    };
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
    const withAccept = { ...opts, headers: { accept: 'application/json', ...opts.headers } };
    const res = isPlainGet(opts)
      ? await this.getInMemory(service, path, withAccept)
      : await this.request(service, path, withAccept).then(async (r) => ({
          statusCode: r.statusCode,
          text: await r.body.text(),
        }));
    const text = res.text;
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

  /**
   * A GET answered into memory on a kept-alive connection (transport/keepAlive.ts): through undici
   * each request cost a request object, a body stream and buffers per read, about 40% more CPU
   * per files_ls call (bench/call-overhead.ts). Refreshes, replays and fails like request().
   */
  private async getInMemory(service: ServiceName, path: string, opts: RequestOptions): Promise<TextAnswer> {
    const url = this.url(service, path, opts.query);
    const timeoutMs = opts.timeoutMs ?? 30_000;
    const res = await this.authorized(
      true,
      async (token) => {
        const got = await getTextKeptAlive(url, {
          headers: { ...opts.headers, ...this.authHeaders(token, opts.headers?.cookie) },
          insecure: this.session.insecure,
          signal: opts.signal,
          headersTimeoutMs: timeoutMs,
          idleTimeoutMs: opts.bodyTimeoutMs ?? timeoutMs,
        }).catch((err) => {
          throw mapNetworkError(err, url, timeoutMs);
        });
        return { ...got, final: deniedByBackend(got.statusCode, got.text) };
      },
      async () => {},
    );
    if (res.statusCode >= 200 && res.statusCode < 300) return res;
    throw this.statusError(res.statusCode, service, 'GET', path, res.text);
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
    Object.assign(headers, this.authHeaders(token, headers.cookie));
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
      });
    } catch (err) {
      throw mapNetworkError(err, url, timeoutMs);
    }
  }
}

export type { FileSink, GetToFileResult } from './download.js';
export { AuthRejectedError, HttpStatusError, PermissionDeniedError } from './errors.js';
export { type FileRangeBody, LocalFileShrankError, type RangeSource } from './upload.js';

/** Reads a 403's body to tell the files backend's own "Permission denied." from an edge refusal. */
/** A GET with nothing but headers and a query: the answer can be read whole into memory. */
const isPlainGet = (opts: RequestOptions) =>
  (opts.method ?? 'GET').toUpperCase() === 'GET' &&
  opts.body == null &&
  opts.json === undefined &&
  opts.allowStatus === undefined;

async function judge403(res: Response): Promise<Judged> {
  if (res.statusCode !== 403) return res;
  const deniedText = await res.body.text().catch(() => '');
  return Object.assign(res, { deniedText, final: deniedByBackend(403, deniedText) });
}
