// Shares (docs/wire/files.md#shares): create one on a folder, list them, remove them by id.
import type { OlaresHttp } from '../../transport/http.js';
import { notFoundAs } from './answers.js';
import { parseShareCreated, parseShareList, type ShareRecord } from './parsers.js';
import type { RemotePath } from './paths.js';

export interface ShareOptions {
  shareType: 'internal' | 'external';
  permission: number;
  password: string;
  expireInMs?: number;
}

export async function createShare(
  http: OlaresHttp,
  p: RemotePath,
  opts: ShareOptions,
  signal?: AbortSignal,
): Promise<ShareRecord> {
  const body: Record<string, unknown> = {
    name: p.name,
    share_type: opts.shareType,
    permission: opts.permission,
    password: opts.password,
  };
  if (opts.expireInMs) body.expire_in = opts.expireInMs;
  const env = await http
    .json<unknown>('files', `/api/share/share_path/${p.encoded(true)}`, {
      method: 'POST',
      json: body,
      signal,
    })
    .catch(notFoundAs<unknown>(p));
  return parseShareCreated(env);
}

export async function listShares(http: OlaresHttp, signal?: AbortSignal): Promise<ShareRecord[]> {
  return parseShareList(await http.json<unknown>('files', '/api/share/share_path/', { signal }));
}

export async function removeShares(http: OlaresHttp, ids: string[], signal?: AbortSignal): Promise<void> {
  await http
    .request('files', '/api/share/share_path/', {
      method: 'DELETE',
      query: { path_ids: ids.join(',') },
      signal,
    })
    .then((r) => r.body.dump());
}
