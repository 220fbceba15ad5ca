// Typed client for the files service (docs/wire/files.md, corrected by
// docs/wire/files.md, docs/wire/auth.md), bound to one session's transport. Each verb group lives in
// its own module (read, change, tasks, upload, shares); this class is the one handle the tools
// hold; the node list comes from the per-profile box facts (boxFacts.ts).
import { OlaresMcpError } from '../../errors.js';
import type { FileSink, OlaresHttp } from '../../transport/http.js';
import { type BoxFacts, newBoxFacts } from '../boxFacts.js';
import * as archive from './archive.js';
import * as change from './change.js';
import { type FilesNode, parseNodes } from './parsers.js';
import type { RemotePath } from './paths.js';
import * as read from './read.js';
import * as repos from './repos.js';
import * as shares from './shares.js';
import * as tasks from './tasks.js';
import * as upload from './upload.js';

export class FilesClient {
  /** `facts` is shared per profile by OlaresClients; a client built alone remembers for itself. */
  constructor(
    readonly http: OlaresHttp,
    private readonly facts: BoxFacts = newBoxFacts(),
  ) {}

  list(dir: RemotePath, signal?: AbortSignal) {
    return read.list(this.http, dir, signal);
  }

  /** Never GETs a file URL (the real backend reads the content into that answer): lists the parent. */
  stat(p: RemotePath, signal?: AbortSignal) {
    return read.stat(this.http, p, signal);
  }

  /** The raw bytes as a stream (files_cat); `from`/`to` ask for a Range. Caller consumes or dumps the body. */
  raw(p: RemotePath, opts: { from?: number; to?: number; signal?: AbortSignal } = {}) {
    return read.raw(this.http, p, opts);
  }

  /** Writes the raw bytes into `sink`, from byte `from` on (Range); 416 means nothing is left. */
  download(p: RemotePath, opts: { from?: number; size?: number; signal?: AbortSignal; sink: FileSink }) {
    return read.download(this.http, p, opts);
  }

  mkdir(p: RemotePath, signal?: AbortSignal) {
    return change.mkdir(this.http, p, signal);
  }

  /** Creates an empty file; the server renames on a collision (`x (1).txt`), so stat first. */
  createEmptyFile(p: RemotePath, signal?: AbortSignal) {
    return change.createEmptyFile(this.http, p, signal);
  }

  /** One DELETE for entries of one parent directory. */
  remove(parent: RemotePath, dirents: string[], signal?: AbortSignal) {
    return change.remove(this.http, parent, dirents, signal);
  }

  rename(p: RemotePath, isDir: boolean, newName: string, signal?: AbortSignal) {
    return change.rename(this.http, p, isDir, newName, signal);
  }

  /** Puts `staged` (just uploaded beside `original`) in the original's place. */
  replaceWith(original: RemotePath, staged: RemotePath, signal?: AbortSignal) {
    return change.replaceWith(this.http, original, staged, signal);
  }

  private listNodes(signal?: AbortSignal): Promise<FilesNode[]> {
    return this.facts.nodes.get(this.http.olaresId, () =>
      this.http.json<unknown>('files', '/api/nodes/', { signal }).then(parseNodes),
    );
  }

  /** A request addressed to a node failed: the node list may be stale (a node left or was added). */
  private forgettingNodes<T>(call: Promise<T>): Promise<T> {
    return call.catch((err) => {
      this.facts.nodes.forget(this.http.olaresId);
      throw err;
    });
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

  paste(action: 'copy' | 'move', source: string, destination: string, node: string, signal?: AbortSignal) {
    return this.forgettingNodes(tasks.paste(this.http, action, source, destination, node, signal));
  }

  /** A 200 without a task means the node does not know the id: fails at once, never polls on. */
  task(node: string, taskId: string, signal?: AbortSignal) {
    return tasks.task(this.http, node, taskId, signal);
  }

  uploadedBytes(node: string, parentDir: string, fileName: string, signal?: AbortSignal) {
    return upload.uploadedBytes(this.http, node, parentDir, fileName, signal);
  }

  uploadLink(node: string, parentDir: string, signal?: AbortSignal) {
    return this.forgettingNodes(upload.uploadLink(this.http, node, parentDir, signal));
  }

  /** One multipart chunk, streamed from the checked, open source file. */
  uploadChunk(c: upload.ChunkRequest) {
    return upload.uploadChunk(this.http, c);
  }

  createShare(p: RemotePath, opts: shares.ShareOptions, signal?: AbortSignal) {
    return shares.createShare(this.http, p, opts, signal);
  }

  listShares(signal?: AbortSignal) {
    return shares.listShares(this.http, signal);
  }

  removeShares(ids: string[], signal?: AbortSignal) {
    return shares.removeShares(this.http, ids, signal);
  }

  /** 1.12.6+: a task on `node` writing one archive of `sources` (wire paths). */
  compress(node: string, req: Parameters<typeof archive.compress>[2], signal?: AbortSignal) {
    return this.forgettingNodes(archive.compress(this.http, node, req, signal));
  }

  /** 1.12.6+: a task on `node` unpacking one archive into a folder. */
  extract(node: string, req: Parameters<typeof archive.extract>[2], signal?: AbortSignal) {
    return this.forgettingNodes(archive.extract(this.http, node, req, signal));
  }

  /** The Sync libraries whose ids make the `sync/<repo_id>/` paths. */
  syncRepos(signal?: AbortSignal) {
    return repos.listRepos(this.http, signal);
  }
}
