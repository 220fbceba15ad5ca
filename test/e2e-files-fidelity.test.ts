// Files tools against the simulator's real-box answers (docs/wire/files.md, docs/wire/auth.md rows
// 1-12): the sync 302, overwrite by staging and swapping, not-found as 500/400 bodies, paste and
// tasks on the right node of a two-node box, '%' in names, permanent chunk refusals, MIME types.
import { randomBytes } from 'node:crypto';
import { mkdir, mkdtemp, readdir, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { boxContent, connectConfirming, type McpSession, textOf } from './helpers/mcp.js';
import { makeBox, type TestBox } from './helpers/sim.js';

const CHUNK = 64 * 1024;
const CHUNK_ROUTE = 'POST /files/upload/upload-link/:node/:uid';
const SEAF = 'GET /files/seafhttp/files/:token/:name';

describe('files tools against real-box answers', () => {
  let box: TestBox;
  let mcp: McpSession;
  let work: string;
  let filesRoot: string;
  const bobDir = (...p: string[]) => join(filesRoot, 'bob', ...p);

  beforeAll(async () => {
    filesRoot = await mkdtemp(join(tmpdir(), 'olares-mcp-fidelity-root-'));
    // The worker is listed first: a client that takes nodes[0] pastes on the wrong pod.
    box = await makeBox({
      filesRoot,
      filesNodeOrder: 'listed',
      // Unconfirmed whether a worker's pod takes drive uploads: the client must pass either way.
      driveUploadNeedsMaster: true,
      filesNodes: [
        { name: 'olares-worker', master: false },
        { name: 'olares', master: true },
      ],
    });
    await box.login('bob@olares.com');
    await mkdir(bobDir('sync', 'repo1'), { recursive: true });
    await mkdir(bobDir('cache', 'olares'), { recursive: true });
    work = await mkdtemp(join(tmpdir(), 'olares-mcp-fidelity-'));
    // Overwrites ask through the confirmation gate: this client shows forms and says yes.
    mcp = await connectConfirming({
      ...box.env,
      OLARES_LOCAL_ROOTS: work,
      OLARES_UPLOAD_CHUNK_BYTES: String(CHUNK),
    });
  });
  afterAll(async () => {
    await mcp?.close();
    await box?.close();
    await rm(work, { recursive: true, force: true });
    await rm(filesRoot, { recursive: true, force: true });
  });

  it('reads and downloads sync files through the same-origin 302, with the Range kept', async () => {
    const small = Buffer.from('seafile notes\n');
    const big = randomBytes(2 * 1024 * 1024 + 17); // over 1 MiB: the own-connection download path
    await writeFile(bobDir('sync', 'repo1', 'notes.txt'), small);
    await writeFile(bobDir('sync', 'repo1', 'big.bin'), big);
    await writeFile(bobDir('sync', 'repo1', 'data.csv'), 'a,b\n1,2\n');
    // inline .txt comes back directly; anything else is redirected even with inline=true.
    const cat = await mcp.call('files_cat', { path: 'sync/repo1/data.csv', maxBytes: 6 });
    expect(cat.isError, textOf(cat)).toBeFalsy();
    expect(boxContent(cat)).toBe('a,b\n1,');
    expect(cat.structuredContent.truncated).toBe(true);
    const hop = box.sim.journal.filter((j) => j.key === 'files seafhttp').pop()?.body;
    expect(hop).toEqual({ range: 'bytes=0-5' });
    const before = box.sim.count(SEAF);
    const txt = await mcp.call('files_cat', { path: 'sync/repo1/notes.txt' });
    expect(boxContent(txt)).toBe('seafile notes\n');
    for (const name of ['notes.txt', 'big.bin']) {
      const d = await mcp.call('files_download', { remotePath: `sync/repo1/${name}`, localPath: `${work}/` });
      expect(d.isError, textOf(d)).toBeFalsy();
      expect((await readFile(join(work, name))).equals(name === 'big.bin' ? big : small)).toBe(true);
    }
    expect(box.sim.count(SEAF) - before).toBe(2); // downloads send no inline=true: both redirected
  });

  it('reports a missing path as not found, never as a retryable 500', async () => {
    const st = await mcp.call('files_stat', { path: 'drive/Home/missing-dir/x.txt' });
    expect(st.isError, textOf(st)).toBeFalsy();
    expect(st.structuredContent.exists).toBe(false);
    const ls = await mcp.call('files_ls', { path: 'drive/Home/missing-dir' });
    expect(ls.isError).toBe(true);
    expect(textOf(ls)).toMatch(/drive\/Home\/missing-dir: directory not found/);
    expect(textOf(ls)).not.toMatch(/HTTP 500/);
  });

  it('mkdir without parents refuses a missing parent, which the server would create', async () => {
    const r = await mcp.call('files_mkdir', { path: 'drive/Home/no-such-parent/child' });
    expect(r.isError).toBe(true);
    expect(textOf(r)).toMatch(/drive\/Home\/no-such-parent: parent directory does not exist/);
    expect(await readdir(bobDir('drive', 'Home'))).not.toContain('no-such-parent');
  });

  it('overwrite replaces the file in place and leaves no version-suffixed copy', async () => {
    await writeFile(join(work, 'report.pdf'), 'old content');
    let r = await mcp.call('files_upload', {
      localPath: join(work, 'report.pdf'),
      remotePath: 'drive/Home/Documents/',
    });
    expect(r.isError, textOf(r)).toBeFalsy();
    await writeFile(join(work, 'report.pdf'), 'new content, longer');
    r = await mcp.call('files_upload', {
      localPath: join(work, 'report.pdf'),
      remotePath: 'drive/Home/Documents/',
      overwrite: true,
    });
    expect(r.isError, textOf(r)).toBeFalsy();
    expect(r.structuredContent.remotePath).toBe('drive/Home/Documents/report.pdf');
    expect(await readFile(bobDir('drive', 'Home', 'Documents', 'report.pdf'), 'utf8')).toBe(
      'new content, longer',
    );
    expect((await readdir(bobDir('drive', 'Home', 'Documents'))).filter((n) => n.includes('report'))).toEqual(
      ['report.pdf'],
    );
  });

  it('a directory upload refuses taken names, and with overwrite replaces each in place', async () => {
    const tree = join(work, 'tree');
    await mkdir(join(tree, 'sub'), { recursive: true });
    await writeFile(join(tree, 'a.txt'), 'a1');
    await writeFile(join(tree, 'sub', 'b.txt'), 'b1');
    const up = (overwrite?: boolean) =>
      mcp.call('files_upload', { localPath: tree, remotePath: 'drive/Home/Documents/', overwrite });
    expect((await up()).isError).toBeFalsy();
    await writeFile(join(tree, 'a.txt'), 'a2');
    await writeFile(join(tree, 'sub', 'b.txt'), 'b2');
    await writeFile(join(tree, 'sub', 'c.txt'), 'c2');
    const refused = await up();
    expect(refused.isError).toBe(true);
    expect(textOf(refused)).toMatch(/tree\/a\.txt, drive\/Home\/Documents\/tree\/sub\/b\.txt already exist/);
    expect(await readdir(bobDir('drive', 'Home', 'Documents', 'tree', 'sub'))).toEqual(['b.txt']);
    const replaced = await up(true);
    expect(replaced.isError, textOf(replaced)).toBeFalsy();
    expect(await readFile(bobDir('drive', 'Home', 'Documents', 'tree', 'a.txt'), 'utf8')).toBe('a2');
    expect((await readdir(bobDir('drive', 'Home', 'Documents', 'tree', 'sub'))).sort()).toEqual([
      'b.txt',
      'c.txt',
    ]);
    expect(await readFile(bobDir('drive', 'Home', 'Documents', 'tree', 'sub', 'b.txt'), 'utf8')).toBe('b2');
  });

  it('keeps the original when the replace cannot delete it', async () => {
    await writeFile(join(work, 'keep.txt'), 'replacement');
    await writeFile(bobDir('drive', 'Home', 'Documents', 'keep.txt'), 'original');
    box.sim.addFault({ match: 'DELETE /files/api/resources/*', kind: 'status', status: 503, times: 1 });
    const r = await mcp.call('files_upload', {
      localPath: join(work, 'keep.txt'),
      remotePath: 'drive/Home/Documents/keep.txt',
      overwrite: true,
    });
    expect(r.isError).toBe(true);
    expect(textOf(r)).toMatch(/could not delete the old file .*kept unchanged/);
    expect(await readFile(bobDir('drive', 'Home', 'Documents', 'keep.txt'), 'utf8')).toBe('original');
    expect((await readdir(bobDir('drive', 'Home', 'Documents'))).filter((n) => n.startsWith('keep'))).toEqual(
      ['keep.txt'],
    );
  });

  it("pastes on the master for drive and on the destination's node for cache", async () => {
    await writeFile(bobDir('drive', 'Home', 'Documents', 'paste-me.txt'), 'x');
    let r = await mcp.call('files_cp', {
      sources: ['drive/Home/Documents/paste-me.txt'],
      destination: 'drive/Home/Downloads/',
    });
    expect(r.isError, textOf(r)).toBeFalsy();
    expect(r.structuredContent.results[0].status).toBe('completed');
    r = await mcp.call('files_cp', {
      sources: ['drive/Home/Documents/paste-me.txt'],
      destination: 'cache/olares/',
    });
    expect(r.isError, textOf(r)).toBeFalsy();
    expect(await readFile(bobDir('cache', 'olares', 'paste-me.txt'), 'utf8')).toBe('x');
    expect(box.sim.count('GET /files/api/task/:node/')).toBeGreaterThanOrEqual(2);
  });

  it('renames to names holding % and + as typed', async () => {
    await writeFile(bobDir('drive', 'Home', 'Documents', 'pct.txt'), 'p');
    for (const [from, to] of [
      ['pct.txt', '100% done.txt'],
      ['100% done.txt', 'a%41+b.txt'],
    ]) {
      const r = await mcp.call('files_rename', { path: `drive/Home/Documents/${from}`, newName: to });
      expect(r.isError, textOf(r)).toBeFalsy();
      expect(await readdir(bobDir('drive', 'Home', 'Documents'))).toContain(to);
    }
  });

  it('does not resend a chunk the server refused for good, and sends .jpeg and .htm types', async () => {
    await writeFile(join(work, 'refused.bin'), randomBytes(3 * CHUNK));
    box.sim.addFault({ match: CHUNK_ROUTE, kind: 'status', status: 500, times: 1 });
    const before = box.sim.count(CHUNK_ROUTE);
    const r = await mcp.call('files_upload', {
      localPath: join(work, 'refused.bin'),
      remotePath: 'drive/Home/Documents/',
    });
    expect(r.isError).toBe(true);
    expect(textOf(r)).toMatch(/refused: files answered HTTP 500/);
    expect(box.sim.count(CHUNK_ROUTE) - before).toBe(1);
    for (const [name, type] of [
      ['photo.jpeg', 'image/jpeg'],
      ['page.htm', 'text/html'],
    ]) {
      await writeFile(join(work, name), 'content');
      const up = await mcp.call('files_upload', { localPath: join(work, name), remotePath: 'drive/Home/' });
      expect(up.isError, textOf(up)).toBeFalsy();
      const sent = box.sim.journal.filter((j) => j.key === 'files chunk').pop()?.body as Record<
        string,
        string
      >;
      expect(sent).toMatchObject({ resumableFilename: name, resumableType: type });
    }
  });

  it('refuses an internal share below admin, which the server would widen to admin', async () => {
    const r = await mcp.call('files_share_create', {
      path: 'drive/Home/Documents',
      type: 'internal',
      permission: 'view',
    });
    expect(r.isError).toBe(true);
    expect(textOf(r)).toMatch(/internal shares always grant admin .*nothing was shared/);
    expect(box.sim.count('POST /files/api/share/share_path/*')).toBe(0);
  });

  it('names the service, endpoint and field of a body it cannot read', async () => {
    box.sim.addFault({ match: 'GET /files/api/resources/*', kind: 'status', status: 200, times: 1 });
    const r = await mcp.call('files_ls', { path: 'drive/Home' });
    expect(r.isError).toBe(true);
    expect(textOf(r)).toMatch(
      /^files answered GET \/api\/resources\/<dir>\/ in an unexpected shape: field 'items' should be an array/,
    );
    expect(textOf(r)).not.toMatch(/\[object Object\]|\n\s+at /);
  });
});
