// POST /apps/{name}/clone of the simulated market (olares-cli clone.go and client.go CloneApp):
// another instance of a multi-instance app, named by the box (the app name plus a short hash),
// carrying the caller's title and going through the install states like any install.
import { createHash } from 'node:crypto';
import { readJson, sendJson } from './http.js';
import { CATALOG, DOWNLOAD, type MarketSim, SOURCE, type StateRow } from './marketState.js';
import type { Simulator } from './server.js';

const BASE = '/app-store/api/v2';

export function registerClone(sim: Simulator, m: MarketSim) {
  sim.route('market', 'POST', `${BASE}/apps/:name/clone`, async (r) => {
    const body = (await readJson<any>(r.req)) ?? {};
    m.record(r, 'clone', body);
    const app = CATALOG.find((a) => a.name === r.params.name);
    if (!app || body.app_name !== app.name) return m.refuse(r.res);
    if (!app.multiInstance)
      return sendJson(r.res, 400, {
        success: false,
        message: `app ${app.name} does not support multiple installs`,
      });
    const title = typeof body.title === 'string' ? body.title.trim() : '';
    if (!title || title.length > 30)
      return sendJson(r.res, 400, { success: false, message: 'title is required and at most 30 characters' });
    const rows = m.userRows(r.user!.local);
    const hash = createHash('sha256').update(`${app.name}/${title}`).digest('hex').slice(0, 4);
    const instance = `${app.name}${hash}`;
    if (rows.has(instance)) return m.refuse(r.res);
    const version = app.versions[app.versions.length - 1];
    const row: StateRow = {
      version,
      source: body.source ?? SOURCE,
      state: 'pending',
      opType: 'install',
      progress: '',
      reason: '',
      message: '',
      statusTime: m.now(),
      rawAppName: app.name,
      title,
      queue: [],
    };
    m.startOp(row, 'install', [
      { state: 'pending', version },
      ...DOWNLOAD,
      { state: 'installing', progress: '0.00' },
      { state: 'initializing' },
      { state: 'running' },
    ]);
    rows.set(instance, row);
    m.ok(r.res, { app_name: instance });
  });
}
