// Files tools end to end: SDK Client over stdio -> built server -> simulator files service.
import { createHash, randomBytes } from 'node:crypto';
import { mkdir, mkdtemp, readdir, readFile, rm, symlink, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import {
  boxContent,
  connect,
  connectConfirming,
  type McpSession,
  progressSent,
  textOf,
} from './helpers/mcp.js';
import { makeBox, type TestBox } from './helpers/sim.js';
import { eventually, gate } from './helpers/wait.js';

const CHUNK = 64 * 1024;
const sha = (b: Buffer) => createHash('sha256').update(b).digest('hex');
// Drive chunks go to the node-bound link the files pod hands out (handlefunc.go).
const CHUNK_ROUTE = 'POST /files/upload/upload-link/:node/:uid';

// Each test gets its own box, session and local folder, so any one of them runs alone and a
// failure (or a swapped elicitation handler) never changes what the next test sees.
describe('files tools', () => {
  let box: TestBox;
  let mcp: McpSession;
  let work: string;

  beforeEach(async () => {
    box = await makeBox();
    await box.login('bob@olares.com');
    work = await mkdtemp(join(tmpdir(), 'olares-mcp-files-'));
    mcp = await connectConfirming({
      ...box.env,
      OLARES_LOCAL_ROOTS: work,
      OLARES_UPLOAD_CHUNK_BYTES: String(CHUNK),
    });
  });
  afterEach(async () => {
    await mcp?.close();
    await box?.close();
    await rm(work, { recursive: true, force: true });
  });

  it('lists, stats and reads text', async () => {
    const ls = await mcp.call('files_ls', { path: 'drive/Home' });
    expect(ls.isError).toBeFalsy();
    expect(ls.structuredContent.items.map((i: any) => i.name)).toContain('Documents');
    expect(ls.structuredContent.items[0].isDir).toBe(true);
    const st = await mcp.call('files_stat', { path: 'drive/Home/Documents/welcome.txt' });
    expect(st.structuredContent).toMatchObject({ exists: true, entry: { isDir: false, size: 24 } });
    const cat = await mcp.call('files_cat', { path: 'drive/Home/Documents/welcome.txt' });
    expect(cat.structuredContent).toMatchObject({ truncated: false, size: 24 });
    expect(boxContent(cat)).toBe('Welcome to Olares, bob!\n');
    const cut = await mcp.call('files_cat', { path: 'drive/Home/Documents/welcome.txt', maxBytes: 7 });
    expect(cut.structuredContent.truncated).toBe(true);
    expect(boxContent(cut)).toBe('Welcome'); // the note is in the summary, not the file
    expect(textOf(cut)).toMatch(/first 7 B; more: raise maxBytes or files_download/);
    const page = await mcp.call('files_ls', { path: 'drive/Home', limit: 2, page: 2 });
    expect(page.structuredContent).toMatchObject({ page: 2, nextPage: 3, total: 6 });
    expect(page.structuredContent.items).toHaveLength(2);
  });

  it('round-trips a multi-chunk file, an empty file and a unicode name with progress', async () => {
    const data = randomBytes(5 * CHUNK + 123);
    const names = ['big.bin', 'empty.txt', 'résumé 漢字 file.txt'];
    await writeFile(join(work, names[0]), data);
    await writeFile(join(work, names[1]), '');
    await writeFile(join(work, names[2]), 'héllo wörld\n');
    let since = mcp.messages.length;
    const up = await mcp.call(
      'files_upload',
      { localPath: join(work, names[0]), remotePath: 'drive/Home/Documents/' },
      { onprogress: () => {} },
    );
    expect(up.isError, textOf(up)).toBeFalsy();
    // One notification per chunk, increasing, never past the size.
    const progress = progressSent(mcp, since);
    expect(progress.length).toBeGreaterThanOrEqual(6);
    expect(progress.every((p, i) => p <= data.length && (i === 0 || p > progress[i - 1]))).toBe(true);
    expect(box.sim.count(CHUNK_ROUTE)).toBe(6);
    for (const n of names.slice(1)) {
      const r = await mcp.call('files_upload', {
        localPath: join(work, n),
        remotePath: 'drive/Home/Documents/',
      });
      expect(r.isError, textOf(r)).toBeFalsy();
    }
    await mkdir(join(work, 'out'));
    since = mcp.messages.length;
    for (const n of names) {
      const d = await mcp.call(
        'files_download',
        { remotePath: `drive/Home/Documents/${n}`, localPath: `${join(work, 'out')}/` },
        n === names[0] ? { onprogress: () => {} } : undefined,
      );
      expect(d.isError, textOf(d)).toBeFalsy();
      expect(sha(await readFile(join(work, 'out', n)))).toBe(sha(await readFile(join(work, n))));
    }
    expect((await readdir(join(work, 'out'))).sort()).toEqual([...names].sort()); // no temp files left
    // Throttled to steps of >= 64 KiB (about 1% of big files), increasing, ending at the size.
    const downProgress = progressSent(mcp, since);
    expect(downProgress.at(-1)).toBe(data.length);
    expect(downProgress.length).toBeLessThanOrEqual(Math.ceil(data.length / (64 * 1024)) + 1);
    expect(downProgress.every((p, i) => p <= data.length && (i === 0 || p > downProgress[i - 1]))).toBe(true);
  });

  it('resumes an upload after a dropped chunk and a download after a dropped connection', async () => {
    const data = randomBytes(4 * CHUNK);
    await writeFile(join(work, 'resume.bin'), data);
    box.sim.resetCounters();
    box.sim.addFault({ match: CHUNK_ROUTE, kind: 'drop', skip: 2, times: 1 });
    const up = await mcp.call('files_upload', {
      localPath: join(work, 'resume.bin'),
      remotePath: 'drive/Home/resume.bin',
    });
    expect(up.isError, textOf(up)).toBeFalsy();
    expect(up.structuredContent.resumedFrom).toBe(2 * CHUNK);
    expect(box.sim.count(CHUNK_ROUTE)).toBe(5); // 4 chunks + the dropped one again
    // Small files ride the pooled connection, big ones (>= 1 MiB) get their own: both resume.
    const big = randomBytes(1.5 * 2 ** 20 + 3);
    await writeFile(join(work, 'resume-big.bin'), big);
    const upBig = await mcp.call('files_upload', {
      localPath: join(work, 'resume-big.bin'),
      remotePath: 'drive/Home/',
    });
    expect(upBig.isError, textOf(upBig)).toBeFalsy();
    for (const [name, bytes] of [
      ['resume.bin', data],
      ['resume-big.bin', big],
    ] as const) {
      box.sim.addFault({
        match: 'GET /files/api/raw/*',
        kind: 'dropAfterBytes',
        bytes: CHUNK + 17,
        times: 1,
      });
      const down = await mcp.call('files_download', {
        remotePath: `drive/Home/${name}`,
        localPath: join(work, `${name}.out`),
      });
      expect(down.isError, textOf(down)).toBeFalsy();
      expect(down.structuredContent.resumed).toBeGreaterThanOrEqual(1);
      expect(sha(await readFile(join(work, `${name}.out`)))).toBe(sha(bytes));
    }
  });

  it('rides out a burst of 5xx on upload chunks, and a cancelled download leaves no file', async () => {
    const data = randomBytes(3 * CHUNK);
    await writeFile(join(work, 'burst.bin'), data);
    box.sim.resetCounters();
    box.sim.addFault({ match: CHUNK_ROUTE, kind: 'status', status: 503, skip: 1, times: 2 });
    const up = await mcp.call('files_upload', {
      localPath: join(work, 'burst.bin'),
      remotePath: 'drive/Home/',
    });
    expect(up.isError, textOf(up)).toBeFalsy();
    expect(box.sim.count(CHUNK_ROUTE)).toBe(5); // 3 chunks + the 2 refused tries
    // Cancel a small download (pooled connection) and a big one (its own connection) at once.
    await writeFile(join(work, 'burst-big.bin'), randomBytes(1.2 * 2 ** 20));
    const upBig = await mcp.call('files_upload', {
      localPath: join(work, 'burst-big.bin'),
      remotePath: 'drive/Home/',
    });
    expect(upBig.isError, textOf(upBig)).toBeFalsy();
    // Hold both GETs at the box until the client has given up on them.
    const hold = gate();
    box.sim.resetCounters();
    box.sim.addFault({ match: 'GET /files/api/raw/*', kind: 'latency', until: hold.opened, times: 2 });
    const controller = new AbortController();
    const pending = ['burst.bin', 'burst-big.bin'].map((name) =>
      mcp.call(
        'files_download',
        { remotePath: `drive/Home/${name}`, localPath: join(work, `cancelled-${name}`) },
        { signal: controller.signal },
      ),
    );
    await eventually(() => box.sim.count('GET /files/api/raw/*') === 2, 'both downloads to reach the box');
    controller.abort();
    for (const p of pending) await expect(p).rejects.toThrow(/abort/i);
    hold.open(); // the late responses go out now, to connections the server has given up
    await eventually(
      async () => (await readdir(work)).every((n) => !n.includes('cancelled')),
      'the server to remove the cancelled downloads',
    );
    expect(mcp.stderr.join('')).not.toMatch(/internal error|uncaught/i);
    const again = await mcp.call('files_stat', { path: 'drive/Home/burst.bin' });
    expect(again.structuredContent.entry.size).toBe(data.length);
  });

  it('uploads a directory tree, and a file into a cloud namespace through its transfer task', async () => {
    const tree = join(work, 'tree');
    await mkdir(join(tree, 'sub', 'deep'), { recursive: true });
    const blob = randomBytes(2 * CHUNK + 5);
    await writeFile(join(tree, 'top.txt'), 'top\n');
    await writeFile(join(tree, 'sub', 'deep', 'blob.bin'), blob);
    await writeFile(join(tree, 'sub', 'empty.txt'), '');
    const up = await mcp.call('files_upload', { localPath: tree, remotePath: 'drive/Data/' });
    expect(up.isError, textOf(up)).toBeFalsy();
    expect(up.structuredContent).toMatchObject({ files: 3, bytes: blob.length + 4 });
    const sub = await mcp.call('files_ls', { path: 'drive/Data/tree/sub' });
    expect(sub.structuredContent.items.map((i: any) => [i.name, i.isDir])).toEqual([
      ['deep', true],
      ['empty.txt', false],
    ]);
    const back = await mcp.call('files_download', {
      remotePath: 'drive/Data/tree/sub/deep/blob.bin',
      localPath: join(work, 'blob.back'),
    });
    expect(back.isError, textOf(back)).toBeFalsy();
    expect(sha(await readFile(join(work, 'blob.back')))).toBe(sha(blob));

    // Cloud listings come back under `data` with `fileSize`; uploads end in a polled task.
    const cloud = await mcp.call('files_ls', { path: 'google/work' });
    expect(cloud.structuredContent.items).toEqual([
      expect.objectContaining({ name: 'Reports', isDir: true }),
    ]);
    box.sim.resetCounters();
    const toCloud = await mcp.call('files_upload', {
      localPath: join(tree, 'top.txt'),
      remotePath: 'google/work/Reports/',
    });
    expect(toCloud.isError, textOf(toCloud)).toBeFalsy();
    expect(box.sim.count('GET /files/api/task/:node/')).toBeGreaterThanOrEqual(1);
    const st = await mcp.call('files_stat', { path: 'google/work/Reports/top.txt' });
    expect(st.structuredContent).toMatchObject({ exists: true, entry: { size: 4 } });

    // mkdir on an existing folder does not make "X (1)" (the server would auto-rename).
    const again = await mcp.call('files_mkdir', { path: 'drive/Data/tree' });
    expect(again.structuredContent.created).toEqual([]);
    const data = await mcp.call('files_ls', { path: 'drive/Data' });
    expect(data.structuredContent.items.map((i: any) => i.name)).toEqual(['tree']);
  });

  it('creates, copies, moves, renames and deletes', async () => {
    let r = await mcp.call('files_mkdir', { path: 'drive/Home/Projects/a/b', parents: true });
    expect(r.structuredContent.created).toEqual([
      'drive/Home/Projects',
      'drive/Home/Projects/a',
      'drive/Home/Projects/a/b',
    ]);
    r = await mcp.call('files_cp', {
      sources: ['drive/Home/Documents/welcome.txt'],
      destination: 'drive/Home/Projects/a/',
    });
    expect(r.structuredContent.results[0]).toMatchObject({
      status: 'completed',
      destination: 'drive/Home/Projects/a/welcome.txt',
    });
    r = await mcp.call('files_mv', {
      sources: ['drive/Home/Projects/a/welcome.txt'],
      destination: 'drive/Home/Projects/a/b/',
    });
    expect(r.structuredContent.results[0].status).toBe('completed');
    expect(
      (await mcp.call('files_stat', { path: 'drive/Home/Projects/a/welcome.txt' })).structuredContent.exists,
    ).toBe(false);
    r = await mcp.call('files_rename', { path: 'drive/Home/Projects/a/b/welcome.txt', newName: 'hello.txt' });
    expect(r.structuredContent.newPath).toBe('drive/Home/Projects/a/b/hello.txt');
    const dry = await mcp.call('files_rm', { paths: ['drive/Home/Projects'], recursive: true, dryRun: true });
    expect(dry.structuredContent).toMatchObject({ dryRun: true, deleted: ['drive/Home/Projects/'] });
    expect((await mcp.call('files_stat', { path: 'drive/Home/Projects' })).structuredContent.exists).toBe(
      true,
    );
    const noR = await mcp.call('files_rm', { paths: ['drive/Home/Projects'] });
    expect(textOf(noR)).toMatch(/is a directory: pass recursive: true/);
    r = await mcp.call('files_rm', { paths: ['drive/Home/Projects'], recursive: true });
    expect(r.isError, textOf(r)).toBeFalsy();
    expect((await mcp.call('files_stat', { path: 'drive/Home/Projects' })).structuredContent.exists).toBe(
      false,
    );
    const prot = await mcp.call('files_rm', { paths: ['drive/Home/Documents'], recursive: true });
    expect(textOf(prot)).toMatch(/refusing to delete drive\/Home\/Documents: it is a system-managed folder/);
    const root = await mcp.call('files_rm', { paths: ['drive/Home/'], recursive: true });
    expect(textOf(root)).toMatch(/refusing to delete the root of drive\/Home/);
  });

  it('refuses bad paths and existing destinations, and keeps serving', async () => {
    const traversal = await mcp.call('files_ls', { path: 'drive/Home/../../etc' });
    expect(textOf(traversal)).toMatch(/path traversal is refused/);
    const ns = await mcp.call('files_ls', { path: 'etc/passwd' });
    expect(textOf(ns)).toMatch(/unknown fileType "etc"/);
    const missing = await mcp.call('files_cat', { path: 'drive/Home/nope.txt' });
    expect(textOf(missing)).toMatch(/does not exist on the server/);
    const outside = await mcp.call('files_upload', { localPath: '/etc/hostname', remotePath: 'drive/Home/' });
    expect(textOf(outside)).toMatch(/outside the allowed local roots/);
    await symlink('/etc', join(work, 'escape'));
    const viaLink = await mcp.call('files_upload', {
      localPath: join(work, 'escape', 'hostname'),
      remotePath: 'drive/Home/',
    });
    expect(textOf(viaLink)).toMatch(/outside the allowed local roots/);
    const outsideDl = await mcp.call('files_download', {
      remotePath: 'drive/Home/Documents/welcome.txt',
      localPath: join(work, 'escape', 'x.txt'),
    });
    expect(textOf(outsideDl)).toMatch(/outside the allowed local roots/);
    await writeFile(join(work, 'exists.txt'), 'keep me');
    const exists = await mcp.call('files_download', {
      remotePath: 'drive/Home/Documents/welcome.txt',
      localPath: join(work, 'exists.txt'),
    });
    expect(textOf(exists)).toMatch(/already exists. Fix: pass overwrite: true/);
    expect(await readFile(join(work, 'exists.txt'), 'utf8')).toBe('keep me');
    const upExists = await mcp.call('files_upload', {
      localPath: join(work, 'exists.txt'),
      remotePath: 'drive/Home/Documents/welcome.txt',
    });
    expect(textOf(upExists)).toMatch(/already exists/);
    await writeFile(join(work, 'bin.dat'), Buffer.from([0, 1, 2, 3, 255]));
    await mcp.call('files_upload', { localPath: join(work, 'bin.dat'), remotePath: 'drive/Home/' });
    const bin = await mcp.call('files_cat', { path: 'drive/Home/bin.dat' });
    expect(textOf(bin)).toMatch(/looks binary .* Use files_download/);
    expect((await mcp.listTools()).length).toBeGreaterThan(10);
  });

  it('asks before deleting and does nothing when the user declines', async () => {
    await mcp.call('files_mkdir', { path: 'drive/Home/Keep' });
    let asked: any;
    mcp.onElicit(async (params: any) => {
      asked = params;
      return { action: 'decline' };
    });
    box.sim.resetCounters();
    const r = await mcp.call('files_rm', { paths: ['drive/Home/Keep'], recursive: true });
    expect(r.isError).toBe(true);
    expect(textOf(r)).toMatch(/declined; nothing was changed/);
    expect(asked.message).toContain('drive/Home/Keep');
    expect(Object.keys(asked.requestedSchema.properties)).toEqual(['confirm']);
    expect(box.sim.count('DELETE /files/api/resources/*')).toBe(0);
  });
});

describe('files_upload across a token expiry', () => {
  it('refreshes before a chunk instead of spending a chunk on a 401', async () => {
    // Tokens live 63 s and each chunk takes ~1.5 s: from the third chunk on the token is within
    // the 60 s pre-flight window, so the transport must refresh before sending.
    const box = await makeBox({ accessTokenTtlSec: 63 });
    const work = await mkdtemp(join(tmpdir(), 'olares-mcp-expiry-'));
    const mcp = await connect({
      ...box.env,
      OLARES_LOCAL_ROOTS: work,
      OLARES_UPLOAD_CHUNK_BYTES: String(CHUNK),
    });
    try {
      await box.login('bob@olares.com');
      const data = randomBytes(4 * CHUNK);
      await writeFile(join(work, 'slow.bin'), data);
      box.sim.addFault({ match: CHUNK_ROUTE, kind: 'latency', ms: 1500 });
      const r = await mcp.call('files_upload', {
        localPath: join(work, 'slow.bin'),
        remotePath: 'drive/Home/',
      });
      expect(r.isError, textOf(r)).toBeFalsy();
      expect(box.sim.count('POST /auth/api/refresh')).toBeGreaterThanOrEqual(1);
      expect(box.sim.count(`${CHUNK_ROUTE} 401`)).toBe(0);
      expect(box.sim.count(CHUNK_ROUTE)).toBe(4);
      box.sim.clearFaults();
      const back = await mcp.call('files_download', {
        remotePath: 'drive/Home/slow.bin',
        localPath: join(work, 'slow.out'),
      });
      expect(back.isError, textOf(back)).toBeFalsy();
      expect(sha(await readFile(join(work, 'slow.out')))).toBe(sha(data));
    } finally {
      await mcp.close();
      await box.close();
      await rm(work, { recursive: true, force: true });
    }
  });
});
