// transport/download.ts speaks HTTP/1.1 itself, so it is tested against hand-written responses:
// each framing split across many reads, interim answers, broken and refused bodies, TLS, aborts.
import { randomBytes } from 'node:crypto';
import { closeSync, mkdtempSync, openSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { createServer, type Server, type Socket } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createServer as createTlsServer } from 'node:tls';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { BodyBrokenError, getToFile } from '../src/transport/download.js';
import { noOpensslReason, selfSignedCert } from './helpers/tls.js';

const dir = mkdtempSync(join(tmpdir(), 'olares-download-test-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

const PAYLOAD = randomBytes(300_000);
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/** A server that answers every connection by running `respond` on the raw socket. */
async function rawServer(respond: (socket: Socket, request: string) => Promise<void> | void) {
  const server = createServer((socket) => {
    let request = '';
    socket.on('data', (d) => {
      request += d;
      if (request.includes('\r\n\r\n')) void respond(socket, request);
    });
    socket.on('error', () => {});
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  return { server, url: `http://127.0.0.1:${(server.address() as any).port}/files/api/raw/a%20b.bin?x=1` };
}

/** Writes `data` in small pieces with pauses, so the client sees every boundary mid-read. */
async function dribble(socket: Socket, data: Buffer, piece = 7_001) {
  for (let i = 0; i < data.length; i += piece) {
    socket.write(data.subarray(i, i + piece));
    if (i % (piece * 8) === 0) await sleep(1);
  }
}

let servers: Server[] = [];
afterEach(() => {
  for (const s of servers) s.close();
  servers = [];
});

async function download(
  url: string,
  opts: { insecure?: boolean; signal?: AbortSignal; offset?: number } = {},
) {
  const path = join(dir, `out-${randomBytes(4).toString('hex')}`);
  if (opts.offset) writeFileSync(path, PAYLOAD.subarray(0, opts.offset));
  const fd = openSync(path, opts.offset ? 'r+' : 'w');
  let reported = 0;
  let status = 0;
  try {
    const result = await getToFile(
      url,
      {
        fd,
        offsetFor: (s) => {
          status = s;
          return s === 206 ? (opts.offset ?? 0) : 0;
        },
        onBytes: (n) => {
          reported += n;
        },
      },
      {
        headers: { 'x-authorization': 'tok' },
        insecure: opts.insecure,
        signal: opts.signal,
        headersTimeoutMs: 2000,
        idleTimeoutMs: 2000,
      },
    );
    return { result, file: readFileSync(path), reported, status };
  } finally {
    closeSync(fd);
  }
}

describe('getToFile', () => {
  it('sends one GET with the path, query and headers, and writes a Content-Length body', async () => {
    let seen = '';
    const { server, url } = await rawServer(async (socket, request) => {
      seen = request;
      socket.write(`HTTP/1.1 200 OK\r\nContent-Length: ${PAYLOAD.length}\r\nX-Dup: a\r\nX-Dup: b\r\n\r\n`);
      await dribble(socket, PAYLOAD);
    });
    servers.push(server);
    const { result, file, reported } = await download(url);
    expect(seen).toMatch(/^GET \/files\/api\/raw\/a%20b\.bin\?x=1 HTTP\/1\.1\r\n/);
    expect(seen).toMatch(/\r\nx-authorization: tok\r\n/);
    expect(result.statusCode).toBe(200);
    expect(result.headers['x-dup']).toBe('a, b');
    expect(result.written).toBe(PAYLOAD.length);
    expect(reported).toBe(PAYLOAD.length);
    expect(file.equals(PAYLOAD)).toBe(true);
  });

  it('decodes a chunked body with extensions and trailers, split anywhere', async () => {
    const { server, url } = await rawServer(async (socket) => {
      const parts: Buffer[] = [Buffer.from('HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n')];
      for (let i = 0, n = 1; i < PAYLOAD.length; i += n, n = (n * 7 + 3) % 40_000 || 1) {
        const chunk = PAYLOAD.subarray(i, i + n);
        parts.push(Buffer.from(`${chunk.length.toString(16)};ext=1\r\n`), chunk, Buffer.from('\r\n'));
      }
      parts.push(Buffer.from('0\r\nX-Trailer: yes\r\n\r\n'));
      await dribble(socket, Buffer.concat(parts), 997);
      // The connection stays open: the terminating chunk alone must end the download.
    });
    servers.push(server);
    const { result, file } = await download(url);
    expect(result.written).toBe(PAYLOAD.length);
    expect(file.equals(PAYLOAD)).toBe(true);
  });

  it('reads a body without length to the close, after an interim 100 answer', async () => {
    const { server, url } = await rawServer(async (socket) => {
      socket.write('HTTP/1.1 100 Continue\r\n\r\nHTTP/1.1 200 OK\r\n\r\n');
      await dribble(socket, PAYLOAD);
      socket.end();
    });
    servers.push(server);
    const { result, file } = await download(url);
    expect(result.statusCode).toBe(200);
    expect(file.equals(PAYLOAD)).toBe(true);
  });

  it('writes a 206 at the offset the sink names', async () => {
    const offset = 100_000;
    const { server, url } = await rawServer(async (socket) => {
      const rest = PAYLOAD.subarray(offset);
      socket.write(`HTTP/1.1 206 Partial Content\r\nContent-Length: ${rest.length}\r\n\r\n`);
      await dribble(socket, rest);
    });
    servers.push(server);
    const { result, file, status } = await download(url, { offset });
    expect(status).toBe(206);
    expect(result.written).toBe(PAYLOAD.length - offset);
    expect(file.equals(PAYLOAD)).toBe(true);
  });

  it('reports a body cut short, with every byte read so far in the file', async () => {
    const cut = 123_457;
    const { server, url } = await rawServer(async (socket) => {
      socket.write(`HTTP/1.1 200 OK\r\nContent-Length: ${PAYLOAD.length}\r\n\r\n`);
      await dribble(socket, PAYLOAD.subarray(0, cut));
      socket.destroy();
    });
    servers.push(server);
    const err = await download(url).catch((e) => e);
    expect(err).toBeInstanceOf(BodyBrokenError);
    expect(err.message).toMatch(`closed after ${cut} bytes of ${PAYLOAD.length}`);
    expect(err.retryable).toBe(true);
  });

  it('keeps a refused answer out of the file and hands its text back', async () => {
    const { server, url } = await rawServer((socket) => {
      socket.end('HTTP/1.1 401 Unauthorized\r\nContent-Length: 27\r\n\r\n{"message":"token expired"}');
    });
    servers.push(server);
    const { result, file, reported } = await download(url);
    expect(result.statusCode).toBe(401);
    expect(result.errorText).toBe('{"message":"token expired"}');
    expect(result.written).toBe(0);
    expect(reported).toBe(0);
    expect(file.length).toBe(0);
  });

  it('refuses a response that is not HTTP, and a head that never ends', async () => {
    const junk = await rawServer((socket) => {
      socket.end('SSH-2.0-OpenSSH\r\n\r\n');
    });
    const endless = await rawServer(async (socket) => {
      socket.write('HTTP/1.1 200 OK\r\n');
      for (let i = 0; i < 80; i++) socket.write(`X-Filler-${i}: ${'x'.repeat(1000)}\r\n`);
    });
    servers.push(junk.server, endless.server);
    await expect(download(junk.url)).rejects.toThrow(/not an HTTP\/1\.1 response: SSH-2\.0/);
    await expect(download(endless.url)).rejects.toThrow(/response head over 64 KiB/);
  });

  it('stops on abort and on a silent server', async () => {
    const { server, url } = await rawServer(async (socket) => {
      socket.write(`HTTP/1.1 200 OK\r\nContent-Length: ${PAYLOAD.length}\r\n\r\n`);
      socket.write(PAYLOAD.subarray(0, 1000)); // then nothing
    });
    servers.push(server);
    const controller = new AbortController();
    setTimeout(() => controller.abort(), 200);
    await expect(download(url, { signal: controller.signal })).rejects.toThrow(/was cancelled/);
    await expect(download(url)).rejects.toThrow(/did not answer within 2 s/);
  });

  describe('over TLS', () => {
    let tlsUrl = '';
    beforeAll(async () => {
      if (noOpensslReason) return;
      const server = createTlsServer(selfSignedCert(dir, 'localhost'), (socket) => {
        socket.once('data', async () => {
          socket.write(`HTTP/1.1 200 OK\r\nContent-Length: ${PAYLOAD.length}\r\n\r\n`);
          await dribble(socket as unknown as Socket, PAYLOAD);
        });
        socket.on('error', () => {});
      });
      await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
      servers.push(server as unknown as Server);
      tlsUrl = `https://localhost:${(server.address() as any).port}/raw`;
    });

    it('downloads from a self-signed box only when told to skip verification', async (ctx) => {
      if (noOpensslReason) ctx.skip(noOpensslReason);
      const { file } = await download(tlsUrl, { insecure: true });
      expect(file.equals(PAYLOAD)).toBe(true);
      await expect(download(tlsUrl)).rejects.toMatchObject({ code: 'DEPTH_ZERO_SELF_SIGNED_CERT' });
    });
  });
});
