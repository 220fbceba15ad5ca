// Streaming multipart/form-data reader for the simulator's upload chunks.
import { once } from 'node:events';
import type { WriteStream } from 'node:fs';

/** A chunk the server refuses for good (the real one answers 500 with {error}). */
export class ChunkError extends Error {}

/**
 * Reads a multipart/form-data upload chunk as a stream: fields are collected as text; the
 * `file` part goes to the sink `openFile` returns (opened once the fields before it are known).
 */
export async function receiveMultipart(
  req: AsyncIterable<Buffer | string>,
  boundary: string,
  openFile: (fields: Record<string, string>) => Promise<WriteStream>,
): Promise<{ fields: Record<string, string>; fileBytes: number }> {
  const delim = Buffer.from(`\r\n--${boundary}`);
  const fields: Record<string, string> = {};
  let buf: Buffer = Buffer.from('\r\n'); // so the first delimiter looks like the others
  let mode: 'seek' | 'field' | 'file' | 'done' = 'seek';
  let fieldName = '';
  let sink: WriteStream | undefined;
  let fileBytes = 0;
  const write = async (b: Buffer) => {
    if (!b.length || !sink) return;
    fileBytes += b.length;
    if (!sink.write(b)) await once(sink, 'drain');
  };
  try {
    for await (const raw of req) {
      const piece = raw as Buffer;
      // Inside the file part most pieces hold no delimiter: they go to the file as they came
      // instead of being copied behind the few bytes kept back (a GiB upload was a GiB of copies).
      if (
        mode === 'file' &&
        buf.length < delim.length &&
        piece.length >= delim.length && // the bytes kept back all come from this piece
        !holdsDelimiter(buf, piece, delim)
      ) {
        const keep = delim.length - 1;
        await write(buf);
        await write(piece.subarray(0, piece.length - keep));
        buf = piece.subarray(piece.length - keep);
        continue;
      }
      buf = buf.length ? Buffer.concat([buf, piece]) : piece;
      for (;;) {
        if (mode === 'done') break;
        if (mode === 'file') {
          const at = buf.indexOf(delim);
          if (at < 0) {
            const keep = Math.min(buf.length, delim.length - 1); // a delimiter may straddle reads
            await write(buf.subarray(0, buf.length - keep));
            buf = buf.subarray(buf.length - keep);
            break;
          }
          await write(buf.subarray(0, at));
          buf = buf.subarray(at);
          mode = 'seek';
          continue;
        }
        if (mode === 'field') {
          const at = buf.indexOf(delim);
          if (at < 0) break;
          fields[fieldName] = buf.subarray(0, at).toString('utf8');
          buf = buf.subarray(at);
          mode = 'seek';
          continue;
        }
        // seek: a delimiter, then `--` (end) or CRLF + part headers + CRLF CRLF
        if (buf.length < delim.length + 2) break;
        if (!buf.subarray(0, delim.length).equals(delim)) throw new Error('malformed multipart body');
        if (buf[delim.length] === 0x2d && buf[delim.length + 1] === 0x2d) {
          mode = 'done';
          break;
        }
        const headerEnd = buf.indexOf('\r\n\r\n', delim.length + 2);
        if (headerEnd < 0) {
          if (buf.length > 64 * 1024) throw new Error('multipart part headers too long');
          break;
        }
        const headers = buf.subarray(delim.length + 2, headerEnd).toString('utf8');
        fieldName = /name="([^"]*)"/.exec(headers)?.[1] ?? '';
        buf = buf.subarray(headerEnd + 4);
        if (fieldName === 'file') {
          if (sink) throw new Error('more than one file part');
          sink = await openFile(fields);
          mode = 'file';
        } else mode = 'field';
      }
    }
    if (mode !== 'done') throw new Error('multipart body ended early');
  } catch (err) {
    sink?.destroy();
    throw err;
  }
  if (sink) {
    sink.end();
    await once(sink, 'finish');
  }
  return { fields, fileBytes };
}

/** Whether a delimiter starts in `kept` (shorter than it) or anywhere in `piece`. */
function holdsDelimiter(kept: Buffer, piece: Buffer, delim: Buffer): boolean {
  if (piece.indexOf(delim) >= 0) return true;
  return kept.length > 0 && Buffer.concat([kept, piece.subarray(0, delim.length)]).indexOf(delim) >= 0;
}
