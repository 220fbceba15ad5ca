// Local path safety for upload sources and download targets (docs/architecture.md#local-roots): absolute paths
// only (never the working directory), inside the effective local roots (localRoots.ts),
// realpath-checked so a symlink can never lead outside them. Opening and landing files without
// a race between the check and the use is in localFiles.ts.
//
// Other platforms: containment takes a path module so the win32 rules are unit-tested on any
// host. On Windows, paths compare case-insensitively (path.win32.relative does that), the
// `\\?\` and `\\?\UNC\` long-path prefixes are read as the plain drive or UNC path, device
// paths (`\\.\`) and drive-relative paths (`C:foo`) are refused, and another drive is never
// inside a root. Junctions, symlinks and 8.3 short names are resolved by realpath (libuv asks
// Windows for the final path), so they are checked where they really lead. macOS behaves like
// Linux here, with a case-insensitive volume seen through the real (realpath) spelling.
import { realpath, stat } from 'node:fs/promises';
import path, { type PlatformPath } from 'node:path';
import { InvalidInputError } from '../errors.js';

/** `\\?\C:\x` -> `C:\x`, `\\?\UNC\srv\share` -> `\\srv\share`; other paths unchanged. */
function withoutLongPrefix(p: string, api: PlatformPath): string {
  if (api.sep !== '\\') return p;
  if (/^[\\/]{2}\?[\\/]UNC[\\/]/i.test(p)) return `\\\\${p.slice(8)}`;
  if (/^[\\/]{2}\?[\\/][a-z]:/i.test(p)) return p.slice(4);
  return p;
}

/** Device namespace paths (`\\.\PhysicalDrive0`, `\\.\C:\x`, `\\?\GLOBALROOT`) name no folder tree. */
function isDevicePath(p: string, api: PlatformPath): boolean {
  if (api.sep !== '\\') return false;
  return /^[\\/]{2}\.[\\/]/.test(p) || (/^[\\/]{2}\?[\\/]/.test(p) && withoutLongPrefix(p, api) === p);
}

/**
 * The absolute, normalised form of a caller-given path, or undefined when it is relative,
 * drive-relative or a device path: those are refused, never resolved against the working
 * directory.
 */
export function absoluteLocal(raw: string, api: PlatformPath = path): string | undefined {
  if (isDevicePath(raw, api)) return undefined;
  const plain = withoutLongPrefix(raw, api);
  if (!api.isAbsolute(plain)) return undefined;
  // `\foo` is absolute to win32.isAbsolute but means "on the current drive": refuse it too.
  if (api.sep === '\\' && !/^([a-z]:[\\/]|[\\/]{2}[^\\/])/i.test(plain)) return undefined;
  return api.resolve(plain);
}

/** Whether `target` is `root` or lies below it (both absolute); case-insensitive on win32. */
export function isInside(root: string, target: string, api: PlatformPath = path): boolean {
  const a = withoutLongPrefix(root, api);
  const b = withoutLongPrefix(target, api);
  const rel = api.relative(a, b);
  return rel === '' || (rel !== '..' && !rel.startsWith(`..${api.sep}`) && !api.isAbsolute(rel));
}

export const insideAny = (roots: string[], target: string, api: PlatformPath = path) =>
  roots.some((r) => isInside(r, target, api));

function checkRaw(raw: string): string {
  if (typeof raw !== 'string' || raw.trim() === '') throw new InvalidInputError('local path is empty');
  if (raw.includes('\0')) throw new InvalidInputError('local path contains a NUL byte');
  const abs = absoluteLocal(raw);
  if (!abs)
    throw new InvalidInputError(
      `local path "${raw}" is not absolute. Fix: give the full path (it is never resolved against the server's working directory)`,
    );
  return abs;
}

export const outsideRoots = (raw: string, roots: string[]) =>
  new InvalidInputError(
    `local path "${raw}" is outside the allowed local roots (${roots.join(', ')}). Fix: use a path inside them, or have the user add the directory to the client's MCP roots or to OLARES_LOCAL_ROOTS`,
  );

/** Where a checked path lives: the identity localFiles.ts compares an opened file against. */
export interface LocalIdentity {
  dev: bigint;
  ino: bigint;
}

/**
 * An existing file or directory to read (upload source). `roots` are the effective roots
 * (ctx.localRoots(), already real paths). Hard-linked files are refused unless allowed.
 */
export async function resolveLocalSource(
  raw: string,
  roots: string[],
  opts: { allowHardlinks?: boolean } = {},
): Promise<{ path: string; isDir: boolean; size: number; id: LocalIdentity }> {
  const abs = checkRaw(raw);
  // Refuse before touching the file system: whether an outside path exists is not the caller's
  // business.
  if (!insideAny(roots, abs)) throw outsideRoots(raw, roots);
  let real: string;
  try {
    real = await realpath(abs);
  } catch (err) {
    throw new InvalidInputError(
      `local path "${raw}" cannot be read (${(err as NodeJS.ErrnoException).code}). Fix: check the path`,
    );
  }
  if (!insideAny(roots, real)) throw outsideRoots(raw, roots);
  const st = await stat(real, { bigint: true });
  if (!st.isFile() && !st.isDirectory())
    throw new InvalidInputError(`local path "${raw}" is not a regular file or directory`);
  if (st.isFile()) refuseHardlink(raw, st.nlink, opts.allowHardlinks);
  return { path: real, isDir: st.isDirectory(), size: Number(st.size), id: { dev: st.dev, ino: st.ino } };
}

export class HardlinkRefusedError extends InvalidInputError {}

/** A second name for a file can sit inside a root while the data belongs to a file outside it. */
export function refuseHardlink(raw: string, nlink: number | bigint, allow = false) {
  if (allow || Number(nlink) <= 1) return;
  throw new HardlinkRefusedError(
    `local file "${raw}" has ${nlink} hard links, so its content may belong to a file outside the allowed local roots; it was not uploaded. Fix: upload a copy, or have the user set OLARES_ALLOW_HARDLINKS=1 to allow hard-linked files`,
  );
}

/**
 * Where a download lands. `raw` ending in a separator or naming an existing directory means
 * "into this folder, keeping the remote name". The parent must exist and be inside the roots;
 * its identity is kept so the landing can check it is still the same folder.
 */
export async function resolveLocalTarget(
  raw: string,
  remoteName: string,
  roots: string[],
): Promise<{ path: string; exists: boolean; parent: string; parentId: LocalIdentity }> {
  let abs = checkRaw(raw);
  if (!insideAny(roots, abs)) throw outsideRoots(raw, roots);
  const isDirHint = raw.endsWith('/') || raw.endsWith(path.sep);
  const st = await stat(abs).catch(() => undefined);
  if (isDirHint || st?.isDirectory()) abs = path.join(abs, remoteName);
  const parent = path.dirname(abs);
  let realParent: string;
  try {
    realParent = await realpath(parent);
  } catch {
    throw new InvalidInputError(
      `local directory "${parent}" does not exist. Fix: create it first or choose another localPath`,
    );
  }
  const target = path.join(realParent, path.basename(abs));
  if (!insideAny(roots, target)) throw outsideRoots(raw, roots);
  const existing = await stat(target).catch(() => undefined);
  if (existing?.isDirectory())
    throw new InvalidInputError(`local destination "${target}" is an existing directory`);
  // A symlink at the final name could point anywhere: refuse rather than follow it.
  const real = existing ? await realpath(target) : target;
  if (!insideAny(roots, real)) throw outsideRoots(raw, roots);
  const parentSt = await stat(realParent, { bigint: true });
  return {
    path: target,
    exists: Boolean(existing),
    parent: realParent,
    parentId: { dev: parentSt.dev, ino: parentSt.ino },
  };
}
