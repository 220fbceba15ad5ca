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

/** Where a 2xx body goes. */
export interface FileSink {
  fd: number;
  /** File offset for the first body byte, given the 2xx status (206 resumes; 200 starts over). */
  offsetFor(statusCode: number): number;
  onBytes(n: number): void;
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
export function writeAt(fd: number, buf: Uint8Array, from: number, to: number, position: number) {
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

export function getToFile(url: string, sink: FileSink, opts: GetToFileOptions): Promise<GetToFileResult> {
  const u = new URL(url);
  const https = u.protocol === 'https:';
  const host = u.hostname.replace(/^\[|\]$/g, '');
  const port = Number(u.port) || (https ? 443 : 80);
  for (const [name, value] of Object.entries(opts.headers))
    if (/[\r\n]/.test(name) || /[\r\n]/.test(value)) throw new Error(`header ${name} contains a line break`);
  const request = [
    `GET ${u.pathname}${u.search} HTTP/1.1`,
    `Host: ${u.host}`,
    ...Object.entries(opts.headers).map(([k, v]) => `${k}: ${v}`),
    'Accept-Encoding: identity',
    'Connection: close',
    '',
    '',
  ].join('\r\n');

  return new Promise<GetToFileResult>((resolve, reject) => {
    let head: Buffer | undefined = Buffer.alloc(0);
    let statusCode = 0;
    let headers: Record<string, string> = {};
    let framing: Framing = { kind: 'close' };
    let position = 0;
    let written = 0;
    let errorText = '';
    let settled = false;

    const finish = (err?: unknown) => {
      if (settled) return;
      settled = true;
      opts.signal?.removeEventListener('abort', onAbort);
      socket.destroy();
      if (err) reject(err);
      else resolve({ statusCode, headers, written, errorText });
    };
    const onAbort = () => finish(new CancelledError(`the download from ${u.host}`));

    /** Body bytes in buf[from, to): to the file for 2xx, else kept for the error message. */
    const take = (buf: Buffer, from: number, to: number) => {
      if (statusCode >= 200 && statusCode < 300) {
        writeAt(sink.fd, buf, from, to, position);
        position += to - from;
        written += to - from;
        sink.onBytes(to - from);
      } else if (errorText.length < MAX_ERROR_TEXT) {
        errorText += buf.toString('utf8', from, Math.min(to, from + MAX_ERROR_TEXT));
      }
    };

    /** Feeds body bytes through the framing; true once the body is complete. */
    const body = (buf: Buffer, start: number, end: number): boolean => {
      if (framing.kind === 'close') {
        take(buf, start, end);
        return false;
      }
      if (framing.kind === 'length') {
        const n = Math.min(framing.left, end - start);
        take(buf, start, start + n);
        framing.left -= n;
        return framing.left === 0;
      }
      const c = framing;
      let i = start;
      while (i < end) {
        if (c.state === 'data') {
          const n = Math.min(c.left, end - i);
          take(buf, i, i + n);
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
      }
      return false;
    };

    const parseHead = (text: string) => {
      const [statusLine, ...lines] = text.split('\r\n');
      const m = /^HTTP\/1\.[01] (\d{3})/.exec(statusLine);
      if (!m) throw new Error(`not an HTTP/1.1 response: ${statusLine.slice(0, 80)}`);
      statusCode = Number(m[1]);
      headers = {};
      for (const line of lines) {
        const colon = line.indexOf(':');
        if (colon <= 0) continue;
        const name = line.slice(0, colon).trim().toLowerCase();
        const value = line.slice(colon + 1).trim();
        headers[name] = headers[name] ? `${headers[name]}, ${value}` : value;
      }
      const length = headers['content-length'];
      if (/\bchunked\b/i.test(headers['transfer-encoding'] ?? ''))
        framing = { kind: 'chunked', state: 'size', line: '', left: 0 };
      else if (statusCode === 204 || statusCode === 304) framing = { kind: 'length', left: 0 };
      else if (length !== undefined) {
        const n = Number(length);
        if (!Number.isSafeInteger(n) || n < 0) throw new Error(`bad Content-Length "${length}"`);
        framing = { kind: 'length', left: n };
      }
      if (statusCode >= 200 && statusCode < 300) position = sink.offsetFor(statusCode);
    };

    const onRead = (n: number, buf: Buffer): boolean => {
      if (settled) return false;
      try {
        let start = 0;
        while (head) {
          head = Buffer.concat([head, buf.subarray(start, n)]);
          const end = head.indexOf('\r\n\r\n');
          if (end < 0) {
            if (head.length > MAX_HEAD_BYTES) throw new Error('response head over 64 KiB');
            return true;
          }
          const consumed = end + 4 - (head.length - (n - start));
          parseHead(head.toString('latin1', 0, end));
          start += consumed;
          // An interim 1xx answer is followed by the real one.
          head = statusCode >= 100 && statusCode < 200 ? Buffer.alloc(0) : undefined;
          if (!head) {
            socket.setTimeout(opts.idleTimeoutMs);
            if (framing.kind === 'length' && framing.left === 0) {
              finish();
              return false;
            }
          }
        }
        if (start < n && body(buf, start, n)) finish();
      } catch (err) {
        finish(err);
      }
      return !settled;
    };

    const onread = { buffer: Buffer.allocUnsafe(READ_BUFFER_BYTES), callback: onRead };
    const socket: Socket = https
      ? tlsConnect({
          host,
          port,
          servername: /^[\d.]+$|:/.test(host) ? undefined : host,
          rejectUnauthorized: !opts.insecure,
          onread,
        } as any)
      : netConnect({ host, port, onread });
    socket.setNoDelay(true);
    socket.setTimeout(opts.headersTimeoutMs);
    socket.once(https ? 'secureConnect' : 'connect', () => socket.write(request));
    socket.on('timeout', () => finish(new TimeoutError(u.host, socket.timeout)));
    socket.on('error', (err) => finish(err));
    socket.on('close', () => {
      if (settled) return;
      if (head) finish(new UnreachableError(u.host, 'the connection closed before the response'));
      else if (framing.kind === 'close') finish();
      else
        finish(
          new BodyBrokenError(
            u.host,
            written,
            framing.kind === 'length' && statusCode >= 200 && statusCode < 300
              ? written + framing.left
              : undefined,
          ),
        );
    });
    if (opts.signal?.aborted) onAbort();
    else opts.signal?.addEventListener('abort', onAbort, { once: true });
  });
}
