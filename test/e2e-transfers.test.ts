// Many files at once, end to end: directory uploads and folder downloads through the built
// server against the simulator, with a chunk dropped mid-directory, a folder download that
// resumes, refuses to clobber and stays inside the local roots, and cancels that leave nothing
// half written on either side.
import { createHash, randomBytes } from 'node:crypto';
import { mkdir, mkdtemp, readdir, readFile, rm, symlink, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join, relative } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { connect, connectConfirming, type McpSession, progressSent, textOf } from './helpers/mcp.js';
import { makeBox, type TestBox } from './helpers/sim.js';

const CHUNK = 64 * 1024;
const CHUNK_ROUTE = 'POST /files/upload/upload-link/:node/:uid';
/** The chunks the box received whole, as `<relative path>@<chunk number>`. */
const chunksJournaled = (box: TestBox) =>
  box.sim.journal
    .filter((j) => j.key === 'files chunk')
    .map((j) => j.body as Record<string, string>)
    .map((f) => `${f.resumableRelativePath}@${f.resumableChunkNumber}`);
const RAW_ROUTE = 'GET /files/api/raw/*';
const sha = (b: Buffer) => createHash('sha256').update(b).digest('hex');

/** Every regular file below `dir`, relative path -> sha256; `.partials` (the box's scratch) left out. */
async function tree(dir: string): Promise<Map<string, string>> {
  const out = new Map<string, string>();
  const walk = async (d: string) => {
    for (const e of await readdir(d, { withFileTypes: true })) {
      const full = join(d, e.name);
      if (e.isDirectory()) await walk(full);
      else out.set(relative(dir, full), sha(await readFile(full)));
    }
  };
  await walk(dir);
  return out;
}

async function until<T>(what: string, probe: () => Promise<T | undefined>, ms = 15_000): Promise<T> {
  const deadline = Date.now() + ms;
  for (;;) {
    const v = await probe();
    if (v !== undefined) return v;
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 25));
  }
}

describe('transfers of many files', () => {
  let box: TestBox;
  let mcp: McpSession;
  let work: string;
  let filesRoot: string;
  let outside: string;
  const remoteHome = () => join(filesRoot, 'bob', 'drive', 'Home');

  /** The outcome line audit.log got for the latest call of `tool`: the server is done with it. */
  const outcomeOf = (tool: string, since: number) =>
    until(`the ${tool} outcome`, async () => {
      const lines = (await readFile(join(box.home, 'audit.log'), 'utf8').catch(() => ''))
        .split('\n')
        .slice(since)
        .filter(Boolean)
        .map((l) => JSON.parse(l));
      return lines.find((l) => l.tool === tool && l.phase === 'outcome');
    });
  const auditLines = async () =>
    (await readFile(join(box.home, 'audit.log'), 'utf8').catch(() => '')).split('\n').filter(Boolean).length;

  /** A project-like tree: nested folders, files of one to several chunks, an empty one. */
  async function makeProject(root: string, files: number) {
    const made = new Map<string, Buffer>();
    for (let i = 0; i < files; i++) {
      const rel = join(`d${i % 3}`, i % 2 ? 'inner' : '', `f${i}.bin`);
      const data = randomBytes(i === 0 ? 0 : (i % 4) * CHUNK + 100 * i);
      await mkdir(join(root, rel, '..'), { recursive: true });
      await writeFile(join(root, rel), data);
      made.set(rel, data);
    }
    return made;
  }

  beforeAll(async () => {
    filesRoot = await mkdtemp(join(tmpdir(), 'olares-mcp-transfers-box-'));
    box = await makeBox({ filesRoot });
    await box.login('bob@olares.com');
    work = await mkdtemp(join(tmpdir(), 'olares-mcp-transfers-'));
    outside = await mkdtemp(join(tmpdir(), 'olares-mcp-transfers-outside-'));
    mcp = await connectConfirming({
      ...box.env,
      OLARES_LOCAL_ROOTS: work,
      OLARES_UPLOAD_CHUNK_BYTES: String(CHUNK),
    });
  });
  afterAll(async () => {
    await mcp?.close();
    await box?.close();
    for (const d of [work, filesRoot, outside]) if (d) await rm(d, { recursive: true, force: true });
  });

  it('a chunk dropped mid-directory: that file resumes, no other chunk is sent again', async () => {
    const src = join(work, 'proj');
    const made = await makeProject(src, 12);
    const chunksOf = (n: number) => Math.ceil(n / CHUNK);
    const expected = [...made.values()].reduce((a, d) => a + chunksOf(d.length), 0);
    const victim = [...made.entries()].find(([, d]) => chunksOf(d.length) >= 3)!;
    const victimName = victim[0].split('/').at(-1)!;
    box.sim.resetCounters();
    box.sim.journal.length = 0;
    // The victim's third chunk: the connection dies before the box reads any of it.
    box.sim.addFault({
      match: CHUNK_ROUTE,
      kind: 'drop',
      times: 1,
      when: (req) =>
        String(req.headers['content-disposition']).includes(`"${victimName}"`) &&
        String(req.headers['content-range']).startsWith(`bytes ${2 * CHUNK}-`),
    });
    const up = await mcp.call('files_upload', { localPath: src, remotePath: 'drive/Home/' });
    expect(up.isError, textOf(up)).toBeFalsy();
    expect(up.structuredContent).toMatchObject({ files: made.size, resumedFrom: 2 * CHUNK });
    expect(box.sim.count(CHUNK_ROUTE)).toBe(expected + 1); // every chunk once, the dropped one twice
    const keys = chunksJournaled(box);
    expect(new Set(keys).size).toBe(keys.length); // nothing that arrived was sent again
    expect(keys).toHaveLength(expected);
    expect(keys).toContain(`proj/${victim[0]}@3`);
    // One upload link for the whole directory, and no resume probe for files below one chunk.
    expect(box.sim.count('GET /files/upload/upload-link/:node/')).toBe(2); // the first, and the retry's
    const multi = [...made.values()].filter((d) => d.length >= CHUNK).length;
    expect(box.sim.count('GET /files/upload/file-uploaded-bytes/:node/')).toBe(multi + 1);
    const landed = await tree(join(remoteHome(), 'proj'));
    expect(landed).toEqual(new Map([...made].map(([k, d]) => [k, sha(d)])));
  });

  it('downloads a folder: recursive, each file resumable, one progress stream, no-clobber', async () => {
    const made = await tree(join(work, 'proj'));
    await mkdir(join(work, 'out'));
    box.sim.resetCounters();
    // One file's body breaks off after a chunk and a bit: that file resumes from what landed.
    box.sim.addFault({
      match: RAW_ROUTE,
      kind: 'dropAfterBytes',
      bytes: CHUNK + 17,
      times: 1,
      when: (req) => req.url!.endsWith('/f3.bin'),
    });
    const since = mcp.messages.length;
    const down = await mcp.call(
      'files_download',
      { remotePath: 'drive/Home/proj', localPath: `${join(work, 'out')}/` },
      { onprogress: () => {} },
    );
    expect(down.isError, textOf(down)).toBeFalsy();
    expect(down.structuredContent).toMatchObject({
      remotePath: 'drive/Home/proj/',
      localPath: join(work, 'out', 'proj'),
      files: made.size,
      resumed: 1,
    });
    expect(await tree(join(work, 'out', 'proj'))).toEqual(made); // whole, and no temp file left
    // One listing per folder (proj, d0..d2, and their `inner`), never one per file.
    expect(box.sim.count('GET /files/api/resources/*')).toBe(1 + 1 + 3 + 3);
    const progress = progressSent(mcp, since);
    const bytes = down.structuredContent.bytes;
    expect(progress.at(-1)).toBe(bytes);
    expect(progress.length).toBeLessThanOrEqual(101);
    expect(progress.every((p, i) => i === 0 || p > progress[i - 1])).toBe(true);

    // Again into the same place: refused before anything is written, the local change survives.
    await writeFile(join(work, 'out', 'proj', 'd1', 'inner', 'f1.bin'), 'mine');
    const again = await mcp.call('files_download', {
      remotePath: 'drive/Home/proj',
      localPath: `${join(work, 'out')}/`,
    });
    expect(again.isError).toBe(true);
    expect(textOf(again)).toMatch(/already exist.*overwrite: true/s);
    expect(await readFile(join(work, 'out', 'proj', 'd1', 'inner', 'f1.bin'), 'utf8')).toBe('mine');
    const forced = await mcp.call('files_download', {
      remotePath: 'drive/Home/proj',
      localPath: `${join(work, 'out')}/`,
      overwrite: true,
    });
    expect(forced.isError, textOf(forced)).toBeFalsy();
    expect(await tree(join(work, 'out', 'proj'))).toEqual(made);
  });

  it('keeps a folder download inside the local roots', async () => {
    const refused = await mcp.call('files_download', {
      remotePath: 'drive/Home/proj',
      localPath: `${outside}/`,
    });
    expect(refused.isError).toBe(true);
    expect(textOf(refused)).toMatch(/outside the allowed local roots/);
    // A folder inside the target that is a symlink to elsewhere: nothing follows it.
    await mkdir(join(work, 'trap', 'proj'), { recursive: true });
    await symlink(outside, join(work, 'trap', 'proj', 'd0'));
    const trapped = await mcp.call('files_download', {
      remotePath: 'drive/Home/proj',
      localPath: `${join(work, 'trap')}/`,
    });
    expect(trapped.isError).toBe(true);
    expect(textOf(trapped)).toMatch(/d0.*(symlink|folder)/);
    expect(await readdir(outside)).toEqual([]);
  });

  it('a folder download cancelled midway leaves whole files and no temp file', async () => {
    const made = await tree(join(work, 'proj'));
    await mkdir(join(work, 'cancel'));
    // Every file after the first few waits, so the cancel lands while files are in flight.
    box.sim.addFault({ match: RAW_ROUTE, kind: 'latency', ms: 2000, skip: 4 });
    const since = await auditLines();
    const controller = new AbortController();
    const pending = mcp.call(
      'files_download',
      { remotePath: 'drive/Home/proj', localPath: `${join(work, 'cancel')}/` },
      { signal: controller.signal },
    );
    await until('a first landed file', async () => {
      const got = await tree(join(work, 'cancel', 'proj')).catch(() => new Map());
      return [...got.keys()].some((k) => !k.split('/').at(-1)!.startsWith('.')) ? true : undefined;
    });
    controller.abort();
    await expect(pending).rejects.toThrow(/abort/i);
    const outcome = await outcomeOf('files_download', since);
    box.sim.clearFaults();
    expect(outcome).toMatchObject({ outcome: 'error', error: 'cancelled' });
    const got = await tree(join(work, 'cancel', 'proj'));
    expect(got.size).toBeGreaterThan(0);
    expect(got.size).toBeLessThan(made.size);
    for (const [rel, digest] of got) expect(made.get(rel), rel).toBe(digest); // no temp, nothing partial
  });

  it('a small file cancelled with part of its body received leaves nothing under its name', async () => {
    const made = await tree(join(work, 'proj'));
    const victim = [...made.keys()].find((k) => k.endsWith('/f3.bin'))!;
    await mkdir(join(work, 'cut'));
    // f3's body breaks off after a chunk and a bit, every time: it is in memory, half received, when the cancel lands.
    let victimRequests = 0;
    box.sim.addFault({
      match: RAW_ROUTE,
      kind: 'dropAfterBytes',
      bytes: CHUNK + 17,
      times: 100,
      when: (req) => {
        if (!req.url!.endsWith('/f3.bin')) return false;
        victimRequests++;
        return true;
      },
    });
    const since = await auditLines();
    const controller = new AbortController();
    const pending = mcp.call(
      'files_download',
      { remotePath: 'drive/Home/proj', localPath: `${join(work, 'cut')}/` },
      { signal: controller.signal },
    );
    await until('a resumed request for the victim', async () => (victimRequests >= 2 ? true : undefined));
    controller.abort();
    await expect(pending).rejects.toThrow(/abort/i);
    const outcome = await outcomeOf('files_download', since);
    box.sim.clearFaults();
    expect(outcome).toMatchObject({ outcome: 'error', error: 'cancelled' });
    const got = await tree(join(work, 'cut', 'proj'));
    expect(got.has(victim)).toBe(false);
    for (const [rel, digest] of got) expect(made.get(rel), rel).toBe(digest); // whole, and no temp file
  });

  it('a directory upload cancelled midway leaves no half-written file on the box', async () => {
    const src = join(work, 'bulk');
    const made = await makeProject(src, 9);
    box.sim.journal.length = 0;
    box.sim.addFault({ match: CHUNK_ROUTE, kind: 'latency', ms: 2000, skip: 6 });
    const since = await auditLines();
    const controller = new AbortController();
    const pending = mcp.call(
      'files_upload',
      { localPath: src, remotePath: 'drive/Home/' },
      { signal: controller.signal },
    );
    await until('six chunks on the box', async () => (chunksJournaled(box).length >= 6 ? true : undefined));
    controller.abort();
    await expect(pending).rejects.toThrow(/abort/i);
    const outcome = await outcomeOf('files_upload', since);
    box.sim.clearFaults();
    expect(outcome).toMatchObject({ outcome: 'error', error: 'cancelled' });
    const there = await tree(join(remoteHome(), 'bulk')).catch(() => new Map<string, string>());
    expect(there.size).toBeLessThan(made.size);
    for (const [rel, digest] of there) expect(digest, rel).toBe(sha(made.get(rel)!)); // whole or absent
  });
});

describe('chunks of 1 MiB and more (their own connection)', () => {
  let box: TestBox;
  let mcp: McpSession;
  let work: string;
  let filesRoot: string;
  const MiB = 2 ** 20;

  beforeAll(async () => {
    filesRoot = await mkdtemp(join(tmpdir(), 'olares-mcp-transfers-box-'));
    box = await makeBox({ filesRoot });
    await box.login('bob@olares.com');
    work = await mkdtemp(join(tmpdir(), 'olares-mcp-transfers-'));
    mcp = await connect({ ...box.env, OLARES_LOCAL_ROOTS: work, OLARES_UPLOAD_CHUNK_BYTES: String(MiB) });
  });
  afterAll(async () => {
    await mcp?.close();
    await box?.close();
    for (const d of [work, filesRoot]) if (d) await rm(d, { recursive: true, force: true });
  });

  it('resumes after a dropped chunk and lands the bytes intact', async () => {
    const data = randomBytes(3 * MiB + 12_345);
    await writeFile(join(work, 'big.bin'), data);
    box.sim.journal.length = 0;
    box.sim.addFault({
      match: CHUNK_ROUTE,
      kind: 'drop',
      times: 1,
      when: (req) => String(req.headers['content-range']).startsWith(`bytes ${2 * MiB}-`),
    });
    const up = await mcp.call('files_upload', {
      localPath: join(work, 'big.bin'),
      remotePath: 'drive/Home/',
    });
    expect(up.isError, textOf(up)).toBeFalsy();
    expect(up.structuredContent.resumedFrom).toBe(2 * MiB);
    expect(box.sim.count(CHUNK_ROUTE)).toBe(5); // 4 chunks, the dropped one twice
    expect(chunksJournaled(box)).toEqual(['big.bin@1', 'big.bin@2', 'big.bin@3', 'big.bin@4']);
    expect(sha(await readFile(join(filesRoot, 'bob', 'drive', 'Home', 'big.bin')))).toBe(sha(data));
  });
});
