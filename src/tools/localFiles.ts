// Using a checked local path without a race (security review L1). A path checked by
// localPaths.ts can be swapped (a folder for a symlink) before it is used, so:
// - an upload source is opened once, O_NOFOLLOW, and the open file must be the very file that
//   was checked (same device and inode); every chunk is then read from that descriptor;
// - a download goes to a temp file created exclusively (O_EXCL|O_NOFOLLOW) in the checked
//   folder, written through its descriptor, and lands only if the folder is still the one that
//   was checked; otherwise the temp file is removed and nothing is written outside the roots.
// On Linux the kernel also says where an open file really is (/proc/self/fd), which closes the
// gap between a check and an open. macOS gets O_NOFOLLOW and the device/inode checks; Windows
// has no O_NOFOLLOW (0 below) and relies on the device/inode (file index) checks.
import { randomBytes } from 'node:crypto';
import {
  closeSync,
  constants,
  fstatSync,
  lstatSync,
  openSync,
  read,
  readlinkSync,
  realpathSync,
  statSync,
  unlinkSync,
  writeSync,
} from 'node:fs';
import { type FileHandle, link, lstat, open, realpath, rename, stat, unlink } from 'node:fs/promises';
import path from 'node:path';
import { InvalidInputError, OlaresMcpError } from '../errors.js';
import { insideAny, type LocalIdentity, outsideRoots, refuseHardlink } from './localPaths.js';

const O_NOFOLLOW = constants.O_NOFOLLOW ?? 0;

export class LocalPathChangedError extends OlaresMcpError {
  constructor(what: string) {
    super(
      `${what} changed while it was being used (it is no longer what was checked, e.g. a folder was replaced by a symlink); nothing was read or written outside the allowed local roots. Fix: make sure nothing else modifies it, then try again`,
      { code: 'local_path_changed' },
    );
  }
}

const sameId = (a: LocalIdentity, b: LocalIdentity) => a.dev === b.dev && a.ino === b.ino;

/**
 * Where the kernel says an open file is (Linux): a read of /proc, which never blocks on a disk,
 * so it is asked in place rather than through the thread pool.
 */
function kernelPathNow(fd: number): string | undefined {
  if (process.platform !== 'linux') return undefined;
  let p: string | undefined;
  try {
    p = readlinkSync(`/proc/self/fd/${fd}`);
  } catch {
    return undefined;
  }
  return p.startsWith('/') ? p.replace(/ \(deleted\)$/, '') : undefined;
}

/** An open upload source, read by position; `close` ends it. */
export interface SourceHandle {
  readonly fd: number;
  read(buffer: Buffer, offset: number, length: number, position: number): Promise<{ bytesRead: number }>;
  close(): Promise<void>;
}

/** An upload source, open for reading. Close `handle` when done. */
export interface OpenedSource {
  handle: SourceHandle;
  size: number;
}

/** Reads go through the thread pool (the data may be on disk); the close of a read-only file is answered in place. */
function sourceHandle(fd: number): SourceHandle {
  let closed = false;
  return {
    fd,
    read: (buffer, offset, length, position) =>
      new Promise((resolve, reject) =>
        read(fd, buffer, offset, length, position, (err, bytesRead) =>
          err ? reject(err) : resolve({ bytesRead }),
        ),
      ),
    async close() {
      if (closed) return;
      closed = true;
      closeSync(fd);
    },
  };
}

/** Opens in place (metadata, no data read); O_NONBLOCK so a FIFO swapped in never blocks the open. */
function openNoFollow(real: string): number {
  try {
    return openSync(real, constants.O_RDONLY | O_NOFOLLOW | (constants.O_NONBLOCK ?? 0));
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ELOOP')
      throw new LocalPathChangedError(`local file "${real}"`);
    throw err;
  }
}

/**
 * Opens a local file to upload: `real` must be a real path inside `roots` (as resolveLocalSource
 * or a directory walk from it gives). Refuses anything that is not that same regular file.
 * `checked` is the identity a walk already took from the file's checked folder: then only the
 * open and its own checks touch the file system (O_NOFOLLOW, fstat against `checked`, and on
 * Linux where the kernel says the descriptor is), so a folder of small files pays per folder,
 * not per file, for the path walk. The open, fstat, /proc read and close are metadata answered
 * from memory, asked in place: through the thread pool they were three of a small file's four
 * trips there.
 */
export async function openUploadSource(
  real: string,
  roots: string[],
  opts: { allowHardlinks?: boolean; checked?: LocalIdentity } = {},
): Promise<OpenedSource> {
  if (!insideAny(roots, real)) throw outsideRoots(real, roots);
  const checked = opts.checked ?? (await checkedSource(real));
  const handle = sourceHandle(openNoFollow(real));
  try {
    const st = fstatSync(handle.fd, { bigint: true });
    if (!st.isFile()) throw new InvalidInputError(`local path "${real}" is not a regular file`);
    if (!sameId(st, checked)) throw new LocalPathChangedError(`local file "${real}"`);
    const where = kernelPathNow(handle.fd);
    if (where !== undefined && where !== real) throw new LocalPathChangedError(`local file "${real}"`);
    // Where the kernel cannot say, the path must still lead, symlink-free, to the open file.
    if (where === undefined) await checkedSource(real, st);
    refuseHardlink(real, st.nlink, opts.allowHardlinks);
    return { handle, size: Number(st.size) };
  } catch (err) {
    await handle.close();
    throw err;
  }
}

/** `real` is still its own real path (no symlink on the way), and the file `expected` if given. */
async function checkedSource(real: string, expected?: LocalIdentity): Promise<LocalIdentity> {
  const st = await stat(real, { bigint: true }).catch(() => undefined);
  if (!st || (expected && !sameId(st, expected)) || (await realpath(real).catch(() => undefined)) !== real)
    throw new LocalPathChangedError(`local file "${real}"`);
  return st;
}

/** Where a download is being written before it lands. */
export interface DownloadTemp {
  path: string;
  handle: FileHandle;
  id: LocalIdentity;
}

interface CheckedTarget {
  path: string;
  parent: string;
  parentId: LocalIdentity;
}

async function assertSameFolder(target: CheckedTarget): Promise<void> {
  const now = await realpath(target.parent).catch(() => undefined);
  const st = now === target.parent ? await stat(now, { bigint: true }).catch(() => undefined) : undefined;
  if (!st || !sameId(st, target.parentId)) throw new LocalPathChangedError(`local folder "${target.parent}"`);
}

/** assertSameFolder asked in place: realpath (libuv's, one call) and stat of a folder. */
function sameFolderNow(target: CheckedTarget): boolean {
  let real: string;
  try {
    real = realpathSync.native(target.parent);
  } catch {
    return false;
  }
  const st = real === target.parent ? statNow(real) : undefined;
  return st !== undefined && sameId(st, target.parentId);
}

/** stat/lstat answered in place; undefined for a path that leads nowhere (gone, ENOTDIR, ELOOP). */
function statNow(p: string, follow = true) {
  try {
    return (follow ? statSync : lstatSync)(p, { bigint: true, throwIfNoEntry: false });
  } catch {
    return undefined;
  }
}
const lstatNow = (p: string) => statNow(p, false);

/**
 * On Linux, whether the temp file is in the checked folder, from where the kernel says its
 * descriptor is (a canonical path: no symlink can hide in it), the folder's identity and the
 * temp's name: metadata answered from memory, so asked in place, without a realpath walk or a
 * thread-pool trip per file. undefined where the kernel cannot say.
 */
function tempInFolderNow(temp: DownloadTemp, target: CheckedTarget): boolean | undefined {
  const where = kernelPathNow(temp.handle.fd);
  if (where === undefined) return undefined;
  const folder = statNow(target.parent);
  const named = lstatNow(temp.path);
  return (
    path.dirname(where) === target.parent &&
    folder !== undefined &&
    sameId(folder, target.parentId) &&
    named !== undefined &&
    sameId(named, temp.id)
  );
}

/** The temp file is still ours and still in the checked folder, which is still the checked one. */
async function assertTempInFolder(temp: DownloadTemp, target: CheckedTarget): Promise<void> {
  const now = tempInFolderNow(temp, target);
  if (now === false) throw new LocalPathChangedError(`local folder "${target.parent}"`);
  if (now === true) return;
  await assertSameFolder(target);
  const st = await lstat(temp.path, { bigint: true }).catch(() => undefined);
  if (!st || !sameId(st, temp.id)) throw new LocalPathChangedError(`local folder "${target.parent}"`);
}

/** Creates the temp file a download is written to, beside the target in its checked folder. */
export async function createDownloadTemp(target: CheckedTarget): Promise<DownloadTemp> {
  // Before anything is created: the folder's path is still its real path and names the checked
  // folder (asked in place: metadata reads), so no temp is ever made outside it.
  if (!sameFolderNow(target)) throw new LocalPathChangedError(`local folder "${target.parent}"`);
  const tmp = path.join(
    target.parent,
    `.${path.basename(target.path)}.olares-download-${randomBytes(4).toString('hex')}`,
  );
  const handle = await open(
    tmp,
    constants.O_WRONLY | constants.O_CREAT | constants.O_EXCL | O_NOFOLLOW,
    0o600,
  );
  const st = fstatSync(handle.fd, { bigint: true });
  const temp = { path: tmp, handle, id: { dev: st.dev, ino: st.ino } };
  try {
    await assertTempInFolder(temp, target);
  } catch (err) {
    await discardDownloadTemp(temp);
    await handle.close();
    throw err;
  }
  return temp;
}

/**
 * Moves a finished download to its final name, after checking the folder is still the one that
 * was checked. Without `overwrite`, link() refuses a name that appeared meanwhile. The checks
 * read metadata in place; the link, rename and unlink change the disk and go through the thread
 * pool (in place they measured no faster and would stall the other transfers).
 */
export async function landDownload(temp: DownloadTemp, target: CheckedTarget, overwrite: boolean) {
  await assertTempInFolder(temp, target);
  if (overwrite) {
    await rename(temp.path, target.path);
    return;
  }
  await link(temp.path, target.path).catch((err) => {
    if ((err as NodeJS.ErrnoException).code === 'EEXIST') throw appearedMeanwhile(target.path);
    throw err;
  });
  await discardDownloadTemp(temp);
}

/**
 * Removes the temp file wherever it now is, and only if it is still our file: a swapped folder
 * must not make us delete someone else's file under the same name. Never throws.
 */
export async function discardDownloadTemp(temp: DownloadTemp): Promise<void> {
  for (const p of pathsStillOurs(temp.handle.fd, temp.id, temp.path)) await unlink(p).catch(() => {});
}

/** Where the file open as `fd` now is (the kernel's word) or `named`, where either is still that file. */
function pathsStillOurs(fd: number, id: LocalIdentity, named: string): string[] {
  return [...new Set([kernelPathNow(fd), named])].filter((p): p is string => {
    const st = p ? lstatNow(p) : undefined;
    return st !== undefined && sameId(st, id);
  });
}

const appearedMeanwhile = (target: string) =>
  new InvalidInputError(
    `local file "${target}" appeared during the download; pass overwrite: true to replace it`,
  );

/**
 * Lands a small download held whole in memory: `target` is created exclusively (O_EXCL, never a
 * clobber; O_NOFOLLOW) in its checked folder, checked to be there, written and closed, all in
 * place. One change on disk instead of a temp file's create, link and unlink, each a trip
 * through the thread pool. The bytes are all here before the name exists and nothing awaits
 * between the create and the close, so a cancel never leaves part of a file; a failed check or
 * write removes the file it created (and only that one).
 */
export function createWholeFile(target: CheckedTarget, bytes: Uint8Array): void {
  if (!sameFolderNow(target)) throw new LocalPathChangedError(`local folder "${target.parent}"`);
  let fd: number;
  try {
    fd = openSync(target.path, constants.O_WRONLY | constants.O_CREAT | constants.O_EXCL | O_NOFOLLOW, 0o600);
  } catch (err) {
    const code = (err as NodeJS.ErrnoException).code;
    if (code === 'EEXIST' || code === 'ELOOP') throw appearedMeanwhile(target.path);
    throw err;
  }
  const st = fstatSync(fd, { bigint: true });
  const created = { dev: st.dev, ino: st.ino };
  try {
    if (!createdInFolderNow(fd, created, target))
      throw new LocalPathChangedError(`local folder "${target.parent}"`);
    for (let done = 0; done < bytes.length; ) done += writeSync(fd, bytes, done, bytes.length - done, done);
  } catch (err) {
    removeOurs(fd, created, target.path);
    closeSync(fd);
    throw err;
  }
  closeSync(fd);
}

/** The file just created is at `target.path` in the checked folder (the kernel's word on Linux). */
function createdInFolderNow(fd: number, created: LocalIdentity, target: CheckedTarget): boolean {
  const where = kernelPathNow(fd);
  const folder = statNow(target.parent);
  if (where !== undefined)
    return where === target.path && folder !== undefined && sameId(folder, target.parentId);
  const named = lstatNow(target.path);
  return sameFolderNow(target) && named !== undefined && sameId(named, created);
}

/** Unlinks the file `fd` names wherever it now is, only if it is still that file. Never throws. */
function removeOurs(fd: number, id: LocalIdentity, named: string) {
  for (const p of pathsStillOurs(fd, id, named)) {
    try {
      unlinkSync(p);
    } catch {}
  }
}
