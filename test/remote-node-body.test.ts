// The body of a serve --http request read from Node's stream (src/remote/guards.ts readNodeBody,
// as src/remote/nodeHttp.ts uses it): whole when within the limit, and 413 past it, declared or
// streamed, with the answer still reaching the caller.
import { createServer, request, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { readNodeBody } from '../src/remote/index.js';

const LIMIT = 1000;

describe('request bodies read from the Node stream', () => {
  let server: Server;
  let port: number;
  beforeAll(async () => {
    server = createServer(async (req, res) => {
      const body = await readNodeBody(req, LIMIT);
      if (body instanceof Response) res.writeHead(body.status).end(await body.text());
      else res.writeHead(200).end(`read ${body.length} bytes`);
    });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    port = (server.address() as AddressInfo).port;
  });
  afterAll(() => new Promise<void>((resolve) => server.close(() => resolve())));

  /** POSTs `chunks` (chunked unless `length` is declared); the status and text that came back. */
  const post = (chunks: string[], length?: number) =>
    new Promise<{ status: number; text: string }>((resolve, reject) => {
      const headers = length === undefined ? {} : { 'content-length': String(length) };
      const req = request({ host: '127.0.0.1', port, method: 'POST', path: '/mcp', headers }, (res) => {
        let text = '';
        res.on('data', (d) => (text += d));
        res.on('end', () => resolve({ status: res.statusCode ?? 0, text }));
      });
      req.on('error', reject);
      for (const chunk of chunks) req.write(chunk);
      req.end();
    });

  it('reads a body within the limit whole, across chunks', async () => {
    expect(await post(['a'.repeat(600), 'b'.repeat(400)])).toEqual({ status: 200, text: 'read 1000 bytes' });
  });

  it('answers 413 to a declared length over the limit', async () => {
    const answer = await post(['x'.repeat(LIMIT + 1)], LIMIT + 1);
    expect(answer.status).toBe(413);
    expect(answer.text).toMatch(/larger than 1000 bytes/);
  });

  it('answers 413 to a chunked body that grows past the limit, and the caller gets it', async () => {
    const answer = await post(Array.from({ length: 20 }, () => 'y'.repeat(200)));
    expect(answer.status).toBe(413);
  });
});
