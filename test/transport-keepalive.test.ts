// transport/keepAlive.ts keeps connections open between small transfers: tested against a raw
// server that counts connections and requests, answers per request, and misbehaves on cue.
import { mkdtempSync, rmSync } from 'node:fs';
import { createServer, type Server, type Socket } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createServer as createTlsServer } from 'node:tls';
import { afterAll, afterEach, describe, expect, it } from 'vitest';
import type { FileSink } from '../src/transport/download.js';
import { closeIdleConnections, getKeptAlive, postKeptAlive } from '../src/transport/keepAlive.js';
import { noOpensslReason, selfSignedCert } from './helpers/tls.js';

const dir = mkdtempSync(join(tmpdir(), 'olares-keepalive-test-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

interface Seen {
  connection: number;
  /** Requests before this one on the same connection. */
  index: number;
  head: string;
  body: string;
}

/**
 * A server that parses each request (head, Content-Length body) on every connection and lets
 * `answer` reply, or return undefined to destroy the connection instead.
 */
async function countingServer(answer: (seen: Seen) => string | undefined, tls = false) {
  const seen: Seen[] = [];
  let connections = 0;
  const onSocket = (socket: Socket) => {
    const connection = connections++;
    let index = 0;
    let buf = Buffer.alloc(0);
    socket.on('data', (d) => {
      buf = Buffer.concat([buf, d]);
      for (;;) {
        const end = buf.indexOf('\r\n\r\n');
        if (end < 0) return;
        const head = buf.toString('latin1', 0, end);
        const length = Number(/content-length: (\d+)/i.exec(head)?.[1] ?? 0);
        if (buf.length < end + 4 + length) return;
        const request = {
          connection,
          index: index++,
          head,
          body: buf.toString('utf8', end + 4, end + 4 + length),
        };
        buf = buf.subarray(end + 4 + length);
        seen.push(request);
        const reply = answer(request);
        if (reply === undefined) return void socket.destroy();
        socket.write(reply);
      }
    });
    socket.on('error', () => {});
  };
  const server = (
    tls ? createTlsServer(selfSignedCert(dir, 'localhost'), onSocket as any) : createServer(onSocket)
  ) as Server;
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  servers.push(server);
  const base = `${tls ? 'https://localhost' : 'http://127.0.0.1'}:${(server.address() as any).port}`;
  return { base, seen, connections: () => connections };
}

let servers: Server[] = [];
afterEach(() => {
  closeIdleConnections();
  for (const s of servers) s.close();
  servers = [];
});

const ok = (body: string, extra = '') =>
  `HTTP/1.1 200 OK\r\nContent-Length: ${Buffer.byteLength(body)}\r\n${extra}\r\n${body}`;
const opts = { headers: { 'x-authorization': 'tok' }, headersTimeoutMs: 2000, idleTimeoutMs: 2000 };

/** A sink that keeps the body in memory. */
function memorySink() {
  const parts: Buffer[] = [];
  const sink: FileSink = {
    put: (buf, from, to) => parts.push(Buffer.from(buf.subarray(from, to))),
    offsetFor: () => 0,
    onBytes() {},
  };
  return { sink, text: () => Buffer.concat(parts).toString() };
}

describe('kept-alive small transfers', () => {
  it('GETs in a row ride one connection, without Connection: close, and land whole', async () => {
    const box = await countingServer(({ index }) => ok(`body ${index} `.repeat(1000)));
    for (const i of [0, 1, 2]) {
      const got = memorySink();
      const res = await getKeptAlive(`${box.base}/files/api/raw/f${i}`, got.sink, opts);
      expect(res.statusCode).toBe(200);
      expect(got.text()).toBe(`body ${i} `.repeat(1000));
    }
    expect(box.connections()).toBe(1);
    expect(box.seen.map((s) => s.head.split('\r\n')[0])).toEqual(
      [0, 1, 2].map((i) => `GET /files/api/raw/f${i} HTTP/1.1`),
    );
    expect(box.seen[0].head).not.toMatch(/connection: close/i);
    expect(box.seen[0].head).toMatch(/x-authorization: tok/);
  });

  it('a connection the server dropped while idle: the GET goes again on a new one', async () => {
    // The second request on the first connection finds it dead, as after a server's idle timeout.
    const box = await countingServer(({ connection, index }) =>
      connection === 0 && index === 1 ? undefined : ok(`from ${connection}`),
    );
    const first = memorySink();
    await getKeptAlive(`${box.base}/a`, first.sink, opts);
    const second = memorySink();
    const res = await getKeptAlive(`${box.base}/b`, second.sink, opts);
    expect(res.statusCode).toBe(200);
    expect(second.text()).toBe('from 1');
    expect(box.connections()).toBe(2);
  });

  it('an upload on a dropped connection is not sent again: its retry asks the server first', async () => {
    const box = await countingServer(({ connection, index }) =>
      connection === 0 && index === 1 ? undefined : ok('[{"state":"success"}]'),
    );
    const first = await postKeptAlive(`${box.base}/upload`, Buffer.from('chunk one'), opts);
    expect(first).toMatchObject({ statusCode: 200, text: '[{"state":"success"}]' });
    await expect(postKeptAlive(`${box.base}/upload`, Buffer.from('chunk two'), opts)).rejects.toThrow(
      /closed before the response|ECONNRESET|EPIPE/,
    );
    expect(box.seen.map((s) => s.body)).toEqual(['chunk one', 'chunk two']);
    expect(box.seen[1].head).toMatch(/^POST \/upload HTTP\/1\.1/);
    expect(box.seen[1].head).toMatch(/content-length: 9/i);
  });

  it('an answer with Connection: close, or a refusal, never goes back for the next transfer', async () => {
    const box = await countingServer(({ connection }) =>
      connection === 0
        ? ok('bye', 'Connection: close\r\n')
        : connection === 1
          ? 'HTTP/1.1 404 Not Found\r\nContent-Length: 7\r\n\r\nmissing'
          : ok('fresh'),
    );
    await getKeptAlive(`${box.base}/a`, memorySink().sink, opts);
    const refused = await getKeptAlive(`${box.base}/b`, memorySink().sink, opts);
    expect(refused).toMatchObject({ statusCode: 404, errorText: 'missing' });
    const last = memorySink();
    await getKeptAlive(`${box.base}/c`, last.sink, opts);
    expect(last.text()).toBe('fresh');
    expect(box.connections()).toBe(3);
  });

  it('over TLS too: one connection for several transfers, verified unless told otherwise', async (ctx) => {
    if (noOpensslReason) ctx.skip(noOpensslReason);
    const box = await countingServer(({ index }) => ok(`secure ${index}`), true);
    for (const i of [0, 1]) {
      const got = memorySink();
      await getKeptAlive(`${box.base}/f${i}`, got.sink, { ...opts, insecure: true });
      expect(got.text()).toBe(`secure ${i}`);
    }
    expect(box.connections()).toBe(1);
    await expect(getKeptAlive(`${box.base}/f`, memorySink().sink, opts)).rejects.toMatchObject({
      code: 'DEPTH_ZERO_SELF_SIGNED_CERT',
    });
  });
});
