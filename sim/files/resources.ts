// The files service's resource routes in the simulator: the node list, listing, mkdir, rm,
// rename, and raw reads (with the sync 302 to the seafile file server).
import { randomBytes } from 'node:crypto';
import { mkdir, readdir, rename, rm, writeFile } from 'node:fs/promises';
import { dirname, join } from 'node:path';
import { readJson, sendJson, sendText } from '../http.js';
import type { Simulator } from '../server.js';
import {
  CLOUD,
  cloudItem,
  DIR_NOT_EXIST,
  dupName,
  FILE_NOT_EXIST,
  type FilesState,
  fileInfo,
  NODE_ROUTE,
  refuseWithoutCookie,
  sendFileRange,
  statOf,
} from './state.js';

export function registerListing(sim: Simulator, { nodes, diskPath }: FilesState) {
  // GET /api/nodes/: the real backend iterates a Go map, so the order changes between calls.
  sim.route('files', 'GET', '/api/nodes/', ({ res }) => {
    const shuffled =
      sim.options.filesNodeOrder === 'listed' ? nodes : [...nodes].sort(() => Math.random() - 0.5);
    sendJson(res, 200, { code: 200, data: { nodes: shuffled, currentNode: shuffled[0].name } });
  });

  // Listing. A file URL answers 500 like the real backend (it reads the content into the answer).
  sim.route('files', 'GET', '/api/resources/*', async (r) => {
    const { res, user, params } = r;
    const loc = await diskPath(user!, params['*']);
    if (!loc) return sendJson(res, 400, { error: 'invalid path' });
    if (refuseWithoutCookie(r, loc.segs[0])) return;
    const st = await statOf(loc.full);
    if (!st) return sendJson(res, 500, DIR_NOT_EXIST);
    if (!st.isDirectory()) return sendJson(res, 500, { code: 1, message: 'read content: is a file' });
    const names = (await readdir(loc.full)).filter((n) => !n.startsWith('.olares-'));
    const name = loc.segs[loc.segs.length - 1];
    if (CLOUD.has(loc.segs[0])) {
      const data = await Promise.all(names.map((n) => cloudItem(join(loc.full, n), n, [...loc.segs, n])));
      return sendJson(res, 200, {
        status_code: 'SUCCESS',
        data,
        fileType: loc.segs[0],
        fileExtend: loc.segs[1],
        filePath: `/${loc.segs.slice(2).join('/')}${loc.segs.length > 2 ? '/' : ''}`,
        name,
      });
    }
    const items = await Promise.all(names.map((n) => fileInfo(join(loc.full, n), n, [...loc.segs, n])));
    const self = await fileInfo(loc.full, name, loc.segs);
    sendJson(res, 200, {
      items,
      numDirs: items.filter((i) => i.isDir).length,
      numFiles: items.filter((i) => !i.isDir).length,
      numTotalFiles: 0,
      sorting: { by: 'name', asc: true },
      ...self,
      fileSize: items.reduce((a, i) => a + (i.isDir ? 0 : i.size), 0),
    });
  });
}

export function registerEdits(sim: Simulator, { diskPath }: FilesState) {
  // mkdir (trailing slash; MkdirAll, auto-rename "name (1)") or an empty file ("x (1).txt").
  sim.route('files', 'POST', '/api/resources/*', async (r) => {
    const { res, user, params } = r;
    const raw = params['*'];
    const loc = await diskPath(user!, raw);
    if (!loc || loc.segs.length < 3) return sendJson(res, 400, { error: 'invalid path' });
    if (refuseWithoutCookie(r, loc.segs[0])) return;
    const base = loc.segs[loc.segs.length - 1];
    const dir = raw.endsWith('/');
    let target = loc.full;
    for (let n = 1; await statOf(target); n++)
      target = join(dirname(loc.full), dir ? `${base} (${n})` : dupName(base, n));
    await mkdir(dir ? target : dirname(target), { recursive: true });
    if (!dir) await writeFile(target, '');
    sendJson(res, 200, {});
  });

  // rm by dirents: what is missing is reported in a 500 "delete failed paths", the rest goes.
  sim.route('files', 'DELETE', '/api/resources/*', async (r) => {
    const { req, res, user, params } = r;
    const loc = await diskPath(user!, params['*']);
    if (!loc) return sendJson(res, 400, { error: 'invalid path' });
    if (refuseWithoutCookie(r, loc.segs[0])) return;
    const body = await readJson<{ dirents?: string[] }>(req);
    if (!Array.isArray(body?.dirents)) return sendJson(res, 400, { error: 'dirents required' });
    const failed: string[] = [];
    for (const d of body.dirents) {
      const name = String(d).replace(/^\/|\/$/g, '');
      if (!name || name.includes('/') || name === '..' || name === '.')
        return sendJson(res, 400, { error: `bad dirent ${d}` });
      const target = join(loc.full, name);
      if (!(await statOf(target))) failed.push(String(d));
      else await rm(target, { recursive: true, force: true });
    }
    if (failed.length) return sendJson(res, 500, { code: 1, data: failed, message: 'delete failed paths' });
    sendJson(res, 200, {});
  });

  // rename: the query is decoded once by the framework and once more by the posix driver.
  sim.route('files', 'PATCH', '/api/resources/*', async (r) => {
    const { res, user, params, url } = r;
    const loc = await diskPath(user!, params['*']);
    let dest: string;
    try {
      dest = decodeURIComponent(url.searchParams.get('destination') ?? '');
    } catch {
      return sendJson(res, 500, { code: 1, message: 'invalid URL escape in destination' });
    }
    if (!loc || !dest || /[/\\]/.test(dest) || dest === '..' || dest === '.')
      return sendJson(res, 400, { error: 'bad rename' });
    if (refuseWithoutCookie(r, loc.segs[0])) return;
    const parent = await readdir(dirname(loc.full)).catch(() => undefined);
    if (!parent?.includes(loc.segs[loc.segs.length - 1]))
      return sendJson(res, 500, { code: 1, message: `file ${params['*']} not exists` });
    if (parent.includes(dest))
      return sendJson(res, 500, {
        code: 1,
        message: `The name '${dest}' already exists. Please choose another name.`,
      });
    await rename(loc.full, join(dirname(loc.full), dest));
    sendJson(res, 200, {});
  });
}

export function registerRawReads(sim: Simulator, { diskPath }: FilesState) {
  // Raw bytes with Range (206 / 416); 400 for directories and missing files; sync answers a 302
  // to the seafile file server, except inline .txt/.log/.md, which come back directly.
  const seafTokens = new Map<string, { user: string; full: string }>();
  sim.route('files', 'GET', '/api/raw/*', async (r) => {
    const { res, user, params, url } = r;
    const loc = await diskPath(user!, params['*']);
    if (!loc) return sendJson(res, 400, { error: 'invalid path' });
    if (refuseWithoutCookie(r, loc.segs[0])) return;
    if (params['*'].endsWith('/'))
      return sendJson(res, 400, { error: `not a file, path: /${loc.segs.slice(2).join('/')}/` });
    const st = await statOf(loc.full);
    if (!st || st.isDirectory()) return sendJson(res, 400, FILE_NOT_EXIST);
    // sync.go Raw: only inline .txt/.log/.md come back directly; everything else redirects.
    const inlineText = url.searchParams.get('inline') === 'true' && /\.(txt|log|md)$/i.test(loc.full);
    if (loc.segs[0] === 'sync' && !inlineText) {
      const token = randomBytes(12).toString('hex');
      seafTokens.set(token, { user: user!.local, full: loc.full });
      const name = encodeURIComponent(loc.segs[loc.segs.length - 1]);
      res.writeHead(302, { location: `/seafhttp/files/${token}/${name}`, 'content-length': 0 });
      res.end();
      return;
    }
    await sendFileRange(r, loc.full, st.size);
  });

  // The seafile file server behind the sync 302; the token in the path names the file.
  sim.route(
    'files',
    'GET',
    '/seafhttp/files/:token/:name',
    async (r) => {
      sim.journal.push({
        key: 'files seafhttp',
        user: r.user!.olaresId,
        body: { range: r.req.headers.range },
      });
      const grant = seafTokens.get(r.params.token);
      if (!grant || grant.user !== r.user!.local) return sendText(r.res, 400, 'Bad access token');
      const st = await statOf(grant.full);
      if (!st) return sendText(r.res, 404, 'File not found');
      await sendFileRange(r, grant.full, st.size);
    },
    NODE_ROUTE,
  );
}
