// Every answer of the files service goes through a parser here; nothing untyped leaves.
import { OlaresMcpError, type WireObject, WireReader } from '../../errors.js';
import { TaskNotFoundError } from './answers.js';

export interface Entry {
  name: string;
  isDir: boolean;
  size: number;
  modified?: string;
  type?: string;
}

export interface Listing {
  path: string;
  numDirs: number;
  numFiles: number;
  items: Entry[];
}

function parseEntry(r: WireReader, raw: unknown, at: string): Entry {
  const o = r.object(raw, at);
  const m = o.modified;
  const modified =
    typeof m === 'string' && m ? m : typeof m === 'number' ? new Date(m * 1000).toISOString() : undefined;
  const size = r.optNumber(o, 'size', `${at}.`) || r.optNumber(o, 'fileSize', `${at}.`) || 0;
  return {
    name: r.string(o, 'name', `${at}.`),
    isDir: r.optBoolean(o, 'isDir', `${at}.`) === true,
    size,
    modified,
    type: r.optString(o, 'type', `${at}.`) || undefined,
  };
}

/** A drive/cache/external/sync listing has `items`; a cloud (rclone) one has `data`. */
export function parseListing(body: unknown, endpoint: string, path: string): Listing {
  const r = new WireReader('files', endpoint);
  const o = r.object(body, 'body');
  const key = Array.isArray(o.items) ? 'items' : Array.isArray(o.data) ? 'data' : undefined;
  if (!key && o.items !== null && o.data !== null)
    r.fail('items', 'should be an array (or data, for cloud drives)');
  const items = key ? (o[key] as unknown[]).map((x, i) => parseEntry(r, x, `${key}[${i}]`)) : [];
  return {
    path,
    numDirs: r.optNumber(o, 'numDirs') ?? items.filter((i) => i.isDir).length,
    numFiles: r.optNumber(o, 'numFiles') ?? items.filter((i) => !i.isDir).length,
    items,
  };
}

export interface FilesNode {
  name: string;
  master: boolean;
}

export function parseNodes(body: unknown): FilesNode[] {
  const r = new WireReader('files', 'GET /api/nodes/');
  const data = r.object(r.object(body, 'body').data, 'data');
  return r.array(data.nodes, 'data.nodes').map((n, i) => {
    const o = r.object(n, `data.nodes[${i}]`);
    return { name: r.string(o, 'name', `data.nodes[${i}].`), master: o.master === true };
  });
}

export function parseTask(body: unknown, node: string, taskId: string): TaskStatus {
  const r = new WireReader('files', 'GET /api/task/<node>/');
  const o = r.object(body, 'body');
  const t = r.optObject(o.task, 'task');
  if (!t) throw new TaskNotFoundError(node, taskId);
  const raw = r.string(t, 'status', 'task.');
  const status = raw === 'cancelled' ? 'canceled' : raw;
  if (!['pending', 'running', 'paused', 'completed', 'failed', 'canceled'].includes(status))
    r.fail('task.status', `has the unknown value "${raw.slice(0, 40)}"`);
  return {
    id: taskId,
    status: (status === 'paused' ? 'running' : status) as TaskStatus['status'],
    progress: r.optNumber(t, 'progress', 'task.'),
    message: r.optString(t, 'failed_reason', 'task.') || undefined,
  };
}

export interface ShareRecord {
  id: string;
  path: string;
  name: string;
  shareType: string;
  permission: number;
  expireTime?: string;
}

export interface TaskStatus {
  id: string;
  status: 'pending' | 'running' | 'completed' | 'failed' | 'canceled';
  progress?: number;
  message?: string;
}

export function parseLastChunk(text: string): { taskId?: string } {
  const r = new WireReader('files', 'POST <upload link> (last chunk)');
  let parsed: unknown;
  try {
    parsed = JSON.parse(text);
  } catch {
    r.fail('body', `is not JSON: ${text.slice(0, 80)}`);
  }
  const first = r.array(parsed, 'body')[0];
  if (first === undefined) return {};
  const taskId = r.optString(r.object(first, 'body[0]'), 'taskId', 'body[0].');
  return taskId ? { taskId } : {};
}

function parseShare(r: WireReader, raw: unknown, at: string): ShareRecord {
  const o: WireObject = r.object(raw, at);
  const f = `${at}.`;
  return {
    id: r.string(o, 'id', f),
    path: `${r.string(o, 'file_type', f)}/${r.string(o, 'extend', f)}${r.string(o, 'path', f)}`,
    name: r.optString(o, 'name', f) ?? '',
    shareType: r.string(o, 'share_type', f),
    permission: r.optNumber(o, 'permission', f) ?? 0,
    expireTime: r.optString(o, 'expire_time', f) || undefined,
  };
}

export function parseShareCreated(body: unknown): ShareRecord {
  const r = new WireReader('files', 'POST /api/share/share_path/<dir>/');
  const o = r.object(body, 'body');
  if (o.code !== 0)
    throw new OlaresMcpError(
      `share create: server rejected (code ${String(o.code)}): ${r.optString(o, 'message') ?? ''}`,
      { code: 'olares_error' },
    );
  return parseShare(r, o.data, 'data');
}

export function parseShareList(body: unknown): ShareRecord[] {
  const r = new WireReader('files', 'GET /api/share/share_path/');
  const o = r.object(body, 'body');
  if (o.share_paths === null || o.share_paths === undefined) return [];
  return r.array(o.share_paths, 'share_paths').map((x, i) => parseShare(r, x, `share_paths[${i}]`));
}
