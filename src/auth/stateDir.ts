// The state directory decides where tokens go (config.json), holds the key that opens them and
// the audit log. Whoever can write to it controls this server, so, like ssh with ~/.ssh, it is
// used only when this user owns it and nobody else may write to it (the security review, README "Security model" M1).
// These are POSIX owner/mode checks; on win32 they are skipped and doctor says so.
import { chmodSync, constants, type Stats } from 'node:fs';
import { type FileHandle, lstat, mkdir, open } from 'node:fs/promises';
import { log } from '../log.js';
import { HomeNotWritableError, UntrustedStateError } from './errors.js';
import { homePaths } from './home.js';

const posix = (platform = process.platform) => platform !== 'win32';

/** What doctor lists as not checked on this platform. */
export function skippedStateChecks(platform = process.platform): string[] {
  if (posix(platform)) return [];
  return [
    'owner and mode of the state directory, tokens/ and locks/',
    'owner and mode of config.json and tokens/master.key',
    'audit.log symlink and owner checks (O_NOFOLLOW)',
  ];
}

const octal = (mode: number) => `0${(mode & 0o777).toString(8)}`;
const code = (err: unknown) => (err as NodeJS.ErrnoException)?.code;

function assertOwned(path: string, st: Stats): void {
  const uid = process.geteuid?.();
  if (uid === undefined || st.uid === uid) return;
  throw new UntrustedStateError(
    path,
    `it is owned by uid ${st.uid}, not by this user (uid ${uid}), who could change what this server trusts`,
    `have it owned by uid ${uid} (chown ${uid} '${path}', as root), or set OLARES_MCP_HOME to a directory of your own`,
  );
}

const symlinkRefusal = (path: string) =>
  new UntrustedStateError(
    path,
    'it is a symbolic link, which whoever controls its target could point elsewhere',
    `replace the link with a real directory (mv '${path}' '${path}.link' && mkdir -m 700 '${path}'), or set OLARES_MCP_HOME to the directory it points to`,
  );

/** Creates the directory when missing; refuses a symlink, a non-directory or another owner; fixes an open mode. */
async function trustDir(path: string, mayCreate = true): Promise<void> {
  let st: Stats;
  try {
    st = await lstat(path);
  } catch (err) {
    if (code(err) !== 'ENOENT' || !mayCreate) throw new HomeNotWritableError(path, err, 'read');
    try {
      await mkdir(path, { recursive: true, mode: 0o700 });
    } catch (mkErr) {
      if (code(mkErr) !== 'EEXIST') throw new HomeNotWritableError(path, mkErr);
    }
    return trustDir(path, false); // someone may have raced us to the name: check what is there now
  }
  if (st.isSymbolicLink()) throw symlinkRefusal(path);
  if (!st.isDirectory())
    throw new UntrustedStateError(
      path,
      'it is not a directory',
      `move it aside (mv '${path}' '${path}.old')`,
    );
  assertOwned(path, st);
  if (st.mode & 0o077) await closeDirMode(path, st);
}

/** chmod through a no-follow handle on the very directory that was checked, never a swapped-in link. */
async function closeDirMode(path: string, seen: Stats): Promise<void> {
  let fh: FileHandle;
  try {
    fh = await open(path, constants.O_RDONLY | constants.O_DIRECTORY | constants.O_NOFOLLOW);
  } catch (err) {
    if (code(err) === 'ELOOP') throw symlinkRefusal(path);
    throw new HomeNotWritableError(path, err);
  }
  try {
    const now = await fh.stat();
    if (now.ino !== seen.ino || now.dev !== seen.dev)
      throw new UntrustedStateError(path, 'it was replaced while being checked', 'find out who changes it');
    await fh.chmod(0o700);
  } finally {
    await fh.close();
  }
  log.warn(`${path} was open to other users (mode ${octal(seen.mode)}); its mode is now 0700`);
}

const verdicts = new Map<string, Promise<void>>();

/**
 * Checks the home, tokens/ and locks/ once per process, before the first read or write (creating
 * them 0700 when missing). A refusal is not cached: once the user fixes it, the next call works.
 */
export function trustStateDirs(home: string): Promise<void> {
  let verdict = verdicts.get(home);
  if (!verdict) {
    verdict = checkStateDirs(home);
    verdicts.set(home, verdict);
    verdict.catch(() => verdicts.delete(home));
  }
  return verdict;
}

async function checkStateDirs(home: string): Promise<void> {
  const paths = homePaths(home);
  if (!posix()) {
    await mkdir(home, { recursive: true }).catch((err) => {
      throw new HomeNotWritableError(home, err);
    });
    return;
  }
  await trustDir(home);
  // Once the home is ours alone, nobody else can swap these after the check.
  await trustDir(paths.tokens);
  await trustDir(paths.locks);
}

/**
 * A file this server takes trust from (config.json, master.key, token blobs): refused unless it is
 * a regular file owned by this user; a mode open to others is closed to 0600. `st` is the stat the
 * caller already has, so this costs no syscall unless the mode needs fixing.
 */
export function trustFileSync(path: string, st: Stats): void {
  if (!posix()) return;
  if (!st.isFile())
    throw new UntrustedStateError(
      path,
      'it is not a regular file',
      `move it aside (mv '${path}' '${path}.old')`,
    );
  assertOwned(path, st);
  if (st.mode & 0o077) {
    chmodSync(path, 0o600);
    log.warn(`${path} was open to other users (mode ${octal(st.mode)}); its mode is now 0600`);
  }
}

/** Opens a state file without following a symlink and checks it through the handle. */
export async function openTrustedFile(path: string, flags: number, mode = 0o600): Promise<FileHandle> {
  // O_NONBLOCK: a FIFO planted under the name must fail the open, not hang it forever.
  const noFollow = posix() ? constants.O_NOFOLLOW | constants.O_NONBLOCK : 0;
  let fh: FileHandle;
  try {
    fh = await open(path, flags | noFollow, mode);
  } catch (err) {
    if (code(err) === 'ELOOP' || (await lstat(path).catch(() => undefined))?.isSymbolicLink())
      throw new UntrustedStateError(
        path,
        'it is a symbolic link, and writing through it would change the file it points to',
        `remove the link (rm '${path}'); a new file is created on next use`,
      );
    if (code(err) === 'ENXIO')
      throw new UntrustedStateError(path, 'it is not a regular file', `remove it (rm '${path}')`);
    throw err;
  }
  try {
    if (posix()) {
      const st = await fh.stat();
      if (!st.isFile())
        throw new UntrustedStateError(path, 'it is not a regular file', `remove it (rm '${path}')`);
      assertOwned(path, st);
      // A hard link would make our writes land in another file (e.g. a shell profile).
      if (st.nlink > 1 && flags & (constants.O_WRONLY | constants.O_RDWR))
        throw new UntrustedStateError(
          path,
          `it has ${st.nlink} hard links, so it may be another file under this name`,
          `remove it (rm '${path}'); a new file is created on next use`,
        );
      if (st.mode & 0o077) await fh.chmod(mode);
    }
    return fh;
  } catch (err) {
    await fh.close();
    throw err;
  }
}

/** Appends one line to a private log file (audit.log): never through a symlink, hard link or FIFO. */
export async function appendPrivateLine(path: string, line: string): Promise<void> {
  let fh: FileHandle;
  try {
    fh = await openTrustedFile(path, constants.O_WRONLY | constants.O_APPEND | constants.O_CREAT);
  } catch (err) {
    if (err instanceof UntrustedStateError) throw err;
    throw new HomeNotWritableError(path, err);
  }
  try {
    await fh.write(`${line}\n`);
  } finally {
    await fh.close();
  }
}
