// Archives on the box (Olares 1.12.6+): compress and extract run as tasks on one node's files
// pod, polled like a paste (beclab/files pkg/hertz/biz/handler/api/archive/archive_service.go;
// olares-cli cli/internal/files/archive). No password is ever sent: that would pass a secret
// through the agent.
import { OlaresMcpError, WireReader } from '../../errors.js';
import type { OlaresHttp } from '../../transport/http.js';

export type Conflict = 'rename' | 'overwrite' | 'skip';

/** What the server's NormalizeFor* accept, by the file name suffix that implies them. */
const SUFFIX_FORMATS: Array<[string, string]> = [
  ['.tar.gz', 'tar.gz'],
  ['.tar.bz2', 'tar.bz2'],
  ['.tar.xz', 'tar.xz'],
  ['.tgz', 'tgz'],
  ['.tar', 'tar'],
  ['.zip', 'zip'],
  ['.7z', '7z'],
  ['.gz', 'gzip'],
  ['.bz2', 'bzip2'],
  ['.xz', 'xz'],
];
export const ARCHIVE_SUFFIXES = SUFFIX_FORMATS.map(([suffix]) => suffix);
/** Compressors of one file's bytes: no directories, no second source. */
export const SINGLE_FILE_FORMATS = new Set(['gzip', 'bzip2', 'xz']);

export function formatOfName(name: string): string | undefined {
  const lower = name.toLowerCase();
  return SUFFIX_FORMATS.find(([suffix]) => lower.endsWith(suffix) && lower.length > suffix.length)?.[1];
}

/** `{code, msg, task_id}`; a non-zero code or a missing id is the server refusing. */
function taskIdOf(body: unknown, endpoint: string): string {
  const r = new WireReader('files', endpoint);
  const o = r.object(body, 'body');
  const code = r.optNumber(o, 'code') ?? 0;
  if (code !== 0)
    throw new OlaresMcpError(
      `${endpoint} refused: ${r.optString(o, 'msg') ?? r.optString(o, 'message') ?? `code ${code}`}`,
      {
        code: 'olares_error',
      },
    );
  const id = r.string(o, 'task_id');
  if (!id) r.fail('task_id', 'is empty');
  return id;
}

export async function compress(
  http: OlaresHttp,
  node: string,
  req: { sources: string[]; destination: string; format: string; conflict: Conflict },
  signal?: AbortSignal,
): Promise<string> {
  const body = await http.json<unknown>('files', `/api/archive/${encodeURIComponent(node)}/compress`, {
    method: 'POST',
    json: { ...req, preserveSymlinks: false },
    signal,
  });
  return taskIdOf(body, 'POST /api/archive/<node>/compress');
}

export async function extract(
  http: OlaresHttp,
  node: string,
  req: { source: string; destination: string; format: string; conflict: Conflict },
  signal?: AbortSignal,
): Promise<string> {
  const body = await http.json<unknown>('files', `/api/archive/${encodeURIComponent(node)}/extract`, {
    method: 'POST',
    json: { ...req, preserveSymlinks: false },
    signal,
  });
  return taskIdOf(body, 'POST /api/archive/<node>/extract');
}
