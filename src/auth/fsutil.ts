import { randomBytes } from 'node:crypto';
import { readFileSync, type Stats, statSync } from 'node:fs';
import { mkdir, open, rename, rm } from 'node:fs/promises';
import { dirname, join } from 'node:path';
import { HomeNotWritableError } from './errors.js';

export async function ensureDir(path: string): Promise<void> {
  try {
    await mkdir(path, { recursive: true, mode: 0o700 });
  } catch (err) {
    throw new HomeNotWritableError(path, err);
  }
}

/**
 * Write-then-rename so readers see the old or the new content, never a torn file, even when the
 * process is SIGKILLed mid-write. fsync before rename so a crash cannot leave an empty file.
 */
export async function writeFileAtomic(path: string, data: string | Uint8Array, mode = 0o600): Promise<void> {
  const dir = dirname(path);
  await ensureDir(dir);
  const tmp = join(dir, `.tmp-${randomBytes(6).toString('hex')}`);
  try {
    const fh = await open(tmp, 'wx', mode);
    try {
      await fh.writeFile(data);
      await fh.sync();
    } finally {
      await fh.close();
    }
    await rename(tmp, path);
  } catch (err) {
    await rm(tmp, { force: true }).catch(() => {});
    if ((err as NodeJS.ErrnoException).code && ['EACCES', 'EPERM', 'EROFS'].includes((err as any).code)) {
      throw new HomeNotWritableError(dir, err);
    }
    throw err;
  }
}

/**
 * Reads and parses a file only when it changed since the last read (inode, size, mtime, ctime).
 * Writers replace files by rename, so a new inode always means new content. Every call still
 * stats the file, so another process's write is seen at once. These are tiny local files on the
 * path of every tool call: a synchronous stat costs microseconds, an async one a thread-pool
 * round trip, so sync it is.
 */
export class ChangeCache<T> {
  private entries = new Map<string, { sig: string; value: T }>();

  /** `verify` vets a changed file from the stat already taken (owner, mode) before it is read. */
  constructor(private readonly verify?: (path: string, st: Stats) => void) {}

  async read(path: string, parse: (data: Buffer) => T): Promise<T | undefined> {
    const st = statSync(path, { throwIfNoEntry: false });
    if (!st) {
      this.entries.delete(path);
      return undefined;
    }
    const sig = `${st.ino}:${st.size}:${st.mtimeMs}:${st.ctimeMs}`;
    const hit = this.entries.get(path);
    if (hit?.sig === sig) return structuredClone(hit.value);
    this.verify?.(path, st);
    const value = parse(readFileSync(path));
    this.entries.set(path, { sig, value });
    return structuredClone(value);
  }
}
