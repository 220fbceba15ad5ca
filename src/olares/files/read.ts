// Reading the files service: listings, stat (by listing the parent), and raw bytes with Range,
// following the same-origin 302 a sync file answers with.
import { OlaresMcpError } from '../../errors.js';
import type { FileSink, GetToFileResult, OlaresHttp, Response } from '../../transport/http.js';
import { notFoundAs, RemoteNotFoundError } from './answers.js';
import { type Entry, type Listing, parseListing } from './parsers.js';
import type { RemotePath } from './paths.js';

const REDIRECTS = [301, 302, 303, 307, 308];
const MAX_REDIRECTS = 3;

export async function list(http: OlaresHttp, dir: RemotePath, signal?: AbortSignal): Promise<Listing> {
  const body = await http
    .json<unknown>('files', `/api/resources/${dir.encoded(true)}`, { signal })
    .catch(notFoundAs<unknown>(dir, 'directory not found on the server'));
  return parseListing(body, 'GET /api/resources/<dir>/', dir.display);
}

/** Never GETs a file URL (the real backend reads the content into that answer): lists the parent. */
export async function stat(
  http: OlaresHttp,
  p: RemotePath,
  signal?: AbortSignal,
): Promise<Entry | undefined> {
  if (p.sub.split('/').filter(Boolean).length === 0) return { name: p.extend, isDir: true, size: 0 };
  let listing: Listing;
  try {
    listing = await list(http, p.parent, signal);
  } catch (err) {
    if (err instanceof RemoteNotFoundError) return undefined;
    throw err;
  }
  return listing.items.find((i) => i.name === p.name);
}

/**
 * The raw bytes as a stream (files_cat); `from`/`to` ask for a Range. `inline=true` as the CLI's
 * `files cat` sends it; a sync file still answers with a same-origin 302 to the seafile file
 * server, which is followed with the same Range. Caller consumes or dumps the body.
 */
export async function raw(
  http: OlaresHttp,
  p: RemotePath,
  opts: { from?: number; to?: number; signal?: AbortSignal } = {},
): Promise<Response> {
  const headers: Record<string, string> = {};
  if (opts.from !== undefined || opts.to !== undefined)
    headers.range = `bytes=${opts.from ?? 0}-${opts.to ?? ''}`;
  const get = (path: string, query?: Record<string, string>) =>
    http.request('files', path, {
      headers,
      query,
      signal: opts.signal,
      bodyTimeoutMs: 60_000,
      allowStatus: [416, ...REDIRECTS],
    });
  let res = await get(`/api/raw/${p.encoded(false)}`, { inline: 'true' }).catch(notFoundAs<Response>(p));
  for (let hop = 0; REDIRECTS.includes(res.statusCode); hop++) {
    const next = redirectPath(http, p, res.headers.location, hop);
    await res.body.dump();
    res = await get(next);
  }
  return res;
}

/**
 * Writes the raw bytes into `sink`, from byte `from` on (Range); 416 means nothing is left.
 * `size` (the listed file size) lets transport pick the connection. Sync files answer with a
 * same-origin 302 to the seafile file server; it is followed with the auth headers and Range.
 */
export async function download(
  http: OlaresHttp,
  p: RemotePath,
  opts: { from?: number; size?: number; signal?: AbortSignal; sink: FileSink },
): Promise<{ statusCode: number; written: number }> {
  const get = (path: string) =>
    http.download('files', path, {
      sink: opts.sink,
      size: opts.size === undefined ? undefined : opts.size - (opts.from ?? 0),
      headers: opts.from ? { range: `bytes=${opts.from}-` } : {},
      signal: opts.signal,
      idleTimeoutMs: 60_000,
      allowStatus: [416, ...REDIRECTS],
    });
  let res = await get(`/api/raw/${p.encoded(false)}`).catch(notFoundAs<GetToFileResult>(p));
  for (let hop = 0; REDIRECTS.includes(res.statusCode); hop++)
    res = await get(redirectPath(http, p, res.headers.location, hop));
  return res;
}

/** Where a redirect of a raw read points, below the files service; refuses other hosts. */
function redirectPath(
  http: OlaresHttp,
  p: RemotePath,
  location: string | string[] | undefined,
  hop: number,
): string {
  const where = Array.isArray(location) ? location[0] : location;
  const path = where ? http.sameOriginPath('files', where) : undefined;
  if (hop >= MAX_REDIRECTS || !path)
    throw new OlaresMcpError(
      `files answered the read of ${p.display} with ${hop >= MAX_REDIRECTS ? 'too many redirects' : `a redirect to ${where ? 'another host' : 'nowhere'}`}; nothing was read. This box's files service does not behave as olares-mcp expects`,
      { code: 'olares_error' },
    );
  return path;
}
