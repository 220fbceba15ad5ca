// The upload write path (transport/upload.ts) against plain node:http servers: the bytes that
// arrive are the range asked for, a chunked answer is read whole, an early refusal is kept.
import { once } from 'node:events';
import { mkdtemp, open, rm, writeFile } from 'node:fs/promises';
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { LocalFileShrankError, postFromFile } from '../src/transport/upload.js';

describe('postFromFile', () => {
  let dir: string;
  let file: string;
  const data = Buffer.alloc(3 * 1024 * 1024 + 77);
  for (let i = 0; i < data.length; i++) data[i] = (i * 31 + (i >> 12)) & 0xff;
  const servers: Server[] = [];

  async function serve(
    handler: (req: IncomingMessage, res: ServerResponse) => void | Promise<void>,
  ): Promise<string> {
    const server = createServer((req, res) => void handler(req, res));
    servers.push(server);
    server.listen(0, '127.0.0.1');
    await once(server, 'listening');
    return `http://127.0.0.1:${(server.address() as AddressInfo).port}/up?x=1`;
  }

  beforeAll(async () => {
    dir = await mkdtemp(join(tmpdir(), 'olares-mcp-upload-'));
    file = join(dir, 'data.bin');
    await writeFile(file, data);
  });
  afterAll(async () => {
    for (const s of servers) s.close();
    await rm(dir, { recursive: true, force: true });
  });

  it('sends head, the byte range and tail; reads a chunked answer', async () => {
    let got: { body: Buffer; headers: Record<string, unknown>; url?: string } | undefined;
    const url = await serve(async (req, res) => {
      const parts: Buffer[] = [];
      for await (const p of req) parts.push(p as Buffer);
      got = { body: Buffer.concat(parts), headers: req.headers, url: req.url };
      res.writeHead(200, { 'content-type': 'application/json' }); // no length: chunked
      res.write('[{"na');
      res.end('me":"x"}]');
    });
    const handle = await open(file, 'r');
    try {
      // Two uploads at once, so each must keep its own buffers.
      const [a, b] = await Promise.all(
        [
          [1000, 2 * 1024 * 1024 + 5],
          [7, 3 * 1024 * 1024 + 76],
        ].map(([start, end]) =>
          postFromFile(
            url,
            { head: Buffer.from('HEAD'), file: handle, start, end, tail: Buffer.from('TAIL') },
            { headers: { 'x-test': 'yes', 'content-length': '1' }, idleTimeoutMs: 10_000 },
          ),
        ),
      );
      expect(a).toMatchObject({ statusCode: 200, text: '[{"name":"x"}]' });
      expect(b.statusCode).toBe(200);
    } finally {
      await handle.close();
    }
    expect(got?.url).toBe('/up?x=1');
    expect(got?.headers['x-test']).toBe('yes');
    // The last request to arrive is one of the two; its body is exactly its range, framed.
    const body = got!.body;
    const start = body.length === 8 + 2 * 1024 * 1024 + 5 - 1000 + 1 ? 1000 : 7;
    const end = start === 1000 ? 2 * 1024 * 1024 + 5 : 3 * 1024 * 1024 + 76;
    expect(Number(got?.headers['content-length'])).toBe(body.length);
    expect(body.subarray(0, 4).toString()).toBe('HEAD');
    expect(body.subarray(-4).toString()).toBe('TAIL');
    expect(body.subarray(4, -4).equals(data.subarray(start, end + 1))).toBe(true);
  });

  it('hands back a refusal with its text', async () => {
    const url = await serve(async (req, res) => {
      req.resume();
      await once(req, 'end');
      res.writeHead(401, { 'content-type': 'application/json' });
      res.end('{"error":"token expired"}');
    });
    const handle = await open(file, 'r');
    try {
      const r = await postFromFile(
        url,
        { head: Buffer.alloc(0), file: handle, start: 0, end: data.length - 1, tail: Buffer.alloc(0) },
        { headers: {}, idleTimeoutMs: 10_000 },
      );
      expect(r).toMatchObject({ statusCode: 401, text: '{"error":"token expired"}' });
    } finally {
      await handle.close();
    }
  });

  it('refuses a file that got shorter than the range', async () => {
    const url = await serve(async (req, res) => {
      req.resume();
      await once(req, 'end').catch(() => {});
      res.end('ok');
    });
    const handle = await open(file, 'r');
    try {
      await expect(
        postFromFile(
          url,
          { head: Buffer.alloc(0), file: handle, start: 0, end: data.length + 10, tail: Buffer.alloc(0) },
          { headers: {}, idleTimeoutMs: 10_000 },
        ),
      ).rejects.toBeInstanceOf(LocalFileShrankError);
    } finally {
      await handle.close();
    }
  });
});
