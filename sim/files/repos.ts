// The Sync (Seafile) library list of the simulated files service (olares-cli
// cli/internal/files/repos/repos.go): each user owns one seeded library; nothing is shared.
import { sendJson } from '../http.js';
import type { Simulator } from '../server.js';
import { type FilesState, SYNC_REPO_ID, statOf } from './state.js';

export function registerRepos(sim: Simulator, { diskPath }: FilesState) {
  sim.route('files', 'GET', '/api/repos/', async ({ res, user, url }) => {
    const type = url.searchParams.get('type');
    if (type === 'share_to_me' || type === 'shared') return sendJson(res, 200, { repos: [] });
    if (type) return sendJson(res, 400, { code: 1, message: `unknown repos type ${type}` });
    const dir = await diskPath(user!, `/sync/${SYNC_REPO_ID}`, true);
    const st = dir && (await statOf(dir.full));
    const email = `${user!.local}@seafile.local`;
    sendJson(res, 200, {
      repos: st
        ? [
            {
              repo_id: SYNC_REPO_ID,
              repo_name: 'Notes',
              encrypted: false,
              last_modified: st.mtime.toISOString(),
              permission: 'rw',
              size: 42,
              is_virtual: false,
              type: 'mine',
              status: 'normal',
              owner_email: email,
              owner_name: user!.local,
              owner_contact_email: user!.olaresId,
              modifier_email: email,
              modifier_name: user!.local,
              modifier_contact_email: user!.olaresId,
              monitored: false,
              starred: false,
              salt: '',
            },
          ]
        : [],
    });
  });
}
