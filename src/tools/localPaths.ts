// Local path safety for upload sources and download targets (design.md sec. 9): absolute or
// relative to the working directory, inside the allowed roots, realpath-checked so a symlink
// can never lead outside them.
import { realpath, stat } from 'node:fs/promises';
import { basename, dirname, isAbsolute, join, relative, resolve, sep } from 'node:path';
import { InvalidInputError } from '../errors.js';

function inside(root: string, target: string): boolean {
  const rel = relative(root, target);
  return rel === '' || (!rel.startsWith(`..${sep}`) && rel !== '..' && !isAbsolute(rel));
}

async function realRoots(roots: string[]): Promise<string[]> {
  const out: string[] = [];
  for (const r of roots) out.push(await realpath(r).catch(() => resolve(r)));
  return out;
}

function check(raw: string) {
  if (typeof raw !== 'string' || raw.trim() === '') throw new InvalidInputError('local path is empty');
  if (raw.includes('\0')) throw new InvalidInputError('local path contains a NUL byte');
}

const outside = (raw: string, roots: string[]) =>
  new InvalidInputError(
    `local path "${raw}" is outside the allowed local roots (${roots.join(', ')}). Fix: use a path inside them, or have the user add the directory to the client's MCP roots or to OLARES_LOCAL_ROOTS`,
  );

/** An existing file or directory to read (upload source). */
export async function resolveLocalSource(
  raw: string,
  roots: string[],
): Promise<{ path: string; isDir: boolean; size: number }> {
  check(raw);
  const abs = resolve(raw);
  const allowed = await realRoots(roots);
  if (!roots.some((r) => inside(resolve(r), abs)) && !allowed.some((r) => inside(r, abs)))
    throw outside(raw, roots);
  let real: string;
  try {
    real = await realpath(abs);
  } catch (err) {
    throw new InvalidInputError(
      `local path "${raw}" cannot be read (${(err as NodeJS.ErrnoException).code}). Fix: check the path`,
    );
  }
  if (!allowed.some((r) => inside(r, real))) throw outside(raw, roots);
  const st = await stat(real);
  if (!st.isFile() && !st.isDirectory())
    throw new InvalidInputError(`local path "${raw}" is not a regular file or directory`);
  return { path: real, isDir: st.isDirectory(), size: st.size };
}

/**
 * Where a download lands. `raw` ending in a separator or naming an existing directory means
 * "into this folder, keeping the remote name". The parent must exist and be inside the roots.
 */
export async function resolveLocalTarget(
  raw: string,
  remoteName: string,
  roots: string[],
): Promise<{ path: string; exists: boolean }> {
  check(raw);
  let abs = resolve(raw);
  const allowed = await realRoots(roots);
  const isDirHint = raw.endsWith('/') || raw.endsWith(sep);
  const st = await stat(abs).catch(() => undefined);
  if (isDirHint || st?.isDirectory()) abs = join(abs, remoteName);
  const parent = dirname(abs);
  let realParent: string;
  try {
    realParent = await realpath(parent);
  } catch {
    throw new InvalidInputError(
      `local directory "${parent}" does not exist. Fix: create it first or choose another localPath`,
    );
  }
  const target = join(realParent, basename(abs));
  if (!allowed.some((r) => inside(r, target))) throw outside(raw, roots);
  const existing = await stat(target).catch(() => undefined);
  if (existing?.isDirectory())
    throw new InvalidInputError(`local destination "${target}" is an existing directory`);
  // A symlink at the final name could point anywhere: refuse rather than follow it.
  const real = existing ? await realpath(target) : target;
  if (!allowed.some((r) => inside(r, real))) throw outside(raw, roots);
  return { path: target, exists: Boolean(existing) };
}
