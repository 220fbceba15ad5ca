// Root containment on other platforms (issue item 10): the checks take a path module, so the
// Windows rules run here on any host through path.win32. Junctions cannot be made on POSIX; a
// directory that realpath resolves elsewhere is simulated with symlinks.
import { mkdir, mkdtemp, realpath, rm, symlink, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path, { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { absoluteLocal, isInside, resolveLocalSource, resolveLocalTarget } from '../src/tools/localPaths.js';

const w = path.win32;
const inRoot = (root: string, raw: string) => {
  const abs = absoluteLocal(raw, w);
  return abs !== undefined && isInside(root, abs, w);
};

describe('win32 local paths', () => {
  it('UNC paths are inside their own share only', () => {
    const share = '\\\\server\\share';
    expect(inRoot(share, '\\\\server\\share\\x\\y.txt')).toBe(true);
    expect(inRoot(share, '\\\\server\\share')).toBe(true);
    expect(inRoot(share, '\\\\server\\other\\x')).toBe(false);
    expect(inRoot(share, '\\\\other\\share\\x')).toBe(false);
    // As on Windows, `..` cannot climb above the share, which is the root of a UNC path.
    expect(absoluteLocal('\\\\server\\share\\..\\other\\x', w)).toBe('\\\\server\\share\\other\\x');
    expect(inRoot('\\\\server\\share\\docs', '\\\\server\\share\\docs\\..\\x')).toBe(false);
    expect(inRoot(share, 'C:\\share\\x')).toBe(false);
    expect(inRoot('C:\\Users\\a', '\\\\server\\share\\x')).toBe(false);
  });

  it('\\\\?\\ long paths are read as the plain drive or UNC path; device paths are refused', () => {
    expect(absoluteLocal('\\\\?\\C:\\Users\\a\\x', w)).toBe('C:\\Users\\a\\x');
    expect(inRoot('C:\\Users\\a', '\\\\?\\C:\\Users\\a\\x')).toBe(true);
    expect(inRoot('C:\\Users\\a', '\\\\?\\C:\\Users\\b\\x')).toBe(false);
    expect(inRoot('\\\\server\\share', '\\\\?\\UNC\\server\\share\\x')).toBe(true);
    expect(inRoot('\\\\?\\C:\\Users\\a', 'C:\\Users\\a\\x')).toBe(true);
    expect(absoluteLocal('\\\\.\\PhysicalDrive0', w)).toBeUndefined();
    expect(absoluteLocal('\\\\.\\C:\\Users\\a\\x', w)).toBeUndefined();
    expect(absoluteLocal('\\\\?\\GLOBALROOT\\Device\\HarddiskVolume1', w)).toBeUndefined();
  });

  it('drive-relative, rooted-without-drive and relative paths are refused, never resolved', () => {
    for (const raw of ['C:foo', 'C:..\\x', '\\Users\\a\\x', '..\\outside', 'x.txt', '.\\x'])
      expect(absoluteLocal(raw, w), raw).toBeUndefined();
  });

  it('another drive is never inside a root', () => {
    expect(inRoot('C:\\Users\\a', 'D:\\Users\\a\\x')).toBe(false);
    expect(inRoot('C:\\', 'D:\\x')).toBe(false);
    expect(inRoot('C:\\', 'C:\\x')).toBe(true);
  });

  it('compares case-insensitively, and a name that only starts like the root is outside', () => {
    expect(inRoot('C:\\Users\\Alice', 'c:\\users\\alice\\Docs\\x.txt')).toBe(true);
    expect(inRoot('c:\\users\\alice', 'C:\\USERS\\ALICE')).toBe(true);
    expect(inRoot('C:\\Users\\Alice', 'C:\\Users\\Alice2\\x')).toBe(false);
    expect(inRoot('C:\\Users\\Alice', 'C:\\Users\\Alice\\..\\Bob\\x')).toBe(false);
    expect(inRoot('C:\\Users\\Alice', 'c:/users/alice/x')).toBe(true);
  });

  it('POSIX stays case-sensitive', () => {
    expect(isInside('/home/alice', '/home/Alice/x', path.posix)).toBe(false);
    expect(absoluteLocal('C:\\Users\\a', path.posix)).toBeUndefined();
  });
});

describe('junction-like folders (symlinks on POSIX)', () => {
  let base: string;
  let root: string;
  let outside: string;
  beforeAll(async () => {
    base = await realpath(await mkdtemp(join(tmpdir(), 'olares-mcp-junction-')));
    root = join(base, 'root');
    outside = join(base, 'outside');
    await mkdir(join(root, 'real'), { recursive: true });
    await mkdir(outside);
    await writeFile(join(root, 'real', 'in.txt'), 'in');
    await writeFile(join(outside, 'secret.txt'), 's');
    await symlink(outside, join(root, 'junction-out'));
    await symlink(join(root, 'real'), join(root, 'junction-in'));
    await symlink(root, join(base, 'root-alias'));
  });
  afterAll(() => rm(base, { recursive: true, force: true }));

  it('a folder that resolves outside is outside, for reads and for writes', async () => {
    await expect(resolveLocalSource(join(root, 'junction-out', 'secret.txt'), [root])).rejects.toThrow(
      /outside the allowed local roots/,
    );
    await expect(resolveLocalTarget(join(root, 'junction-out', 'new.txt'), 'x', [root])).rejects.toThrow(
      /outside the allowed local roots/,
    );
  });

  it('a folder that resolves inside is checked where it really is', async () => {
    const src = await resolveLocalSource(join(root, 'junction-in', 'in.txt'), [root]);
    expect(src.path).toBe(join(root, 'real', 'in.txt'));
    const dst = await resolveLocalTarget(join(root, 'junction-in', 'new.txt'), 'x', [root]);
    expect(dst).toMatchObject({ path: join(root, 'real', 'new.txt'), parent: join(root, 'real') });
  });

  it('a root reached through a link works when the roots list both spellings', async () => {
    const alias = join(base, 'root-alias');
    const src = await resolveLocalSource(join(alias, 'real', 'in.txt'), [root, alias]);
    expect(src.path).toBe(join(root, 'real', 'in.txt'));
    // The alias spelling alone cannot vouch for a real path: the real root must be listed.
    await expect(resolveLocalSource(join(alias, 'real', 'in.txt'), [alias])).rejects.toThrow(
      /outside the allowed local roots/,
    );
  });
});
