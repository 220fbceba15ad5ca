// Server-side tasks: a paste (copy or move) runs as a task on one node, and is polled by id.
import { WireReader } from '../../errors.js';
import type { OlaresHttp } from '../../transport/http.js';
import { parseTask, type TaskStatus } from './parsers.js';

export async function paste(
  http: OlaresHttp,
  action: 'copy' | 'move',
  source: string,
  destination: string,
  node: string,
  signal?: AbortSignal,
): Promise<string> {
  const body = await http.json<unknown>('files', `/api/paste/${encodeURIComponent(node)}/`, {
    method: 'PATCH',
    json: { action, source, destination },
    signal,
  });
  const r = new WireReader('files', 'PATCH /api/paste/<node>/');
  const taskId = r.string(r.object(body, 'body'), 'task_id');
  if (!taskId) r.fail('task_id', 'is empty');
  return taskId;
}

/** A 200 without a task means the node does not know the id: fails at once, never polls on. */
export async function task(
  http: OlaresHttp,
  node: string,
  taskId: string,
  signal?: AbortSignal,
): Promise<TaskStatus> {
  const body = await http.json<unknown>('files', `/api/task/${encodeURIComponent(node)}/`, {
    query: { task_id: taskId },
    signal,
  });
  return parseTask(body, node, taskId);
}
