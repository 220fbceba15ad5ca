// Archives in the simulated files service (beclab/files archive_service.go): compress and extract
// run as tasks on a node, polled at /api/task/:node/. The simulator's archive is a JSON manifest
// of the packed files rather than real zip bytes; what the tools see (task, names, conflicts,
// the extracted tree) follows the server. Olares 1.12.5 has no such routes: 404.
import { mkdir, readdir, readFile, writeFile } from 'node:fs/promises';
import { basename, dirname, join, relative } from 'node:path';
import { readJson, type SimRequest, sendJson } from '../http.js';
import type { Simulator } from '../server.js';
import { dupName, type FilesState, NODE_ROUTE, statOf } from './state.js';

const SUFFIX = /\.(tar\.gz|tar\.bz2|tar\.xz|tgz|tar|zip|7z|gz|bz2|xz)$/i;
const LOCAL = new Set(['drive', 'cache', 'external']);

interface Manifest {
  simArchive: 1;
  format: string;
  entries: Array<{ path: string; data: string }>;
}

async function collect(full: string, under: string, out: Manifest['entries']) {
  const st = await statOf(full);
  if (st?.isDirectory()) {
    for (const name of await readdir(full)) await collect(join(full, name), under, out);
  } else if (st) out.push({ path: relative(under, full), data: (await readFile(full)).toString('base64') });
}

/** The name a conflict policy gives `target`, or undefined when `skip` keeps what is there. */
async function landing(target: string, conflict: string) {
  if (conflict === 'overwrite' || !(await statOf(target))) return target;
  if (conflict === 'skip') return undefined;
  for (let n = 1; ; n++) {
    const next = join(dirname(target), dupName(basename(target), n));
    if (!(await statOf(next))) return next;
  }
}

export function registerArchive(sim: Simulator, { knownNode, diskPath, newTask }: FilesState) {
  const newer = () => !sim.options.osVersion.startsWith('1.12.5');

  const handle = (action: 'compress' | 'extract') => async (r: SimRequest) => {
    if (!newer()) return sendJson(r.res, 404, { error: '404 page not found' });
    if (!knownNode(r)) return;
    const body = (await readJson<any>(r.req)) ?? {};
    const sources: string[] = action === 'compress' ? (body.sources ?? []) : [body.source];
    const src = await Promise.all(
      sources.map((s) => (typeof s === 'string' ? diskPath(r.user!, s, true) : undefined)),
    );
    const dst = typeof body.destination === 'string' && (await diskPath(r.user!, body.destination, true));
    if (!dst || !src.length || src.some((s) => !s))
      return sendJson(r.res, 400, { error: 'source param error: invalid archive request' });
    if (![...src, dst].every((p) => p && LOCAL.has(p.segs[0])))
      return sendJson(r.res, 400, { error: 'archive only supported on local storages' });
    for (const s of src)
      if (!(await statOf(s!.full))) return sendJson(r.res, 400, { error: 'archive source not exists' });
    const task = newTask(r.params.node, r.user!.local, action, sources.join(','), body.destination);
    const conflict = String(body.conflict ?? 'rename');
    sim.later(50, async () => {
      try {
        if (action === 'compress')
          await pack(
            src.map((s) => s!.full),
            dst.full,
            String(body.format),
            conflict,
          );
        else await unpack(src[0]!.full, dst.full.replace(SUFFIX, ''), conflict);
        Object.assign(task, { status: 'completed', progress: 100 });
      } catch (err) {
        Object.assign(task, { status: 'failed', failed_reason: (err as Error).message });
      }
    });
    sendJson(r.res, 200, { code: 0, msg: 'success', task_id: task.id });
  };
  sim.route('files', 'POST', '/api/archive/:node/compress', handle('compress'), NODE_ROUTE);
  sim.route('files', 'POST', '/api/archive/:node/extract', handle('extract'), NODE_ROUTE);
}

async function pack(sources: string[], target: string, format: string, conflict: string) {
  const entries: Manifest['entries'] = [];
  for (const s of sources) await collect(s, dirname(s), entries);
  const at = await landing(target, conflict);
  if (at) await writeFile(at, JSON.stringify({ simArchive: 1, format, entries } satisfies Manifest));
}

async function unpack(archive: string, folder: string, conflict: string) {
  let manifest: Manifest;
  try {
    manifest = JSON.parse(await readFile(archive, 'utf8'));
    if (manifest.simArchive !== 1) throw new Error();
  } catch {
    throw new Error('archive_corrupt: not an archive this box can read');
  }
  for (const e of manifest.entries) {
    const at = await landing(join(folder, e.path), conflict);
    if (!at) continue;
    await mkdir(dirname(at), { recursive: true });
    await writeFile(at, Buffer.from(e.data, 'base64'));
  }
}
