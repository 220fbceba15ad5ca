// The simulator's multipart reader takes a body in whatever pieces the socket gives: however a
// body is cut, the fields and the file bytes must come out the same (a delimiter may straddle
// pieces, and the file may hold bytes that look like the start of one).

import { createWriteStream } from 'node:fs';
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { receiveMultipart } from '../sim/multipart.js';

const BOUNDARY = 'b0und4ry';

function body(file: Buffer): Buffer {
  return Buffer.concat([
    Buffer.from(
      `--${BOUNDARY}\r\nContent-Disposition: form-data; name="resumableFilename"\r\n\r\nx.bin\r\n` +
        `--${BOUNDARY}\r\nContent-Disposition: form-data; name="file"; filename="x.bin"\r\n\r\n`,
    ),
    file,
    Buffer.from(
      `\r\n--${BOUNDARY}\r\nContent-Disposition: form-data; name="after"\r\n\r\nyes\r\n--${BOUNDARY}--\r\n`,
    ),
  ]);
}

async function* cut(buf: Buffer, sizes: number[]) {
  for (let at = 0, i = 0; at < buf.length; i++) {
    const n = sizes[i % sizes.length];
    yield buf.subarray(at, at + n);
    at += n;
  }
}

describe('simulator multipart reader', () => {
  let dir: string;
  beforeAll(async () => {
    dir = await mkdtemp(join(tmpdir(), 'olares-sim-mp-'));
  });
  afterAll(() => rm(dir, { recursive: true, force: true }));

  // Bytes that begin like a delimiter (\r\n--b0und4r) but are not one, at both ends and inside.
  const lookalike = Buffer.from(`\r\n--${BOUNDARY.slice(0, -1)}`);
  const file = Buffer.concat([lookalike, Buffer.alloc(5000, 7), lookalike, Buffer.alloc(3000, 9), lookalike]);

  for (const sizes of [[1], [7], [13, 1, 64], [4096], [body(file).length]])
    it(`gives the same fields and file bytes cut in pieces of ${sizes.join(',')}`, async () => {
      const out = join(dir, `out-${sizes.join('-')}`);
      const got = await receiveMultipart(cut(body(file), sizes), BOUNDARY, async () =>
        createWriteStream(out),
      );
      expect(got.fields).toEqual({ resumableFilename: 'x.bin', after: 'yes' });
      expect(got.fileBytes).toBe(file.length);
      expect((await readFile(out)).equals(file)).toBe(true);
    });
});
