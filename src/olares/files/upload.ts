// The chunked resumable upload (docs/wire/files.md#chunked-uploads): how much the server has, the upload link,
// and one multipart chunk streamed from an open file.
import { createHash } from 'node:crypto';
import { OlaresMcpError } from '../../errors.js';
import { HttpStatusError, type OlaresHttp, type RangeSource } from '../../transport/http.js';
import { UploadRefusedError } from './answers.js';
import { parseLastChunk } from './parsers.js';

export const DEFAULT_CHUNK_BYTES = 8 * 1024 * 1024;

/** Chunk failures worth another try, as olares-cli decides: gateway trouble, not the server's no. */
const TRANSIENT_CHUNK_STATUS = new Set([502, 503, 504]);

export async function uploadedBytes(
  http: OlaresHttp,
  node: string,
  parentDir: string,
  fileName: string,
  signal?: AbortSignal,
): Promise<number> {
  try {
    const body = await http.json<{ uploadedBytes?: unknown } | undefined>(
      'files',
      `/upload/file-uploaded-bytes/${encodeURIComponent(node)}/`,
      {
        query: { parent_dir: parentDir, file_name: fileName },
        signal,
      },
    );
    const n = Number(body?.uploadedBytes);
    return Number.isFinite(n) && n >= 0 ? n : 0;
  } catch (err) {
    if ((err as Error).name === 'CancelledError') throw err;
    return 0; // any failure means "start from zero", as olares-cli does
  }
}

export async function uploadLink(
  http: OlaresHttp,
  node: string,
  parentDir: string,
  signal?: AbortSignal,
): Promise<string> {
  const link = (
    await http.text('files', `/upload/upload-link/${encodeURIComponent(node)}/`, {
      query: { file_path: parentDir, from: 'web' },
      signal,
    })
  ).trim();
  if (!link)
    throw new OlaresMcpError(`upload-link response is empty (parent_dir="${parentDir}")`, {
      code: 'olares_error',
    });
  return link;
}

export interface ChunkRequest {
  link: string;
  file: RangeSource;
  start: number;
  end: number; // inclusive
  total: number;
  chunkSize: number;
  index: number;
  totalChunks: number;
  remoteName: string;
  relativePath: string;
  parentDir: string;
  driveType: string;
  signal?: AbortSignal;
}

/**
 * Sends one chunk as multipart/form-data, streamed from the file (never buffered whole). The
 * body is a one-shot stream, so the transport refreshes the token pre-flight instead of
 * replaying after a 401. `file` is the checked, open source: chunks are read from it by
 * position, never by reopening a path that may have been swapped meanwhile.
 */
export async function uploadChunk(http: OlaresHttp, c: ChunkRequest): Promise<{ taskId?: string }> {
  const boundary = `----olares-mcp-${createHash('md5').update(`${c.parentDir}${c.relativePath}${c.index}`).digest('hex')}`;
  const mime = mimeOf(c.remoteName);
  const fields: Array<[string, string]> = [
    ['resumableChunkNumber', String(c.index + 1)],
    ['resumableChunkSize', String(c.chunkSize)],
    ['resumableCurrentChunkSize', String(c.end - c.start + 1)],
    ['resumableTotalSize', String(c.total)],
    ['resumableType', mime],
    [
      'resumableIdentifier',
      createHash('md5')
        .update(c.parentDir + c.relativePath)
        .digest('hex'),
    ],
    ['resumableFilename', c.remoteName],
    ['resumableRelativePath', c.relativePath],
    ['resumableTotalChunks', String(c.totalChunks)],
    ['parent_dir', c.parentDir],
    ['driveType', c.driveType],
  ];
  const dir = c.relativePath.includes('/')
    ? `${c.relativePath.slice(0, c.relativePath.lastIndexOf('/'))}/`
    : '';
  if (dir) fields.push(['relative_path', dir]);
  const quoted = c.remoteName.replace(/"/g, '%22');
  const head = Buffer.from(
    `${fields.map(([k, v]) => `--${boundary}\r\nContent-Disposition: form-data; name="${k}"\r\n\r\n${v}\r\n`).join('')}--${boundary}\r\nContent-Disposition: form-data; name="file"; filename="${quoted}"\r\nContent-Type: ${mime}\r\n\r\n`,
  );
  const tail = Buffer.from(`\r\n--${boundary}--\r\n`);
  const path = `${c.link}${c.link.includes('?') ? '&' : '?'}ret-json=1`;
  const res = await http
    .upload('files', path.startsWith('/') ? path : `/${path}`, {
      body: { head, file: c.file, start: c.start, end: c.end, tail },
      signal: c.signal,
      timeoutMs: 120_000,
      headers: {
        'content-type': `multipart/form-data; boundary=${boundary}`,
        'content-range': `bytes ${c.start}-${c.end}/${c.total}`,
        'content-disposition': `attachment; filename="${encodeURIComponent(c.remoteName)}"`,
        accept: 'application/json; text/javascript, */*; q=0.01',
      },
    })
    .catch((err) => {
      // "Invalid MD5", "parent dir is not exist" and the like come as 500: sending again won't help.
      if (err instanceof HttpStatusError && !TRANSIENT_CHUNK_STATUS.has(err.status))
        throw new UploadRefusedError(c.relativePath, err);
      throw err;
    });
  if (c.end + 1 < c.total) return {};
  // The last chunk's answer: [{id, name, size, state, taskId?}]; a taskId (cloud targets, and
  // drive files of 2 GiB or more) names a task that finishes the file on the server.
  return parseLastChunk(res.text);
}

const MIME: Record<string, string> = {
  txt: 'text/plain',
  json: 'application/json',
  html: 'text/html',
  css: 'text/css',
  js: 'application/javascript',
  png: 'image/png',
  jpg: 'image/jpeg',
  jpeg: 'image/jpeg',
  htm: 'text/html',
  gif: 'image/gif',
  pdf: 'application/pdf',
  mp4: 'video/mp4',
  mov: 'video/quicktime',
  mp3: 'audio/mpeg',
  zip: 'application/zip',
  tar: 'application/x-tar',
  gz: 'application/gzip',
};
function mimeOf(name: string) {
  const ext = name.includes('.') ? name.slice(name.lastIndexOf('.') + 1).toLowerCase() : '';
  return MIME[ext] ?? 'application/octet-stream';
}
