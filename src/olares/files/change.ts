// Changing the tree: mkdir, empty files, delete, rename, and the delete-then-rename that puts an
// uploaded file in another's place (the server never overwrites).
import { OlaresMcpError } from '../../errors.js';
import { HttpStatusError, type OlaresHttp } from '../../transport/http.js';
import { notFoundAs, RemoteNotFoundError, serverMessage } from './answers.js';
import type { RemotePath } from './paths.js';

export async function mkdir(http: OlaresHttp, p: RemotePath, signal?: AbortSignal): Promise<void> {
  await http
    .request('files', `/api/resources/${p.encoded(true)}`, {
      method: 'POST',
      body: '',
      signal,
      allowStatus: [409],
    })
    .then((r) => r.body.dump())
    .catch(notFoundAs<void>(p.parent, 'parent directory does not exist'));
}

/** Creates an empty file; the server renames on a collision (`x (1).txt`), so stat first. */
export async function createEmptyFile(http: OlaresHttp, p: RemotePath, signal?: AbortSignal): Promise<void> {
  await http
    .request('files', `/api/resources/${p.encoded(false)}`, { method: 'POST', body: '', signal })
    .then((r) => r.body.dump());
}

/**
 * One DELETE for entries of one parent directory. Missing entries answer 500 "delete failed
 * paths" with the dirents in `data` (the others are gone by then).
 */
export async function remove(
  http: OlaresHttp,
  parent: RemotePath,
  dirents: string[],
  signal?: AbortSignal,
): Promise<void> {
  await http
    .request('files', `/api/resources/${parent.encoded(true)}`, {
      method: 'DELETE',
      json: { dirents },
      signal,
    })
    .then((r) => r.body.dump())
    .catch((err) => {
      if (err instanceof HttpStatusError && serverMessage(err) === 'delete failed paths') {
        let failed: unknown;
        try {
          failed = JSON.parse(err.body).data;
        } catch {}
        const names = Array.isArray(failed) ? failed.map(String).join(', ') : dirents.join(', ');
        throw new RemoteNotFoundError(parent.display, `could not delete ${names.slice(0, 300)}`);
      }
      return notFoundAs<void>(parent)(err);
    });
}

/**
 * The backend decodes `destination` twice (the framework, then url.PathUnescape in the posix
 * driver), so the name is encoded twice: `100% done` and `a%41` arrive as typed.
 */
export async function rename(
  http: OlaresHttp,
  p: RemotePath,
  isDir: boolean,
  newName: string,
  signal?: AbortSignal,
): Promise<void> {
  await http
    .request('files', `/api/resources/${p.encoded(isDir)}`, {
      method: 'PATCH',
      query: { destination: encodeURIComponent(newName) },
      signal,
    })
    .then((r) => r.body.dump())
    .catch((err) => {
      const m = err instanceof HttpStatusError ? serverMessage(err) : undefined;
      if (err instanceof HttpStatusError && (err.status === 409 || /already exists/.test(m ?? ''))) {
        throw new OlaresMcpError(
          `rename ${p.display}: "${newName}" already exists in ${p.parent.display}. Fix: pick another name or remove the existing entry first`,
          { code: 'conflict' },
        );
      }
      if (err instanceof HttpStatusError && err.status === 500 && /not exists?\b/.test(m ?? ''))
        throw new RemoteNotFoundError(p.display);
      return notFoundAs<void>(p)(err);
    });
}

/**
 * Puts `staged` (just uploaded beside `original`; the server never overwrites) in the
 * original's place: delete the original, then rename. If the delete fails the original stays
 * and the staged copy goes; if the rename fails, the error names where the new bytes are.
 */
export async function replaceWith(
  http: OlaresHttp,
  original: RemotePath,
  staged: RemotePath,
  signal?: AbortSignal,
): Promise<void> {
  try {
    await remove(http, original.parent, [`/${original.name}`], signal);
  } catch (err) {
    await remove(http, staged.parent, [`/${staged.name}`]).catch(() => {});
    throw new OlaresMcpError(
      `overwrite of ${original.display}: could not delete the old file (${(err as Error).message}); it was kept unchanged and the upload was discarded`,
      { code: 'olares_error', retryable: (err as OlaresMcpError).retryable },
    );
  }
  try {
    await rename(http, staged, false, original.name, signal);
  } catch (err) {
    throw new OlaresMcpError(
      `overwrite of ${original.display}: the old file was deleted but renaming the new one failed (${(err as Error).message}). The new content is at ${staged.display}. Fix: rename it with files_rename`,
      { code: 'olares_error' },
    );
  }
}
