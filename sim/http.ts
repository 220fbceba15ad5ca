// Tiny routing layer for the simulator: every service lives under /<service>/ on one port, the
// way OLARES_URL_TEMPLATE=http://127.0.0.1:PORT/{service} addresses it.
import type { IncomingMessage, ServerResponse } from 'node:http';

export type Service =
  | 'auth'
  | 'desktop'
  | 'files'
  | 'market'
  | 'dashboard'
  | 'control-hub'
  | 'settings'
  | 'vault';

export interface SimRequest {
  req: IncomingMessage;
  res: ServerResponse;
  service: Service;
  method: string;
  /** Path below the service prefix, still percent-encoded, e.g. `/api/resources/drive/Home/`. */
  path: string;
  url: URL;
  params: Record<string, string>;
  /** Set by `requireUser` for protected routes. */
  user?: import('./users.js').SimUser;
}

export type Handler = (r: SimRequest) => Promise<unknown> | unknown;

export interface Route {
  service: Service;
  method: string;
  /** `/api/x/:id/*` — `:name` matches one segment, a trailing `*` the rest (into params['*']). */
  pattern: string;
  /**
   * Protected routes answer 401 JSON unless a valid access token comes with the request.
   * `cookie`: only the `auth_token` cookie counts, as on the node routes behind the envoy
   * gateway, whose ext_authz forwards the cookie but not X-Authorization.
   */
  auth: boolean | 'cookie';
  handler: Handler;
}

export function matchPattern(pattern: string, path: string): Record<string, string> | null {
  const p = pattern.split('/');
  const s = path.split('/');
  const params: Record<string, string> = {};
  for (let i = 0; i < p.length; i++) {
    const seg = p[i];
    if (seg === '*') {
      params['*'] = s.slice(i).join('/');
      return params;
    }
    if (i >= s.length) return null;
    if (seg.startsWith(':')) {
      if (s[i] === '') return null;
      params[seg.slice(1)] = decodeURIComponent(s[i]);
    } else if (seg !== s[i]) return null;
  }
  return p.length === s.length ? params : null;
}

export function sendJson(
  res: ServerResponse,
  status: number,
  body: unknown,
  headers: Record<string, string> = {},
) {
  const text = JSON.stringify(body);
  res.writeHead(status, {
    'content-type': 'application/json; charset=utf-8',
    'content-length': Buffer.byteLength(text),
    ...headers,
  });
  res.end(text);
}

export function sendText(
  res: ServerResponse,
  status: number,
  text: string,
  type = 'text/plain; charset=utf-8',
) {
  res.writeHead(status, { 'content-type': type, 'content-length': Buffer.byteLength(text) });
  res.end(text);
}

/** Authelia-style envelopes used by the auth host. */
export const ok = (data?: unknown) => (data === undefined ? { status: 'OK' } : { status: 'OK', data });
export const ko = (message: string) => ({ status: 'KO', message });

export async function readBody(req: IncomingMessage, limit = 16 * 1024 * 1024): Promise<Buffer> {
  const chunks: Buffer[] = [];
  let size = 0;
  for await (const chunk of req) {
    size += (chunk as Buffer).length;
    if (size > limit) throw new Error(`request body over ${limit} bytes`);
    chunks.push(chunk as Buffer);
  }
  return Buffer.concat(chunks);
}

export async function readJson<T = any>(req: IncomingMessage): Promise<T | undefined> {
  const buf = await readBody(req);
  if (buf.length === 0) return undefined;
  try {
    return JSON.parse(buf.toString('utf8')) as T;
  } catch {
    return undefined;
  }
}
