// GET straight into a file: HTTP/1.1 on a connection of its own, read into one reused buffer and
// written synchronously as it arrives. undici hands every 64 KiB socket read over as a new
// buffer through a stream; over a GiB that churn (allocation, GC, stream bookkeeping) cost Node
// 2.5x curl's CPU and 0.55x its speed on loopback, while this path matches curl (bench/transfer.ts).
// It speaks only what a file download needs: one GET, Content-Length, chunked or close-delimited
// bodies, no redirects. Everything else goes through undici (http.ts).

import { writeSync } from 'node:fs';
import { connect as netConnect, type Socket } from 'node:net';
import { connect as tlsConnect } from 'node:tls';
import { OlaresMcpError } from '../errors.js';
import { CancelledError, TimeoutError, UnreachableError } from '../net/http.js';

/**
 * Where a 2xx body goes: a file descriptor written at offsets, or `put` (a small file held in
 * memory until it is whole). `put` gets the bytes of a read buffer that is reused afterwards:
 * it must copy what it keeps.
 */
export type FileSink = (
  | { fd: number }
  | { put(buf: Buffer, from: number, to: number, position: number): void }
) & {
  /** File offset for the first body byte, given the 2xx status (206 resumes; 200 starts over). */
  offsetFor(statusCode: number): number;
  onBytes(n: number): void;
};

/** Writes buf[from, to) at `position` of what `sink` receives. */
function putInto(sink: FileSink, buf: Buffer, from: number, to: number, position: number) {
  if ('fd' in sink) writeAt(sink.fd, buf, from, to, position);
  else sink.put(buf, from, to, position);
}

export interface GetToFileOptions {
  headers: Record<string, string>;
  insecure?: boolean;
  signal?: AbortSignal;
  /** Time to the response head. */
  headersTimeoutMs: number;
  /** Longest silence once the body flows. */
  idleTimeoutMs: number;
}

export interface GetToFileResult {
  statusCode: number;
  headers: Record<string, string>;
  /** Body bytes written to the sink (2xx only). */
  written: number;
  /** The start of a non-2xx body, for error messages. */
  errorText: string;
}

/** The body stopped before its end: what reached the file is what the next attempt resumes from. */
export class BodyBrokenError extends OlaresMcpError {
  constructor(host: string, written: number, expected: number | undefined) {
    super(
      `the connection to ${host} closed after ${written} bytes${expected !== undefined ? ` of ${expected}` : ''}`,
      { code: 'transport', retryable: true },
    );
  }
}

/** Writes buf[from, to) at `position`, synchronously: a page-cache write takes microseconds. */
function writeAt(fd: number, buf: Uint8Array, from: number, to: number, position: number) {
  for (let done = from; done < to; ) {
    const n = writeSync(fd, buf, done, to - done, position + (done - from));
    done += n;
  }
}

const READ_BUFFER_BYTES = 256 * 1024;
const MAX_HEAD_BYTES = 64 * 1024;
const MAX_ERROR_TEXT = 64 * 1024;

type Framing =
  | { kind: 'length'; left: number }
  | { kind: 'chunked'; state: 'size' | 'data' | 'data-end' | 'trailer'; line: string; left: number }
  | { kind: 'close' };

/** Where the GET goes, from its URL. */
export interface Target {
  url: URL;
  https: boolean;
  host: string;
  port: number;
}

export function targetOf(url: string): Target {
  const u = new URL(url);
  const https = u.protocol === 'https:';
  return {
    url: u,
    https,
    host: u.hostname.replace(/^\[|\]$/g, ''),
    port: Number(u.port) || (https ? 443 : 80),
  };
}

/**
 * The request head (a GET unless told otherwise; `length` for a body); refuses a header that
 * would smuggle a second line. `keepAlive` leaves the connection open after the answer.
 */
export function requestHead(
  u: URL,
  headers: Record<string, string>,
  opts: { keepAlive?: boolean; method?: string; length?: number } = {},
): string {
  for (const [name, value] of Object.entries(headers))
    if (/[\r\n]/.test(name) || /[\r\n]/.test(value)) throw new Error(`header ${name} contains a line break`);
  return [
    `${opts.method ?? 'GET'} ${u.pathname}${u.search} HTTP/1.1`,
    `Host: ${u.host}`,
    ...Object.entries(headers)
      .filter(([k]) => k.toLowerCase() !== 'content-length')
      .map(([k, v]) => `${k}: ${v}`),
    ...(opts.length === undefined ? [] : [`Content-Length: ${opts.length}`]),
    'Accept-Encoding: identity',
    ...(opts.keepAlive ? [] : ['Connection: close']),
    '',
    '',
  ].join('\r\n');
}

/** Status, headers (lower-cased names, repeats joined) and body framing of a response head. */
function parseHead(text: string): {
  statusCode: number;
  headers: Record<string, string>;
  framing: Framing;
  keepAlive: boolean;
} {
  const [statusLine, ...lines] = text.split('\r\n');
  const m = /^HTTP\/1\.[01] (\d{3})/.exec(statusLine);
  if (!m) throw new Error(`not an HTTP/1.1 response: ${statusLine.slice(0, 80)}`);
  const statusCode = Number(m[1]);
  const headers: Record<string, string> = {};
  for (const line of lines) {
    const colon = line.indexOf(':');
    if (colon <= 0) continue;
    const name = line.slice(0, colon).trim().toLowerCase();
    const value = line.slice(colon + 1).trim();
    headers[name] = headers[name] ? `${headers[name]}, ${value}` : value;
  }
  const keepAlive = statusLine.startsWith('HTTP/1.1') && !/\bclose\b/i.test(headers.connection ?? '');
  return { statusCode, headers, framing: framingOf(statusCode, headers), keepAlive };
}

function framingOf(statusCode: number, headers: Record<string, string>): Framing {
  const length = headers['content-length'];
  if (/\bchunked\b/i.test(headers['transfer-encoding'] ?? ''))
    return { kind: 'chunked', state: 'size', line: '', left: 0 };
  if (statusCode === 204 || statusCode === 304) return { kind: 'length', left: 0 };
  if (length === undefined) return { kind: 'close' };
  const n = Number(length);
  if (!Number.isSafeInteger(n) || n < 0) throw new Error(`bad Content-Length "${length}"`);
  return { kind: 'length', left: n };
}

const is2xx = (status: number) => status >= 200 && status < 300;

export function getToFile(url: string, sink: FileSink, opts: GetToFileOptions): Promise<GetToFileResult> {
  const target = targetOf(url);
  const request = requestHead(target.url, opts.headers);
  return new Promise<GetToFileResult>((resolve, reject) => {
    new FileDownload(target, sink, opts, resolve, reject).start(request);
  });
}

/** What a kept-alive connection (keepAlive.ts) routes to the download using it. */
export interface LinkUser {
  onRead(n: number, buf: Buffer): void;
  onTimeout(): void;
  onError(err: Error): void;
  onClose(): void;
}

/** A kept-alive connection lent to one download; `done` hands it back (or closes it). */
export interface Link {
  readonly socket: Socket;
  /** It carried an earlier exchange: the server may have closed it meanwhile. */
  readonly reused: boolean;
  attach(user: LinkUser): void;
  done(reusable: boolean): void;
}

/** A reused kept-alive connection that failed before any byte of the answer; `cause` says how. */
export class StaleLinkError extends Error {
  constructor(override readonly cause: unknown) {
    super(String(cause));
  }
}

/** A request for a kept-alive connection: its head, and a body whose write reports when it is flushed. */
export type LinkRequest = string | { head: string; body: Buffer; written(): void };

/** A request on a kept-alive connection, answered into `sink`; the connection goes back when clean. */
export function getOnLink(
  link: Link,
  target: Target,
  request: LinkRequest,
  sink: FileSink,
  opts: GetToFileOptions,
): Promise<GetToFileResult> {
  return new Promise<GetToFileResult>((resolve, reject) => {
    new FileDownload(target, sink, opts, resolve, reject, link).start(request);
  });
}

/**
 * One download on its own socket. The socket reads into one buffer allocated here (`onread`),
 * and every read goes through the same bound `onRead`: nothing is allocated per read.
 */
class FileDownload {
  /** The response head read so far; undefined once it is complete. */
  private head: Buffer | undefined = Buffer.alloc(0);
  private statusCode = 0;
  private headers: Record<string, string> = {};
  private framing: Framing = { kind: 'close' };
  private position = 0;
  private written = 0;
  private errorText = '';
  private settled = false;
  /** Any byte of the answer arrived (a reused connection that got none is stale, not broken). */
  private answered = false;
  /** The answer ended at a message boundary on a connection the server keeps open. */
  private reusable = false;
  private keepAlive = false;
  /** A request not written yet (the connection is still being made). */
  private unsent: LinkRequest | undefined;
  private socket!: Socket;
  private readonly onAbort = () =>
    this.finish(new CancelledError(`the download from ${this.target.url.host}`));

  constructor(
    private readonly target: Target,
    private readonly sink: FileSink,
    private readonly opts: GetToFileOptions,
    private readonly resolve: (r: GetToFileResult) => void,
    private readonly reject: (err: unknown) => void,
    private readonly link?: Link,
  ) {}

  start(request: LinkRequest) {
    if (this.link) return this.startOnLink(this.link, request);
    if (typeof request !== 'string') throw new Error('a body goes only on a kept-alive connection');
    const { https } = this.target;
    const socket = this.connect();
    this.socket = socket;
    socket.setNoDelay(true);
    socket.setTimeout(this.opts.headersTimeoutMs);
    socket.once(https ? 'secureConnect' : 'connect', () => socket.write(request));
    socket.on('timeout', () => this.finish(new TimeoutError(this.target.url.host, socket.timeout)));
    socket.on('error', (err) => this.finish(err));
    socket.on('close', () => this.onClose());
    if (this.opts.signal?.aborted) this.onAbort();
    else this.opts.signal?.addEventListener('abort', this.onAbort, { once: true });
  }

  private startOnLink(link: Link, request: LinkRequest) {
    this.socket = link.socket;
    this.unsent = request;
    link.attach({
      onRead: (n, buf) => this.onRead(n, buf),
      onTimeout: () => this.finish(new TimeoutError(this.target.url.host, this.socket.timeout)),
      onError: (err) => this.finish(this.staleOr(err)),
      onClose: () => this.onClose(),
    });
    this.socket.setTimeout(this.opts.headersTimeoutMs);
    if (this.socket.connecting)
      this.socket.once(this.target.https ? 'secureConnect' : 'connect', () => this.send(request));
    else this.send(request);
    if (this.opts.signal?.aborted) this.onAbort();
    else this.opts.signal?.addEventListener('abort', this.onAbort, { once: true });
  }

  private send(request: LinkRequest) {
    if (this.settled) return; // finish() already freed a body that was never sent
    this.unsent = undefined;
    if (typeof request === 'string') {
      this.socket.write(request);
      return;
    }
    // The body buffer may be lent: `written` runs once the socket is done with it, sent or not.
    this.socket.cork();
    this.socket.write(request.head, 'latin1');
    this.socket.write(request.body, () => request.written());
    this.socket.uncork();
  }

  /** A reused connection that failed before any byte of the answer is stale: nothing was received. */
  private staleOr(err: unknown): unknown {
    return this.link?.reused && !this.answered ? new StaleLinkError(err) : err;
  }

  private connect(): Socket {
    const { https, host, port } = this.target;
    const onread = {
      buffer: Buffer.allocUnsafe(READ_BUFFER_BYTES),
      callback: (n: number, buf: Buffer) => this.onRead(n, buf),
    };
    return https
      ? tlsConnect({
          host,
          port,
          servername: /^[\d.]+$|:/.test(host) ? undefined : host,
          rejectUnauthorized: !this.opts.insecure,
          onread,
        } as any)
      : netConnect({ host, port, onread });
  }

  private finish(err?: unknown) {
    if (this.settled) return;
    this.settled = true;
    this.opts.signal?.removeEventListener('abort', this.onAbort);
    // Only a clean 2xx goes back: a refusal may have come before the server read our request's body.
    if (this.link) this.link.done(!err && this.reusable && this.keepAlive && is2xx(this.statusCode));
    else this.socket.destroy();
    // A lent body that never reached the socket is free again.
    if (this.unsent && typeof this.unsent !== 'string') this.unsent.written();
    this.unsent = undefined;
    if (err) this.reject(err);
    else
      this.resolve({
        statusCode: this.statusCode,
        headers: this.headers,
        written: this.written,
        errorText: this.errorText,
      });
  }

  private onClose() {
    if (this.settled) return;
    const { framing, written } = this;
    if (this.head)
      this.finish(
        this.staleOr(new UnreachableError(this.target.url.host, 'the connection closed before the response')),
      );
    else if (framing.kind === 'close') this.finish();
    else
      this.finish(
        new BodyBrokenError(
          this.target.url.host,
          written,
          framing.kind === 'length' && is2xx(this.statusCode) ? written + framing.left : undefined,
        ),
      );
  }

  /** The socket's read callback: the head first, then the body; false stops reading. */
  private onRead(n: number, buf: Buffer): boolean {
    if (this.settled) return false;
    if (n > 0) this.answered = true;
    try {
      const start = this.head ? this.readHead(n, buf) : 0;
      if (start < 0) return !this.settled;
      if (start < n && this.body(buf, start, n)) this.finish();
    } catch (err) {
      this.finish(err);
    }
    return !this.settled;
  }

  /**
   * Collects head bytes from buf[0, n) (skipping interim 1xx answers); returns where the body
   * starts in buf, or -1 when the head is not complete yet or the response already ended.
   */
  private readHead(n: number, buf: Buffer): number {
    let start = 0;
    while (this.head) {
      // Most heads arrive whole in one read: read in place, copied only to wait for the rest.
      const head = this.head.length
        ? Buffer.concat([this.head, buf.subarray(start, n)])
        : buf.subarray(start, n);
      const end = head.indexOf('\r\n\r\n');
      if (end < 0) {
        if (head.length > MAX_HEAD_BYTES) throw new Error('response head over 64 KiB');
        this.head = Buffer.from(head);
        return -1;
      }
      const consumed = end + 4 - (head.length - (n - start));
      this.takeHead(head.toString('latin1', 0, end));
      start += consumed;
      // An interim 1xx answer is followed by the real one.
      this.head = this.statusCode >= 100 && this.statusCode < 200 ? Buffer.alloc(0) : undefined;
      if (!this.head) {
        this.socket.setTimeout(this.opts.idleTimeoutMs);
        if (this.framing.kind === 'length' && this.framing.left === 0) {
          this.reusable = start === n;
          this.finish();
          return -1;
        }
      }
    }
    return start;
  }

  private takeHead(text: string) {
    const { statusCode, headers, framing, keepAlive } = parseHead(text);
    this.keepAlive = keepAlive;
    this.statusCode = statusCode;
    this.headers = headers;
    this.framing = framing;
    if (is2xx(statusCode)) this.position = this.sink.offsetFor(statusCode);
  }

  /** Body bytes in buf[from, to): to the file for 2xx, else kept for the error message. */
  private take(buf: Buffer, from: number, to: number) {
    if (is2xx(this.statusCode)) {
      putInto(this.sink, buf, from, to, this.position);
      this.position += to - from;
      this.written += to - from;
      this.sink.onBytes(to - from);
    } else if (this.errorText.length < MAX_ERROR_TEXT) {
      this.errorText += buf.toString('utf8', from, Math.min(to, from + MAX_ERROR_TEXT));
    }
  }

  /** Feeds body bytes through the framing; true once the body is complete. */
  private body(buf: Buffer, start: number, end: number): boolean {
    const framing = this.framing;
    if (framing.kind === 'close') {
      this.take(buf, start, end);
      return false;
    }
    if (framing.kind === 'length') {
      const n = Math.min(framing.left, end - start);
      this.take(buf, start, start + n);
      framing.left -= n;
      // Bytes past the body would be an answer nobody asked for: such a connection is not reused.
      this.reusable = framing.left === 0 && start + n === end;
      return framing.left === 0;
    }
    return this.chunked(framing, buf, start, end);
  }

  /** Decodes a chunked body across reads; the state lives in `c`, so a line may span two reads. */
  private chunked(
    c: Extract<Framing, { kind: 'chunked' }>,
    buf: Buffer,
    start: number,
    end: number,
  ): boolean {
    let i = start;
    while (i < end) {
      if (c.state === 'data') {
        const n = Math.min(c.left, end - i);
        this.take(buf, i, i + n);
        c.left -= n;
        i += n;
        if (c.left === 0) c.state = 'data-end';
        continue;
      }
      const nl = buf.indexOf(10, i);
      if (nl < 0 || nl >= end) {
        c.line += buf.toString('latin1', i, end);
        if (c.line.length > 4096) throw new Error('chunked body: line too long');
        return false;
      }
      const line = (c.line + buf.toString('latin1', i, nl)).replace(/\r$/, '');
      c.line = '';
      i = nl + 1;
      if (chunkedLine(c, line)) return true;
    }
    return false;
  }
}

/** One line of chunked framing (a size, the CRLF after data, or a trailer); true at the end. */
function chunkedLine(c: Extract<Framing, { kind: 'chunked' }>, line: string): boolean {
  if (c.state === 'data-end') {
    if (line !== '') throw new Error('chunked body: missing CRLF after a chunk');
    c.state = 'size';
  } else if (c.state === 'size') {
    const size = Number.parseInt(line.split(';')[0].trim(), 16);
    if (!Number.isFinite(size) || size < 0) throw new Error(`chunked body: bad chunk size "${line}"`);
    if (size === 0) c.state = 'trailer';
    else {
      c.state = 'data';
      c.left = size;
    }
  } else if (line === '') return true; // end of trailers
  return false;
}
