// The local side of a folder download: the folder it lands in and every folder below it are
// made inside the local roots, each checked after it is made (a real directory, not a symlink,
// where it was asked for), so the files landed in them by localFiles.ts stay inside the roots.
// Names come from the box's listings: a name that is not one plain path segment is refused.
// The local side of a folder upload is walked here too: each folder is checked once (its real
// path is the path walked), each file is lstat-ed once for the identity its open must match.
import { lstat, mkdir, readdir, realpath, stat } from 'node:fs/promises';
import path from 'node:path';
import { InvalidInputError } from '../errors.js';
import { LocalPathChangedError } from './localFiles.js';
import { absoluteLocal, insideAny, type LocalIdentity, outsideRoots, refuseHardlink } from './localPaths.js';

/** A local folder that was made or found, checked, with the identity later checks compare. */
export interface CheckedFolder {
  path: string;
  id: LocalIdentity;
}

/** A name from a remote listing, usable as one local path segment; refused otherwise. */
export function plainSegment(name: string, where: string): string {
  if (!name || name === '.' || name === '..' || /[/\\\0]/.test(name) || name.length > 255)
    throw new InvalidInputError(
      `the server listed an entry named ${JSON.stringify(name.slice(0, 100))} in ${where}, which is not a plain file name; nothing was downloaded. Fix: rename it on the box (files_rename)`,
    );
  return name;
}

/**
 * Where a folder download goes: `raw` ending in a separator or naming an existing directory means
 * "into this folder, keeping the remote name"; otherwise `raw` is the new folder itself. Its
 * parent must exist inside the roots. Nothing is created here.
 */
export async function resolveLocalFolder(
  raw: string,
  remoteName: string,
  roots: string[],
): Promise<{ path: string; parent: string; exists: boolean }> {
  let abs = absoluteLocal(raw);
  if (!abs)
    throw new InvalidInputError(
      `local path "${raw}" is not absolute. Fix: give the full path (it is never resolved against the server's working directory)`,
    );
  if (!insideAny(roots, abs)) throw outsideRoots(raw, roots);
  const isDirHint = raw.endsWith('/') || raw.endsWith(path.sep);
  if (isDirHint || (await stat(abs).catch(() => undefined))?.isDirectory()) abs = path.join(abs, remoteName);
  const parent = await realpath(path.dirname(abs)).catch(() => {
    throw new InvalidInputError(
      `local directory "${path.dirname(abs)}" does not exist. Fix: create it first or choose another localPath`,
    );
  });
  const target = path.join(parent, path.basename(abs));
  if (!insideAny(roots, target)) throw outsideRoots(raw, roots);
  const there = await lstat(target).catch(() => undefined);
  if (there && !there.isDirectory())
    throw new InvalidInputError(
      `local path "${target}" exists and is not a folder (or is a symlink); the folder download was not started. Fix: choose another localPath`,
    );
  return { path: target, parent, exists: Boolean(there) };
}

/** Makes (or finds) `dir` and checks it is a real directory at that very path, inside the roots. */
export async function ensureLocalFolder(dir: string, roots: string[]): Promise<CheckedFolder> {
  if (!insideAny(roots, dir)) throw outsideRoots(dir, roots);
  await mkdir(dir).catch((err) => {
    if ((err as NodeJS.ErrnoException).code !== 'EEXIST') throw err;
  });
  const st = await lstat(dir, { bigint: true });
  if (!st.isDirectory() || (await realpath(dir)) !== dir)
    throw new LocalPathChangedError(`local folder "${dir}"`);
  return { path: dir, id: { dev: st.dev, ino: st.ino } };
}

/** A file's landing spot in a checked folder, in the shape localFiles.ts takes. */
export function targetIn(folder: CheckedFolder, name: string) {
  return { path: path.join(folder.path, name), parent: folder.path, parentId: folder.id };
}

/** A file a folder upload sends: its checked identity goes to openUploadSource. */
export interface LocalSourceFile {
  local: string;
  size: number;
  /** Path below the walked folder's parent, `/`-separated: `<folder>/<sub>/<name>`. */
  relativePath: string;
  id: LocalIdentity;
}

/** lstat-s run at once while a folder is walked: the thread pool has 4 threads, keep it busy. */
const STAT_BATCH = 32;

/**
 * Every regular file below `root` (a real path inside the roots, as resolveLocalSource gives).
 * Symlinks are skipped, never followed; a folder whose real path is no longer the walked one,
 * or a file that stopped being a regular file while listed, is refused.
 */
export async function walkLocalSources(root: string, allowHardlinks: boolean): Promise<LocalSourceFile[]> {
  const out: LocalSourceFile[] = [];
  const base = path.basename(root);
  const folders = [{ dir: root, rel: base }];
  for (let next = folders.shift(); next; next = folders.shift()) {
    const { dir, rel } = next;
    if ((await realpath(dir).catch(() => undefined)) !== dir)
      throw new LocalPathChangedError(`local folder "${dir}"`);
    const entries = await readdir(dir, { withFileTypes: true });
    for (const d of entries)
      if (d.isDirectory()) folders.push({ dir: path.join(dir, d.name), rel: `${rel}/${d.name}` });
    const files = entries.filter((d) => d.isFile());
    for (let i = 0; i < files.length; i += STAT_BATCH) {
      const batch = files.slice(i, i + STAT_BATCH).map(async (d) => {
        const local = path.join(dir, d.name);
        const st = await lstat(local, { bigint: true });
        if (!st.isFile()) throw new LocalPathChangedError(`local file "${local}"`);
        refuseHardlink(local, st.nlink, allowHardlinks);
        return {
          local,
          size: Number(st.size),
          relativePath: `${rel}/${d.name}`,
          id: { dev: st.dev, ino: st.ino },
        };
      });
      out.push(...(await Promise.all(batch)));
    }
  }
  return out;
}
