// The files service's resumable upload in the simulator (docs/wire/files.md#chunked-uploads): how much of a file
// arrived, node-bound upload links, and the chunks that land on them (or on seafile's upload-aj).
import { randomBytes } from 'node:crypto';
import { createWriteStream, fstatSync } from 'node:fs';
import { type FileHandle, mkdir, open, rename, truncate } from 'node:fs/promises';
import { dirname, join } from 'node:path';
import { type SimRequest, sendJson, sendText } from '../http.js';
import { ChunkError, receiveMultipart } from '../multipart.js';
import type { Simulator } from '../server.js';
import { CLOUD, type FilesState, NODE_ROUTE, statOf, versionSuffixed } from './state.js';

/** Upload link id -> who may send chunks to it, and where they land. */
type UploadLinks = Map<string, { user: string; parentDir: string }>;

export function registerUpload(sim: Simulator, s: FilesState) {
  const { knownNode, partialPath, master } = s;
  const links: UploadLinks = new Map();
  sim.route(
    'files',
    'GET',
    '/upload/file-uploaded-bytes/:node/',
    async (r) => {
      if (!knownNode(r)) return;
      const q = r.url.searchParams;
      const partial = await partialPath(r.user!, q.get('parent_dir') ?? '', q.get('file_name') ?? '');
      sendJson(r.res, 200, { uploadedBytes: (await statOf(partial))?.size ?? 0 });
    },
    NODE_ROUTE,
  );

  sim.route(
    'files',
    'GET',
    '/upload/upload-link/:node/',
    async (r) => {
      if (!knownNode(r)) return;
      const parentDir = r.url.searchParams.get('file_path') ?? '';
      const fileType = parentDir.split('/').filter(Boolean)[0] ?? '';
      const onDrive = fileType === 'drive' || fileType === 'sync';
      if (sim.options.driveUploadNeedsMaster && onDrive && r.params.node !== master)
        return sendJson(r.res, 500, { error: `node ${r.params.node} does not hold the drive volume` });
      const id = randomBytes(8).toString('hex');
      links.set(id, { user: r.user!.local, parentDir });
      // Seafile hands out its own upload URL for sync; the files pod its node-bound one.
      sendText(
        r.res,
        200,
        fileType === 'sync' ? `/seafhttp/upload-aj/${id}` : `/upload/upload-link/${r.params.node}/${id}`,
      );
    },
    NODE_ROUTE,
  );

  sim.route(
    'files',
    'POST',
    '/upload/upload-link/:node/:uid',
    (r) => (knownNode(r) ? receiveChunk(sim, s, links, r, r.params.uid) : undefined),
    NODE_ROUTE,
  );
  sim.route(
    'files',
    'POST',
    '/seafhttp/upload-aj/:id',
    (r) => receiveChunk(sim, s, links, r, r.params.id),
    NODE_ROUTE,
  );
}

/**
 * The partial file of an upload, open for appending (created empty when new); its folder is
 * made only when it is missing, not once per chunk.
 */
async function openPartial(partial: string): Promise<FileHandle> {
  try {
    return await open(partial, 'a');
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code !== 'ENOENT') throw err;
    await mkdir(dirname(partial), { recursive: true });
    return open(partial, 'a');
  }
}

/** Moves a whole partial file into place; the folders on the way are made when missing (MkdirAll). */
async function landPartial(partial: string, dir: string, name: string) {
  await rename(partial, join(dir, name)).catch(async (err) => {
    if ((err as NodeJS.ErrnoException).code !== 'ENOENT') throw err;
    await mkdir(dir, { recursive: true });
    await rename(partial, join(dir, name));
  });
}

const receiveChunk = async (sim: Simulator, s: FilesState, links: UploadLinks, r: SimRequest, id: string) => {
  const { diskPath, partialPath, master, newTask } = s;
  const { req, res, user } = r;
  const link = links.get(id);
  const refuse = (status: number, error: string) => {
    req.resume(); // discard the unread body
    sendJson(res, status, { error });
  };
  if (!link || link.user !== user!.local) return refuse(404, 'unknown upload link');
  const range = /^bytes (\d+)-(\d+)\/(\d+)$/.exec(String(req.headers['content-range'] ?? ''));
  const boundary = /boundary=(.+)$/.exec(String(req.headers['content-type'] ?? ''))?.[1];
  if (!range || !boundary) return refuse(400, 'Content-Range and multipart body required');
  const [start, end, total] = [Number(range[1]), Number(range[2]), Number(range[3])];
  if (end < start || end >= total) return refuse(400, 'bad Content-Range');
  const parentLoc = await diskPath(user!, link.parentDir, true);
  if (!parentLoc || !(await statOf(parentLoc.full))?.isDirectory())
    return refuse(500, 'parent dir is not exist or is not a dir');
  let partial = '';
  let writing = false;
  let received: { fields: Record<string, string>; fileBytes: number };
  try {
    // The file part streams to disk at its offset; only the small fields are held in memory.
    received = await receiveMultipart(req, boundary, async (fields) => {
      const name = fields.resumableFilename;
      if (!name) throw new ChunkError('resumableFilename must come before the file part');
      partial = await partialPath(user!, link.parentDir, `${fields.relative_path ?? ''}${name}`);
      const file = await openPartial(partial);
      const have = fstatSync(file.fd).size;
      if (start > have) {
        await file.close();
        throw new ChunkError(`chunk starts at ${start} but only ${have} bytes arrived`);
      }
      if (start < have) await file.truncate(start); // a re-sent chunk replaces what was there
      writing = true;
      return createWriteStream(partial, { fd: file, highWaterMark: 1024 * 1024 });
    });
  } catch (err) {
    // Forget a half-received chunk; a refused one wrote nothing (and must not pad the file).
    if (writing) await truncate(partial, start).catch(() => {});
    if (err instanceof ChunkError) return refuse(500, err.message);
    if (!res.headersSent && !req.destroyed)
      return refuse(400, `bad multipart body: ${(err as Error).message}`);
    return;
  }
  const name = received.fields.resumableFilename;
  sim.journal.push({ key: 'files chunk', user: user!.olaresId, body: received.fields });
  if (!partial || received.fileBytes !== end - start + 1) {
    if (partial) await truncate(partial, start).catch(() => {});
    return sendJson(res, 500, { error: 'chunk does not match Content-Range' });
  }
  if (end + 1 < total) return sendJson(res, 200, { success: true });
  const dirLoc = await diskPath(user!, link.parentDir + (received.fields.relative_path ?? ''), true);
  if (!dirLoc) return sendJson(res, 400, { error: 'bad relative_path' });
  // Never an overwrite: a taken name gets a version suffix (upload/operations.go AddVersionSuffix).
  let landed = name;
  for (let n = 1; await statOf(join(dirLoc.full, landed)); n++) landed = versionSuffixed(name, n);
  await landPartial(partial, dirLoc.full, landed);
  // Seafile's upload-aj answers {name, id, size}; the files pod adds its upload state.
  const fileId = randomBytes(8).toString('hex');
  const item = link.parentDir.startsWith('/sync/')
    ? { name, id: fileId, size: total }
    : { id: fileId, name, size: total, state: 'success' };
  if (CLOUD.has(dirLoc.segs[0])) {
    // Cloud targets answer with a task that moves the bytes on (docs/wire/files.md#upload-tasks).
    const node = r.params.node ?? master;
    const task = newTask(node, user!.local, 'upload');
    setTimeout(() => Object.assign(task, { status: 'completed', progress: 100 }), 100).unref();
    return sendJson(res, 200, [{ ...item, taskId: task.id }]);
  }
  sendJson(res, 200, [item]);
};
