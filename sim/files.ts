// The files service of the simulator: each user's namespaces live in a directory on disk. It
// answers the way beclab/files does (wire-auth-files.md; fixtures in test/fixtures/wire/files):
// 500 "Directory not exist." and 400 "File not exist" for missing paths, a 302 to /seafhttp for
// sync raw reads, version-suffixed names instead of overwrites, paste and tasks that live on one
// node of a multi-node box listed in random order, and node routes that take only the cookie.
import { createHash, randomBytes } from 'node:crypto';
import { createReadStream, createWriteStream } from 'node:fs';
import { cp, mkdir, mkdtemp, readdir, rename, rm, stat, truncate, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { dirname, join, normalize, sep } from 'node:path';
import { readJson, type SimRequest, sendJson, sendText } from './http.js';
import { ChunkError, receiveMultipart } from './multipart.js';
import type { Simulator } from './server.js';
import type { SimUser } from './users.js';

const CLOUD = new Set(['awss3', 'google', 'dropbox', 'tencent']);
const DEFAULT_HOME_DIRS = ['Documents', 'Downloads', 'Pictures', 'Movies', 'Music', 'Code'];

interface PasteTask {
  id: string;
  node: string;
  owner: string;
  action: string;
  source: string;
  dest: string;
  status: 'pending' | 'running' | 'completed' | 'failed';
  progress: number;
  failed_reason: string;
}

const DIR_NOT_EXIST = { code: 1, message: 'Directory not exist.' };
const FILE_NOT_EXIST = { code: 1, message: 'File not exist' };
/** Where the gateway routes by node, only the auth_token cookie authenticates. */
const NODE_ROUTE = { auth: 'cookie' as const };
/** Namespaces served by a node's pod (cache, external) or seafile (sync): cookie only too. */
const COOKIE_ONLY_TYPES = new Set(['cache', 'external', 'sync']);

/** `report.pdf` -> `report(1).pdf`, as the upload finalize names a collision (AddVersionSuffix). */
export function versionSuffixed(name: string, n: number): string {
  const dot = name.lastIndexOf('.');
  return dot > 0 ? `${name.slice(0, dot)}(${n})${name.slice(dot)}` : `${name}(${n})`;
}

/** `x.txt` -> `x (1).txt`, as the empty-file POST names a collision (GenerateDupName). */
function dupName(name: string, n: number): string {
  const dot = name.lastIndexOf('.');
  return dot > 0 ? `${name.slice(0, dot)} (${n})${name.slice(dot)}` : `${name} (${n})`;
}

function hasCookie(r: SimRequest): boolean {
  return /(?:^|;\s*)auth_token=/.test(r.req.headers.cookie ?? '');
}

interface Share {
  id: string;
  owner: string;
  file_type: string;
  extend: string;
  path: string;
  share_type: string;
  name: string;
  permission: number;
  password: string;
  expire_in?: number;
  expire_time?: string;
  create_time: string;
}

export function registerFiles(sim: Simulator) {
  let root: string | undefined;
  const ready = (async () => {
    root = sim.options.filesRoot ?? (await mkdtemp(join(tmpdir(), 'olares-sim-files-')));
    for (const u of sim.users.values()) {
      for (const d of DEFAULT_HOME_DIRS)
        await mkdir(join(root, u.local, 'drive', 'Home', d), { recursive: true });
      await mkdir(join(root, u.local, 'drive', 'Data'), { recursive: true });
      await mkdir(join(root, u.local, 'google', 'work', 'Reports'), { recursive: true });
      await writeFile(
        join(root, u.local, 'drive', 'Home', 'Documents', 'welcome.txt'),
        `Welcome to Olares, ${u.local}!\n`,
      );
    }
  })();
  if (!sim.options.filesRoot) {
    sim.onClose(async () => {
      await ready.catch(() => {}); // seeding may still run when a short test closes the box
      if (root) await rm(root, { recursive: true, force: true });
    });
  }
  const nodes = sim.options.filesNodes;
  const master = nodes.find((n) => n.master)?.name ?? nodes[0].name;
  // Tasks live in the memory of the pod that made them: a lookup on another node finds nothing.
  const tasks = new Map<string, PasteTask>();
  const taskKey = (node: string, id: string) => `${node}\0${id}`;
  const newTask = (node: string, owner: string, action: string, source = '', dest = '') => {
    const task: PasteTask = {
      id: `task${randomBytes(6).toString('hex')}`,
      node,
      owner,
      action,
      source,
      dest,
      status: 'running',
      progress: 0,
      failed_reason: '',
    };
    tasks.set(taskKey(node, task.id), task);
    return task;
  };
  const shares = new Map<string, Share>();

  /** Maps a URL path or wire path to disk; refuses anything that escapes the user's tree. */
  const diskPath = async (user: SimUser, encodedOrWire: string, decoded = false) => {
    await ready;
    const plain = decoded ? encodedOrWire : encodedOrWire.split('/').map(decodeURIComponent).join('/');
    const segs = plain.split('/').filter(Boolean);
    if (segs.some((s) => s === '..' || s === '.')) return undefined;
    const base = join(root!, user.local);
    const full = normalize(join(base, ...segs));
    return full === base || full.startsWith(base + sep) ? { full, segs } : undefined;
  };

  const statOf = (p: string) => stat(p).catch(() => undefined);

  const typeOfName = (name: string) => {
    const ext = name.includes('.') ? name.slice(name.lastIndexOf('.') + 1).toLowerCase() : '';
    if (['txt', 'md', 'json', 'csv', 'log'].includes(ext)) return 'text';
    if (['png', 'jpg', 'jpeg', 'gif'].includes(ext)) return 'image';
    return 'blob';
  };
  const extension = (name: string) => (name.lastIndexOf('.') > 0 ? name.slice(name.lastIndexOf('.')) : '');

  /** One FileInfo of pkg/files/file.go (drive, cache, external, sync listings). */
  const fileInfo = async (full: string, name: string, segs: string[]) => {
    const st = await stat(full);
    const sub = `/${segs.slice(2).join('/')}`;
    return {
      fileType: segs[0],
      fileExtend: segs[1],
      path: st.isDirectory() && !sub.endsWith('/') ? `${sub}/` : sub,
      name,
      size: st.size,
      fileSize: 0,
      extension: st.isDirectory() ? '' : extension(name),
      modified: st.mtime.toISOString(),
      mode: st.isDirectory() ? 2147484141 : 420,
      isDir: st.isDirectory(),
      isSymlink: false,
      type: st.isDirectory() ? '' : typeOfName(name),
    };
  };

  /** One CloudResponseData of pkg/models/cloud.go (awss3/google/dropbox listings). */
  const cloudItem = async (full: string, name: string, segs: string[]) => {
    const st = await stat(full);
    const sub = `/${segs.slice(2).join('/')}${st.isDirectory() ? '/' : ''}`;
    return {
      fileType: segs[0],
      fileExtend: segs[1],
      filePath: sub,
      path: sub,
      name,
      size: st.size,
      fileSize: st.size,
      extension: st.isDirectory() ? '' : extension(name),
      modified: st.mtime.toISOString(),
      mode: '',
      isDir: st.isDirectory(),
      isSymlink: false,
      type: st.isDirectory() ? '' : typeOfName(name),
      meta: null,
    };
  };

  /** Cookie-only namespaces refuse a request that carries the token only in X-Authorization. */
  const refuseWithoutCookie = (r: SimRequest, fileType: string) => {
    if (!COOKIE_ONLY_TYPES.has(fileType) || hasCookie(r)) return false;
    sendJson(r.res, 401, { status: 'KO', code: 401, message: 'missing auth_token cookie' });
    return true;
  };

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

  // ---- resumable upload (files.md sec. 8.3) ------------------------------------------------

  const partialPath = async (user: SimUser, parentDir: string, relativePath: string) => {
    await ready;
    const key = createHash('sha256').update(`${user.local}\0${parentDir}\0${relativePath}`).digest('hex');
    return join(root!, '.partials', key);
  };
  const knownNode = (r: SimRequest) => {
    if (nodes.some((n) => n.name === r.params.node)) return true;
    sendJson(r.res, 502, { error: `no files pod on node ${r.params.node}` });
    return false;
  };

  sim.route(
    'files',
    'GET',
    '/upload/file-uploaded-bytes/:node/',
    async (r) => {
      if (!knownNode(r)) return;
      const q = r.url.searchParams;
      const partial = await partialPath(r.user!, q.get('parent_dir') ?? '', q.get('file_name') ?? '');
      sendJson(r.res, 200, { uploadedBytes: (await statOf(partial))?.size ?? 0 });
    },
    NODE_ROUTE,
  );

  const links = new Map<string, { user: string; parentDir: string }>();
  sim.route(
    'files',
    'GET',
    '/upload/upload-link/:node/',
    async (r) => {
      if (!knownNode(r)) return;
      const parentDir = r.url.searchParams.get('file_path') ?? '';
      const fileType = parentDir.split('/').filter(Boolean)[0] ?? '';
      const onDrive = fileType === 'drive' || fileType === 'sync';
      if (sim.options.driveUploadNeedsMaster && onDrive && r.params.node !== master)
        return sendJson(r.res, 500, { error: `node ${r.params.node} does not hold the drive volume` });
      const id = randomBytes(8).toString('hex');
      links.set(id, { user: r.user!.local, parentDir });
      // Seafile hands out its own upload URL for sync; the files pod its node-bound one.
      sendText(
        r.res,
        200,
        fileType === 'sync' ? `/seafhttp/upload-aj/${id}` : `/upload/upload-link/${r.params.node}/${id}`,
      );
    },
    NODE_ROUTE,
  );

  const receiveChunk = async (r: SimRequest, id: string) => {
    const { req, res, user } = r;
    const link = links.get(id);
    const refuse = (status: number, error: string) => {
      req.resume(); // discard the unread body
      sendJson(res, status, { error });
    };
    if (!link || link.user !== user!.local) return refuse(404, 'unknown upload link');
    const range = /^bytes (\d+)-(\d+)\/(\d+)$/.exec(String(req.headers['content-range'] ?? ''));
    const boundary = /boundary=(.+)$/.exec(String(req.headers['content-type'] ?? ''))?.[1];
    if (!range || !boundary) return refuse(400, 'Content-Range and multipart body required');
    const [start, end, total] = [Number(range[1]), Number(range[2]), Number(range[3])];
    if (end < start || end >= total) return refuse(400, 'bad Content-Range');
    const parentLoc = await diskPath(user!, link.parentDir, true);
    if (!parentLoc || !(await statOf(parentLoc.full))?.isDirectory())
      return refuse(500, 'parent dir is not exist or is not a dir');
    let partial = '';
    let received: { fields: Record<string, string>; fileBytes: number };
    try {
      // The file part streams to disk at its offset; only the small fields are held in memory.
      received = await receiveMultipart(req, boundary, async (fields) => {
        const name = fields.resumableFilename;
        if (!name) throw new ChunkError('resumableFilename must come before the file part');
        partial = await partialPath(user!, link.parentDir, `${fields.relative_path ?? ''}${name}`);
        await mkdir(dirname(partial), { recursive: true });
        const have = (await statOf(partial))?.size ?? 0;
        if (start > have) throw new ChunkError(`chunk starts at ${start} but only ${have} bytes arrived`);
        if (start < have) await truncate(partial, start); // a re-sent chunk replaces what was there
        return createWriteStream(partial, { flags: 'a', highWaterMark: 1024 * 1024 });
      });
    } catch (err) {
      if (partial) await truncate(partial, start).catch(() => {}); // forget a half-received chunk
      if (err instanceof ChunkError) return refuse(500, err.message);
      if (!res.headersSent && !req.destroyed)
        return refuse(400, `bad multipart body: ${(err as Error).message}`);
      return;
    }
    const name = received.fields.resumableFilename;
    sim.journal.push({ key: 'files chunk', user: user!.olaresId, body: received.fields });
    if (!partial || received.fileBytes !== end - start + 1) {
      if (partial) await truncate(partial, start).catch(() => {});
      return sendJson(res, 500, { error: 'chunk does not match Content-Range' });
    }
    if (end + 1 < total) return sendJson(res, 200, { success: true });
    const dirLoc = await diskPath(user!, link.parentDir + (received.fields.relative_path ?? ''), true);
    if (!dirLoc) return sendJson(res, 400, { error: 'bad relative_path' });
    await mkdir(dirLoc.full, { recursive: true });
    // Never an overwrite: a taken name gets a version suffix (upload/operations.go AddVersionSuffix).
    let landed = name;
    for (let n = 1; await statOf(join(dirLoc.full, landed)); n++) landed = versionSuffixed(name, n);
    await rename(partial, join(dirLoc.full, landed));
    // Seafile's upload-aj answers {name, id, size}; the files pod adds its upload state.
    const fileId = randomBytes(8).toString('hex');
    const item = link.parentDir.startsWith('/sync/')
      ? { name, id: fileId, size: total }
      : { id: fileId, name, size: total, state: 'success' };
    if (CLOUD.has(dirLoc.segs[0])) {
      // Cloud targets answer with a task that moves the bytes on (files.md sec. 8.5).
      const node = r.params.node ?? master;
      const task = newTask(node, user!.local, 'upload');
      setTimeout(() => Object.assign(task, { status: 'completed', progress: 100 }), 100).unref();
      return sendJson(res, 200, [{ ...item, taskId: task.id }]);
    }
    sendJson(res, 200, [item]);
  };
  sim.route(
    'files',
    'POST',
    '/upload/upload-link/:node/:uid',
    (r) => (knownNode(r) ? receiveChunk(r, r.params.uid) : undefined),
    NODE_ROUTE,
  );
  sim.route('files', 'POST', '/seafhttp/upload-aj/:id', (r) => receiveChunk(r, r.params.id), NODE_ROUTE);

  // ---- paste tasks ---------------------------------------------------------------------------

  /** Which pod may run a paste into `dst` (posix_paste.go copyToDrive / copyToExternal). */
  const pasteRefusal = (node: string, dstSegs: string[]) => {
    if (dstSegs[0] === 'cache' || dstSegs[0] === 'external')
      return node === dstSegs[1]
        ? undefined
        : `Posix copyTo${dstSegs[0] === 'cache' ? 'Cache' : 'External'}, not master node`;
    return node === master ? undefined : 'Posix copyToDrive, not master node';
  };

  sim.route(
    'files',
    'PATCH',
    '/api/paste/:node/',
    async (r) => {
      if (!knownNode(r)) return;
      const { req, res, user } = r;
      const body = await readJson<{ action?: string; source?: string; destination?: string }>(req);
      const src = body?.source && (await diskPath(user!, body.source, true));
      const dst = body?.destination && (await diskPath(user!, body.destination, true));
      if (!src || !dst || (body?.action !== 'copy' && body?.action !== 'move'))
        return sendJson(res, 400, { error: 'file param error: invalid paste request' });
      if (!(await statOf(src.full)))
        return sendJson(res, 500, { error: 'Source path to copy does not exist or is not accessible.' });
      const refusal = pasteRefusal(r.params.node, dst.segs);
      if (refusal) return sendJson(res, 500, { code: 1, message: refusal });
      const task = newTask(r.params.node, user!.local, body.action, body.source, body.destination);
      setTimeout(async () => {
        try {
          if (await statOf(dst.full)) throw new Error('destination exists');
          if (body.action === 'copy')
            await cp(src.full, dst.full, { recursive: true, errorOnExist: true, force: false });
          else await rename(src.full, dst.full);
          Object.assign(task, { status: 'completed', progress: 100 });
        } catch (err) {
          Object.assign(task, { status: 'failed', failed_reason: (err as Error).message });
        }
      }, 50).unref();
      sendJson(res, 200, { task_id: task.id });
    },
    NODE_ROUTE,
  );

  // An unknown id (or the wrong node) answers 200 with no task (paste_service.go GetTaskMethod).
  sim.route(
    'files',
    'GET',
    '/api/task/:node/',
    (r) => {
      if (!knownNode(r)) return;
      const task = tasks.get(taskKey(r.params.node, r.url.searchParams.get('task_id') ?? ''));
      if (!task || task.owner !== r.user!.local) return sendJson(r.res, 200, { code: 0, msg: 'success' });
      sendJson(r.res, 200, { code: 0, msg: 'success', task: taskInfo(task) });
    },
    NODE_ROUTE,
  );

  // ---- shares (share_service.go; ViewSharePath of pkg/hertz/idl/share.thrift) ----------------

  const viewOf = (s: Share) => {
    const { password: _pw, expire_in, ...rest } = s;
    const suffix = s.file_type === 'cache' || s.file_type === 'external' ? `_${master}` : '';
    return {
      ...rest,
      id: `${s.id}${suffix}`,
      expire_in: expire_in ?? 0,
      expire_time: s.expire_time ?? '',
      upload_size_limit: 0,
      update_time: s.create_time,
      shared_by_me: true,
      public_smb: false,
    };
  };

  sim.route('files', 'POST', '/api/share/share_path/*', async ({ req, res, user, params }) => {
    const loc = await diskPath(user!, params['*']);
    if (!loc || !(await statOf(loc.full))?.isDirectory())
      return sendJson(res, 500, { error: 'stat share path: no such file or directory' });
    const body = (await readJson<any>(req)) ?? {};
    const external = body.share_type === 'external';
    if (external && !body.password)
      return sendJson(res, 400, { error: 'external share must have a password' });
    if (external && !body.permission)
      return sendJson(res, 400, { error: 'external share must have a permission' });
    if (external && !body.expire_in) return sendJson(res, 400, { error: 'expire time must not be empty' });
    const now = new Date();
    const share: Share = {
      id: crypto.randomUUID(),
      owner: user!.local,
      file_type: loc.segs[0],
      extend: loc.segs[1],
      path: `/${loc.segs.slice(2).join('/')}${loc.segs.length > 2 ? '/' : ''}`,
      share_type: String(body.share_type ?? 'internal'),
      name: String(body.name ?? ''),
      // internal shares are always ADMIN, whatever was asked (share_service.go:140)
      permission: external ? Number(body.permission) : 4,
      password: String(body.password ?? ''),
      expire_in: body.expire_in,
      expire_time: body.expire_in
        ? new Date(now.getTime() + Number(body.expire_in)).toISOString()
        : undefined,
      create_time: now.toISOString(),
    };
    shares.set(share.id, share);
    sendJson(res, 200, { code: 0, data: viewOf(share) });
  });

  sim.route('files', 'GET', '/api/share/share_path/', ({ res, user }) => {
    const mine = [...shares.values()].filter((s) => s.owner === user!.local).map(viewOf);
    sendJson(res, 200, { total: mine.length, share_paths: mine });
  });

  sim.route('files', 'DELETE', '/api/share/share_path/', ({ res, user, url }) => {
    for (const raw of (url.searchParams.get('path_ids') ?? '').split(',')) {
      const id = raw.replace(/_[^_]+$/, (m) => (nodes.some((n) => `_${n.name}` === m) ? '' : m));
      if (shares.get(id)?.owner === user!.local) shares.delete(id);
    }
    sendJson(res, 200, { code: 0, data: { success: true } });
  });
}

/** Raw bytes with Range: 206 + Content-Range, 416 when the start is past the end. */
async function sendFileRange(r: SimRequest, full: string, size: number) {
  const { req, res } = r;
  const range = /^bytes=(\d*)-(\d*)$/.exec(String(req.headers.range ?? ''));
  let start = 0;
  let end = size - 1;
  if (range) {
    if (range[1] === '' && range[2] !== '') start = Math.max(0, size - Number(range[2]));
    else {
      start = Number(range[1] || 0);
      if (range[2] !== '') end = Math.min(end, Number(range[2]));
    }
    if (start >= size) {
      res.writeHead(416, { 'content-range': `bytes */${size}` });
      res.end();
      return;
    }
  }
  res.writeHead(range ? 206 : 200, {
    'content-type': 'application/octet-stream',
    'content-length': end - start + 1,
    'accept-ranges': 'bytes',
    ...(range ? { 'content-range': `bytes ${start}-${end}/${size}` } : {}),
  });
  if (size === 0) {
    res.end();
    return;
  }
  createReadStream(full, { start, end, highWaterMark: 1024 * 1024 }).pipe(res);
}

/** TaskInfo of pkg/hertz/idl/paste.thrift. */
function taskInfo(t: PasteTask) {
  const name = (p: string) => p.replace(/\/$/, '').slice(p.replace(/\/$/, '').lastIndexOf('/') + 1);
  return {
    id: t.id,
    action: t.action,
    is_dir: t.source.endsWith('/'),
    filename: name(t.source),
    dest: t.dest,
    dst_filename: name(t.dest),
    source: t.source,
    current_phase: 1,
    total_phases: 1,
    progress: t.progress,
    transferred: 0,
    total_file_size: 0,
    tidy_dirs: false,
    status: t.status,
    failed_reason: t.failed_reason,
    pause_able: false,
  };
}
