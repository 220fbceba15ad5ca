// The market service of the simulator (docs/wire/market.md as corrected by
// docs/wire/market.md, docs/wire/cluster.md): a small catalog, per-user state rows, the app state machine
// advanced by a clock, the request bodies of both backend versions, refused operations, failed
// checks wrapped in HTTP 500 the way the public market sends them (422 as an option), catalog
// details without raw_data (market main) and the user count the cascade rule reads. The state
// and its clock are in sim/marketState.ts.
import { readJson, type SimRequest, sendJson } from './http.js';
import { registerClone } from './marketClone.js';
import {
  CANCELLABLE_STOP,
  CANCELLABLE_TEARDOWN,
  CATALOG,
  type CatalogApp,
  DOWNLOAD,
  INSTALLED_NOT,
  MarketSim,
  SOURCE,
  type StateRow,
  type Step,
} from './marketState.js';
import type { Simulator } from './server.js';

export { type MarketControl, marketControl, type StateRow } from './marketState.js';

const BASE = '/app-store/api/v2';

export function registerMarket(sim: Simulator) {
  const m = new MarketSim(sim);
  registerReads(sim, m);
  registerInstall(sim, m);
  registerCancel(sim, m);
  registerUninstallAndUpgrade(sim, m);
  registerLifecycle(sim, m);
  registerClone(sim, m);
}

function registerReads(sim: Simulator, m: MarketSim) {
  sim.route('market', 'GET', `${BASE}/market/data`, (r) => {
    m.ok(r.res, {
      user_id: r.user!.local,
      timestamp: Math.floor(Date.now() / 1000),
      user_data: {
        hash: 'sim',
        sources: {
          [SOURCE]: {
            type: 'remote',
            app_info_latest: CATALOG.map((a) => ({
              type: 'app',
              timestamp: 0,
              version: a.versions[a.versions.length - 1],
              app_simple_info: {
                app_id: a.name,
                app_name: a.name,
                app_title: { 'en-US': a.title },
                app_version: a.versions[a.versions.length - 1],
                categories: a.categories,
              },
            })),
          },
        },
      },
    });
  });

  sim.route('market', 'GET', `${BASE}/market/state`, (r) => {
    const list = [...m.userRows(r.user!.local).entries()].map(([name, row]) => ({
      version: row.version,
      status: {
        name,
        rawAppName: row.rawAppName ?? name,
        title: row.title ?? CATALOG.find((a) => a.name === name)?.title,
        state: row.state,
        opType: row.opType,
        progress: row.progress,
        message: row.message,
        reason: row.reason,
        statusTime: row.statusTime,
      },
    }));
    m.ok(r.res, {
      user_id: r.user!.local,
      timestamp: Math.floor(Date.now() / 1000),
      user_data: { hash: 'sim', sources: { [SOURCE]: { type: 'remote', app_state_latest: list } } },
    });
  });

  sim.route('market', 'POST', `${BASE}/apps`, async (r) => {
    const body = await readJson<{ apps?: Array<{ appid?: string }> }>(r.req);
    const apps = (body?.apps ?? [])
      .map((q) => CATALOG.find((a) => a.name === q.appid))
      .filter((a): a is CatalogApp => Boolean(a))
      .map((a) => catalogDetail(a, Boolean(sim.options.marketRawData)));
    m.ok(r.res, { apps });
  });
}

function registerInstall(sim: Simulator, m: MarketSim) {
  sim.route('market', 'POST', `${BASE}/apps/:name/install`, async (r) => {
    const body = (await readJson<any>(r.req)) ?? {};
    m.record(r, 'install', body);
    const app = CATALOG.find((a) => a.name === r.params.name);
    if (!app) return m.refuse(r.res);
    const rows = m.userRows(r.user!.local);
    const row = rows.get(app.name);
    if (row && !INSTALLED_NOT.has(row.state) && row.state !== 'installFailed') return m.refuse(r.res);
    const given = new Map<string, string>((body.envs ?? []).map((e: any) => [e.envName, e.value ?? '']));
    const missing = (app.envs ?? []).filter((e) => e.required && !given.get(e.envName));
    if (missing.length)
      return m.failedCheck(r, 'app env check failed', {
        type: 'appenv',
        Data: { missingValues: missing, missingRefs: [], invalidValues: [] },
      });
    if (
      m.newer() &&
      app.computeModes &&
      app.computeModes.filter((c) => c.status === 'installable').length > 1 &&
      !body.selectedGpuType
    ) {
      return m.failedCheck(r, 'compute mode required', { type: 'computeModeSelect', Data: app.computeModes });
    }
    const version = body.version || app.versions[0];
    const fresh: StateRow = {
      version,
      source: body.source ?? SOURCE,
      state: 'pending',
      opType: 'install',
      progress: '',
      reason: '',
      message: '',
      statusTime: m.now(),
      queue: [],
    };
    const path: Step[] = [
      { state: 'pending', version },
      ...DOWNLOAD,
      { state: 'installing', progress: '0.00' },
      { state: 'initializing' },
      { state: 'running' },
    ];
    const cut = app.failsAt ? path.findIndex((s) => s.state === app.failsAt) : -1;
    // A lagging backend still shows the old row (e.g. installingCanceled) on the next poll.
    const target = m.lagging && row ? row : fresh;
    m.startOp(
      target,
      'install',
      cut >= 0
        ? [
            ...path.slice(0, cut + 1),
            { state: `${app.failsAt === 'downloading' ? 'download' : 'install'}Failed` },
          ]
        : path,
    );
    rows.set(app.name, target);
    m.ok(r.res, { app_name: app.name });
  });
}

function registerCancel(sim: Simulator, m: MarketSim) {
  // cancel: DELETE /apps/{name}/install
  sim.route('market', 'DELETE', `${BASE}/apps/:name/install`, async (r) => {
    const body = (await readJson<any>(r.req)) ?? {};
    m.record(r, 'cancel', body);
    if (m.newer() && !body.app_name)
      return sendJson(r.res, 400, {
        success: false,
        message: 'Missing required fields: app_name is required',
      });
    const row = m.userRows(r.user!.local).get(r.params.name);
    if (!row) return m.refuse(r.res);
    if (CANCELLABLE_TEARDOWN.has(row.state)) {
      const phase = row.state;
      m.startOp(row, 'cancel', [
        { state: `${phase}Canceling` },
        {
          state: `${phase}Canceled`,
          reason: `${phase === 'pending' ? 'install' : phase === 'downloading' ? 'download' : 'install'}CancelByUser`,
        },
      ]);
    } else if (
      CANCELLABLE_STOP.has(row.state) &&
      // Market whitelisted resuming/upgrading for cancel only in 1.12.7.
      (m.atLeast('1.12.7') || !['resuming', 'upgrading'].includes(row.state))
    ) {
      m.startOp(row, 'cancel', [{ state: `${row.state}Canceling` }, { state: 'stopped' }]);
    } else return m.refuse(r.res);
    m.ok(r.res);
  });
}

function registerUninstallAndUpgrade(sim: Simulator, m: MarketSim) {
  // uninstall: DELETE /apps/{name}
  sim.route('market', 'DELETE', `${BASE}/apps/:name`, async (r) => {
    const body = (await readJson<any>(r.req)) ?? {};
    m.record(r, 'uninstall', body);
    if (m.newer() && !body.app_name)
      return sendJson(r.res, 400, {
        success: false,
        message: 'Missing required fields: app_name is required',
      });
    const row = m.userRows(r.user!.local).get(r.params.name);
    const allowed = [
      'running',
      'stopped',
      'installFailed',
      'upgradeFailed',
      'applyEnvFailed',
      'stopFailed',
      'resumeFailed',
      'uninstallFailed',
    ];
    if (!row || !allowed.includes(row.state)) return m.refuse(r.res);
    m.startOp(row, 'uninstall', [{ state: 'uninstalling' }, { state: 'uninstalled' }]);
    m.ok(r.res);
  });

  sim.route('market', 'PUT', `${BASE}/apps/:name/upgrade`, async (r) => {
    const body = (await readJson<any>(r.req)) ?? {};
    m.record(r, 'upgrade', body);
    const row = m.userRows(r.user!.local).get(r.params.name);
    if (!row || !['running', 'stopped', 'stopFailed', 'upgradeFailed', 'applyEnvFailed'].includes(row.state))
      return m.refuse(r.res);
    const wasStopped = row.state === 'stopped';
    m.startOp(row, 'upgrade', [
      { state: 'upgrading' },
      { state: wasStopped ? 'stopped' : 'running', version: body.version },
    ]);
    m.ok(r.res);
  });
}

function registerLifecycle(sim: Simulator, m: MarketSim) {
  // user-service's role-filtered wrapper around app-service /app-service/v1/users (olares-cli
  // users_helper.go): an admin sees every user, anyone else only themselves.
  sim.route('desktop', 'GET', '/api/users/v2', (r) => {
    const visible = [...sim.users.values()].filter(
      (u) => r.user!.role !== 'normal' || u.olaresId === r.user!.olaresId,
    );
    sendJson(r.res, 200, {
      code: 200,
      // app-service UserInfo (handler_user.go, as olares-cli settings/users/list.go models it).
      data: visible.map((u) => ({
        uid: `uid-${u.local}`,
        name: u.local,
        display_name: u.local,
        description: '',
        email: '',
        state: 'Created',
        last_login_time: null,
        creation_timestamp: 1_767_225_600,
        avatar: '',
        zone: `${u.local}.olares.com`,
        terminusName: u.olaresId,
        wizard_complete: true,
        roles: [u.role === 'normal' ? 'normal' : u.role],
        memory_limit: '8Gi',
        cpu_limit: '4',
      })),
      totals: visible.length,
    });
  });

  sim.route('market', 'POST', `${BASE}/apps/stop`, lifecycle(m, 'stop'));
  sim.route('market', 'POST', `${BASE}/apps/resume`, lifecycle(m, 'resume'));
  sim.route('market', 'POST', `${BASE}/apps/restart`, lifecycle(m, 'restart'));
}

/** One app of POST /apps; `rawData` is the Redis-backed market of 1.12.5/1.12.6 (envs in raw_data). */
const catalogDetail = (a: CatalogApp, rawData: boolean) => ({
  version: a.versions[a.versions.length - 1],
  app_simple_info: {
    app_id: a.name,
    app_name: a.name,
    app_title: { 'en-US': a.title },
    app_labels: [],
  },
  app_info: {
    app_entry: {
      name: a.name,
      version: a.versions[a.versions.length - 1],
      developer: 'Olares Sim',
      cfgType: 'app',
      apiVersion: a.clientServer ? 'v2' : 'v1',
      categories: a.categories,
      i18n: { 'en-US': { metadata: { title: a.title, description: `${a.title} on Olares` } } },
      entrances: [{ name: 'web', title: a.title, host: a.name, port: 80 }],
      ...(a.multiInstance ? { options: { allowMultipleInstall: true } } : {}),
      // accelerator is not in the public ApplicationInfoEntry; only the newer backend may send it.
      accelerator: (a.computeModes ?? []).map((m) => ({ mode: m.computeType })),
      ...(a.clientServer
        ? {
            subCharts: [
              { name: a.name, shared: false },
              { name: `${a.name}server`, shared: true },
            ],
          }
        : {}),
      // market main merges the manifest envs here (ComposeApplicationInfoEntry).
      ...(rawData ? {} : { envs: (a.envs ?? []).map((e) => ({ type: 'string', ...e })) }),
    },
  },
  ...(rawData ? { raw_data: { envs: a.envs ?? [] } } : {}),
  manifest_version: '0.10.0',
  manifest_type: 'app',
  api_version: a.clientServer ? 'v2' : 'v1',
  timestamp: Math.floor(Date.now() / 1000),
  type: 'app',
});

/** The newer backend's answer when an app's bound GPU is taken (computeBindingUnavailable). */
const GPU_BOUND_ELSEWHERE = {
  availability: {
    schedulable: false,
    scope: 'card',
    reason: 'the bound GPU is in use',
    requirement: { mode: 'nvidia', requiredGpu: 1, requiredMemory: 8589934592 },
    nodes: [
      {
        nodeName: 'node-1',
        gpuType: 'nvidia',
        status: 'ready',
        devices: [
          { nodeName: 'node-1', deviceId: 'gpu-0', operable: false, health: 'healthy' },
          { nodeName: 'node-1', deviceId: 'gpu-1', operable: true, health: 'healthy' },
        ],
      },
    ],
  },
  validation: { ok: false, code: 'device-vram-insufficient:gpu-0' },
};

/** A resume/restart body that binds only devices GPU_BOUND_ELSEWHERE lists as operable. */
function bindsFreeGpu(body: { computeBinding?: Array<{ nodeName?: string; deviceId?: string }> }) {
  const free = GPU_BOUND_ELSEWHERE.availability.nodes.flatMap((n) => n.devices.filter((d) => d.operable));
  const chosen = Array.isArray(body.computeBinding) ? body.computeBinding : [];
  return (
    chosen.length > 0 &&
    chosen.every((b) => free.some((d) => d.nodeName === b.nodeName && d.deviceId === b.deviceId))
  );
}

const lifecycle = (m: MarketSim, op: 'stop' | 'resume' | 'restart') => async (r: SimRequest) => {
  const body = (await readJson<any>(r.req)) ?? {};
  m.record(r, op, body);
  const name = m.newer() ? body.app_name : body.appName;
  if (!name)
    return sendJson(r.res, 400, {
      success: false,
      message: `Missing required fields: ${m.newer() ? 'app_name' : 'appName'} is required`,
    });
  if (op === 'restart' && !m.newer())
    return sendJson(r.res, 404, { success: false, message: '404 page not found' });
  const row = m.userRows(r.user!.local).get(name);
  if (!row) return m.refuse(r.res);
  if (op !== 'stop' && m.newer() && CATALOG.find((a) => a.name === name)?.gpuBinding && !bindsFreeGpu(body))
    return m.failedCheck(r, 'compute binding required', {
      type: 'computeBindingUnavailable',
      Data: GPU_BOUND_ELSEWHERE,
    });
  if (op === 'stop' && ['running', 'stopFailed', 'resuming'].includes(row.state))
    m.startOp(row, 'stop', [{ state: 'stopping' }, { state: 'stopped' }]);
  else if (op === 'resume' && ['stopped', 'resumeFailed'].includes(row.state))
    m.startOp(row, 'resume', [{ state: 'resuming' }, { state: 'running' }]);
  else if (op === 'restart' && ['running', 'stopped'].includes(row.state)) {
    m.startOp(row, 'stop', [
      { state: 'stopping' },
      { state: 'stopped' },
      { state: 'resuming', opType: 'resume' },
      { state: 'running', opType: 'resume' },
    ]);
  } else return m.refuse(r.res);
  m.ok(r.res);
};
