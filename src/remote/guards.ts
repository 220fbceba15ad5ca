// The checks every request passes before the MCP handler sees it, as small functions on web
// `Request`s or plain values so they sit in front of any fetch-style handler: Host and Origin
// (DNS rebinding and cross-site requests: a browser page must not drive the endpoint), a body
// size limit, and a per-principal token bucket.
import type { IncomingMessage } from 'node:http';
import { isLoopbackHost } from '../config.js';

export const MAX_BODY_BYTES = 4 * 1024 * 1024;
export const RATE_PER_SECOND = 20;

export interface HostPolicy {
  /** The --host the server listens on. */
  listenHost: string;
  /** OLARES_MCP_RESOURCE, when set. */
  resource?: string;
}

const LOOPBACK_NAMES = ['localhost', '127.0.0.1', '[::1]'];
const WILDCARD = new Set(['0.0.0.0', '::', '[::]']);

const bracketed = (host: string) => (host.includes(':') && !host.startsWith('[') ? `[${host}]` : host);

/** Host names (no ports, lower case, IPv6 in brackets) a request may address. */
export function allowedHosts(policy: HostPolicy): string[] {
  const hosts = new Set<string>();
  const listen = bracketed(policy.listenHost.toLowerCase());
  if (isLoopbackHost(listen)) for (const name of LOOPBACK_NAMES) hosts.add(name);
  else if (!WILDCARD.has(listen)) hosts.add(listen);
  if (policy.resource) hosts.add(new URL(policy.resource).hostname.toLowerCase());
  return [...hosts];
}

/** Origins (scheme://host[:port]) a browser request may come from: the resource's, or loopback's. */
export function allowedOrigins(policy: HostPolicy): (origin: URL) => boolean {
  const resourceOrigin = policy.resource ? new URL(policy.resource).origin : undefined;
  const loopback = isLoopbackHost(bracketed(policy.listenHost.toLowerCase()));
  return (origin) =>
    origin.origin === resourceOrigin ||
    (loopback && origin.protocol === 'http:' && isLoopbackHost(origin.hostname));
}

const refusal = (status: number, message: string, headers: Record<string, string> = {}) =>
  Response.json(
    { error: status === 429 ? 'rate_limited' : 'forbidden', error_description: message },
    { status, headers },
  );

/** The host name of a Host header; undefined for anything but `name[:port]` (no userinfo, no path). */
function hostOf(header: string | null): string | undefined {
  if (!header || !/^[A-Za-z0-9.\-[\]:]+$/.test(header)) return undefined;
  try {
    return new URL(`http://${header}`).hostname.toLowerCase();
  } catch {
    return undefined;
  }
}

/** 403 unless Host names this server and Origin (when a browser sent one) is allowed. */
export function hostAndOriginRefusal(request: Request, policy: HostPolicy): Response | undefined {
  const host = hostOf(request.headers.get('host'));
  if (!host || !allowedHosts(policy).includes(host))
    return refusal(
      403,
      `Host ${JSON.stringify(request.headers.get('host'))} is not this server. Fix: reach it by the name in OLARES_MCP_RESOURCE or --host`,
    );
  const origin = request.headers.get('origin');
  if (origin === null || origin === '') return undefined;
  let parsed: URL | undefined;
  try {
    parsed = new URL(origin);
  } catch {}
  if (!parsed || !allowedOrigins(policy)(parsed))
    return refusal(
      403,
      `Origin ${JSON.stringify(origin)} may not call this server (cross-site request refused)`,
    );
  return undefined;
}

const tooLarge = (limit: number) => refusal(413, `the request body is larger than ${limit} bytes`);

/**
 * The request's body bytes, or 413 once they pass `limit` (by Content-Length when declared, else
 * while streaming, so a lying or chunked body is cut off just the same).
 */
export async function readBodyBytes(request: Request, limit = MAX_BODY_BYTES): Promise<Buffer | Response> {
  const declared = Number(request.headers.get('content-length') ?? 0);
  if (declared > limit) {
    await request.body?.cancel();
    return tooLarge(limit);
  }
  if (!request.body) return Buffer.alloc(0);
  const chunks: Uint8Array[] = [];
  let size = 0;
  const reader = request.body.getReader();
  for (let next = await reader.read(); !next.done; next = await reader.read()) {
    size += next.value.byteLength;
    if (size > limit) {
      await reader.cancel();
      return tooLarge(limit);
    }
    chunks.push(next.value);
  }
  return Buffer.concat(chunks);
}

/**
 * A Node request body read the same way: 413 past `limit`, declared or streamed. Past the limit
 * the rest is drained unread rather than the socket destroyed, so the 413 still reaches the caller.
 */
export function readNodeBody(request: IncomingMessage, limit = MAX_BODY_BYTES): Promise<Buffer | Response> {
  if (Number(request.headers['content-length'] ?? 0) > limit) {
    request.resume();
    return Promise.resolve(tooLarge(limit));
  }
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    let size = 0;
    const done = (outcome: () => void) => {
      request.off('data', onData).off('end', onEnd).off('error', onError).off('close', onClose);
      outcome();
    };
    const onData = (chunk: Buffer) => {
      size += chunk.byteLength;
      if (size <= limit) return void chunks.push(chunk);
      done(() => resolve(tooLarge(limit)));
      request.resume();
    };
    const onEnd = () => done(() => resolve(chunks.length === 1 ? chunks[0] : Buffer.concat(chunks)));
    const onError = (err: Error) => done(() => reject(err));
    const onClose = () => done(() => reject(new Error('the request was closed before its body ended')));
    request.on('data', onData).on('end', onEnd).on('error', onError).on('close', onClose);
  });
}

export type Take = { ok: true } | { ok: false; retryAfterSeconds: number };

/**
 * One bucket per principal: `rate` tokens a second, up to `burst` saved. Idle buckets are full
 * by definition, so they are dropped instead of kept (memory stays bounded by active callers).
 */
export class TokenBuckets {
  private buckets = new Map<string, { tokens: number; at: number }>();
  private sweptAt = 0;

  constructor(
    readonly rate = RATE_PER_SECOND,
    private readonly burst = RATE_PER_SECOND,
    private readonly now: () => number = () => performance.now(),
  ) {}

  take(key: string): Take {
    const t = this.now();
    this.sweep(t);
    const bucket = this.buckets.get(key) ?? { tokens: this.burst, at: t };
    bucket.tokens = Math.min(this.burst, bucket.tokens + ((t - bucket.at) / 1000) * this.rate);
    bucket.at = t;
    this.buckets.set(key, bucket);
    if (bucket.tokens >= 1) {
      bucket.tokens -= 1;
      return { ok: true };
    }
    return { ok: false, retryAfterSeconds: Math.max(1, Math.ceil((1 - bucket.tokens) / this.rate)) };
  }

  get size(): number {
    return this.buckets.size;
  }

  private sweep(t: number): void {
    const fullAfterMs = (this.burst / this.rate) * 1000;
    if (t - this.sweptAt < fullAfterMs) return;
    this.sweptAt = t;
    for (const [key, bucket] of this.buckets) if (t - bucket.at >= fullAfterMs) this.buckets.delete(key);
  }
}

/** 429 with Retry-After (RFC 9110 sec. 10.2.3), in whole seconds. */
export function rateLimitedResponse(retryAfterSeconds: number, rate = RATE_PER_SECOND): Response {
  return refusal(
    429,
    `more than ${rate} requests a second for this token; retry after ${retryAfterSeconds} s`,
    { 'retry-after': String(retryAfterSeconds) },
  );
}
