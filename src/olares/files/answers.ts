// How the files backend says no: the typed errors born from its answers, and the reading of its
// error bodies (docs/wire/files.md, docs/wire/auth.md).
import { OlaresMcpError } from '../../errors.js';
import { HttpStatusError } from '../../transport/http.js';
import type { RemotePath } from './paths.js';

export class RemoteNotFoundError extends OlaresMcpError {
  constructor(path: string, what = 'not found on the server') {
    super(`${path}: ${what}. Fix: check the path with files_ls on its parent`, { code: 'not_found' });
  }
}

/** A task id the node does not know: it ran on another node, or finished over 12 hours ago. */
export class TaskNotFoundError extends OlaresMcpError {
  constructor(node: string, taskId: string) {
    super(
      `files task ${taskId} is not known on node ${node} (tasks live on the node that started them and are dropped after 12 hours). Fix: check the destination with files_ls`,
      { code: 'not_found' },
    );
  }
}

/** The server refused an upload chunk for good (a 4xx, or a 500 such as "Invalid MD5"). */
export class UploadRefusedError extends OlaresMcpError {
  constructor(name: string, cause: HttpStatusError) {
    super(`upload of ${name} refused: ${cause.message}`, { code: cause.code, retryable: false });
  }
}

/** The message of a files-backend error body (`{code:1,message}` or `{error}`), if any. */
export function serverMessage(err: HttpStatusError): string | undefined {
  try {
    const body = JSON.parse(err.body) as { message?: unknown; error?: unknown };
    const m = body?.message ?? body?.error;
    return typeof m === 'string' ? m : undefined;
  } catch {
    return undefined;
  }
}

/**
 * How the real backend says "not there": 500 "Directory not exist." from a listing, 400 "File
 * not exist" from raw (resources_service.go, raw_service.go); no resources or raw path answers 404.
 */
export function isNotFoundAnswer(err: unknown): boolean {
  if (!(err instanceof HttpStatusError)) return false;
  if (err.status === 404) return true;
  const m = serverMessage(err);
  return (
    (err.status === 500 && m === 'Directory not exist.') || (err.status === 400 && m === 'File not exist')
  );
}

/** A catch handler that turns the backend's "not there" into RemoteNotFoundError for `p`. */
export function notFoundAs<T>(p: RemotePath, what?: string) {
  return (err: unknown): T => {
    if (isNotFoundAnswer(err)) throw new RemoteNotFoundError(p.display, what);
    throw err;
  };
}
