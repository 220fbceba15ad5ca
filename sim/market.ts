// The market service of the simulator (olares-api/market.md as corrected by
// audits/wire-market-cluster.md): a small catalog, per-user state rows, the app state machine
// advanced by a clock, the request bodies of both backend versions, refused operations, failed
// checks wrapped in HTTP 500 the way the public market sends them (422 as an option), catalog
// details without raw_data (market main) and the user count the cascade rule reads.
import { readJson, type SimRequest, sendJson } from './http.js';
import type { Simulator } from './server.js';

const BASE = '/app-store/api/v2';
const SOURCE = 'market.olares';
const REFUSED = 'App not found or current state does not allow operation';

interface CatalogApp {
  name: string;
  title: string;
  versions: string[];
  categories: string[];
  envs?: Array<{ envName: string; required: boolean; description?: string }>;
  /** Compute modes; more than one installable -> 422 computeModeSelect on 1.12.6+ without a choice. */
  computeModes?: Array<{ computeType: string; status: string; reason?: string }>;
  /** Resume/restart answer 422 computeBindingUnavailable on 1.12.6+ (the GPU is taken). */
  gpuBinding?: boolean;
  /** The install fails at this state (drives the *Failed branch). */
  failsAt?: 'downloading' | 'installing';
  /** A client/server bundle: apiVersion v2 with sub-charts, one of them shared by every user. */
  clientServer?: boolean;
}

const CATALOG: CatalogApp[] = [
  { name: 'firefox', title: 'Firefox', versions: ['1.2.3', '1.3.0'], categories: ['Productivity'] },
  { name: 'jellyfin', title: 'Jellyfin', versions: ['10.9.1'], categories: ['Entertainment'] },
  {
    name: 'n8n',
    title: 'n8n',
    versions: ['1.40.0'],
    categories: ['Productivity', 'Developer Tools'],
    envs: [
      { envName: 'N8N_ENCRYPTION_KEY', required: true, description: 'Key that encrypts stored credentials' },
    ],
  },
  {
    name: 'comfyui',
    title: 'ComfyUI',
    versions: ['1.0.0'],
    categories: ['AI'],
    computeModes: [
      { computeType: 'cpu', status: 'installable' },
      { computeType: 'nvidia', status: 'installable' },
    ],
  },
  {
    name: 'brokenapp',
    title: 'Broken App',
    versions: ['0.1.0'],
    categories: ['Utilities'],
    failsAt: 'installing',
  },
  { name: 'vllm', title: 'vLLM', versions: ['0.6.0'], categories: ['AI'], gpuBinding: true },
  { name: 'dify', title: 'Dify', versions: ['1.4.0'], categories: ['AI'], clientServer: true },
  // A bad image reference: the download fails (downloadFailed).
  {
    name: 'ghostimage',
    title: 'Ghost Image',
    versions: ['2.0.0'],
    categories: ['Utilities'],
    failsAt: 'downloading',
  },
];

export interface StateRow {
  version: string;
  source: string;
  state: string;
  opType: string;
  progress: string;
  reason: string;
  message: string;
  statusTime: string;
  /** States still to come, one per clock tick. */
  queue: Step[];
}

interface Step {
  state: string;
  opType?: string;
  version?: string;
  reason?: string;
  progress?: string;
}

/** Test hooks for one simulator's market: hold the clock, read a row. */
export interface MarketControl {
  /** While held, no row moves; requests still move a row into its first state. */
  hold(on: boolean): void;
  row(user: string, app: string): Readonly<StateRow> | undefined;
  /**
   * While on, a request leaves its row alone until the next tick, as the real backend updates
   * rows asynchronously: the first poll after a request still sees the old row.
   */
  lag(on: boolean): void;
  /** While on, accepted operations answer 202 `Task is still running` (the market's sync cap). */
  stillRunning(on: boolean): void;
  /** Overwrites fields of a row, e.g. `statusTime: ''` as market main sends for a zero event time. */
  patch(user: string, app: string, fields: Partial<Omit<StateRow, 'queue'>>): void;
}
const controls = new WeakMap<Simulator, MarketControl>();
export function marketControl(sim: Simulator): MarketControl {
  const c = controls.get(sim);
  if (!c) throw new Error('market service not registered on this simulator');
  return c;
}

/** A download takes a few ticks; the progress field climbs meanwhile. */
const DOWNLOAD: Step[] = ['10.00', '55.00', '100.00'].map((progress) => ({ state: 'downloading', progress }));

const INSTALLED_NOT = new Set([
  'uninstalled',
  'pendingCanceled',
  'downloadingCanceled',
  'installingCanceled',
  'downloadFailed',
]);
const CANCELLABLE_TEARDOWN = new Set(['pending', 'downloading', 'installing']);
const CANCELLABLE_STOP = new Set(['initializing', 'upgrading', 'applyingEnv', 'resuming']);

export function registerMarket(sim: Simulator) {
  const rows = new Map<string, Map<string, StateRow>>(); // user -> app -> row
  const userRows = (user: string) => {
    let m = rows.get(user);
    if (!m) {
      m = new Map();
      rows.set(user, m);
    }
    return m;
  };
  const now = () => new Date().toISOString();
  const atLeast = (min: string) =>
    sim.options.osVersion.split('-')[0].localeCompare(min, undefined, { numeric: true }) >= 0;
  const newer = () => atLeast('1.12.6');

  let held = false;
  let lagging = false;
  let answer202 = false;
  const advance = (row: StateRow, next: Step) => {
    row.state = next.state;
    if (next.opType) row.opType = next.opType;
    if (next.version) row.version = next.version;
    row.reason = next.reason ?? '';
    row.progress = next.progress ?? '';
    row.message = next.state.endsWith('Failed') ? `${next.state}: simulated failure` : '';
    row.statusTime = now();
  };
  const tick = () => {
    if (held) return;
    const all = [...rows.values()].flatMap((m) => [...m.values()]);
    // Rows already past pending move first, so a finished download frees the one download slot.
    for (const row of all) {
      if (row.state === 'pending') continue;
      const next = row.queue.shift();
      if (next) advance(row, next);
    }
    // Only one app cluster-wide downloads at a time; the others wait in pending (market.md sec. 5).
    let busy = all.some((r) => r.state === 'downloading');
    for (const row of all) {
      if (row.state !== 'pending' || !row.queue.length) continue;
      if (row.queue[0].state === 'downloading' && busy) continue;
      const next = row.queue.shift()!;
      advance(row, next);
      if (next.state === 'downloading') busy = true;
    }
  };
  const timer = setInterval(tick, sim.options.marketStepMs);
  timer.unref();
  sim.onClose(() => clearInterval(timer));
  controls.set(sim, {
    hold: (on) => {
      held = on;
    },
    row: (user, app) => rows.get(user)?.get(app),
    lag: (on) => {
      lagging = on;
    },
    stillRunning: (on) => {
      answer202 = on;
    },
    patch: (user, app, fields) => {
      const row = rows.get(user)?.get(app);
      if (!row) throw new Error(`no market row ${user}/${app}`);
      Object.assign(row, fields);
    },
  });

  const refuse = (res: SimRequest['res']) => sendJson(res, 404, { success: false, message: REFUSED });
  const ok = (res: SimRequest['res'], data: unknown = null) =>
    answer202
      ? sendJson(res, 202, { success: true, message: 'Task is still running', data })
      : sendJson(res, 200, { success: true, message: '', data });
  /**
   * A failed app-service check as beclab/market task.go sends it: HTTP 500, the task envelope,
   * and the app-service answer in data.backend_response. The 422 option passes the check through.
   */
  const failedCheck = (r: SimRequest, message: string, check: { type: string; Data: unknown }) =>
    sim.options.marketCheckStatus === 422
      ? sendJson(r.res, 422, { success: false, message, data: check })
      : sendJson(r.res, 500, {
          success: false,
          message: `Installation failed: ${message}`,
          data: {
            app_name: r.params.name ?? '',
            backend_response: { code: 422, message, data: check },
          },
        });
  const record = (r: SimRequest, op: string, body: unknown) =>
    sim.journal.push({ key: `market ${op}`, user: r.user!.olaresId, body });
  /** The request itself moves the row into the first state; the clock does the rest. */
  const startOp = (row: StateRow, opType: string, states: Step[]) => {
    const [first, ...rest] = states.map((s) => ({ opType, ...s }));
    if (lagging) {
      row.queue = [first, ...rest];
      return;
    }
    Object.assign(row, {
      state: first.state,
      opType: first.opType,
      reason: first.reason ?? '',
      progress: first.progress ?? '',
      message: '',
      statusTime: now(),
    });
    if (first.version) row.version = first.version;
    row.queue = rest;
  };

  sim.route('market', 'GET', `${BASE}/market/data`, (r) => {
    ok(r.res, {
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
    const list = [...userRows(r.user!.local).entries()].map(([name, row]) => ({
      version: row.version,
      status: {
        name,
        rawAppName: name,
        title: CATALOG.find((a) => a.name === name)?.title,
        state: row.state,
        opType: row.opType,
        progress: row.progress,
        message: row.message,
        reason: row.reason,
        statusTime: row.statusTime,
      },
    }));
    ok(r.res, {
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
      .map((a) => ({
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
            ...(sim.options.marketRawData
              ? {}
              : { envs: (a.envs ?? []).map((e) => ({ type: 'string', ...e })) }),
          },
        },
        ...(sim.options.marketRawData ? { raw_data: { envs: a.envs ?? [] } } : {}),
        manifest_version: '0.10.0',
        manifest_type: 'app',
        api_version: a.clientServer ? 'v2' : 'v1',
        timestamp: Math.floor(Date.now() / 1000),
        type: 'app',
      }));
    ok(r.res, { apps });
  });

  sim.route('market', 'POST', `${BASE}/apps/:name/install`, async (r) => {
    const body = (await readJson<any>(r.req)) ?? {};
    record(r, 'install', body);
    const app = CATALOG.find((a) => a.name === r.params.name);
    if (!app) return refuse(r.res);
    const m = userRows(r.user!.local);
    const row = m.get(app.name);
    if (row && !INSTALLED_NOT.has(row.state) && row.state !== 'installFailed') return refuse(r.res);
    const given = new Map<string, string>((body.envs ?? []).map((e: any) => [e.envName, e.value ?? '']));
    const missing = (app.envs ?? []).filter((e) => e.required && !given.get(e.envName));
    if (missing.length)
      return failedCheck(r, 'app env check failed', {
        type: 'appenv',
        Data: { missingValues: missing, missingRefs: [], invalidValues: [] },
      });
    if (
      newer() &&
      app.computeModes &&
      app.computeModes.filter((c) => c.status === 'installable').length > 1 &&
      !body.selectedGpuType
    ) {
      return failedCheck(r, 'compute mode required', { type: 'computeModeSelect', Data: app.computeModes });
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
      statusTime: now(),
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
    const target = lagging && row ? row : fresh;
    startOp(
      target,
      'install',
      cut >= 0
        ? [
            ...path.slice(0, cut + 1),
            { state: `${app.failsAt === 'downloading' ? 'download' : 'install'}Failed` },
          ]
        : path,
    );
    m.set(app.name, target);
    ok(r.res, { app_name: app.name });
  });

  // cancel: DELETE /apps/{name}/install
  sim.route('market', 'DELETE', `${BASE}/apps/:name/install`, async (r) => {
    const body = (await readJson<any>(r.req)) ?? {};
    record(r, 'cancel', body);
    if (newer() && !body.app_name)
      return sendJson(r.res, 400, {
        success: false,
        message: 'Missing required fields: app_name is required',
      });
    const row = userRows(r.user!.local).get(r.params.name);
    if (!row) return refuse(r.res);
    if (CANCELLABLE_TEARDOWN.has(row.state)) {
      const phase = row.state;
      startOp(row, 'cancel', [
        { state: `${phase}Canceling` },
        {
          state: `${phase}Canceled`,
          reason: `${phase === 'pending' ? 'install' : phase === 'downloading' ? 'download' : 'install'}CancelByUser`,
        },
      ]);
    } else if (
      CANCELLABLE_STOP.has(row.state) &&
      // Market whitelisted resuming/upgrading for cancel only in 1.12.7.
      (atLeast('1.12.7') || !['resuming', 'upgrading'].includes(row.state))
    ) {
      startOp(row, 'cancel', [{ state: `${row.state}Canceling` }, { state: 'stopped' }]);
    } else return refuse(r.res);
    ok(r.res);
  });

  // uninstall: DELETE /apps/{name}
  sim.route('market', 'DELETE', `${BASE}/apps/:name`, async (r) => {
    const body = (await readJson<any>(r.req)) ?? {};
    record(r, 'uninstall', body);
    if (newer() && !body.app_name)
      return sendJson(r.res, 400, {
        success: false,
        message: 'Missing required fields: app_name is required',
      });
    const row = userRows(r.user!.local).get(r.params.name);
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
    if (!row || !allowed.includes(row.state)) return refuse(r.res);
    startOp(row, 'uninstall', [{ state: 'uninstalling' }, { state: 'uninstalled' }]);
    ok(r.res);
  });

  sim.route('market', 'PUT', `${BASE}/apps/:name/upgrade`, async (r) => {
    const body = (await readJson<any>(r.req)) ?? {};
    record(r, 'upgrade', body);
    const row = userRows(r.user!.local).get(r.params.name);
    if (!row || !['running', 'stopped', 'stopFailed', 'upgradeFailed', 'applyEnvFailed'].includes(row.state))
      return refuse(r.res);
    const wasStopped = row.state === 'stopped';
    startOp(row, 'upgrade', [
      { state: 'upgrading' },
      { state: wasStopped ? 'stopped' : 'running', version: body.version },
    ]);
    ok(r.res);
  });

  const appNameOf = (body: any) => (newer() ? body.app_name : body.appName);
  const lifecycle = (op: 'stop' | 'resume' | 'restart') => async (r: SimRequest) => {
    const body = (await readJson<any>(r.req)) ?? {};
    record(r, op, body);
    const name = appNameOf(body);
    if (!name)
      return sendJson(r.res, 400, {
        success: false,
        message: `Missing required fields: ${newer() ? 'app_name' : 'appName'} is required`,
      });
    if (op === 'restart' && !newer())
      return sendJson(r.res, 404, { success: false, message: '404 page not found' });
    const row = userRows(r.user!.local).get(name);
    if (!row) return refuse(r.res);
    if (op !== 'stop' && newer() && CATALOG.find((a) => a.name === name)?.gpuBinding)
      return failedCheck(r, 'compute binding required', {
        type: 'computeBindingUnavailable',
        Data: {
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
        },
      });
    if (op === 'stop' && ['running', 'stopFailed', 'resuming'].includes(row.state))
      startOp(row, 'stop', [{ state: 'stopping' }, { state: 'stopped' }]);
    else if (op === 'resume' && ['stopped', 'resumeFailed'].includes(row.state))
      startOp(row, 'resume', [{ state: 'resuming' }, { state: 'running' }]);
    else if (op === 'restart' && ['running', 'stopped'].includes(row.state)) {
      startOp(row, 'stop', [
        { state: 'stopping' },
        { state: 'stopped' },
        { state: 'resuming', opType: 'resume' },
        { state: 'running', opType: 'resume' },
      ]);
    } else return refuse(r.res);
    ok(r.res);
  };
  // user-service's role-filtered wrapper around app-service /app-service/v1/users (olares-cli
  // users_helper.go): an admin sees every user, anyone else only themselves.
  sim.route('desktop', 'GET', '/api/users/v2', (r) => {
    const visible = [...sim.users.values()].filter(
      (u) => r.user!.role !== 'normal' || u.olaresId === r.user!.olaresId,
    );
    sendJson(r.res, 200, {
      code: 200,
      data: visible.map((u) => ({ name: u.local, olaresId: u.olaresId, ownerRole: u.role })),
      totals: visible.length,
    });
  });

  sim.route('market', 'POST', `${BASE}/apps/stop`, lifecycle('stop'));
  sim.route('market', 'POST', `${BASE}/apps/resume`, lifecycle('resume'));
  sim.route('market', 'POST', `${BASE}/apps/restart`, lifecycle('restart'));
}
