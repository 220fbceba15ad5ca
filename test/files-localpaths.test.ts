// Local path safety (docs/architecture.md#local-roots): roots, realpath, symlinks, NUL bytes, prefix look-alikes.
import {
  link,
  mkdir,
  mkdtemp,
  readdir,
  readFile,
  realpath,
  rename,
  rm,
  stat,
  symlink,
  writeFile,
} from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join, relative } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  createDownloadTemp,
  createWholeFile,
  discardDownloadTemp,
  landDownload,
  openUploadSource,
} from '../src/tools/localFiles.js';
import { ensureLocalFolder, targetIn, walkLocalSources } from '../src/tools/localFolders.js';
import { HardlinkRefusedError, resolveLocalSource, resolveLocalTarget } from '../src/tools/localPaths.js';

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

describe('using a checked path without a race (L1)', () => {
  let base: string;
  let root: string;
  let outside: string;
  beforeAll(async () => {
    base = await realpath(await mkdtemp(join(tmpdir(), 'olares-mcp-race-')));
    root = join(base, 'root');
    outside = join(base, 'outside');
    await mkdir(join(root, 'd'), { recursive: true });
    await mkdir(join(outside, 'd'), { recursive: true });
    await writeFile(join(root, 'd', 'f.txt'), 'inside');
    await writeFile(join(outside, 'd', 'f.txt'), 'outside');
  });
  afterAll(() => rm(base, { recursive: true, force: true }));

  it('an upload source reads the checked file, and refuses one whose folder was swapped', async () => {
    const src = await resolveLocalSource(join(root, 'd', 'f.txt'), [root]);
    const opened = await openUploadSource(src.path, [root]);
    try {
      await rename(join(root, 'd'), join(root, 'd-orig'));
      await symlink(join(outside, 'd'), join(root, 'd'));
      // The descriptor still reads the file that was checked...
      const buf = Buffer.alloc(16);
      const { bytesRead } = await opened.handle.read(buf, 0, 16, 0);
      expect(buf.subarray(0, bytesRead).toString()).toBe('inside');
    } finally {
      await opened.handle.close();
    }
    // ...and opening the same checked path now leads outside: refused.
    await expect(openUploadSource(src.path, [root])).rejects.toThrow(/changed while it was being used/);
    await rm(join(root, 'd'));
    await rename(join(root, 'd-orig'), join(root, 'd'));
  });

  it('a download lands only in the checked folder; otherwise its temp file is removed', async () => {
    const target = await resolveLocalTarget(join(root, 'd', 'got.txt'), 'x', [root]);
    const temp = await createDownloadTemp(target);
    await temp.handle.write('remote bytes');
    await rename(join(root, 'd'), join(root, 'd-real'));
    await symlink(join(outside, 'd'), join(root, 'd'));
    try {
      await expect(landDownload(temp, target, true)).rejects.toThrow(/changed while it was being used/);
      await discardDownloadTemp(temp);
    } finally {
      await temp.handle.close();
    }
    expect(await readdir(join(outside, 'd'))).toEqual(['f.txt']);
    expect(await readdir(join(root, 'd-real'))).toEqual(['f.txt']);
  });

  it('a download that is not raced lands, and never clobbers without overwrite', async () => {
    await mkdir(join(root, 'e'));
    const target = await resolveLocalTarget(join(root, 'e', 'got.txt'), 'x', [root]);
    const temp = await createDownloadTemp(target);
    await temp.handle.write('v1');
    await writeFile(join(root, 'e', 'got.txt'), 'appeared meanwhile');
    await expect(landDownload(temp, target, false)).rejects.toThrow(/appeared during the download/);
    await landDownload(temp, target, true);
    await temp.handle.close();
    expect(await readFile(join(root, 'e', 'got.txt'), 'utf8')).toBe('v1');
    expect(await readdir(join(root, 'e'))).toEqual(['got.txt']);
  });
});

// A folder upload checks each folder once while it walks it and keeps each file's identity; the
// open of each file is then the only per-file check, and it must still refuse every swap.
describe('a folder walked once, each file checked at its open (L1, L2)', () => {
  let base: string;
  let root: string;
  let outside: string;
  const walkTree = async () => {
    const files = await walkLocalSources(join(root, 'tree'), false);
    return new Map(files.map((f) => [f.relativePath, f]));
  };
  beforeAll(async () => {
    base = await realpath(await mkdtemp(join(tmpdir(), 'olares-mcp-walk-')));
    root = join(base, 'root');
    outside = join(base, 'outside');
    await mkdir(join(root, 'tree', 'sub'), { recursive: true });
    await mkdir(join(outside, 'sub'), { recursive: true });
    for (const rel of ['a.txt', 'sub/b.txt', 'sub/c.txt']) {
      await writeFile(join(root, 'tree', rel), `inside ${rel}`);
      await writeFile(join(outside, rel), `OUTSIDE ${rel}`);
    }
    await symlink(join(outside, 'a.txt'), join(root, 'tree', 'link.txt'));
  });
  afterAll(() => rm(base, { recursive: true, force: true }));

  it('lists regular files with their identity and skips symlinks', async () => {
    const files = await walkTree();
    expect([...files.keys()].sort()).toEqual(['tree/a.txt', 'tree/sub/b.txt', 'tree/sub/c.txt']);
    const a = files.get('tree/a.txt')!;
    const opened = await openUploadSource(a.local, [root], { checked: a.id });
    const buf = Buffer.alloc(64);
    const { bytesRead } = await opened.handle.read(buf, 0, 64, 0);
    await opened.handle.close();
    expect(buf.subarray(0, bytesRead).toString()).toBe('inside a.txt');
  });

  it('a file swapped for a symlink after the folder check is refused at its open', async () => {
    const b = (await walkTree()).get('tree/sub/b.txt')!;
    await rename(b.local, `${b.local}.orig`);
    await symlink(join(outside, 'sub', 'b.txt'), b.local);
    try {
      await expect(openUploadSource(b.local, [root], { checked: b.id })).rejects.toThrow(
        /changed while it was being used/,
      );
    } finally {
      await rm(b.local);
      await rename(`${b.local}.orig`, b.local);
    }
  });

  it('a folder swapped for a symlink after its check is refused at each open', async () => {
    const c = (await walkTree()).get('tree/sub/c.txt')!;
    const sub = join(root, 'tree', 'sub');
    await rename(sub, `${sub}.orig`);
    await symlink(join(outside, 'sub'), sub);
    try {
      await expect(openUploadSource(c.local, [root], { checked: c.id })).rejects.toThrow(
        /changed while it was being used/,
      );
    } finally {
      await rm(sub);
      await rename(`${sub}.orig`, sub);
    }
  });

  it('a file replaced by another one after the walk is refused (identity differs)', async () => {
    const a = (await walkTree()).get('tree/a.txt')!;
    await rename(a.local, `${a.local}.orig`);
    await writeFile(a.local, 'a different file');
    try {
      await expect(openUploadSource(a.local, [root], { checked: a.id })).rejects.toThrow(
        /changed while it was being used/,
      );
    } finally {
      await rename(`${a.local}.orig`, a.local);
    }
  });

  it('a hard link is refused when walked, and when it appears between the walk and the open', async () => {
    const hard = join(root, 'tree', 'sub', 'hard.txt');
    await link(join(outside, 'a.txt'), hard);
    await expect(walkTree()).rejects.toThrow(HardlinkRefusedError);
    expect((await walkLocalSources(join(root, 'tree'), true)).map((f) => f.relativePath)).toContain(
      'tree/sub/hard.txt',
    );
    await rm(hard);
    const a = (await walkTree()).get('tree/a.txt')!;
    await link(a.local, join(outside, 'second-name.txt'));
    try {
      await expect(openUploadSource(a.local, [root], { checked: a.id })).rejects.toThrow(/hard links/);
      const allowed = await openUploadSource(a.local, [root], { checked: a.id, allowHardlinks: true });
      await allowed.handle.close();
    } finally {
      await rm(join(outside, 'second-name.txt'));
    }
  });

  it('a walked folder that is a symlink by the time it is listed is refused', async () => {
    const sub = join(root, 'tree', 'sub');
    await rename(sub, join(base, 'sub-aside'));
    await symlink(join(outside, 'sub'), sub);
    try {
      // readdir sees a symlink, not a folder: skipped, never followed.
      expect([...(await walkTree()).keys()]).toEqual(['tree/a.txt']);
      await expect(walkLocalSources(sub, false)).rejects.toThrow(/changed while it was being used/);
    } finally {
      await rm(sub);
      await rename(join(base, 'sub-aside'), sub);
    }
  });
});

// A folder download checks each folder once when it makes it; each file's temp and landing are
// then checked against it (the kernel's path of the temp, the folder's identity, the temp's name).
describe('a folder checked once, each download landing checked against it (L1)', () => {
  let base: string;
  let root: string;
  let outside: string;
  beforeAll(async () => {
    base = await realpath(await mkdtemp(join(tmpdir(), 'olares-mcp-land-')));
    root = join(base, 'root');
    outside = join(base, 'outside');
    await mkdir(root);
    await mkdir(outside);
  });
  afterAll(() => rm(base, { recursive: true, force: true }));

  it('a folder swapped for a symlink before a temp is made: refused, nothing left outside', async () => {
    const folder = await ensureLocalFolder(join(root, 'a'), [root]);
    await rename(folder.path, join(base, 'a-aside'));
    await symlink(outside, folder.path);
    try {
      await expect(createDownloadTemp(targetIn(folder, 'x.bin'))).rejects.toThrow(
        /changed while it was being used/,
      );
      expect(await readdir(outside)).toEqual([]);
    } finally {
      await rm(folder.path);
      await rename(join(base, 'a-aside'), folder.path);
    }
  });

  it('a folder replaced by another real folder at the same path: refused before and at landing', async () => {
    const folder = await ensureLocalFolder(join(root, 'b'), [root]);
    const temp = await createDownloadTemp(targetIn(folder, 'y.bin'));
    await temp.handle.write('bytes');
    await rename(folder.path, join(base, 'b-aside'));
    await mkdir(folder.path);
    try {
      await expect(landDownload(temp, targetIn(folder, 'y.bin'), false)).rejects.toThrow(
        /changed while it was being used/,
      );
      await expect(createDownloadTemp(targetIn(folder, 'z.bin'))).rejects.toThrow(
        /changed while it was being used/,
      );
      await discardDownloadTemp(temp);
    } finally {
      await temp.handle.close();
    }
    expect(await readdir(folder.path)).toEqual([]);
    expect(await readdir(join(base, 'b-aside'))).toEqual([]);
  });

  it('a checked folder moved out of the roots behind a symlink: refused before a temp is made', async () => {
    await mkdir(join(root, 'p'));
    const folder = await ensureLocalFolder(join(root, 'p', 'q'), [root]);
    await rename(join(root, 'p'), join(outside, 'p-moved'));
    await symlink(join(outside, 'p-moved'), join(root, 'p'));
    try {
      await expect(createDownloadTemp(targetIn(folder, 'x.bin'))).rejects.toThrow(
        /changed while it was being used/,
      );
      expect(await readdir(join(outside, 'p-moved', 'q'))).toEqual([]);
    } finally {
      await rm(join(root, 'p'));
      await rename(join(outside, 'p-moved'), join(root, 'p'));
    }
  });

  it('an unraced landing in a checked folder leaves the file and no temp', async () => {
    const folder = await ensureLocalFolder(join(root, 'c'), [root]);
    const temp = await createDownloadTemp(targetIn(folder, 'w.bin'));
    await temp.handle.write('whole');
    await landDownload(temp, targetIn(folder, 'w.bin'), false);
    await temp.handle.close();
    expect(await readdir(folder.path)).toEqual(['w.bin']);
    expect(await readFile(join(folder.path, 'w.bin'), 'utf8')).toBe('whole');
  });
});

// A small download held whole in memory lands with one exclusive create in its checked folder.
describe('a small download created whole in its checked folder (L1, no clobber)', () => {
  let base: string;
  let root: string;
  let outside: string;
  beforeAll(async () => {
    base = await realpath(await mkdtemp(join(tmpdir(), 'olares-mcp-whole-')));
    root = join(base, 'root');
    outside = join(base, 'outside');
    await mkdir(root);
    await mkdir(outside);
  });
  afterAll(() => rm(base, { recursive: true, force: true }));

  it('creates the file with the bytes, owner-only like a landed temp, and nothing else', async () => {
    const folder = await ensureLocalFolder(join(root, 'a'), [root]);
    createWholeFile(targetIn(folder, 'got.bin'), Buffer.from('every byte'));
    expect(await readdir(folder.path)).toEqual(['got.bin']);
    expect(await readFile(join(folder.path, 'got.bin'), 'utf8')).toBe('every byte');
    expect((await stat(join(folder.path, 'got.bin'))).mode & 0o777).toBe(0o600);
    createWholeFile(targetIn(folder, 'empty.bin'), Buffer.alloc(0));
    expect((await stat(join(folder.path, 'empty.bin'))).size).toBe(0);
  });

  it('never replaces a file or a symlink that is already there', async () => {
    const folder = await ensureLocalFolder(join(root, 'b'), [root]);
    await writeFile(join(folder.path, 'mine.txt'), 'mine');
    await symlink(join(outside, 'target.txt'), join(folder.path, 'link.txt'));
    expect(() => createWholeFile(targetIn(folder, 'mine.txt'), Buffer.from('theirs'))).toThrow(
      /appeared during the download.*overwrite: true/,
    );
    expect(() => createWholeFile(targetIn(folder, 'link.txt'), Buffer.from('theirs'))).toThrow(
      /appeared during the download/,
    );
    expect(await readFile(join(folder.path, 'mine.txt'), 'utf8')).toBe('mine');
    expect(await readdir(outside)).toEqual([]);
  });

  it('a folder swapped for a symlink, or for another folder: refused, nothing created anywhere', async () => {
    const swapped = await ensureLocalFolder(join(root, 'c'), [root]);
    await rename(swapped.path, join(base, 'c-aside'));
    await symlink(outside, swapped.path);
    const replaced = await ensureLocalFolder(join(root, 'd'), [root]);
    await rename(replaced.path, join(base, 'd-aside'));
    await mkdir(replaced.path);
    try {
      for (const folder of [swapped, replaced])
        expect(() => createWholeFile(targetIn(folder, 'x.bin'), Buffer.from('bytes'))).toThrow(
          /changed while it was being used/,
        );
      expect(await readdir(outside)).toEqual([]);
      expect(await readdir(replaced.path)).toEqual([]);
      expect(await readdir(join(base, 'c-aside'))).toEqual([]);
      expect(await readdir(join(base, 'd-aside'))).toEqual([]);
    } finally {
      await rm(swapped.path);
      await rename(join(base, 'c-aside'), swapped.path);
    }
  });
});
