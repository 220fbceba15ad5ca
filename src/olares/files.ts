// Typed client for the files service (olares-api/files.md): the front-end path model, listing,
// raw download with Range, the chunked resumable upload, rm, mkdir, paste tasks, rename, shares.
import { createHash } from 'node:crypto';
import type { FileHandle } from 'node:fs/promises';
import { InvalidInputError, OlaresMcpError } from '../errors.js';
import {
  type FileSink,
  type GetToFileResult,
  HttpStatusError,
  type OlaresHttp,
  type Response,
} from '../transport/http.js';

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

function toEntry(raw: any): Entry {
  const modified =
    typeof raw?.modified === 'string' && raw.modified
      ? raw.modified
      : typeof raw?.modified === 'number'
        ? new Date(raw.modified * 1000).toISOString()
        : undefined;
  return {
    name: String(raw?.name ?? ''),
    isDir: raw?.isDir === true,
    size: Number(raw?.size || raw?.fileSize || 0),
    modified,
    type: raw?.type ? String(raw.type) : undefined,
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

export class FilesClient {
  private node?: Promise<string>;

  constructor(readonly http: OlaresHttp) {}

  private notFound<T>(p: RemotePath, what?: string) {
    return (err: unknown): T => {
      if (err instanceof HttpStatusError && err.status === 404)
        throw new RemoteNotFoundError(p.display, what);
      throw err;
    };
  }

  async list(dir: RemotePath, signal?: AbortSignal): Promise<Listing> {
    const body = await this.http
      .json<any>('files', `/api/resources/${dir.encoded(true)}`, { signal })
      .catch(this.notFound<any>(dir, 'directory not found on the server'));
    const rawItems: any[] =
      Array.isArray(body?.items) && body.items.length
        ? body.items
        : Array.isArray(body?.data)
          ? body.data
          : (body?.items ?? []);
    const items = rawItems.map(toEntry);
    return {
      path: dir.display,
      numDirs: Number(body?.numDirs ?? items.filter((i) => i.isDir).length),
      numFiles: Number(body?.numFiles ?? items.filter((i) => !i.isDir).length),
      items,
    };
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

  /** The raw bytes as a stream (files_cat); `from`/`to` ask for a Range. Caller consumes or dumps the body. */
  async raw(
    p: RemotePath,
    opts: { from?: number; to?: number; signal?: AbortSignal } = {},
  ): Promise<Response> {
    const headers: Record<string, string> = {};
    if (opts.from !== undefined || opts.to !== undefined)
      headers.range = `bytes=${opts.from ?? 0}-${opts.to ?? ''}`;
    return this.http
      .request('files', `/api/raw/${p.encoded(false)}`, {
        headers,
        signal: opts.signal,
        bodyTimeoutMs: 60_000,
        allowStatus: [416],
      })
      .catch(this.notFound<Response>(p));
  }

  /**
   * Writes the raw bytes into `sink`, from byte `from` on (Range); 416 means nothing is left.
   * `size` (the listed file size) lets transport pick the connection.
   */
  async download(
    p: RemotePath,
    opts: { from?: number; size?: number; signal?: AbortSignal; sink: FileSink },
  ): Promise<{ statusCode: number; written: number }> {
    return this.http
      .download('files', `/api/raw/${p.encoded(false)}`, {
        sink: opts.sink,
        size: opts.size === undefined ? undefined : opts.size - (opts.from ?? 0),
        headers: opts.from ? { range: `bytes=${opts.from}-` } : {},
        signal: opts.signal,
        idleTimeoutMs: 60_000,
        allowStatus: [416],
      })
      .catch(this.notFound<GetToFileResult>(p));
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
      .catch(
        this.notFound<void>(
          p.parent,
          'parent directory does not exist (pass parents: true to create missing intermediates)',
        ),
      );
  }

  async createEmptyFile(p: RemotePath, signal?: AbortSignal): Promise<void> {
    await this.http
      .request('files', `/api/resources/${p.encoded(false)}`, { method: 'POST', body: '', signal })
      .then((r) => r.body.dump());
  }

  /** One DELETE for entries of one parent directory. */
  async remove(parent: RemotePath, dirents: string[], signal?: AbortSignal): Promise<void> {
    await this.http
      .request('files', `/api/resources/${parent.encoded(true)}`, {
        method: 'DELETE',
        json: { dirents },
        signal,
      })
      .then((r) => r.body.dump())
      .catch(this.notFound<void>(parent));
  }

  async rename(p: RemotePath, isDir: boolean, newName: string, signal?: AbortSignal): Promise<void> {
    await this.http
      .request('files', `/api/resources/${p.encoded(isDir)}`, {
        method: 'PATCH',
        query: { destination: newName },
        signal,
      })
      .then((r) => r.body.dump())
      .catch((err) => {
        if (err instanceof HttpStatusError && err.status === 409) {
          throw new OlaresMcpError(
            `rename ${p.display}: "${newName}" already exists in ${p.parent.display}. Fix: pick another name or remove the existing entry first`,
            { code: 'conflict' },
          );
        }
        return this.notFound<void>(p)(err);
      });
  }

  defaultNode(signal?: AbortSignal): Promise<string> {
    this.node ??= this.http.json<any>('files', '/api/nodes/', { signal }).then((body) => {
      const name = body?.data?.nodes?.[0]?.name;
      if (!name)
        throw new OlaresMcpError('files-backend returned no Drive nodes; cannot upload or paste', {
          code: 'olares_error',
        });
      return String(name);
    });
    this.node.catch(() => {
      this.node = undefined;
    });
    return this.node;
  }

  async paste(
    action: 'copy' | 'move',
    source: string,
    destination: string,
    node: string,
    signal?: AbortSignal,
  ): Promise<string> {
    const body = await this.http.json<any>('files', `/api/paste/${encodeURIComponent(node)}/`, {
      method: 'PATCH',
      json: { action, source, destination },
      signal,
    });
    if (body?.code === -1) {
      throw new OlaresMcpError(
        `paste ${source} → ${destination}: ${body.message || 'server rejected the request (code -1); check for unsupported characters in the paths'}`,
        { code: 'olares_error' },
      );
    }
    if (!body?.task_id)
      throw new OlaresMcpError(`paste ${source} → ${destination}: server returned no task_id`, {
        code: 'olares_error',
      });
    return String(body.task_id);
  }

  async task(node: string, taskId: string, signal?: AbortSignal): Promise<TaskStatus> {
    const body = await this.http.json<any>('files', `/api/task/${encodeURIComponent(node)}/`, {
      query: { task_id: taskId },
      signal,
    });
    const t = body?.data ?? body?.task ?? body;
    const status = t?.status === 'cancelled' ? 'canceled' : (t?.status ?? 'running');
    return {
      id: taskId,
      status,
      progress: t?.progress,
      message: t?.failed_reason || t?.message || undefined,
    };
  }

  // ---- upload (files.md sec. 8.3) -----------------------------------------------------------

  async uploadedBytes(
    node: string,
    parentDir: string,
    fileName: string,
    signal?: AbortSignal,
  ): Promise<number> {
    try {
      const body = await this.http.json<any>(
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
    const res = await this.http.upload('files', path.startsWith('/') ? path : `/${path}`, {
      body: { head, file: c.file, start: c.start, end: c.end, tail },
      signal: c.signal,
      timeoutMs: 120_000,
      headers: {
        'content-type': `multipart/form-data; boundary=${boundary}`,
        'content-range': `bytes ${c.start}-${c.end}/${c.total}`,
        'content-disposition': `attachment; filename="${encodeURIComponent(c.remoteName)}"`,
        accept: 'application/json; text/javascript, */*; q=0.01',
      },
    });
    if (c.end + 1 < c.total) return {};
    // The last chunk's answer names the transfer task for cloud targets (files.md sec. 8.5).
    try {
      const parsed = JSON.parse(res.text);
      const taskId = Array.isArray(parsed) ? parsed[0]?.taskId : undefined;
      return typeof taskId === 'string' && taskId ? { taskId } : {};
    } catch {
      return {};
    }
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
      .json<any>('files', `/api/share/share_path/${p.encoded(true)}`, { method: 'POST', json: body, signal })
      .catch(this.notFound<any>(p));
    if (env?.code)
      throw new OlaresMcpError(`share create: server rejected (code ${env.code}): ${env.message ?? ''}`, {
        code: 'olares_error',
      });
    if (!env?.data?.id)
      throw new OlaresMcpError('share create: server returned no share id', { code: 'olares_error' });
    return toShare(env.data);
  }

  async listShares(signal?: AbortSignal): Promise<ShareRecord[]> {
    const env = await this.http.json<any>('files', '/api/share/share_path/', { signal });
    return (env?.share_paths ?? []).map(toShare);
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

function toShare(r: any): ShareRecord {
  return {
    id: String(r.id),
    path: `${r.file_type}/${r.extend}${r.path}`,
    name: String(r.name ?? ''),
    shareType: String(r.share_type ?? ''),
    permission: Number(r.permission ?? 0),
    expireTime: r.expire_time || undefined,
  };
}

const MIME: Record<string, string> = {
  txt: 'text/plain',
  json: 'application/json',
  html: 'text/html',
  css: 'text/css',
  js: 'application/javascript',
  png: 'image/png',
  jpg: 'image/jpeg',
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
