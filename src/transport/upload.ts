// POST a byte range of an open file, framed by a small head and tail (a multipart upload chunk),
// on a connection of its own. The general client takes the body as a stream of fresh 1 MiB
// buffers; here two buffers, reused for the life of the process, alternate between the file read
// and the socket write, so a GiB costs no allocation per read (bench/transfer.ts). Like
// download.ts it speaks only what it needs: one request with Content-Length, `Connection:
// close`, the answer read to the end (an upload answer is a few bytes of JSON).

import { connect as netConnect, type Socket } from 'node:net';
import { connect as tlsConnect } from 'node:tls';
import { OlaresMcpError } from '../errors.js';
import { CancelledError, TimeoutError, UnreachableError } from '../net/http.js';
import { lendBody, MAX_LENT_BYTES, returnBody } from './bodyBuffers.js';
import { requestHead } from './download.js';

/** An open file read by position (a FileHandle, or a descriptor the caller opened). */
export interface RangeSource {
  read(buffer: Buffer, offset: number, length: number, position: number): Promise<{ bytesRead: number }>;
}

/** The body: `head`, then bytes start..end (inclusive) of `file`, then `tail`. */
export interface FileRangeBody {
  head: Buffer;
  file: RangeSource;
  start: number;
  end: number;
  tail: Buffer;
}

export interface PostFromFileOptions {
  headers: Record<string, string>;
  insecure?: boolean;
  signal?: AbortSignal;
  /** Longest silence, sending or waiting for the answer. */
  idleTimeoutMs: number;
}

export interface PostResult {
  statusCode: number;
  headers: Record<string, string>;
  text: string;
}

/** The file got shorter than the range being sent: refuse rather than send something else. */
export class LocalFileShrankError extends OlaresMcpError {
  constructor(offset: number) {
    super(
      `the local file got shorter during the upload (no bytes at offset ${offset}). Fix: upload it again once nothing writes to it`,
      { code: 'local_file_changed' },
    );
  }
}

export const bodyLength = (b: FileRangeBody) => b.head.length + (b.end - b.start + 1) + b.tail.length;

const PIECE_BYTES = 1024 * 1024;
const MAX_ANSWER_BYTES = 256 * 1024;
// Pairs of read buffers, handed out per upload and returned when it ends: concurrent uploads
// each get their own pair; a few are kept for the next chunks.
const freePairs: Buffer[][] = [];
const MAX_FREE_PAIRS = 4;
const takePair = () => freePairs.pop() ?? [Buffer.allocUnsafe(PIECE_BYTES), Buffer.allocUnsafe(PIECE_BYTES)];

/**
 * Reads the whole range into one lent buffer (bodyBuffers.ts) and runs `send` with it (small
 * bodies on kept-alive connections); the buffer is taken back once `send` settles, so `send`
 * must settle only when the socket is done with it. Reads go through the thread pool: read in
 * place they measured no faster on a loaded 2-core machine, and a read that blocks stalls every
 * other transfer.
 */
export async function withBody<T>(body: FileRangeBody, send: (bytes: Buffer) => Promise<T>): Promise<T> {
  const length = bodyLength(body);
  const lent = length <= MAX_LENT_BYTES ? lendBody(length) : undefined;
  const out = lent ?? Buffer.allocUnsafe(length);
  try {
    body.head.copy(out, 0);
    let at = body.head.length;
    for (let pos = body.start; pos <= body.end; ) {
      const { bytesRead } = await body.file.read(out, at, body.end - pos + 1, pos);
      if (bytesRead === 0) throw new LocalFileShrankError(pos);
      pos += bytesRead;
      at += bytesRead;
    }
    body.tail.copy(out, at);
    return await send(out.subarray(0, length));
  } finally {
    if (lent) returnBody(lent);
  }
}

/** Parses a whole HTTP/1.1 answer (head and body as received, chunked or not). */
function parseAnswer(raw: Buffer): PostResult | undefined {
  const end = raw.indexOf('\r\n\r\n');
  if (end < 0) return undefined;
  const [statusLine, ...lines] = raw.toString('latin1', 0, end).split('\r\n');
  const m = /^HTTP\/1\.[01] (\d{3})/.exec(statusLine);
  if (!m) return undefined;
  const statusCode = Number(m[1]);
  // An interim 100 Continue is followed by the real answer.
  if (statusCode >= 100 && statusCode < 200) return parseAnswer(raw.subarray(end + 4));
  const headers: Record<string, string> = {};
  for (const line of lines) {
    const colon = line.indexOf(':');
    if (colon > 0) headers[line.slice(0, colon).trim().toLowerCase()] = line.slice(colon + 1).trim();
  }
  let body = raw.subarray(end + 4);
  if (/\bchunked\b/i.test(headers['transfer-encoding'] ?? '')) body = dechunk(body);
  else if (headers['content-length'] !== undefined)
    body = body.subarray(0, Number(headers['content-length']) || 0);
  return { statusCode, headers, text: body.toString('utf8') };
}

function dechunk(buf: Buffer): Buffer {
  const parts: Buffer[] = [];
  for (let i = 0; i < buf.length; ) {
    const nl = buf.indexOf('\r\n', i);
    if (nl < 0) break;
    const size = Number.parseInt(buf.toString('latin1', i, nl).split(';')[0], 16);
    if (!Number.isFinite(size) || size <= 0) break;
    parts.push(buf.subarray(nl + 2, nl + 2 + size));
    i = nl + 2 + size + 2;
  }
  return Buffer.concat(parts);
}

function openSocket(u: URL, insecure: boolean | undefined): Socket {
  const https = u.protocol === 'https:';
  const host = u.hostname.replace(/^\[|\]$/g, '');
  const port = Number(u.port) || (https ? 443 : 80);
  const socket = https
    ? tlsConnect({
        host,
        port,
        servername: /^[\d.]+$|:/.test(host) ? undefined : host,
        rejectUnauthorized: !insecure,
      })
    : netConnect({ host, port });
  socket.setNoDelay(true);
  return socket;
}

/**
 * The request head, then the file range through the two reused buffers (one is read while the
 * other is written), then the multipart tail; stops early once `stopped()` says the upload ended.
 */
async function sendBody(
  write: (b: Buffer) => Promise<void>,
  head: Buffer,
  body: FileRangeBody,
  pair: ReturnType<typeof takePair>,
  stopped: () => boolean,
) {
  await write(head);
  const writes: Array<Promise<void> | undefined> = [undefined, undefined];
  for (let pos = body.start, i = 0; pos <= body.end && !stopped(); i ^= 1) {
    await writes[i]; // the buffer is free once its last write reached the kernel
    const buf = pair[i];
    const { bytesRead } = await body.file.read(buf, 0, Math.min(buf.length, body.end - pos + 1), pos);
    if (bytesRead === 0) throw new LocalFileShrankError(pos);
    const written = write(buf.subarray(0, bytesRead));
    written.catch(() => {}); // awaited below; a failure must not also surface as unhandled
    writes[i] = written;
    pos += bytesRead;
  }
  await Promise.all(writes);
  if (!stopped()) await write(body.tail);
}

export function postFromFile(
  url: string,
  body: FileRangeBody,
  opts: PostFromFileOptions,
): Promise<PostResult> {
  const u = new URL(url);
  const head = Buffer.from(
    requestHead(u, opts.headers, { method: 'POST', length: bodyLength(body) }),
    'latin1',
  );
  const socket = openSocket(u, opts.insecure);
  const answer: Buffer[] = [];
  let answerBytes = 0;
  let settled = false;
  // The buffers go back once the send loop has stopped: no read or write may still use them,
  // or another upload would get bytes read for this one.
  let sending = false;
  let released = false;
  const pair = takePair();
  const release = () => {
    if (released) return;
    released = true;
    if (freePairs.length < MAX_FREE_PAIRS) freePairs.push(pair);
  };

  return new Promise<PostResult>((resolve, reject) => {
    const finish = (err?: unknown) => {
      if (settled) return;
      settled = true;
      opts.signal?.removeEventListener('abort', onAbort);
      socket.destroy();
      if (!sending) release();
      const parsed = err ? undefined : parseAnswer(Buffer.concat(answer));
      if (parsed) resolve(parsed);
      else reject(err ?? new UnreachableError(u.host, 'the connection closed before the answer'));
    };
    const onAbort = () => finish(new CancelledError(`the upload to ${u.host}`));
    const write = (b: Buffer) =>
      new Promise<void>((ok, fail) => socket.write(b, (err) => (err ? fail(err) : ok())));

    const send = () => sendBody(write, Buffer.concat([head, body.head]), body, pair, () => settled);

    socket.setTimeout(opts.idleTimeoutMs);
    socket.once(u.protocol === 'https:' ? 'secureConnect' : 'connect', () => {
      if (settled) return;
      sending = true;
      send()
        .catch((err) => {
          // A server may answer (e.g. 401) and close before reading the whole body: keep its answer.
          if (err instanceof LocalFileShrankError || !answerBytes) finish(err);
        })
        .finally(() => {
          sending = false;
          release();
        });
    });
    socket.on('data', (d: Buffer) => {
      answerBytes += d.length;
      if (answerBytes > MAX_ANSWER_BYTES) return finish(new Error('upload answer over 256 KiB'));
      answer.push(d);
    });
    socket.on('end', () => finish());
    socket.on('timeout', () => finish(new TimeoutError(u.host, opts.idleTimeoutMs)));
    socket.on('error', (err) => {
      if (answerBytes && parseAnswer(Buffer.concat(answer))) finish();
      else finish(err);
    });
    socket.on('close', () => finish());
    if (opts.signal?.aborted) onAbort();
    else opts.signal?.addEventListener('abort', onAbort, { once: true });
  });
}
