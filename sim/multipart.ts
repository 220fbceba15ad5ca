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
      const plain = mode === 'file' ? plainFilePiece(buf, piece, delim) : undefined;
      if (plain) {
        await write(buf);
        await write(plain.body);
        buf = plain.kept;
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
        const next = nextPart(buf, delim);
        if (next === 'more') break;
        if (next === 'done') {
          mode = 'done';
          break;
        }
        fieldName = next.name;
        buf = next.rest;
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

/** At a delimiter: `--` (the end), or CRLF, part headers, CRLF CRLF and the part's name. */
function nextPart(buf: Buffer, delim: Buffer): 'more' | 'done' | { name: string; rest: Buffer } {
  if (buf.length < delim.length + 2) return 'more';
  if (!buf.subarray(0, delim.length).equals(delim)) throw new Error('malformed multipart body');
  if (buf[delim.length] === 0x2d && buf[delim.length + 1] === 0x2d) return 'done';
  const headerEnd = buf.indexOf('\r\n\r\n', delim.length + 2);
  if (headerEnd < 0) {
    if (buf.length > 64 * 1024) throw new Error('multipart part headers too long');
    return 'more';
  }
  const headers = buf.subarray(delim.length + 2, headerEnd).toString('utf8');
  return { name: /name="([^"]*)"/.exec(headers)?.[1] ?? '', rest: buf.subarray(headerEnd + 4) };
}

/**
 * Inside the file part most pieces hold no delimiter: those go to the file as they came (after
 * the bytes kept back before them) instead of being copied behind them, which for a GiB upload
 * was a GiB of copies. undefined when the piece needs the general path.
 */
function plainFilePiece(kept: Buffer, piece: Buffer, delim: Buffer) {
  // The bytes kept back for the next piece must all come from this one.
  if (kept.length >= delim.length || piece.length < delim.length || holdsDelimiter(kept, piece, delim))
    return undefined;
  const keep = delim.length - 1;
  return { body: piece.subarray(0, piece.length - keep), kept: piece.subarray(piece.length - keep) };
}

/** Whether a delimiter starts in `kept` (shorter than it) or anywhere in `piece`. */
function holdsDelimiter(kept: Buffer, piece: Buffer, delim: Buffer): boolean {
  if (piece.indexOf(delim) >= 0) return true;
  return kept.length > 0 && Buffer.concat([kept, piece.subarray(0, delim.length)]).indexOf(delim) >= 0;
}
