// Moving many files: a directory upload and a folder download run a few files at once over
// keep-alive connections, with one progress stream per call (throttled on bytes, not sent per
// file), one listing per remote folder and one upload link per call. Each file keeps what a
// single transfer promises: an upload resumes from the server's bytes and reads one checked
// descriptor; a download resumes from what reached its temp file and lands whole or not at all.
import { lstat } from 'node:fs/promises';
import path from 'node:path';
import { InvalidInputError, OlaresMcpError } from '../../errors.js';
import type { Entry, FilesClient, RemotePath } from '../../olares/files/index.js';
import { lendBody, MAX_LENT_BYTES, returnBody } from '../../transport/bodyBuffers.js';
import type { ToolContext } from '../context.js';
import {
  createDownloadTemp,
  createWholeFile,
  discardDownloadTemp,
  landDownload,
  openUploadSource,
} from '../localFiles.js';
import {
  type CheckedFolder,
  ensureLocalFolder,
  plainSegment,
  resolveLocalFolder,
  targetIn,
} from '../localFolders.js';
import type { LocalIdentity } from '../localPaths.js';
import { eachLimited, inSlot, LARGE_AT_ONCE, Slots, TRANSFER_CONCURRENCY } from './inFlight.js';
import { humanBytes } from './shared.js';

/** A folder download lists at most this many files (one call, one progress stream). */
const MAX_FOLDER_FILES = 100_000;

export type Retry = <T>(what: string, signal: AbortSignal, fn: (attempt: number) => Promise<T>) => Promise<T>;

export interface TransferHooks {
  /** Retries transient failures of one file (shared.ts decides which are transient). */
  retry: Retry;
  /** Cloud targets finish in a server task after the last chunk (docs/wire/files.md#upload-tasks). */
  afterLastChunk?: (taskId: string, what: string) => Promise<void>;
}

/** One progress stream per call: a notification per 1% of the bytes at most, and the last. */
export class TransferProgress {
  private done = 0;
  private reported = 0;
  private readonly step: number;

  constructor(
    private readonly total: number,
    private readonly ctx: ToolContext,
  ) {
    this.step = Math.max(Math.ceil(total / 100), 1);
  }

  add(bytes: number, note: () => string) {
    this.done += bytes;
    if (this.done - this.reported < this.step && this.done < this.total) return;
    this.reported = this.done;
    void this.ctx.progress(this.done, this.total, note());
  }
}

/** Bytes of one file counted once, however often a retry sends or receives them again. */
function counter(progress: TransferProgress, note: () => string) {
  let counted = 0;
  return {
    reach(upTo: number) {
      if (upTo > counted) progress.add(upTo - counted, note);
      counted = Math.max(counted, upTo);
    },
  };
}

// ---- upload ----------------------------------------------------------------------------------

export interface UploadItem {
  local: string;
  size: number;
  relativePath: string; // name, or <dir>/<sub>/<name> for directory uploads
  /** The identity taken when the file was checked: the open must find this very file. */
  id: LocalIdentity;
}

/** Where the files go, as docs/wire/files.md#upload-destinations maps it. */
export interface UploadDestination {
  files: FilesClient;
  node: string;
  folder: RemotePath;
  parentDir: string;
  chunkParentDir: string;
  driveType: string;
  chunkSize: number;
  roots: string[];
  allowHardlinks: boolean;
}

/** Uploads every item, a few at once; empty files last, once the folders they go in exist. */
export async function uploadItems(
  items: UploadItem[],
  dest: UploadDestination,
  ctx: ToolContext,
  hooks: TransferHooks,
): Promise<{ resumedFrom: number }> {
  const total = items.reduce((a, i) => a + i.size, 0);
  const progress = new TransferProgress(total, ctx);
  let filesDone = 0;
  let resumedFrom = 0;
  // One link per call: it names the parent folder, the same for every file (docs/wire/files.md#chunked-uploads).
  let link: Promise<string> | undefined;
  const uploadLink = (fresh: boolean) => {
    if (fresh || !link)
      link = dest.files.uploadLink(dest.node, dest.parentDir, ctx.signal).catch((err) => {
        link = undefined;
        throw err;
      });
    return link;
  };
  const finished = () => ctx.donePart(`${++filesDone} of ${items.length} file(s) uploaded`);
  const large = new Slots(LARGE_AT_ONCE);
  const one = async (item: UploadItem) => {
    if (item.size === 0) await createEmpty(item, dest, ctx.signal);
    else {
      const from = await inSlot(large, item.size >= MAX_LENT_BYTES, () =>
        uploadOne(item, dest, ctx, hooks, { progress, uploadLink }),
      );
      resumedFrom = Math.max(resumedFrom, from);
    }
    finished();
  };
  try {
    await eachLimited(
      items.filter((i) => i.size > 0),
      TRANSFER_CONCURRENCY,
      one,
    );
    await eachLimited(
      items.filter((i) => i.size === 0),
      TRANSFER_CONCURRENCY,
      one,
    );
  } catch (err) {
    if (ctx.signal.aborted)
      throw new OlaresMcpError(
        `upload cancelled after ${filesDone} of ${items.length} file(s); a file appears on the box only once its last chunk is in, so none is half written there. Call files_upload again to resume from what the server has`,
        { code: 'cancelled' },
      );
    throw err;
  }
  return { resumedFrom };
}

async function createEmpty(item: UploadItem, dest: UploadDestination, signal: AbortSignal) {
  let target = dest.folder;
  for (const seg of item.relativePath.split('/')) target = target.child(seg);
  await dest.files.createEmptyFile(target, signal).catch((err) => {
    throw new OlaresMcpError(`create empty file "${target.display}": ${(err as Error).message}`, {
      code: 'olares_error',
    });
  });
}

/** One non-empty file, chunk by chunk; resolves with the offset it resumed from (0 if none). */
async function uploadOne(
  item: UploadItem,
  dest: UploadDestination,
  ctx: ToolContext,
  hooks: TransferHooks,
  shared: { progress: TransferProgress; uploadLink: (fresh: boolean) => Promise<string> },
): Promise<number> {
  const { files, node, chunkSize } = dest;
  const name = item.relativePath.slice(item.relativePath.lastIndexOf('/') + 1);
  const totalChunks = Math.ceil(item.size / chunkSize);
  const sent = counter(shared.progress, () => `${item.relativePath}: ${humanBytes(item.size)}`);
  let resumedFrom = 0;
  // Opened once after the check; every chunk and every retry reads this descriptor.
  const opened = await openUploadSource(item.local, dest.roots, {
    allowHardlinks: dest.allowHardlinks,
    checked: item.id,
  });
  try {
    await hooks.retry(`upload ${item.relativePath}`, ctx.signal, async (attempt) => {
      // A file smaller than a chunk always starts at chunk 0 (docs/wire/files.md#chunked-uploads step 2): no probe.
      const uploaded =
        item.size < chunkSize
          ? 0
          : await files.uploadedBytes(node, dest.parentDir, item.relativePath, ctx.signal);
      const startChunk = uploaded > item.size ? 0 : Math.floor(uploaded / chunkSize);
      if (startChunk > 0) resumedFrom = Math.max(resumedFrom, startChunk * chunkSize);
      const link = await shared.uploadLink(attempt > 1);
      for (let i = startChunk; i < totalChunks; i++) {
        const start = i * chunkSize;
        const end = Math.min(item.size, start + chunkSize) - 1;
        const answer = await files.uploadChunk({
          link,
          file: opened.handle,
          start,
          end,
          total: item.size,
          chunkSize,
          index: i,
          totalChunks,
          remoteName: name,
          relativePath: item.relativePath,
          parentDir: dest.chunkParentDir,
          driveType: dest.driveType,
          signal: ctx.signal,
        });
        sent.reach(end + 1);
        if (answer.taskId) await hooks.afterLastChunk?.(answer.taskId, item.relativePath);
      }
    });
  } catch (err) {
    if (ctx.signal.aborted)
      throw new OlaresMcpError(
        `upload of ${item.relativePath} was cancelled; call files_upload again to resume from what the server has`,
        { code: 'cancelled' },
      );
    throw err;
  } finally {
    await opened.handle.close();
  }
  return resumedFrom;
}

// ---- folder download -------------------------------------------------------------------------

interface RemoteFile {
  remote: RemotePath;
  /** Path below the downloaded folder, as plain segments. */
  segments: string[];
  size: number;
}

/** Every file and folder below `dir`: one listing per folder, names checked as plain segments. */
async function walkRemote(files: FilesClient, dir: RemotePath, signal: AbortSignal) {
  const folders: string[][] = [];
  const found: RemoteFile[] = [];
  const queue: Array<{ remote: RemotePath; segments: string[] }> = [{ remote: dir, segments: [] }];
  while (queue.length) {
    const { remote, segments } = queue.shift()!;
    const listing = await files.list(remote, signal);
    for (const entry of listing.items as Entry[]) {
      const name = plainSegment(entry.name, remote.display);
      const child = { remote: remote.child(name), segments: [...segments, name] };
      if (entry.isDir) {
        folders.push(child.segments);
        queue.push(child);
      } else found.push({ ...child, size: entry.size });
    }
    if (found.length > MAX_FOLDER_FILES)
      throw new InvalidInputError(
        `${dir.display} holds more than ${MAX_FOLDER_FILES} files; download its subfolders one by one`,
      );
  }
  return { folders, files: found };
}

/** Local paths a folder download would replace; a file where a folder goes is refused outright. */
async function localClashes(top: string, folders: string[][], found: RemoteFile[]): Promise<string[]> {
  for (const segs of folders) {
    const there = await lstat(path.join(top, ...segs)).catch(() => undefined);
    if (there && !there.isDirectory())
      throw new InvalidInputError(
        `local "${path.join(top, ...segs)}" is a file (or symlink) where the download needs a folder; nothing was downloaded. Fix: move it away or choose another localPath`,
      );
  }
  const clashes: string[] = [];
  for (const f of found) {
    const target = path.join(top, ...f.segments);
    if (await lstat(target).catch(() => undefined)) clashes.push(target);
  }
  return clashes;
}

export interface FolderDownload {
  remotePath: string;
  localPath: string;
  files: number;
  bytes: number;
  resumed: number;
}

/**
 * Downloads the folder `dir` (recursive) to `localPath` under the same rules as one file: inside
 * the local roots, no existing file replaced without `overwrite` (and its confirmation), every
 * file resumable and landing whole. A failure or a cancel leaves the files that landed (whole)
 * and no temp file.
 */
export async function downloadFolder(
  files: FilesClient,
  dir: RemotePath,
  localPath: string,
  overwrite: boolean,
  ctx: ToolContext,
  hooks: TransferHooks,
): Promise<FolderDownload> {
  const roots = await ctx.localRoots();
  const top = await resolveLocalFolder(localPath, plainSegment(dir.name, dir.parent.display), roots);
  const tree = await walkRemote(files, dir, ctx.signal);
  const clashes = top.exists ? await localClashes(top.path, tree.folders, tree.files) : [];
  if (clashes.length && !overwrite)
    throw new InvalidInputError(
      `local ${clashes.slice(0, 10).join(', ')}${clashes.length > 10 ? ` and ${clashes.length - 10} more` : ''} already exist${clashes.length === 1 ? 's' : ''}. Fix: pass overwrite: true to replace ${clashes.length === 1 ? 'it' : 'them'}, or choose another localPath (nothing was downloaded)`,
    );
  if (clashes.length)
    await ctx.confirm({
      question: `Replace ${clashes.length} local file(s) with the files of ${dir.display}?`,
      targets: clashes,
      kind: 'risky',
    });
  const made = new Map<string, CheckedFolder>([['', await ensureLocalFolder(top.path, roots)]]);
  for (const segs of tree.folders)
    made.set(segs.join('/'), await ensureLocalFolder(path.join(top.path, ...segs), roots));
  const total = tree.files.reduce((a, f) => a + f.size, 0);
  const progress = new TransferProgress(total, ctx);
  let landed = 0;
  let resumed = 0;
  const large = new Slots(LARGE_AT_ONCE);
  try {
    await eachLimited(tree.files, TRANSFER_CONCURRENCY, async (file) => {
      const folder = made.get(file.segments.slice(0, -1).join('/'))!;
      const target = targetIn(folder, file.segments.at(-1)!);
      const whole = !overwrite && file.size < WHOLE_IN_MEMORY_BYTES;
      resumed += whole
        ? await downloadWhole(files, file, target, ctx, hooks, progress)
        : await inSlot(large, file.size >= WHOLE_IN_MEMORY_BYTES, () =>
            downloadFile(files, file, target, overwrite, ctx, hooks, progress),
          );
      ctx.donePart(`${++landed} of ${tree.files.length} file(s) downloaded to ${top.path}`);
    });
  } catch (err) {
    if (ctx.signal.aborted)
      throw new OlaresMcpError(
        `download of ${dir.display} was cancelled after ${landed} of ${tree.files.length} file(s); those landed whole in ${top.path}, no other file was written there. Call files_download with overwrite: true to finish it`,
        { code: 'cancelled' },
      );
    throw err;
  }
  return { remotePath: `${dir.display}/`, localPath: top.path, files: landed, bytes: total, resumed };
}

/**
 * Files below this size come whole into memory and land with one exclusive create
 * (localFiles.ts createWholeFile) instead of a temp file, a link and an unlink. The same size
 * rides the pooled keep-alive connection (transport/http.ts). The buffer is lent by
 * transport/bodyBuffers.ts, sized to the file's class, and taken back once the file landed.
 */
const WHOLE_IN_MEMORY_BYTES = MAX_LENT_BYTES;

/**
 * One small file, whole into memory (a dropped connection resumes from the bytes received),
 * then created under its name in one go; nothing reaches the disk before every byte is here.
 * Resolves with how often it resumed.
 */
async function downloadWhole(
  files: FilesClient,
  file: RemoteFile,
  target: ReturnType<typeof targetIn>,
  ctx: ToolContext,
  hooks: TransferHooks,
  progress: TransferProgress,
): Promise<number> {
  const got = counter(progress, () => `${file.segments.join('/')}: ${humanBytes(file.size)}`);
  const bytes = lendBody(file.size);
  let received = 0;
  let resumed = 0;
  const tooLong = () =>
    new OlaresMcpError(
      `download ${file.remote.display}: the server sent more than the ${file.size} bytes it listed; nothing was written under its name. Try again`,
      { code: 'transport', retryable: true },
    );
  try {
    await hooks.retry(`download ${file.remote.display}`, ctx.signal, async (attempt) => {
      if (attempt > 1 && received > 0) resumed++;
      await files.download(file.remote, {
        from: received,
        size: file.size,
        signal: ctx.signal,
        sink: {
          put(buf, from, to, position) {
            if (position + (to - from) > file.size) throw tooLong();
            buf.copy(bytes, position, from, to);
          },
          offsetFor(status) {
            if (status !== 206) received = 0; // the server ignored the Range: start over
            return received;
          },
          onBytes(n) {
            received += n;
            got.reach(received);
          },
        },
      });
    });
    if (received !== file.size) throw sizeMismatch(file, received);
    createWholeFile(target, bytes.subarray(0, received));
  } finally {
    returnBody(bytes);
  }
  return resumed;
}

/** A file whose bytes did not come to the size its listing gave: nothing lands, a retry may do. */
const sizeMismatch = (file: RemoteFile, got: number) =>
  new OlaresMcpError(
    `download ${file.remote.display}: got ${got} bytes but the server listed ${file.size}; nothing was written under its name. Try again`,
    { code: 'transport', retryable: true },
  );

/** One file into its checked folder, resumable; resolves with how often it resumed. */
async function downloadFile(
  files: FilesClient,
  file: RemoteFile,
  target: ReturnType<typeof targetIn>,
  overwrite: boolean,
  ctx: ToolContext,
  hooks: TransferHooks,
  progress: TransferProgress,
): Promise<number> {
  const got = counter(progress, () => `${file.segments.join('/')}: ${humanBytes(file.size)}`);
  const temp = await createDownloadTemp(target);
  let written = 0;
  let resumed = 0;
  let attempts = 0;
  try {
    await hooks.retry(`download ${file.remote.display}`, ctx.signal, async (attempt) => {
      attempts = attempt;
      // Resume from what reached the disk, whatever the counter says.
      written = attempt > 1 ? (await temp.handle.stat()).size : 0;
      if (attempt > 1 && written > 0) resumed++;
      await files.download(file.remote, {
        from: written,
        size: file.size,
        signal: ctx.signal,
        sink: {
          fd: temp.handle.fd,
          offsetFor(status) {
            if (status !== 206) written = 0; // the server ignored the Range: start over
            return written;
          },
          onBytes(n) {
            written += n;
            got.reach(written);
          },
        },
      });
    });
    // One attempt wrote an empty file from byte 0 on: its size is what was written. After a
    // retry the disk says (a restart may have left a longer tail).
    const size = attempts > 1 ? (await temp.handle.stat()).size : written;
    if (file.size && size !== file.size) throw sizeMismatch(file, size);
    await landDownload(temp, target, overwrite);
  } catch (err) {
    await discardDownloadTemp(temp);
    throw err;
  } finally {
    await temp.handle.close();
  }
  return resumed;
}
