// The files service's paste tasks in the simulator: a copy or move runs on one node's pod, and
// its task lives only in that pod's memory (paste_service.go).
import { cp, rename } from 'node:fs/promises';
import { readJson, sendJson } from '../http.js';
import type { Simulator } from '../server.js';
import { type FilesState, NODE_ROUTE, statOf, taskInfo } from './state.js';

export function registerPaste(
  sim: Simulator,
  { master, knownNode, diskPath, newTask, tasks, taskKey }: FilesState,
) {
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
      sim.later(50, async () => {
        try {
          if (await statOf(dst.full)) throw new Error('destination exists');
          if (body.action === 'copy')
            await cp(src.full, dst.full, { recursive: true, errorOnExist: true, force: false });
          else await rename(src.full, dst.full);
          Object.assign(task, { status: 'completed', progress: 100 });
        } catch (err) {
          Object.assign(task, { status: 'failed', failed_reason: (err as Error).message });
        }
      });
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
}
