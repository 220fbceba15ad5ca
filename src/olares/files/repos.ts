// The Sync (Seafile) libraries behind `sync/<repo_id>/...` paths: GET /api/repos/ for the
// user's own, ?type=share_to_me and ?type=shared for the shared ones (olares-cli
// cli/internal/files/repos/repos.go). The salt of an encrypted library is never read.
import { OlaresMcpError, WireReader } from '../../errors.js';
import type { OlaresHttp } from '../../transport/http.js';

export interface SyncRepo {
  id: string;
  name: string;
  kind: 'mine' | 'shared-with-me' | 'shared-by-me';
  permission?: string;
  owner?: string;
  encrypted: boolean;
  size?: number;
  modified?: string;
}

const KINDS: Array<[SyncRepo['kind'], string | undefined]> = [
  ['mine', undefined],
  ['shared-with-me', 'share_to_me'],
  ['shared-by-me', 'shared'],
];

/** Some gateways send booleans and sizes as strings (repos.go flexBool, flexInt64). */
const flexBool = (v: unknown) => v === true || (typeof v === 'string' && /^(true|1|yes|on)$/i.test(v.trim()));
const flexNumber = (v: unknown) => {
  const n = typeof v === 'string' && v.trim() !== '' ? Number(v) : v;
  return typeof n === 'number' && Number.isFinite(n) ? n : undefined;
};

function parseRepos(body: unknown, kind: SyncRepo['kind'], endpoint: string): SyncRepo[] {
  const r = new WireReader('files', endpoint);
  const o = r.object(body, 'body');
  const code = r.optNumber(o, 'code');
  if (code !== undefined && code !== 0)
    throw new OlaresMcpError(`${endpoint} refused: ${r.optString(o, 'message') ?? `code ${code}`}`, {
      code: 'olares_error',
    });
  const rows = o.repos === undefined || o.repos === null ? [] : r.array(o.repos, 'repos');
  return rows.map((raw, i) => {
    const at = `repos[${i}].`;
    const row = r.object(raw, `repos[${i}]`);
    return {
      id: r.string(row, 'repo_id', at),
      name: r.optString(row, 'repo_name', at) ?? '',
      kind,
      permission: r.optString(row, 'permission', at) || r.optString(row, 'share_permission', at) || undefined,
      owner:
        r.optString(row, 'owner_name', at) ||
        r.optString(row, 'owner_email', at) ||
        r.optString(row, 'user_name', at) ||
        undefined,
      encrypted: flexBool(row.encrypted),
      size: flexNumber(row.size),
      modified: r.optString(row, 'last_modified', at) || undefined,
    };
  });
}

/** Every library the user can reach: their own, then shared with them, then shared by them. */
export async function listRepos(http: OlaresHttp, signal?: AbortSignal): Promise<SyncRepo[]> {
  const lists = await Promise.all(
    KINDS.map(async ([kind, type]) =>
      parseRepos(
        await http.json<unknown>('files', '/api/repos/', { query: type ? { type } : undefined, signal }),
        kind,
        `GET /api/repos/${type ? `?type=${type}` : ''}`,
      ),
    ),
  );
  return lists.flat();
}
