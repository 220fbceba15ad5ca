// The files service's shared state in the simulator: the on-disk tree every user's namespaces
// live in, the nodes, the paste tasks and shares, and the helpers every route group of
// sim/files/ uses (path mapping, FileInfo shapes, ranged reads).
import { createHash, randomBytes } from 'node:crypto';
import { createReadStream } from 'node:fs';
import { mkdir, mkdtemp, rm, stat, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join, normalize, sep } from 'node:path';
import { type SimRequest, sendJson } from '../http.js';
import type { Simulator } from '../server.js';
import type { SimUser } from '../users.js';

export const CLOUD = new Set(['awss3', 'google', 'dropbox', 'tencent']);
const DEFAULT_HOME_DIRS = ['Documents', 'Downloads', 'Pictures', 'Movies', 'Music', 'Code'];
/** The one Sync library every simulated user owns: its id is the extend of sync/<repo_id>/ paths. */
export const SYNC_REPO_ID = '5f1c0b7e-2d4a-4c8e-9b1f-0a6e3d2c4b1a';

export interface PasteTask {
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

export const DIR_NOT_EXIST = { code: 1, message: 'Directory not exist.' };
export const FILE_NOT_EXIST = { code: 1, message: 'File not exist' };
/** Where the gateway routes by node, only the auth_token cookie authenticates. */
export const NODE_ROUTE = { auth: 'cookie' as const };
/** Namespaces served by a node's pod (cache, external) or seafile (sync): cookie only too. */
const COOKIE_ONLY_TYPES = new Set(['cache', 'external', 'sync']);

/** `report.pdf` -> `report(1).pdf`, as the upload finalize names a collision (AddVersionSuffix). */
export function versionSuffixed(name: string, n: number): string {
  const dot = name.lastIndexOf('.');
  return dot > 0 ? `${name.slice(0, dot)}(${n})${name.slice(dot)}` : `${name}(${n})`;
}

/** `x.txt` -> `x (1).txt`, as the empty-file POST names a collision (GenerateDupName). */
export function dupName(name: string, n: number): string {
  const dot = name.lastIndexOf('.');
  return dot > 0 ? `${name.slice(0, dot)} (${n})${name.slice(dot)}` : `${name} (${n})`;
}

function hasCookie(r: SimRequest): boolean {
  return /(?:^|;\s*)auth_token=/.test(r.req.headers.cookie ?? '');
}

export interface Share {
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

/** What every route group of one simulated files service reads and changes. */
export type FilesState = ReturnType<typeof filesState>;

export function filesState(sim: Simulator) {
  const { ready, root } = seedTree(sim);
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
    const base = join(root(), user.local);
    const full = normalize(join(base, ...segs));
    return full === base || full.startsWith(base + sep) ? { full, segs } : undefined;
  };

  const partialPath = async (user: SimUser, parentDir: string, relativePath: string) => {
    await ready;
    const key = createHash('sha256').update(`${user.local}\0${parentDir}\0${relativePath}`).digest('hex');
    return join(root(), '.partials', key);
  };
  const knownNode = (r: SimRequest) => {
    if (nodes.some((n) => n.name === r.params.node)) return true;
    sendJson(r.res, 502, { error: `no files pod on node ${r.params.node}` });
    return false;
  };

  return { ready, nodes, master, tasks, taskKey, newTask, shares, diskPath, partialPath, knownNode };
}

/** Every user's default folders and a welcome file, in a fresh temp dir unless filesRoot is given. */
function seedTree(sim: Simulator) {
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
      await mkdir(join(root, u.local, 'sync', SYNC_REPO_ID), { recursive: true });
      await writeFile(join(root, u.local, 'sync', SYNC_REPO_ID, 'todo.txt'), `Notes of ${u.local}\n`);
    }
  })();
  if (!sim.options.filesRoot) {
    sim.onClose(async () => {
      await ready.catch(() => {}); // seeding may still run when a short test closes the box
      if (root) await rm(root, { recursive: true, force: true });
    });
  }
  // Read only after \`ready\`: the seeding sets it first thing.
  return { ready, root: () => root! };
}

export const statOf = (p: string) => stat(p).catch(() => undefined);

const typeOfName = (name: string) => {
  const ext = name.includes('.') ? name.slice(name.lastIndexOf('.') + 1).toLowerCase() : '';
  if (['txt', 'md', 'json', 'csv', 'log'].includes(ext)) return 'text';
  if (['png', 'jpg', 'jpeg', 'gif'].includes(ext)) return 'image';
  return 'blob';
};
const extension = (name: string) => (name.lastIndexOf('.') > 0 ? name.slice(name.lastIndexOf('.')) : '');

/** One FileInfo of pkg/files/file.go (drive, cache, external, sync listings). */
export const fileInfo = async (full: string, name: string, segs: string[]) => {
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
export const cloudItem = async (full: string, name: string, segs: string[]) => {
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
export const refuseWithoutCookie = (r: SimRequest, fileType: string) => {
  if (!COOKIE_ONLY_TYPES.has(fileType) || hasCookie(r)) return false;
  sendJson(r.res, 401, { status: 'KO', code: 401, message: 'missing auth_token cookie' });
  return true;
};

/** Raw bytes with Range: 206 + Content-Range, 416 when the start is past the end. */
export async function sendFileRange(r: SimRequest, full: string, size: number) {
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
export function taskInfo(t: PasteTask) {
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
