// The files service of the simulator (olares-api/files.md sec. 18): each user's namespaces live
// in a directory on disk; listings, raw reads with Range, the resumable chunk upload, mkdir with
// auto-rename, rm by dirents, async paste tasks, rename and shares.
import { createHash, randomBytes } from 'node:crypto';
import { once } from 'node:events';
import { createReadStream, createWriteStream, type WriteStream } from 'node:fs';
import { cp, mkdir, mkdtemp, readdir, rename, rm, stat, truncate, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { dirname, join, normalize, sep } from 'node:path';
import { readJson, type SimRequest, sendJson, sendText } from './http.js';
import type { Simulator } from './server.js';
import type { SimUser } from './users.js';

const NODE = 'olares';
const CLOUD = new Set(['awss3', 'google', 'dropbox', 'tencent']);
const DEFAULT_HOME_DIRS = ['Documents', 'Downloads', 'Pictures', 'Movies', 'Music', 'Code'];

interface PasteTask {
  id: string;
  status: 'running' | 'completed' | 'failed';
  progress: number;
  failed_reason?: string;
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
  const tasks = new Map<string, PasteTask>();
  const newTask = () => {
    const task: PasteTask = { id: randomBytes(6).toString('hex'), status: 'running', progress: 0 };
    tasks.set(task.id, task);
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

  const entryJson = async (full: string, name: string, cloud: boolean) => {
    const st = await stat(full);
    const ext = name.includes('.') ? name.slice(name.lastIndexOf('.') + 1).toLowerCase() : '';
    const type = st.isDirectory()
      ? ''
      : ['txt', 'md', 'json', 'csv', 'log'].includes(ext)
        ? 'text'
        : ['png', 'jpg', 'gif'].includes(ext)
          ? 'image'
          : 'blob';
    return cloud
      ? { name, isDir: st.isDirectory(), fileSize: st.size, size: st.size, mode: '', modified: '', type }
      : {
          name,
          path: '',
          isDir: st.isDirectory(),
          isSymlink: false,
          size: st.size,
          modified: st.mtime.toISOString(),
          mode: st.isDirectory() ? 2147484141 : 420,
          type,
        };
  };

  // GET /api/nodes/
  sim.route('files', 'GET', '/api/nodes/', ({ res }) =>
    sendJson(res, 200, { data: { nodes: [{ name: NODE, master: true }] } }),
  );

  // Listing. A file URL answers 500 like the real backend (it reads the content into the answer).
  sim.route('files', 'GET', '/api/resources/*', async ({ res, user, params }) => {
    const loc = await diskPath(user!, params['*']);
    if (!loc) return sendJson(res, 400, { error: 'invalid path' });
    const st = await statOf(loc.full);
    if (!st) return sendJson(res, 404, { error: 'not found' });
    if (!st.isDirectory()) return sendJson(res, 500, { error: 'backend read the file into the listing' });
    const cloud = CLOUD.has(loc.segs[0]);
    const names = (await readdir(loc.full)).filter((n) => !n.startsWith('.olares-'));
    const items = await Promise.all(names.map((n) => entryJson(join(loc.full, n), n, cloud)));
    const name = loc.segs[loc.segs.length - 1];
    if (cloud)
      return sendJson(res, 200, {
        name,
        path: `/${loc.segs.slice(2).join('/')}`,
        mode: '',
        modified: '',
        data: items,
      });
    sendJson(res, 200, {
      name,
      path: `/${loc.segs.slice(2).join('/')}${loc.segs.length > 2 ? '/' : ''}`,
      isSymlink: false,
      modified: st.mtime.toISOString(),
      mode: 2147484141,
      numDirs: items.filter((i) => i.isDir).length,
      numFiles: items.filter((i) => !i.isDir).length,
      items,
    });
  });

  // mkdir (trailing slash, auto-rename on conflict) or create an empty file (no slash).
  sim.route('files', 'POST', '/api/resources/*', async ({ res, user, params }) => {
    const raw = params['*'];
    const loc = await diskPath(user!, raw);
    if (!loc || loc.segs.length < 3) return sendJson(res, 400, { error: 'invalid path' });
    if (!(await statOf(dirname(loc.full)))?.isDirectory())
      return sendJson(res, 404, { error: 'parent not found' });
    if (raw.endsWith('/')) {
      let target = loc.full;
      for (let n = 1; await statOf(target); n++) target = `${loc.full} (${n})`;
      await mkdir(target);
      return sendJson(res, 200, { code: 0 });
    }
    if (await statOf(loc.full)) return sendJson(res, 409, { error: 'file exists' });
    await writeFile(loc.full, '');
    sendJson(res, 200, { code: 0 });
  });

  sim.route('files', 'DELETE', '/api/resources/*', async ({ req, res, user, params }) => {
    const loc = await diskPath(user!, params['*']);
    if (!loc || !(await statOf(loc.full))?.isDirectory()) return sendJson(res, 404, { error: 'not found' });
    const body = await readJson<{ dirents?: string[] }>(req);
    if (!Array.isArray(body?.dirents)) return sendJson(res, 400, { error: 'dirents required' });
    for (const d of body.dirents) {
      const name = String(d).replace(/^\/|\/$/g, '');
      if (!name || name.includes('/') || name === '..' || name === '.')
        return sendJson(res, 400, { error: `bad dirent ${d}` });
      const target = join(loc.full, name);
      if (!(await statOf(target))) return sendJson(res, 404, { error: `${name} not found` });
      await rm(target, { recursive: true, force: true });
    }
    sendJson(res, 200, { code: 0 });
  });

  sim.route('files', 'PATCH', '/api/resources/*', async ({ res, user, params, url }) => {
    const loc = await diskPath(user!, params['*']);
    const dest = url.searchParams.get('destination') ?? '';
    if (!loc || !dest || /[/\\]/.test(dest) || dest === '..' || dest === '.')
      return sendJson(res, 400, { error: 'bad rename' });
    if (!(await statOf(loc.full))) return sendJson(res, 404, { error: 'not found' });
    const target = join(dirname(loc.full), dest);
    if (await statOf(target)) return sendJson(res, 409, { error: 'target exists' });
    await rename(loc.full, target);
    sendJson(res, 200, { code: 0 });
  });

  // Raw bytes with Range (206 / 416), 400 for directories.
  sim.route('files', 'GET', '/api/raw/*', async ({ req, res, user, params }) => {
    const loc = await diskPath(user!, params['*']);
    const st = loc && (await statOf(loc.full));
    if (!loc || !st) return sendJson(res, 404, { error: 'not found' });
    if (st.isDirectory()) return sendJson(res, 400, { error: `not a file, path: ${params['*']}` });
    const range = /^bytes=(\d*)-(\d*)$/.exec(String(req.headers.range ?? ''));
    let start = 0;
    let end = st.size - 1;
    if (range) {
      if (range[1] === '' && range[2] !== '') start = Math.max(0, st.size - Number(range[2]));
      else {
        start = Number(range[1] || 0);
        if (range[2] !== '') end = Math.min(end, Number(range[2]));
      }
      if (start >= st.size) {
        res.writeHead(416, { 'content-range': `bytes */${st.size}` });
        res.end();
        return;
      }
    }
    res.writeHead(range ? 206 : 200, {
      'content-type': 'application/octet-stream',
      'content-length': end - start + 1,
      'accept-ranges': 'bytes',
      ...(range ? { 'content-range': `bytes ${start}-${end}/${st.size}` } : {}),
    });
    if (st.size === 0) {
      res.end();
      return;
    }
    createReadStream(loc.full, { start, end, highWaterMark: 1024 * 1024 }).pipe(res);
  });

  // ---- resumable upload (files.md sec. 8.3) ------------------------------------------------

  const partialPath = async (user: SimUser, parentDir: string, relativePath: string) => {
    await ready;
    const key = createHash('sha256').update(`${user.local}\0${parentDir}\0${relativePath}`).digest('hex');
    return join(root!, '.partials', key);
  };

  sim.route('files', 'GET', '/upload/file-uploaded-bytes/:node/', async ({ res, user, url }) => {
    const partial = await partialPath(
      user!,
      url.searchParams.get('parent_dir') ?? '',
      url.searchParams.get('file_name') ?? '',
    );
    sendJson(res, 200, { uploadedBytes: (await statOf(partial))?.size ?? 0 });
  });

  const links = new Map<string, { user: string; parentDir: string }>();
  sim.route('files', 'GET', '/upload/upload-link/:node/', async ({ res, user, url }) => {
    const parentDir = url.searchParams.get('file_path') ?? '';
    const loc = await diskPath(user!, parentDir, true);
    if (!loc || !(await statOf(loc.full))?.isDirectory())
      return sendJson(res, 404, { error: 'parent_dir not found' });
    const id = randomBytes(8).toString('hex');
    links.set(id, { user: user!.local, parentDir });
    sendText(res, 200, `/seafhttp/upload-aj/${id}`);
  });

  sim.route('files', 'POST', '/seafhttp/upload-aj/:id', async (r: SimRequest) => {
    const { req, res, user, params } = r;
    const link = links.get(params.id);
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
      if (err instanceof ChunkError) return refuse(400, err.message);
      if (!res.headersSent && !req.destroyed)
        return refuse(400, `bad multipart body: ${(err as Error).message}`);
      return;
    }
    const name = received.fields.resumableFilename;
    if (!partial || received.fileBytes !== end - start + 1) {
      if (partial) await truncate(partial, start).catch(() => {});
      return sendJson(res, 400, { error: 'chunk does not match Content-Range' });
    }
    // Which bytes of which file arrived: tests tell a resumed file from one sent again.
    sim.journal.push({
      key: 'POST /files/seafhttp/upload-aj/:id',
      user: user!.olaresId,
      body: { relativePath: `${received.fields.relative_path ?? ''}${name}`, start, end, total },
    });
    if (end + 1 === total) {
      const dirLoc = await diskPath(user!, link.parentDir + (received.fields.relative_path ?? ''), true);
      if (!dirLoc) return sendJson(res, 400, { error: 'bad relative_path' });
      await mkdir(dirLoc.full, { recursive: true });
      await rename(partial, join(dirLoc.full, name));
      if (CLOUD.has(dirLoc.segs[0])) {
        // Cloud targets answer with a task that moves the bytes on (files.md sec. 8.5).
        const task = newTask();
        setTimeout(() => Object.assign(task, { status: 'completed', progress: 100 }), 100).unref();
        return sendJson(res, 200, [{ taskId: task.id }]);
      }
      return sendJson(res, 200, [{ name, size: total }]);
    }
    sendJson(res, 200, { success: true });
  });

  // ---- paste tasks ---------------------------------------------------------------------------

  sim.route('files', 'PATCH', '/api/paste/:node/', async ({ req, res, user }) => {
    const body = await readJson<{ action?: string; source?: string; destination?: string }>(req);
    const src = body?.source && (await diskPath(user!, body.source, true));
    const dst = body?.destination && (await diskPath(user!, body.destination, true));
    if (!src || !dst || (body?.action !== 'copy' && body?.action !== 'move'))
      return sendJson(res, 200, { code: -1, message: 'invalid paste request' });
    const task = newTask();
    setTimeout(async () => {
      try {
        if (!(await statOf(src.full))) throw new Error('source not found');
        if (await statOf(dst.full)) throw new Error('destination exists');
        if (body.action === 'copy')
          await cp(src.full, dst.full, { recursive: true, errorOnExist: true, force: false });
        else await rename(src.full, dst.full);
        Object.assign(task, { status: 'completed', progress: 100 });
      } catch (err) {
        Object.assign(task, { status: 'failed', failed_reason: (err as Error).message });
      }
    }, 50).unref();
    sendJson(res, 200, { code: 0, task_id: task.id });
  });

  sim.route('files', 'GET', '/api/task/:node/', ({ res, url }) => {
    const task = tasks.get(url.searchParams.get('task_id') ?? '');
    if (!task) return sendJson(res, 404, { code: 1, message: 'task not found' });
    sendJson(res, 200, { code: 0, msg: '', task: { ...task, pause_able: false } });
  });

  // ---- shares --------------------------------------------------------------------------------

  sim.route('files', 'POST', '/api/share/share_path/*', async ({ req, res, user, params }) => {
    const loc = await diskPath(user!, params['*']);
    if (!loc || !(await statOf(loc.full))?.isDirectory())
      return sendJson(res, 404, { code: 1, message: 'path not found' });
    const body = (await readJson<any>(req)) ?? {};
    const id = randomBytes(8).toString('hex');
    const now = new Date();
    const share: Share = {
      id,
      owner: user!.local,
      file_type: loc.segs[0],
      extend: loc.segs[1],
      path: `/${loc.segs.slice(2).join('/')}${loc.segs.length > 2 ? '/' : ''}`,
      share_type: String(body.share_type ?? 'internal'),
      name: String(body.name ?? ''),
      permission: Number(body.permission ?? 1),
      password: String(body.password ?? ''),
      expire_in: body.expire_in,
      expire_time: body.expire_in
        ? new Date(now.getTime() + Number(body.expire_in)).toISOString()
        : undefined,
      create_time: now.toISOString(),
    };
    shares.set(id, share);
    const { password: _pw, ...record } = share;
    sendJson(res, 200, { code: 0, message: 'success', data: { ...record, shared_by_me: true } });
  });

  sim.route('files', 'GET', '/api/share/share_path/', ({ res, user }) => {
    const mine = [...shares.values()]
      .filter((s) => s.owner === user!.local)
      .map(({ password: _pw, ...r }) => r);
    sendJson(res, 200, { share_paths: mine });
  });

  sim.route('files', 'DELETE', '/api/share/share_path/', ({ res, user, url }) => {
    for (const id of (url.searchParams.get('path_ids') ?? '').split(',')) {
      if (shares.get(id)?.owner === user!.local) shares.delete(id);
    }
    sendJson(res, 200, { code: 0 });
  });
}

class ChunkError extends Error {}

/**
 * Reads a multipart/form-data upload chunk as a stream: fields are collected as text; the
 * `file` part goes to the sink `openFile` returns (opened once the fields before it are known).
 */
async function receiveMultipart(
  req: AsyncIterable<Buffer | string>,
  boundary: string,
  openFile: (fields: Record<string, string>) => Promise<WriteStream>,
): Promise<{ fields: Record<string, string>; fileBytes: number }> {
  const delim = Buffer.from(`\r\n--${boundary}`);
  const fields: Record<string, string> = {};
  let buf: Buffer = Buffer.from('\r\n'); // so the first delimiter looks like the others
  let mode: 'seek' | 'field' | 'file' | 'done' = 'seek';
  let fieldName = '';
  let sink: WriteStream | undefined;
  let fileBytes = 0;
  const write = async (b: Buffer) => {
    if (!b.length || !sink) return;
    fileBytes += b.length;
    if (!sink.write(b)) await once(sink, 'drain');
  };
  try {
    for await (const piece of req) {
      buf = buf.length ? Buffer.concat([buf, piece as Buffer]) : (piece as Buffer);
      for (;;) {
        if (mode === 'done') break;
        if (mode === 'file') {
          const at = buf.indexOf(delim);
          if (at < 0) {
            const keep = Math.min(buf.length, delim.length - 1); // a delimiter may straddle reads
            await write(buf.subarray(0, buf.length - keep));
            buf = buf.subarray(buf.length - keep);
            break;
          }
          await write(buf.subarray(0, at));
          buf = buf.subarray(at);
          mode = 'seek';
          continue;
        }
        if (mode === 'field') {
          const at = buf.indexOf(delim);
          if (at < 0) break;
          fields[fieldName] = buf.subarray(0, at).toString('utf8');
          buf = buf.subarray(at);
          mode = 'seek';
          continue;
        }
        // seek: a delimiter, then `--` (end) or CRLF + part headers + CRLF CRLF
        if (buf.length < delim.length + 2) break;
        if (!buf.subarray(0, delim.length).equals(delim)) throw new Error('malformed multipart body');
        if (buf[delim.length] === 0x2d && buf[delim.length + 1] === 0x2d) {
          mode = 'done';
          break;
        }
        const headerEnd = buf.indexOf('\r\n\r\n', delim.length + 2);
        if (headerEnd < 0) {
          if (buf.length > 64 * 1024) throw new Error('multipart part headers too long');
          break;
        }
        const headers = buf.subarray(delim.length + 2, headerEnd).toString('utf8');
        fieldName = /name="([^"]*)"/.exec(headers)?.[1] ?? '';
        buf = buf.subarray(headerEnd + 4);
        if (fieldName === 'file') {
          if (sink) throw new Error('more than one file part');
          sink = await openFile(fields);
          mode = 'file';
        } else mode = 'field';
      }
    }
    if (mode !== 'done') throw new Error('multipart body ended early');
  } catch (err) {
    sink?.destroy();
    throw err;
  }
  if (sink) {
    sink.end();
    await once(sink, 'finish');
  }
  return { fields, fileBytes };
}
