// Typed client for the files service (olares-api/files.md, corrected by
// shared/audits/wire-auth-files.md): the front-end path model, listing, raw download with Range
// (following the sync 302), the chunked resumable upload, rm, mkdir, paste tasks on the right
// node, rename, shares. Every answer goes through a parser here; nothing untyped leaves.
import { createHash } from 'node:crypto';
import type { FileHandle } from 'node:fs/promises';
import { InvalidInputError, OlaresMcpError, type WireObject, WireReader } from '../../errors.js';
import {
  type FileSink,
  type GetToFileResult,
  HttpStatusError,
  type OlaresHttp,
  type Response,
} from '../../transport/http.js';

export const FILE_TYPES = [
  'awss3',
  'cache',
  'drive',
  'dropbox',
  'external',
  'google',
  'internal',
  'share',
  'sync',
  'tencent',
] as const;
const CLOUD = new Set(['awss3', 'google', 'dropbox', 'tencent']);
/** System-managed folders at exactly drive/Home/<name> (files.md sec. 2.3). */
export const PROTECTED_HOME = [
  'Cache',
  'Code',
  'Data',
  'Documents',
  'Downloads',
  'Home',
  'Huggingface',
  'Movies',
  'Music',
  'Ollama',
  'Pictures',
];

export const DEFAULT_CHUNK_BYTES = 8 * 1024 * 1024;

export class RemotePathError extends InvalidInputError {}

export class RemoteNotFoundError extends OlaresMcpError {
  constructor(path: string, what = 'not found on the server') {
    super(`${path}: ${what}. Fix: check the path with files_ls on its parent`, { code: 'not_found' });
  }
}

/** A task id the node does not know: it ran on another node, or finished over 12 hours ago. */
export class TaskNotFoundError extends OlaresMcpError {
  constructor(node: string, taskId: string) {
    super(
      `files task ${taskId} is not known on node ${node} (tasks live on the node that started them and are dropped after 12 hours). Fix: check the destination with files_ls`,
      { code: 'not_found' },
    );
  }
}

/** The server refused an upload chunk for good (a 4xx, or a 500 such as "Invalid MD5"). */
export class UploadRefusedError extends OlaresMcpError {
  constructor(name: string, cause: HttpStatusError) {
    super(`upload of ${name} refused: ${cause.message}`, { code: cause.code, retryable: false });
  }
}

/** The message of a files-backend error body (`{code:1,message}` or `{error}`), if any. */
export function serverMessage(err: HttpStatusError): string | undefined {
  try {
    const body = JSON.parse(err.body) as { message?: unknown; error?: unknown };
    const m = body?.message ?? body?.error;
    return typeof m === 'string' ? m : undefined;
  } catch {
    return undefined;
  }
}

/**
 * How the real backend says "not there": 500 "Directory not exist." from a listing, 400 "File
 * not exist" from raw (resources_service.go, raw_service.go); no resources or raw path answers 404.
 */
export function isNotFoundAnswer(err: unknown): boolean {
  if (!(err instanceof HttpStatusError)) return false;
  if (err.status === 404) return true;
  const m = serverMessage(err);
  return (
    (err.status === 500 && m === 'Directory not exist.') || (err.status === 400 && m === 'File not exist')
  );
}

/** Chunk failures worth another try, as olares-cli decides: gateway trouble, not the server's no. */
const TRANSIENT_CHUNK_STATUS = new Set([502, 503, 504]);

/** The name an overwrite uploads under before it takes the original's place. */
export function stagedName(name: string, seed: string): string {
  const tag = `replacing-${createHash('sha256').update(seed).digest('hex').slice(0, 8)}`;
  const dot = name.lastIndexOf('.');
  return dot > 0 ? `${name.slice(0, dot)}.${tag}${name.slice(dot)}` : `${name}.${tag}`;
}

/** A front-end path such as `drive/Home/Documents/a.txt`, parsed per files.md sec. 2.1. */
export class RemotePath {
  private constructor(
    readonly fileType: string,
    readonly extend: string,
    /** `/` for the volume root; no trailing slash otherwise. */
    readonly sub: string,
  ) {}

  static parse(raw: unknown): RemotePath {
    if (typeof raw !== 'string' || raw.trim() === '') {
      throw new RemotePathError(
        'front-end path is empty; expected <fileType>/<extend>[/<subPath>] (e.g. drive/Home/, sync/<repo_id>/)',
      );
    }
    const trimmed = raw.trim();
    if (trimmed.includes('\0') || trimmed.includes('\\'))
      throw new RemotePathError(`path "${trimmed.slice(0, 200)}" contains a NUL byte or a backslash`);
    const segs = trimmed.split('/').filter((s) => s !== '');
    for (const s of segs) {
      if (s === '.' || s === '..') {
        throw new RemotePathError(
          `path segment "${s}" is a reserved name (path traversal is refused): ${trimmed.slice(0, 200)}`,
        );
      }
    }
    if (segs.length < 2) {
      throw new RemotePathError(
        `front-end path "${trimmed.slice(0, 200)}" must have <fileType>/<extend>[/<subPath>] (got only ${segs.length} segment(s); try e.g. "drive/Home/")`,
      );
    }
    const [fileType, extend, ...rest] = segs;
    if (!(FILE_TYPES as readonly string[]).includes(fileType)) {
      throw new RemotePathError(
        `unknown fileType "${fileType.slice(0, 40)}", expected one of: ${FILE_TYPES.join(', ')}`,
      );
    }
    if (fileType === 'drive' && !['Home', 'Data', 'Common'].includes(extend)) {
      throw new RemotePathError(`drive extend must be Home, Data, or Common (got "${extend.slice(0, 40)}")`);
    }
    return new RemotePath(fileType, extend, rest.length ? `/${rest.join('/')}` : '/');
  }

  get isRoot() {
    return this.sub === '/';
  }
  get isCloud() {
    return CLOUD.has(this.fileType);
  }
  get name() {
    return this.isRoot ? this.extend : this.sub.slice(this.sub.lastIndexOf('/') + 1);
  }
  /** `drive/Home/Documents/a.txt` (directories without trailing slash, root as `drive/Home/`). */
  get display() {
    return `${this.fileType}/${this.extend}${this.sub === '/' ? '/' : this.sub}`;
  }
  get parent(): RemotePath {
    if (this.isRoot) return this;
    const idx = this.sub.lastIndexOf('/');
    return new RemotePath(this.fileType, this.extend, idx <= 0 ? '/' : this.sub.slice(0, idx));
  }
  child(name: string): RemotePath {
    return new RemotePath(this.fileType, this.extend, this.isRoot ? `/${name}` : `${this.sub}/${name}`);
  }
  /** Per-segment encodeURIComponent, as the web app does; `dir` adds the trailing slash. */
  encoded(dir: boolean): string {
    const segs = [this.fileType, this.extend, ...this.sub.split('/').filter(Boolean)].map(encodeURIComponent);
    return segs.join('/') + (dir || this.isRoot ? '/' : '');
  }
  /** Decoded wire path with a leading slash, for JSON bodies and upload queries. */
  wire(dir: boolean): string {
    return `/${this.fileType}/${this.extend}${this.isRoot ? '/' : this.sub + (dir ? '/' : '')}`;
  }
  /** Whether this is a system-managed folder that rm/rename/mv must refuse. */
  get isProtected() {
    const parts = this.sub.split('/').filter(Boolean);
    if (this.fileType === 'drive' && this.extend === 'Home' && parts.length === 1)
      return PROTECTED_HOME.includes(parts[0]);
    if (this.fileType === 'external' && parts.length === 1) return true; // a mounted volume root
    if (this.fileType === 'external' && parts[1] === 'ai' && parts.length <= 3) return true;
    return false;
  }
  equals(o: RemotePath) {
    return this.display === o.display;
  }
  contains(o: RemotePath) {
    return (
      o.fileType === this.fileType &&
      o.extend === this.extend &&
      (this.isRoot || o.sub === this.sub || o.sub.startsWith(`${this.sub}/`))
    );
  }
}

export interface Entry {
  name: string;
  isDir: boolean;
  size: number;
  modified?: string;
  type?: string;
}

export interface Listing {
  path: string;
  numDirs: number;
  numFiles: number;
  items: Entry[];
}

function parseEntry(r: WireReader, raw: unknown, at: string): Entry {
  const o = r.object(raw, at);
  const m = o.modified;
  const modified =
    typeof m === 'string' && m ? m : typeof m === 'number' ? new Date(m * 1000).toISOString() : undefined;
  const size = r.optNumber(o, 'size', `${at}.`) || r.optNumber(o, 'fileSize', `${at}.`) || 0;
  return {
    name: r.string(o, 'name', `${at}.`),
    isDir: r.optBoolean(o, 'isDir', `${at}.`) === true,
    size,
    modified,
    type: r.optString(o, 'type', `${at}.`) || undefined,
  };
}

/** A drive/cache/external/sync listing has `items`; a cloud (rclone) one has `data`. */
export function parseListing(body: unknown, endpoint: string, path: string): Listing {
  const r = new WireReader('files', endpoint);
  const o = r.object(body, 'body');
  const key = Array.isArray(o.items) ? 'items' : Array.isArray(o.data) ? 'data' : undefined;
  if (!key && o.items !== null && o.data !== null)
    r.fail('items', 'should be an array (or data, for cloud drives)');
  const items = key ? (o[key] as unknown[]).map((x, i) => parseEntry(r, x, `${key}[${i}]`)) : [];
  return {
    path,
    numDirs: r.optNumber(o, 'numDirs') ?? items.filter((i) => i.isDir).length,
    numFiles: r.optNumber(o, 'numFiles') ?? items.filter((i) => !i.isDir).length,
    items,
  };
}

export interface FilesNode {
  name: string;
  master: boolean;
}

export function parseNodes(body: unknown): FilesNode[] {
  const r = new WireReader('files', 'GET /api/nodes/');
  const data = r.object(r.object(body, 'body').data, 'data');
  return r.array(data.nodes, 'data.nodes').map((n, i) => {
    const o = r.object(n, `data.nodes[${i}]`);
    return { name: r.string(o, 'name', `data.nodes[${i}].`), master: o.master === true };
  });
}

export function parseTask(body: unknown, node: string, taskId: string): TaskStatus {
  const r = new WireReader('files', 'GET /api/task/<node>/');
  const o = r.object(body, 'body');
  const t = r.optObject(o.task, 'task');
  if (!t) throw new TaskNotFoundError(node, taskId);
  const raw = r.string(t, 'status', 'task.');
  const status = raw === 'cancelled' ? 'canceled' : raw;
  if (!['pending', 'running', 'paused', 'completed', 'failed', 'canceled'].includes(status))
    r.fail('task.status', `has the unknown value "${raw.slice(0, 40)}"`);
  return {
    id: taskId,
    status: (status === 'paused' ? 'running' : status) as TaskStatus['status'],
    progress: r.optNumber(t, 'progress', 'task.'),
    message: r.optString(t, 'failed_reason', 'task.') || undefined,
  };
}

export interface ShareRecord {
  id: string;
  path: string;
  name: string;
  shareType: string;
  permission: number;
  expireTime?: string;
}

export interface TaskStatus {
  id: string;
  status: 'pending' | 'running' | 'completed' | 'failed' | 'canceled';
  progress?: number;
  message?: string;
}

const REDIRECTS = [301, 302, 303, 307, 308];
const MAX_REDIRECTS = 3;

export function parseLastChunk(text: string): { taskId?: string } {
  const r = new WireReader('files', 'POST <upload link> (last chunk)');
  let parsed: unknown;
  try {
    parsed = JSON.parse(text);
  } catch {
    r.fail('body', `is not JSON: ${text.slice(0, 80)}`);
  }
  const first = r.array(parsed, 'body')[0];
  if (first === undefined) return {};
  const taskId = r.optString(r.object(first, 'body[0]'), 'taskId', 'body[0].');
  return taskId ? { taskId } : {};
}

export class FilesClient {
  private nodes?: Promise<FilesNode[]>;

  constructor(readonly http: OlaresHttp) {}

  private notFound<T>(p: RemotePath, what?: string) {
    return (err: unknown): T => {
      if (isNotFoundAnswer(err)) throw new RemoteNotFoundError(p.display, what);
      throw err;
    };
  }

  async list(dir: RemotePath, signal?: AbortSignal): Promise<Listing> {
    const body = await this.http
      .json<unknown>('files', `/api/resources/${dir.encoded(true)}`, { signal })
      .catch(this.notFound<unknown>(dir, 'directory not found on the server'));
    return parseListing(body, 'GET /api/resources/<dir>/', dir.display);
  }

  /** Never GETs a file URL (the real backend reads the content into that answer): lists the parent. */
  async stat(p: RemotePath, signal?: AbortSignal): Promise<Entry | undefined> {
    if (p.sub.split('/').filter(Boolean).length === 0) return { name: p.extend, isDir: true, size: 0 };
    let listing: Listing;
    try {
      listing = await this.list(p.parent, signal);
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
  async raw(
    p: RemotePath,
    opts: { from?: number; to?: number; signal?: AbortSignal } = {},
  ): Promise<Response> {
    const headers: Record<string, string> = {};
    if (opts.from !== undefined || opts.to !== undefined)
      headers.range = `bytes=${opts.from ?? 0}-${opts.to ?? ''}`;
    const get = (path: string, query?: Record<string, string>) =>
      this.http.request('files', path, {
        headers,
        query,
        signal: opts.signal,
        bodyTimeoutMs: 60_000,
        allowStatus: [416, ...REDIRECTS],
      });
    let res = await get(`/api/raw/${p.encoded(false)}`, { inline: 'true' }).catch(this.notFound<Response>(p));
    for (let hop = 0; REDIRECTS.includes(res.statusCode); hop++) {
      const next = this.redirectPath(p, res.headers.location, hop);
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
  async download(
    p: RemotePath,
    opts: { from?: number; size?: number; signal?: AbortSignal; sink: FileSink },
  ): Promise<{ statusCode: number; written: number }> {
    const get = (path: string) =>
      this.http.download('files', path, {
        sink: opts.sink,
        size: opts.size === undefined ? undefined : opts.size - (opts.from ?? 0),
        headers: opts.from ? { range: `bytes=${opts.from}-` } : {},
        signal: opts.signal,
        idleTimeoutMs: 60_000,
        allowStatus: [416, ...REDIRECTS],
      });
    let res = await get(`/api/raw/${p.encoded(false)}`).catch(this.notFound<GetToFileResult>(p));
    for (let hop = 0; REDIRECTS.includes(res.statusCode); hop++)
      res = await get(this.redirectPath(p, res.headers.location, hop));
    return res;
  }

  /** Where a redirect of a raw read points, below the files service; refuses other hosts. */
  private redirectPath(p: RemotePath, location: string | string[] | undefined, hop: number): string {
    const where = Array.isArray(location) ? location[0] : location;
    const path = where ? this.http.sameOriginPath('files', where) : undefined;
    if (hop >= MAX_REDIRECTS || !path)
      throw new OlaresMcpError(
        `files answered the read of ${p.display} with ${hop >= MAX_REDIRECTS ? 'too many redirects' : `a redirect to ${where ? 'another host' : 'nowhere'}`}; nothing was read. This box's files service does not behave as olares-mcp expects`,
        { code: 'olares_error' },
      );
    return path;
  }

  async mkdir(p: RemotePath, signal?: AbortSignal): Promise<void> {
    await this.http
      .request('files', `/api/resources/${p.encoded(true)}`, {
        method: 'POST',
        body: '',
        signal,
        allowStatus: [409],
      })
      .then((r) => r.body.dump())
      .catch(this.notFound<void>(p.parent, 'parent directory does not exist'));
  }

  /** Creates an empty file; the server renames on a collision (`x (1).txt`), so stat first. */
  async createEmptyFile(p: RemotePath, signal?: AbortSignal): Promise<void> {
    await this.http
      .request('files', `/api/resources/${p.encoded(false)}`, { method: 'POST', body: '', signal })
      .then((r) => r.body.dump());
  }

  /**
   * One DELETE for entries of one parent directory. Missing entries answer 500 "delete failed
   * paths" with the dirents in `data` (the others are gone by then).
   */
  async remove(parent: RemotePath, dirents: string[], signal?: AbortSignal): Promise<void> {
    await this.http
      .request('files', `/api/resources/${parent.encoded(true)}`, {
        method: 'DELETE',
        json: { dirents },
        signal,
      })
      .then((r) => r.body.dump())
      .catch((err) => {
        if (err instanceof HttpStatusError && serverMessage(err) === 'delete failed paths') {
          let failed: unknown;
          try {
            failed = JSON.parse(err.body).data;
          } catch {}
          const names = Array.isArray(failed) ? failed.map(String).join(', ') : dirents.join(', ');
          throw new RemoteNotFoundError(parent.display, `could not delete ${names.slice(0, 300)}`);
        }
        return this.notFound<void>(parent)(err);
      });
  }

  /**
   * The backend decodes `destination` twice (the framework, then url.PathUnescape in the posix
   * driver), so the name is encoded twice: `100% done` and `a%41` arrive as typed.
   */
  async rename(p: RemotePath, isDir: boolean, newName: string, signal?: AbortSignal): Promise<void> {
    await this.http
      .request('files', `/api/resources/${p.encoded(isDir)}`, {
        method: 'PATCH',
        query: { destination: encodeURIComponent(newName) },
        signal,
      })
      .then((r) => r.body.dump())
      .catch((err) => {
        const m = err instanceof HttpStatusError ? serverMessage(err) : undefined;
        if (err instanceof HttpStatusError && (err.status === 409 || /already exists/.test(m ?? ''))) {
          throw new OlaresMcpError(
            `rename ${p.display}: "${newName}" already exists in ${p.parent.display}. Fix: pick another name or remove the existing entry first`,
            { code: 'conflict' },
          );
        }
        if (err instanceof HttpStatusError && err.status === 500 && /not exists?\b/.test(m ?? ''))
          throw new RemoteNotFoundError(p.display);
        return this.notFound<void>(p)(err);
      });
  }

  /**
   * Puts `staged` (just uploaded beside `original`; the server never overwrites) in the
   * original's place: delete the original, then rename. If the delete fails the original stays
   * and the staged copy goes; if the rename fails, the error names where the new bytes are.
   */
  async replaceWith(original: RemotePath, staged: RemotePath, signal?: AbortSignal): Promise<void> {
    try {
      await this.remove(original.parent, [`/${original.name}`], signal);
    } catch (err) {
      await this.remove(staged.parent, [`/${staged.name}`]).catch(() => {});
      throw new OlaresMcpError(
        `overwrite of ${original.display}: could not delete the old file (${(err as Error).message}); it was kept unchanged and the upload was discarded`,
        { code: 'olares_error', retryable: (err as OlaresMcpError).retryable },
      );
    }
    try {
      await this.rename(staged, false, original.name, signal);
    } catch (err) {
      throw new OlaresMcpError(
        `overwrite of ${original.display}: the old file was deleted but renaming the new one failed (${(err as Error).message}). The new content is at ${staged.display}. Fix: rename it with files_rename`,
        { code: 'olares_error' },
      );
    }
  }

  private listNodes(signal?: AbortSignal): Promise<FilesNode[]> {
    this.nodes ??= this.http.json<unknown>('files', '/api/nodes/', { signal }).then(parseNodes);
    this.nodes.catch(() => {
      this.nodes = undefined;
    });
    return this.nodes;
  }

  /**
   * The master node: only its files pod copies into drive (posix_paste.go copyToDrive). The list
   * comes from a Go map, so its order means nothing; never take the first.
   */
  async defaultNode(signal?: AbortSignal): Promise<string> {
    const nodes = await this.listNodes(signal);
    const master = nodes.filter((n) => n.master);
    if (master.length === 1) return master[0].name;
    if (!master.length && nodes.length === 1) return nodes[0].name;
    throw new OlaresMcpError(
      `the files service lists ${nodes.length} node(s) and ${master.length} master(s) (${nodes.map((n) => n.name).join(', ') || 'none'}); cannot tell which one takes uploads and copies`,
      { code: 'olares_error' },
    );
  }

  /** The node whose pod must run a paste into `dst`: its own for cache/external, else the master. */
  async nodeFor(dst: RemotePath, signal?: AbortSignal): Promise<string> {
    if (dst.fileType === 'cache' || dst.fileType === 'external') return dst.extend;
    return this.defaultNode(signal);
  }

  async paste(
    action: 'copy' | 'move',
    source: string,
    destination: string,
    node: string,
    signal?: AbortSignal,
  ): Promise<string> {
    const body = await this.http.json<unknown>('files', `/api/paste/${encodeURIComponent(node)}/`, {
      method: 'PATCH',
      json: { action, source, destination },
      signal,
    });
    const r = new WireReader('files', 'PATCH /api/paste/<node>/');
    const taskId = r.string(r.object(body, 'body'), 'task_id');
    if (!taskId) r.fail('task_id', 'is empty');
    return taskId;
  }

  /** A 200 without a task means the node does not know the id: fails at once, never polls on. */
  async task(node: string, taskId: string, signal?: AbortSignal): Promise<TaskStatus> {
    const body = await this.http.json<unknown>('files', `/api/task/${encodeURIComponent(node)}/`, {
      query: { task_id: taskId },
      signal,
    });
    return parseTask(body, node, taskId);
  }

  // ---- upload (files.md sec. 8.3) -----------------------------------------------------------

  async uploadedBytes(
    node: string,
    parentDir: string,
    fileName: string,
    signal?: AbortSignal,
  ): Promise<number> {
    try {
      const body = await this.http.json<{ uploadedBytes?: unknown } | undefined>(
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

  async uploadLink(node: string, parentDir: string, signal?: AbortSignal): Promise<string> {
    const link = (
      await this.http.text('files', `/upload/upload-link/${encodeURIComponent(node)}/`, {
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

  /**
   * Sends one chunk as multipart/form-data, streamed from the file (never buffered whole). The
   * body is a one-shot stream, so the transport refreshes the token pre-flight instead of
   * replaying after a 401. `file` is the checked, open source: chunks are read from it by
   * position, never by reopening a path that may have been swapped meanwhile.
   */
  async uploadChunk(c: {
    link: string;
    file: FileHandle;
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
  }): Promise<{ taskId?: string }> {
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
    const res = await this.http
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

  // ---- shares (files.md sec. 13) ------------------------------------------------------------

  async createShare(
    p: RemotePath,
    opts: { shareType: 'internal' | 'external'; permission: number; password: string; expireInMs?: number },
    signal?: AbortSignal,
  ): Promise<ShareRecord> {
    const body: Record<string, unknown> = {
      name: p.name,
      share_type: opts.shareType,
      permission: opts.permission,
      password: opts.password,
    };
    if (opts.expireInMs) body.expire_in = opts.expireInMs;
    const env = await this.http
      .json<unknown>('files', `/api/share/share_path/${p.encoded(true)}`, {
        method: 'POST',
        json: body,
        signal,
      })
      .catch(this.notFound<unknown>(p));
    return parseShareCreated(env);
  }

  async listShares(signal?: AbortSignal): Promise<ShareRecord[]> {
    return parseShareList(await this.http.json<unknown>('files', '/api/share/share_path/', { signal }));
  }

  async removeShares(ids: string[], signal?: AbortSignal): Promise<void> {
    await this.http
      .request('files', '/api/share/share_path/', {
        method: 'DELETE',
        query: { path_ids: ids.join(',') },
        signal,
      })
      .then((r) => r.body.dump());
  }
}

function parseShare(r: WireReader, raw: unknown, at: string): ShareRecord {
  const o: WireObject = r.object(raw, at);
  const f = `${at}.`;
  return {
    id: r.string(o, 'id', f),
    path: `${r.string(o, 'file_type', f)}/${r.string(o, 'extend', f)}${r.string(o, 'path', f)}`,
    name: r.optString(o, 'name', f) ?? '',
    shareType: r.string(o, 'share_type', f),
    permission: r.optNumber(o, 'permission', f) ?? 0,
    expireTime: r.optString(o, 'expire_time', f) || undefined,
  };
}

export function parseShareCreated(body: unknown): ShareRecord {
  const r = new WireReader('files', 'POST /api/share/share_path/<dir>/');
  const o = r.object(body, 'body');
  if (o.code !== 0)
    throw new OlaresMcpError(
      `share create: server rejected (code ${String(o.code)}): ${r.optString(o, 'message') ?? ''}`,
      { code: 'olares_error' },
    );
  return parseShare(r, o.data, 'data');
}

export function parseShareList(body: unknown): ShareRecord[] {
  const r = new WireReader('files', 'GET /api/share/share_path/');
  const o = r.object(body, 'body');
  if (o.share_paths === null || o.share_paths === undefined) return [];
  return r.array(o.share_paths, 'share_paths').map((x, i) => parseShare(r, x, `share_paths[${i}]`));
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

/** The upload destination mapping of files.md sec. 8.1. */
export function uploadRoots(p: RemotePath): {
  apiRoot: string;
  chunkRoot: string;
  driveType: string;
  nodeFromPath?: string;
} {
  const apiRoot = `/${p.fileType}/${p.extend}`;
  switch (p.fileType) {
    case 'drive':
      return { apiRoot, chunkRoot: apiRoot, driveType: p.extend === 'Home' ? 'Drive' : p.extend };
    case 'sync':
      return { apiRoot, chunkRoot: '', driveType: 'Sync' };
    case 'cache':
      return { apiRoot, chunkRoot: apiRoot, driveType: 'Cache', nodeFromPath: p.extend };
    case 'external':
      return { apiRoot, chunkRoot: apiRoot, driveType: 'External', nodeFromPath: p.extend };
    case 'awss3':
    case 'google':
    case 'dropbox':
      return { apiRoot, chunkRoot: apiRoot, driveType: p.fileType[0].toUpperCase() + p.fileType.slice(1) };
    default:
      throw new RemotePathError(
        `upload destination must be under drive/Home, drive/Data, drive/Common, sync/<repo_id>, cache/<node>, external/<node>/<volume>, awss3/<account>, google/<account>, or dropbox/<account> (got "${p.display}")`,
      );
  }
}
