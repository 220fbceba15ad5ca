// The net floor, below both auth and transport: the process's connection pools and the mapping of
// network failures to typed, actionable errors. It knows nothing of tokens, profiles or services.
import type { Agent, Dispatcher } from 'undici';
import { OlaresMcpError } from '../errors.js';

type Undici = typeof import('undici');
let undiciModule: Promise<Undici> | undefined;

/** undici is a megabyte of code: loaded on the first request, not at server start-up. */
export function loadUndici(): Promise<Undici> {
  // A bundled CommonJS module may arrive as { default: exports }.
  undiciModule ??= import('undici').then((m) => ((m as any).Agent ? m : (m as any).default));
  return undiciModule;
}

let secure: Agent | undefined;
let insecure: Agent | undefined;

async function dispatcherFor(opts: { insecure?: boolean } = {}): Promise<Dispatcher> {
  const { Agent } = await loadUndici();
  if (opts.insecure) {
    insecure ??= new Agent({ keepAliveTimeout: 10_000, connect: { rejectUnauthorized: false } });
    return insecure;
  }
  secure ??= new Agent({ keepAliveTimeout: 10_000 });
  return secure;
}

/** undici.request, loaded lazily, always through one of the shared connection pools. */
export async function httpRequest(
  url: string,
  opts: Omit<Dispatcher.RequestOptions, 'origin' | 'path'> & { insecure?: boolean },
): Promise<Dispatcher.ResponseData> {
  const { request } = await loadUndici();
  const { insecure: skipVerify, ...rest } = opts;
  return request(url, { ...rest, dispatcher: await dispatcherFor({ insecure: skipVerify }) } as any);
}

export class UnreachableError extends OlaresMcpError {
  constructor(host: string, detail: string, cause?: unknown) {
    super(
      `cannot reach ${host} (${detail}). Fix: check that the Olares box is on and reachable from this machine, and that the olaresId (and OLARES_URL_TEMPLATE, if set) are right`,
      { code: 'transport', retryable: true },
      { cause },
    );
  }
}

class TlsError extends OlaresMcpError {
  constructor(host: string, detail: string, cause?: unknown) {
    super(
      `TLS verification failed for ${host} (${detail}). Fix: install a trusted certificate on the box, or for a local box with a self-signed certificate set OLARES_INSECURE_SKIP_VERIFY=1`,
      { code: 'tls' },
      { cause },
    );
  }
}

export class TimeoutError extends OlaresMcpError {
  constructor(host: string, ms: number | undefined, cause?: unknown) {
    super(
      `${host} did not answer${ms ? ` within ${Math.round(ms / 1000)} s` : ''}. Fix: try again; if it persists, check the box's load and network`,
      {
        code: 'timeout',
        retryable: true,
      },
      { cause },
    );
  }
}

export class CancelledError extends OlaresMcpError {
  constructor(what = 'the request') {
    super(`${what} was cancelled`, { code: 'cancelled' });
  }
}

const TLS_CODES = /CERT|SELF_SIGNED|UNABLE_TO_VERIFY|ERR_TLS|SSL/;

/** Turns undici/Node network failures into typed errors; anything else passes through. */
export function mapNetworkError(err: unknown, url: string, timeoutMs?: number): unknown {
  if (err instanceof OlaresMcpError) return err;
  const e = err as NodeJS.ErrnoException & { cause?: NodeJS.ErrnoException };
  const host = safeHost(url);
  if (e?.name === 'AbortError' || e?.code === 'ABORT_ERR' || e?.code === 'UND_ERR_ABORTED')
    return new CancelledError(`the request to ${host}`);
  const code = e?.code ?? e?.cause?.code ?? '';
  if (TLS_CODES.test(code)) return new TlsError(host, code, err);
  if (/TIMEOUT/.test(code)) return new TimeoutError(host, timeoutMs, err);
  if (
    /ECONNREFUSED|ENOTFOUND|EAI_AGAIN|ECONNRESET|EHOSTUNREACH|ENETUNREACH|EPIPE|UND_ERR_SOCKET|UND_ERR_CLOSED/.test(
      code,
    )
  ) {
    return new UnreachableError(host, code, err);
  }
  return err;
}

function safeHost(url: string) {
  try {
    return new URL(url).host;
  } catch {
    return url;
  }
}
