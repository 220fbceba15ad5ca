// Local paths fail closed (security review H1, L1, L2; docs/architecture.md): the built server over
// stdio, driven by the SDK client, against the simulator. Each test is named after the finding
// it guards and fails on the code the review attacked (cwd fallback, reopen by path, hard links).
import { randomBytes } from 'node:crypto';
import { renameSync, symlinkSync } from 'node:fs';
import { link, mkdir, mkdtemp, readdir, realpath, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { boxContent, connect, type McpSession, textOf } from './helpers/mcp.js';
import { makeBox, type TestBox } from './helpers/sim.js';

// Drive chunks go to the node-bound link the files pod hands out (handlefunc.go).
const CHUNK_ROUTE = 'POST /files/upload/upload-link/:node/:uid';
const REFUSED = /local-path tools are refused/;
const url = (dir: string) => pathToFileURL(dir).href;

describe('local paths fail closed', () => {
  let box: TestBox;
  let base: string;
  const sessions: McpSession[] = [];

  /** A server with `env` on top of the box's; with `roots`, a client that answers roots/list. */
  async function serve(
    env: NodeJS.ProcessEnv,
    opts: { roots?: () => string[]; cwd?: string } = {},
  ): Promise<McpSession> {
    const mcp = await connect({ ...box.env, ...env }, opts.roots ? { roots: {} } : {}, { cwd: opts.cwd });
    sessions.push(mcp);
    const roots = opts.roots;
    if (roots)
      mcp.onRoots(async () => ({
        roots: roots().map((uri) => ({ uri })),
      }));
    return mcp;
  }

  const upload = (mcp: McpSession, localPath: string, remotePath = 'drive/Home/') =>
    mcp.call('files_upload', { localPath, remotePath, overwrite: true });

  beforeAll(async () => {
    box = await makeBox();
    await box.login('bob@olares.com');
    base = await realpath(await mkdtemp(join(tmpdir(), 'olares-mcp-secpaths-')));
  });
  afterAll(async () => {
    for (const s of sessions) await s.close();
    await box?.close();
    await rm(base, { recursive: true, force: true });
  });

  it('H1: no roots anywhere refuses local paths (never the working directory)', async () => {
    const cwd = join(base, 'h1-cwd');
    await mkdir(cwd);
    await writeFile(join(cwd, 'a.txt'), 'in the working directory\n');
    box.sim.resetCounters();
    const mcp = await serve({}, { cwd });
    const up = await upload(mcp, join(cwd, 'a.txt'));
    expect(up.isError).toBe(true);
    expect(textOf(up)).toMatch(REFUSED);
    expect(textOf(up)).toMatch(/OLARES_LOCAL_ROOTS=/);
    expect(textOf(up)).toMatch(/MCP roots/);
    const down = await mcp.call('files_download', {
      remotePath: 'drive/Home/Documents/welcome.txt',
      localPath: join(cwd, 'w.txt'),
    });
    expect(textOf(down)).toMatch(REFUSED);
    expect(await readdir(cwd)).toEqual(['a.txt']);
    expect(box.sim.count(CHUNK_ROUTE)).toBe(0);
    const doctor = await mcp.call('doctor');
    expect(doctor.structuredContent.localRoots).toMatchObject({ allowed: false, roots: [] });
    expect(textOf(doctor)).toMatch(/local-path tools \(files_upload, files_download\) are refused/);

    // A client that declares roots but whose roots/list fails counts as giving none. (In
    // 2026-07-28 roots come in an input_required round, and a client that cannot answer it fails
    // its own call before it reaches the server again.)
    if (mcp.era === 'modern') return;
    const failing = await serve(
      {},
      {
        cwd,
        roots: () => {
          throw new Error('roots/list is broken');
        },
      },
    );
    expect(textOf(await upload(failing, join(cwd, 'a.txt')))).toMatch(REFUSED);
    expect(box.sim.count(CHUNK_ROUTE)).toBe(0);
  });

  it('H1: one bad client root is skipped, the good one still confines', async () => {
    const good = join(base, 'h1-good');
    await mkdir(good);
    await writeFile(join(good, 'in.txt'), 'inside\n');
    await writeFile(join(base, 'outside.txt'), 'outside\n');
    // The working directory holds both files: the old fallback to it would let the outside one go.
    const mcp = await serve({}, { cwd: base, roots: () => [url(good), 'file://otherhost/share'] });
    const ok = await upload(mcp, join(good, 'in.txt'));
    expect(ok.isError, textOf(ok)).toBeFalsy();
    const out = await upload(mcp, join(base, 'outside.txt'));
    expect(out.isError).toBe(true);
    expect(textOf(out)).toMatch(/outside the allowed local roots/);
    const down = await mcp.call('files_download', {
      remotePath: 'drive/Home/Documents/welcome.txt',
      localPath: join(base, 'landed.txt'),
    });
    expect(textOf(down)).toMatch(/outside the allowed local roots/);
    expect(await readdir(base)).not.toContain('landed.txt');
    const doctor = await mcp.call('doctor');
    expect(doctor.structuredContent.localRoots).toMatchObject({ allowed: true, source: 'client' });
    expect(doctor.structuredContent.localRoots.roots).toEqual([good]);
    expect(doctor.structuredContent.localRoots.skipped).toEqual([
      expect.stringContaining('file://otherhost/share'),
    ]);
  });

  it('H1: roots [] / only https roots / file:///a%2Fb refuse', async () => {
    const dir = join(base, 'h1-bad');
    await mkdir(dir);
    await writeFile(join(dir, 'a.txt'), 'a\n');
    let roots: string[] = [];
    const mcp = await serve({}, { cwd: dir, roots: () => roots });
    for (const given of [[], ['https://example.com/'], [`${url(dir)}/a%2Fb`]]) {
      roots = given;
      const r = await upload(mcp, join(dir, 'a.txt'));
      expect(r.isError, `roots ${JSON.stringify(given)}`).toBe(true);
      expect(textOf(r)).toMatch(REFUSED);
    }
    // With OLARES_LOCAL_ROOTS set, a client giving no valid root leaves the user's roots alone.
    const good = join(base, 'h1-env');
    await mkdir(good);
    await writeFile(join(good, 'e.txt'), 'e\n');
    const withEnv = await serve({ OLARES_LOCAL_ROOTS: good }, { cwd: dir, roots: () => ['https://x/'] });
    const ok = await upload(withEnv, join(good, 'e.txt'));
    expect(ok.isError, textOf(ok)).toBeFalsy();
    expect(textOf(await upload(withEnv, join(dir, 'a.txt')))).toMatch(/outside the allowed local roots/);
  });

  it('H1: / or $HOME from the client is not a root unless OLARES_LOCAL_ROOTS names it', async () => {
    const home = join(base, 'home');
    await mkdir(join(home, 'proj'), { recursive: true });
    await writeFile(join(home, 'notes.txt'), 'notes\n');
    await writeFile(join(home, 'proj', 'p.txt'), 'p\n');
    const wide = [url('/'), url(home), url(base)];
    const fromClient = await serve({ HOME: home }, { roots: () => wide });
    const r = await upload(fromClient, join(home, 'notes.txt'));
    expect(r.isError).toBe(true);
    expect(textOf(r)).toMatch(REFUSED);
    const doctor = await fromClient.call('doctor');
    expect(doctor.structuredContent.localRoots.skipped).toHaveLength(3);

    // The user naming $HOME makes it a root; the client's `/` still adds nothing.
    const named = await serve({ HOME: home, OLARES_LOCAL_ROOTS: home }, { roots: () => [url('/')] });
    const ok = await upload(named, join(home, 'notes.txt'));
    expect(ok.isError, textOf(ok)).toBeFalsy();
    expect((await named.call('doctor')).structuredContent.localRoots).toMatchObject({
      source: 'env',
      roots: [home],
    });

    // Both given: the deeper of two nested roots wins. In 2026-07-28 the client is not even
    // asked while OLARES_LOCAL_ROOTS is set (roots there are guidance, the environment decides).
    const both = await serve(
      { HOME: home, OLARES_LOCAL_ROOTS: home },
      { roots: () => [url(join(home, 'proj'))] },
    );
    if (both.era === 'modern') {
      expect((await both.call('doctor')).structuredContent.localRoots).toMatchObject({
        source: 'env',
        roots: [home],
      });
      expect(
        both.messages.some((m: any) => m.method === 'roots/list' || m.result?.inputRequests?.roots),
      ).toBe(false);
      return;
    }
    expect((await upload(both, join(home, 'proj', 'p.txt'))).isError).toBeFalsy();
    expect(textOf(await upload(both, join(home, 'notes.txt')))).toMatch(/outside the allowed local roots/);
    expect((await both.call('doctor')).structuredContent.localRoots.source).toBe('intersection');
  });

  it('L1: swapping a directory for a symlink mid-upload reads nothing from outside', async () => {
    const root = join(base, 'tt', 'root');
    const outside = join(base, 'tt', 'outside');
    await mkdir(join(root, 'd'), { recursive: true });
    await mkdir(join(outside, 'd'), { recursive: true });
    await writeFile(join(root, 'd', 'f.bin'), Buffer.alloc(64 * 1024, 'I'));
    await writeFile(join(outside, 'd', 'f.bin'), Buffer.alloc(64 * 1024, 'S'));
    const mcp = await serve({ OLARES_LOCAL_ROOTS: root, OLARES_UPLOAD_CHUNK_BYTES: '1024' });
    // Slow chunks so that most of the 64 are read after the swap.
    box.sim.addFault({ match: CHUNK_ROUTE, kind: 'latency', ms: 15 });
    let swappedAt = -1;
    const progress: number[] = [];
    try {
      const r = await mcp.call(
        'files_upload',
        { localPath: join(root, 'd', 'f.bin'), remotePath: 'drive/Home/f.bin' },
        {
          onprogress: (p) => {
            progress.push(p.progress);
            if (swappedAt >= 0) return;
            renameSync(join(root, 'd'), join(root, 'd-orig'));
            symlinkSync(join(outside, 'd'), join(root, 'd'));
            swappedAt = p.progress;
          },
        },
      );
      expect(r.isError, textOf(r)).toBeFalsy();
    } finally {
      box.sim.clearFaults();
    }
    expect(swappedAt).toBeGreaterThan(0);
    expect(swappedAt).toBeLessThan(16 * 1024); // the swap came early: most chunks followed it
    const cat = await mcp.call('files_cat', { path: 'drive/Home/f.bin', maxBytes: 65536 });
    const content = boxContent(cat);
    expect(content.length).toBe(64 * 1024);
    expect(content.split('S').length - 1).toBe(0);
    expect(content.split('I').length - 1).toBe(64 * 1024);
  });

  it('L1: download re-checks the parent before landing', async () => {
    const root = join(base, 'dl-root');
    const outside = join(base, 'dl-outside');
    await mkdir(join(root, 'dl'), { recursive: true });
    await mkdir(outside);
    await writeFile(join(root, 'src.bin'), randomBytes(1024 * 1024));
    const mcp = await serve({ OLARES_LOCAL_ROOTS: root });
    const up = await upload(mcp, join(root, 'src.bin'));
    expect(up.isError, textOf(up)).toBeFalsy();
    // The first body breaks after a few progress notifications; the resumed one waits long
    // enough for the client to have swapped the folder.
    box.sim.addFault({ match: 'GET /files/api/raw/*', kind: 'dropAfterBytes', bytes: 256 * 1024, times: 1 });
    box.sim.addFault({ match: 'GET /files/api/raw/*', kind: 'latency', ms: 1500, times: 1 });
    let swapped = false;
    const r = await mcp.call(
      'files_download',
      { remotePath: 'drive/Home/src.bin', localPath: join(root, 'dl', 'got.bin') },
      {
        onprogress: () => {
          if (swapped) return;
          renameSync(join(root, 'dl'), join(root, 'dl-real'));
          symlinkSync(outside, join(root, 'dl'));
          swapped = true;
        },
      },
    );
    box.sim.clearFaults();
    expect(swapped).toBe(true);
    expect(r.isError).toBe(true);
    expect(textOf(r)).toMatch(/changed while it was being used/);
    expect(await readdir(outside)).toEqual([]);
    expect(await readdir(join(root, 'dl-real'))).toEqual([]); // the temp file is gone too
  });

  it('L2: a hard-linked upload source is refused unless OLARES_ALLOW_HARDLINKS=1', async () => {
    const root = join(base, 'hl-root');
    const outside = join(base, 'hl-outside');
    await mkdir(join(root, 'tree'), { recursive: true });
    await mkdir(outside);
    await writeFile(join(outside, 'secret.txt'), 'OUTSIDE-SECRET\n');
    await link(join(outside, 'secret.txt'), join(root, 'hard.txt'));
    await writeFile(join(root, 'tree', 'plain.txt'), 'plain\n');
    await link(join(outside, 'secret.txt'), join(root, 'tree', 'hard.txt'));
    box.sim.resetCounters();
    const mcp = await serve({ OLARES_LOCAL_ROOTS: root });
    const one = await upload(mcp, join(root, 'hard.txt'), 'drive/Home/hard.txt');
    expect(one.isError).toBe(true);
    expect(textOf(one)).toMatch(/hard links/);
    expect(textOf(one)).toMatch(/OLARES_ALLOW_HARDLINKS=1/);
    const tree = await upload(mcp, join(root, 'tree'), 'drive/Home/');
    expect(textOf(tree)).toMatch(/OLARES_ALLOW_HARDLINKS=1/);
    expect(box.sim.count(CHUNK_ROUTE)).toBe(0);
    expect((await mcp.call('files_stat', { path: 'drive/Home/hard.txt' })).structuredContent.exists).toBe(
      false,
    );

    const allowed = await serve({ OLARES_LOCAL_ROOTS: root, OLARES_ALLOW_HARDLINKS: '1' });
    const ok = await upload(allowed, join(root, 'hard.txt'), 'drive/Home/hard.txt');
    expect(ok.isError, textOf(ok)).toBeFalsy();
    const cat = await allowed.call('files_cat', { path: 'drive/Home/hard.txt' });
    expect(boxContent(cat)).toBe('OUTSIDE-SECRET\n');
  });
});
