// Local path safety (design.md sec. 9): roots, realpath, symlinks, NUL bytes, prefix look-alikes.
import { mkdir, mkdtemp, realpath, rm, symlink, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join, relative } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { resolveLocalSource, resolveLocalTarget } from '../src/tools/localPaths.js';

describe('local path rules', () => {
  let base: string;
  let root: string;
  let evil: string;
  beforeAll(async () => {
    base = await realpath(await mkdtemp(join(tmpdir(), 'olares-mcp-lp-')));
    root = join(base, 'root');
    evil = join(base, 'root-evil');
    await mkdir(join(root, 'sub'), { recursive: true });
    await mkdir(evil);
    await writeFile(join(root, 'sub', 'a.txt'), 'a');
    await writeFile(join(evil, 'secret.txt'), 's');
    await symlink(evil, join(root, 'out-dir'));
    await symlink(join(evil, 'secret.txt'), join(root, 'out-file'));
    await symlink(join(root, 'sub', 'a.txt'), join(root, 'in-file'));
  });
  afterAll(() => rm(base, { recursive: true, force: true }));

  it('accepts absolute paths inside the roots and refuses relative ones (never the working directory)', async () => {
    expect(await resolveLocalSource(join(root, 'sub', 'a.txt'), [root])).toMatchObject({
      path: join(root, 'sub', 'a.txt'),
      isDir: false,
      size: 1,
    });
    expect(await resolveLocalSource(join(root, 'sub'), [root])).toMatchObject({
      path: join(root, 'sub'),
      isDir: true,
    });
    const rel = relative(process.cwd(), join(root, 'sub'));
    await expect(resolveLocalSource(rel, [root])).rejects.toThrow(/is not absolute/);
    await expect(resolveLocalTarget(rel, 'x', [root])).rejects.toThrow(/is not absolute/);
    expect((await resolveLocalSource(join(root, 'in-file'), [root])).path).toBe(join(root, 'sub', 'a.txt'));
  });

  it('refuses a sibling whose name merely starts with the root', async () => {
    await expect(resolveLocalSource(join(evil, 'secret.txt'), [root])).rejects.toThrow(
      /outside the allowed local roots/,
    );
    await expect(resolveLocalTarget(join(evil, 'new.txt'), 'x', [root])).rejects.toThrow(
      /outside the allowed/,
    );
    await expect(resolveLocalSource(join(root, '..', 'root-evil', 'secret.txt'), [root])).rejects.toThrow(
      /outside the allowed/,
    );
  });

  it('never follows a symlink out of the root', async () => {
    await expect(resolveLocalSource(join(root, 'out-file'), [root])).rejects.toThrow(/outside the allowed/);
    await expect(resolveLocalSource(join(root, 'out-dir', 'secret.txt'), [root])).rejects.toThrow(
      /outside the allowed/,
    );
    await expect(resolveLocalTarget(join(root, 'out-dir', 'new.txt'), 'x', [root])).rejects.toThrow(
      /outside the allowed/,
    );
    await expect(resolveLocalTarget(join(root, 'out-file'), 'x', [root])).rejects.toThrow(
      /outside the allowed/,
    );
  });

  it('refuses NUL bytes and empty paths', async () => {
    await expect(resolveLocalSource(`${root}/sub/a.txt\0.png`, [root])).rejects.toThrow(/NUL byte/);
    await expect(resolveLocalTarget(`${root}/x\0`, 'x', [root])).rejects.toThrow(/NUL byte/);
    await expect(resolveLocalSource('  ', [root])).rejects.toThrow(/empty/);
  });

  it('resolves download targets: new file, existing file, folder', async () => {
    expect(await resolveLocalTarget(join(root, 'sub', 'new.bin'), 'r.bin', [root])).toMatchObject({
      path: join(root, 'sub', 'new.bin'),
      exists: false,
      parent: join(root, 'sub'),
    });
    expect(await resolveLocalTarget(join(root, 'sub', 'a.txt'), 'r.bin', [root])).toMatchObject({
      path: join(root, 'sub', 'a.txt'),
      exists: true,
    });
    expect((await resolveLocalTarget(join(root, 'sub'), 'r.bin', [root])).path).toBe(
      join(root, 'sub', 'r.bin'),
    );
    expect((await resolveLocalTarget(`${join(root, 'sub')}/`, 'r.bin', [root])).path).toBe(
      join(root, 'sub', 'r.bin'),
    );
    await expect(resolveLocalTarget(join(root, 'nope', 'x.bin'), 'x', [root])).rejects.toThrow(
      /does not exist/,
    );
  });
});
