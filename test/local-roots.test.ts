// The effective local roots (docs/architecture.md, review H1) as a function of OLARES_LOCAL_ROOTS,
// the client's roots/list answer and the home directory.
import { mkdir, mkdtemp, realpath, rm, symlink } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { loadConfig } from '../src/config.js';
import { effectiveLocalRoots, parseClientRoot } from '../src/tools/localRoots.js';

const url = (dir: string) => pathToFileURL(dir).href;

describe('effective local roots', () => {
  let base: string;
  let home: string;
  beforeAll(async () => {
    base = await realpath(await mkdtemp(join(tmpdir(), 'olares-mcp-roots-')));
    home = join(base, 'home');
    for (const d of ['home/proj/deep', 'home/other', 'elsewhere'])
      await mkdir(join(base, d), { recursive: true });
    await symlink(join(home, 'proj'), join(base, 'proj-link'));
  });
  afterAll(() => rm(base, { recursive: true, force: true }));

  it('parses each client root on its own', () => {
    expect(parseClientRoot(url(home))).toEqual({ dir: home });
    for (const bad of ['file://otherhost/share', 'file:///a%2Fb', 'https://example.com/', 'not a uri'])
      expect(parseClientRoot(bad), bad).toHaveProperty('skip');
  });

  it('with neither source, nothing is allowed and the reason says so', async () => {
    const none = await effectiveLocalRoots(undefined, undefined, home);
    expect(none).toMatchObject({ roots: [], refused: expect.stringMatching(/OLARES_LOCAL_ROOTS is unset/) });
    const empty = await effectiveLocalRoots(undefined, [], home);
    expect(empty.roots).toEqual([]);
    const bad = await effectiveLocalRoots(undefined, ['https://x/', 'file://otherhost/share'], home);
    expect(bad.roots).toEqual([]);
    expect(bad.skipped).toHaveLength(2);
    expect(bad.refused).toMatch(/give no usable folder/);
  });

  it('the deeper of two nested roots wins; disjoint sources allow nothing', async () => {
    const proj = join(home, 'proj');
    const deep = join(proj, 'deep');
    expect(await effectiveLocalRoots([proj], [url(deep)], home)).toMatchObject({
      roots: [deep],
      source: 'intersection',
    });
    expect((await effectiveLocalRoots([deep], [url(proj)], home)).roots).toEqual([deep]);
    const disjoint = await effectiveLocalRoots([join(home, 'other')], [url(proj)], home);
    expect(disjoint.roots).toEqual([]);
    expect(disjoint.refused).toMatch(/no folder in common/);
  });

  it('/, $HOME and its parents count only from OLARES_LOCAL_ROOTS', async () => {
    const client = await effectiveLocalRoots(undefined, [url('/'), url(home), url(base)], home);
    expect(client.roots).toEqual([]);
    expect(client.skipped).toHaveLength(3);
    expect((await effectiveLocalRoots([home], [url('/')], home)).roots).toEqual([home]);
    expect((await effectiveLocalRoots(['/'], undefined, home)).roots).toEqual(['/']);
    const sub = await effectiveLocalRoots(undefined, [url(join(home, 'proj'))], home);
    expect(sub).toMatchObject({ roots: [join(home, 'proj')], source: 'client' });
  });

  it('roots are compared where they really are, and listed in both spellings', async () => {
    const link = join(base, 'proj-link');
    const r = await effectiveLocalRoots([home], [url(link)], home);
    expect(r.source).toBe('intersection');
    expect(r.roots).toEqual([join(home, 'proj'), link]);
  });

  it('OLARES_LOCAL_ROOTS must be absolute: the working directory is never a root', () => {
    expect(() => loadConfig({ OLARES_LOCAL_ROOTS: 'relative/dir' })).toThrow(/not an absolute path/);
    expect(() => loadConfig({ OLARES_LOCAL_ROOTS: `${home}:.` })).toThrow(/not an absolute path/);
    expect(loadConfig({ OLARES_LOCAL_ROOTS: `${home}:${base}` }).localRoots).toEqual([home, base]);
  });
});
