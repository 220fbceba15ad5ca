// The files verbs issue 16 adds, end to end against the simulator: archives on the box
// (1.12.6+, a task polled with progress) and the Sync libraries, read and downloaded through the
// same files_ls / files_cat / files_download as every other path.
import { randomBytes } from 'node:crypto';
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { SYNC_REPO_ID } from '../sim/files/state.js';
import {
  boxContent,
  connect,
  connectConfirming,
  type McpSession,
  progressSent,
  textOf,
} from './helpers/mcp.js';
import { makeBox, type TestBox } from './helpers/sim.js';

const COMPRESS = 'POST /files/api/archive/:node/compress';
const EXTRACT = 'POST /files/api/archive/:node/extract';
const REPOS = 'GET /files/api/repos/';

describe('files coverage: archives and Sync libraries', () => {
  let box: TestBox;
  let mcp: McpSession;
  let work: string;

  beforeEach(async () => {
    box = await makeBox();
    await box.login('bob@olares.com');
    work = await mkdtemp(join(tmpdir(), 'olares-mcp-cov-files-'));
    mcp = await connectConfirming({ ...box.env, OLARES_LOCAL_ROOTS: work });
  });
  afterEach(async () => {
    await mcp?.close();
    await box?.close();
    await rm(work, { recursive: true, force: true });
  });

  it('compresses on the box with progress, then extracts the archive back', async () => {
    const since = mcp.messages.length;
    const packed = await mcp.call(
      'files_archive',
      { action: 'compress', sources: ['drive/Home/Documents/welcome.txt'], destination: 'drive/Home/w.zip' },
      { onprogress: () => {} },
    );
    expect(packed.isError, textOf(packed)).toBeFalsy();
    expect(packed.structuredContent).toMatchObject({ format: 'zip', status: 'completed', dryRun: false });
    expect(progressSent(mcp, since).at(-1)).toBe(100);
    const out = await mcp.call('files_archive', {
      action: 'extract',
      sources: ['drive/Home/w.zip'],
      destination: 'drive/Home/Unpacked/',
    });
    expect(out.structuredContent?.status, textOf(out)).toBe('completed');
    const cat = await mcp.call('files_cat', { path: 'drive/Home/Unpacked/welcome.txt' });
    expect(boxContent(cat)).toBe('Welcome to Olares, bob!\n');
  });

  it('a name in the way is never replaced: the new archive gets a numbered name', async () => {
    const args = {
      action: 'compress',
      sources: ['drive/Home/Documents/welcome.txt'],
      destination: 'drive/Home/w.tgz',
    };
    for (let i = 0; i < 2; i++) {
      const r = await mcp.call('files_archive', args);
      expect(r.structuredContent, textOf(r)).toMatchObject({ status: 'completed', confirmed: true });
    }
    const ls = await mcp.call('files_ls', { path: 'drive/Home' });
    expect(ls.structuredContent.items.map((i: any) => i.name)).toEqual(
      expect.arrayContaining(['w.tgz', 'w (1).tgz']),
    );
    // No overwrite argument: replacing takes files_rm first.
    const replace = await mcp.call('files_archive', { ...args, overwrite: true });
    expect(replace.isError).toBe(true);
  });

  it('dry run and bad input change nothing and say why, one message each', async () => {
    const dry = await mcp.call('files_archive', {
      action: 'compress',
      sources: ['drive/Home/Documents'],
      destination: 'drive/Home/docs.tar.gz',
      dryRun: true,
    });
    expect(dry.structuredContent).toMatchObject({ format: 'tar.gz', dryRun: true });
    const cases: Array<[Record<string, unknown>, RegExp]> = [
      [
        { action: 'compress', sources: [`sync/${SYNC_REPO_ID}/todo.txt`], destination: 'drive/Home/a.zip' },
        /own storage only/,
      ],
      [
        { action: 'compress', sources: ['drive/Home/Documents'], destination: 'drive/Home/a.gz' },
        /gzip compresses one file/,
      ],
      [
        { action: 'compress', sources: ['drive/Home/Documents'], destination: 'drive/Home/a.bin' },
        /cannot tell the archive format/,
      ],
      [
        { action: 'compress', sources: ['drive/Home/nope.txt'], destination: 'drive/Home/a.zip' },
        /does not exist/,
      ],
      [{ action: 'compress', sources: ['drive/Home/'], destination: 'drive/Home/a.zip' }, /volume root/],
      [
        {
          action: 'extract',
          sources: ['drive/Home/a.zip', 'drive/Home/b.zip'],
          destination: 'drive/Home/x/',
        },
        /exactly one archive/,
      ],
      [
        { action: 'extract', sources: ['drive/Home/Documents'], destination: 'drive/Home/x/' },
        /not an archive|cannot tell the archive format/,
      ],
      [{ action: 'squash', sources: ['drive/Home/a.zip'], destination: 'drive/Home/x/' }, /action/],
      [
        { action: 'compress', sources: ['drive/../etc'], destination: 'drive/Home/a.zip' },
        /traversal|drive extend/,
      ],
    ];
    for (const [args, message] of cases) {
      const r = await mcp.call('files_archive', args);
      expect(r.isError, JSON.stringify(args)).toBe(true);
      expect(textOf(r), JSON.stringify(args)).toMatch(message);
    }
    expect(box.sim.count(COMPRESS) + box.sim.count(EXTRACT)).toBe(0);
  });

  it('refuses on a 1.12.5 box, naming the release, before anything is sent', async () => {
    const old = await makeBox({ osVersion: '1.12.5' });
    try {
      await old.login('bob@olares.com');
      const session = await connect(old.env);
      try {
        const r = await session.call('files_archive', {
          action: 'compress',
          sources: ['drive/Home/Documents/welcome.txt'],
          destination: 'drive/Home/w.zip',
        });
        expect(r.isError).toBe(true);
        expect(textOf(r)).toMatch(/needs Olares 1.12.6 or later.*this box runs 1.12.5/);
        expect(old.sim.count(COMPRESS)).toBe(0);
      } finally {
        await session.close();
      }
    } finally {
      await old.close();
    }
  });

  it('lists the Sync libraries, then reads and downloads from one like any path', async () => {
    const libs = await mcp.call('files_ls', { path: 'sync' });
    expect(libs.isError, textOf(libs)).toBeFalsy();
    expect(libs.structuredContent.repos).toEqual([
      expect.objectContaining({
        id: SYNC_REPO_ID,
        name: 'Notes',
        kind: 'mine',
        permission: 'rw',
        encrypted: false,
      }),
    ]);
    expect(libs.structuredContent.items).toEqual([
      expect.objectContaining({ name: SYNC_REPO_ID, isDir: true }),
    ]);
    expect(box.sim.count(REPOS)).toBe(3); // mine, shared with me, shared by me
    expect(JSON.stringify(libs.structuredContent)).not.toMatch(/salt/);
    const inside = await mcp.call('files_ls', { path: `sync/${SYNC_REPO_ID}/` });
    expect(inside.structuredContent.items.map((i: any) => i.name)).toEqual(['todo.txt']);
    const cat = await mcp.call('files_cat', { path: `sync/${SYNC_REPO_ID}/todo.txt` });
    expect(boxContent(cat)).toBe('Notes of bob\n');
    // A binary file comes through the seafile redirect, as the web app reads it.
    const data = randomBytes(200_000);
    await writeFile(join(work, 'blob.bin'), data);
    const up = await mcp.call('files_upload', {
      localPath: join(work, 'blob.bin'),
      remotePath: `sync/${SYNC_REPO_ID}/`,
    });
    expect(up.isError, textOf(up)).toBeFalsy();
    const down = await mcp.call('files_download', {
      remotePath: `sync/${SYNC_REPO_ID}/blob.bin`,
      localPath: join(work, 'back.bin'),
    });
    expect(down.isError, textOf(down)).toBeFalsy();
    expect((await readFile(join(work, 'back.bin'))).equals(data)).toBe(true);
    expect(box.sim.count('GET /files/seafhttp/files/:token/:name')).toBeGreaterThan(0);
  });
});
