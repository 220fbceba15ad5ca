// The files service's shares in the simulator (share_service.go; ViewSharePath of
// pkg/hertz/idl/share.thrift).
import { readJson, sendJson } from '../http.js';
import type { Simulator } from '../server.js';
import { type FilesState, type Share, statOf } from './state.js';

export function registerShares(sim: Simulator, { master, nodes, shares, diskPath }: FilesState) {
  const viewOf = (s: Share) => {
    const { password: _pw, expire_in, ...rest } = s;
    const suffix = s.file_type === 'cache' || s.file_type === 'external' ? `_${master}` : '';
    return {
      ...rest,
      id: `${s.id}${suffix}`,
      expire_in: expire_in ?? 0,
      expire_time: s.expire_time ?? '',
      upload_size_limit: 0,
      update_time: s.create_time,
      shared_by_me: true,
      public_smb: false,
    };
  };

  sim.route('files', 'POST', '/api/share/share_path/*', async ({ req, res, user, params }) => {
    const loc = await diskPath(user!, params['*']);
    if (!loc || !(await statOf(loc.full))?.isDirectory())
      return sendJson(res, 500, { error: 'stat share path: no such file or directory' });
    const body = (await readJson<any>(req)) ?? {};
    const external = body.share_type === 'external';
    if (external && !body.password)
      return sendJson(res, 400, { error: 'external share must have a password' });
    if (external && !body.permission)
      return sendJson(res, 400, { error: 'external share must have a permission' });
    if (external && !body.expire_in) return sendJson(res, 400, { error: 'expire time must not be empty' });
    const now = new Date();
    const share: Share = {
      id: crypto.randomUUID(),
      owner: user!.local,
      file_type: loc.segs[0],
      extend: loc.segs[1],
      path: `/${loc.segs.slice(2).join('/')}${loc.segs.length > 2 ? '/' : ''}`,
      share_type: String(body.share_type ?? 'internal'),
      name: String(body.name ?? ''),
      // internal shares are always ADMIN, whatever was asked (share_service.go:140)
      permission: external ? Number(body.permission) : 4,
      password: String(body.password ?? ''),
      expire_in: body.expire_in,
      expire_time: body.expire_in
        ? new Date(now.getTime() + Number(body.expire_in)).toISOString()
        : undefined,
      create_time: now.toISOString(),
    };
    shares.set(share.id, share);
    sendJson(res, 200, { code: 0, data: viewOf(share) });
  });

  sim.route('files', 'GET', '/api/share/share_path/', ({ res, user }) => {
    const mine = [...shares.values()].filter((s) => s.owner === user!.local).map(viewOf);
    sendJson(res, 200, { total: mine.length, share_paths: mine });
  });

  sim.route('files', 'DELETE', '/api/share/share_path/', ({ res, user, url }) => {
    for (const raw of (url.searchParams.get('path_ids') ?? '').split(',')) {
      const id = raw.replace(/_[^_]+$/, (m) => (nodes.some((n) => `_${n.name}` === m) ? '' : m));
      if (shares.get(id)?.owner === user!.local) shares.delete(id);
    }
    sendJson(res, 200, { code: 0, data: { success: true } });
  });
}
