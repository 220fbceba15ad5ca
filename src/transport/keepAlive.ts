// Small downloads, small uploads and JSON GETs on kept-alive connections. Through undici every small file cost a request
// object, a body stream and a fresh buffer per socket read: garbage outside the V8 heap that
// made V8 run full collections every few hundred files and set the server's peak RSS over a
// folder of small files. Here each connection reads into one buffer for its whole life, and the
// answer is parsed by the same code as a big download (download.ts), only without
// `Connection: close`: a clean answer (Content-Length, ended at the boundary, HTTP/1.1 without
// `Connection: close`) hands the connection back for the next file.

import { connect as netConnect, type Socket } from 'node:net';
import { connect as tlsConnect } from 'node:tls';
import {
  type FileSink,
  type GetToFileOptions,
  type GetToFileResult,
  getOnLink,
  type Link,
  type LinkRequest,
  type LinkUser,
  requestHead,
  StaleLinkError,
  type Target,
  targetOf,
} from './download.js';

const READ_BUFFER_BYTES = 64 * 1024;
/** An idle connection is closed after this long (servers close theirs after a few seconds too). */
const IDLE_MS = 4_000;
/** Idle connections kept per origin: the transfers run 8 at once. */
const MAX_IDLE = 16;

const idle = new Map<string, KeptConnection[]>();

class KeptConnection implements Link {
  readonly socket: Socket;
  reused = false;
  private user: LinkUser | undefined;

  constructor(
    private readonly key: string,
    target: Target,
    insecure: boolean | undefined,
  ) {
    const onread = {
      buffer: Buffer.allocUnsafe(READ_BUFFER_BYTES),
      // Bytes while idle are an answer nobody asked for: the connection is dropped.
      callback: (n: number, buf: Buffer) => {
        if (this.user) this.user.onRead(n, buf);
        else this.socket.destroy();
        return !this.socket.destroyed;
      },
    };
    const { https, host, port } = target;
    this.socket = https
      ? tlsConnect({
          host,
          port,
          servername: /^[\d.]+$|:/.test(host) ? undefined : host,
          rejectUnauthorized: !insecure,
          onread,
        } as any)
      : netConnect({ host, port, onread });
    this.socket.setNoDelay(true);
    this.socket.on('timeout', () => (this.user ? this.user.onTimeout() : this.socket.destroy()));
    this.socket.on('error', (err) => this.user?.onError(err));
    this.socket.on('close', () => {
      this.forget();
      this.user?.onClose();
    });
  }

  attach(user: LinkUser) {
    this.user = user;
    this.socket.ref();
  }

  done(reusable: boolean) {
    this.user = undefined;
    const list = idle.get(this.key) ?? [];
    if (!reusable || this.socket.destroyed || list.length >= MAX_IDLE) {
      this.socket.destroy();
      return;
    }
    this.reused = true;
    this.socket.setTimeout(IDLE_MS);
    this.socket.unref(); // an idle connection never keeps the process alive
    list.push(this);
    idle.set(this.key, list);
  }

  private forget() {
    const list = idle.get(this.key);
    const at = list?.indexOf(this) ?? -1;
    if (list && at >= 0) list.splice(at, 1);
  }
}

function take(key: string, target: Target, insecure: boolean | undefined): KeptConnection {
  const list = idle.get(key);
  for (let kept = list?.pop(); kept; kept = list?.pop()) if (!kept.socket.destroyed) return kept;
  return new KeptConnection(key, target, insecure);
}

/**
 * One exchange on a kept-alive connection to `target`'s origin. A reused connection the server
 * closed meanwhile fails before any byte of the answer, with nothing in the sink: a GET is sent
 * once more on a new connection (as undici does for idempotent requests); anything else fails
 * with the cause, for the caller's retry (an upload asks the server what it has).
 */
async function exchange(
  target: Target,
  request: () => LinkRequest,
  sink: FileSink,
  opts: GetToFileOptions & { idempotent: boolean },
) {
  const key = `${target.https ? 'https' : 'http'}://${target.host}:${target.port}${opts.insecure ? ' insecure' : ''}`;
  try {
    return await getOnLink(take(key, target, opts.insecure), target, request(), sink, opts);
  } catch (err) {
    if (!(err instanceof StaleLinkError)) throw err;
    if (!opts.idempotent) throw err.cause;
    return getOnLink(new KeptConnection(key, target, opts.insecure), target, request(), sink, opts);
  }
}

/** GET into `sink` on a kept-alive connection. */
export function getKeptAlive(url: string, sink: FileSink, opts: GetToFileOptions): Promise<GetToFileResult> {
  const target = targetOf(url);
  const head = requestHead(target.url, opts.headers, { keepAlive: true });
  return exchange(target, () => head, sink, { ...opts, idempotent: true });
}

/** What a 2xx answer carries, gathered in memory (the read buffer is reused, so bytes are copied). */
function memorySink(maxBytes: number, what: string) {
  const parts: Buffer[] = [];
  let bytes = 0;
  const sink: FileSink = {
    put(buf, from, to) {
      bytes += to - from;
      if (bytes > maxBytes) throw new Error(`${what} over ${Math.round(maxBytes / 1024)} KiB`);
      parts.push(Buffer.from(buf.subarray(from, to)));
    },
    offsetFor: () => 0,
    onBytes() {},
  };
  return { sink, text: () => Buffer.concat(parts).toString('utf8') };
}

export interface TextAnswer {
  statusCode: number;
  headers: Record<string, string>;
  /** The whole body of a 2xx answer; the start of any other (for error messages). */
  text: string;
}

const textOf = (res: GetToFileResult, body: () => string): TextAnswer => ({
  statusCode: res.statusCode,
  headers: res.headers,
  text: res.statusCode >= 200 && res.statusCode < 300 ? body() : res.errorText,
});

/** GET of a small answer (JSON) into memory on a kept-alive connection. */
export async function getTextKeptAlive(url: string, opts: GetToFileOptions): Promise<TextAnswer> {
  const answer = memorySink(MAX_TEXT_BYTES, 'answer');
  return textOf(await getKeptAlive(url, answer.sink, opts), answer.text);
}

const MAX_TEXT_BYTES = 256 * 1024 * 1024;
const MAX_UPLOAD_ANSWER_BYTES = 256 * 1024;

/**
 * POST of `body` (a buffer lent by the caller) on a kept-alive connection. Resolves with the
 * answer once the socket is also done with the body (sent, or dropped with its connection), so
 * the caller may reuse the buffer.
 */
export async function postKeptAlive(url: string, body: Buffer, opts: GetToFileOptions): Promise<TextAnswer> {
  const target = targetOf(url);
  const head = requestHead(target.url, opts.headers, {
    keepAlive: true,
    method: 'POST',
    length: body.length,
  });
  let unflushed = 0;
  let flushed = () => {};
  const request = () => {
    unflushed++;
    return { head, body, written: () => --unflushed === 0 && flushed() };
  };
  const answer = memorySink(MAX_UPLOAD_ANSWER_BYTES, 'upload answer');
  try {
    return textOf(await exchange(target, request, answer.sink, { ...opts, idempotent: false }), answer.text);
  } finally {
    if (unflushed > 0) await new Promise<void>((resolve) => (flushed = resolve));
  }
}

/** Closes every idle connection (tests, shutdown). */
export function closeIdleConnections() {
  for (const list of idle.values()) for (const kept of list.splice(0)) kept.socket.destroy();
}
