// The market's state in the simulator: the catalog, the per-user state rows and the clock that
// advances them through the app state machine (docs/wire/market.md#state-machine), and the reply
// shapes every market route shares. The routes are in sim/market.ts.
import { type SimRequest, sendJson } from './http.js';
import type { Simulator } from './server.js';

export const SOURCE = 'market.olares';
export const REFUSED = 'App not found or current state does not allow operation';

export interface CatalogApp {
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
  /** The manifest allows more instances (options.allowMultipleInstall): clone works. */
  multiInstance?: boolean;
}

export const CATALOG: CatalogApp[] = [
  {
    name: 'firefox',
    title: 'Firefox',
    versions: ['1.2.3', '1.3.0'],
    categories: ['Productivity'],
    multiInstance: true,
  },
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
  /** A clone: the catalog app it was made from, and its own desktop title. */
  rawAppName?: string;
  title?: string;
  /** States still to come, one per clock tick. */
  queue: Step[];
}

export interface Step {
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
export const DOWNLOAD: Step[] = ['10.00', '55.00', '100.00'].map((progress) => ({
  state: 'downloading',
  progress,
}));

export const INSTALLED_NOT = new Set([
  'uninstalled',
  'pendingCanceled',
  'downloadingCanceled',
  'installingCanceled',
  'downloadFailed',
]);
export const CANCELLABLE_TEARDOWN = new Set(['pending', 'downloading', 'installing']);
export const CANCELLABLE_STOP = new Set(['initializing', 'upgrading', 'applyingEnv', 'resuming']);

/** One simulator's market: the per-user rows, the clock that moves them, and the reply shapes. */
export class MarketSim {
  private readonly rows = new Map<string, Map<string, StateRow>>(); // user -> app -> row
  private held = false;
  /** See MarketControl.lag. */
  lagging = false;
  private answer202 = false;

  constructor(private readonly sim: Simulator) {
    const timer = setInterval(() => this.tick(), sim.options.marketStepMs);
    timer.unref();
    sim.onClose(() => clearInterval(timer));
    controls.set(sim, this.control());
  }

  private control(): MarketControl {
    return {
      hold: (on) => {
        this.held = on;
      },
      row: (user, app) => this.rows.get(user)?.get(app),
      lag: (on) => {
        this.lagging = on;
      },
      stillRunning: (on) => {
        this.answer202 = on;
      },
      patch: (user, app, fields) => {
        const row = this.rows.get(user)?.get(app);
        if (!row) throw new Error(`no market row ${user}/${app}`);
        Object.assign(row, fields);
      },
    };
  }

  userRows(user: string): Map<string, StateRow> {
    let m = this.rows.get(user);
    if (!m) {
      m = new Map();
      this.rows.set(user, m);
    }
    return m;
  }

  now(): string {
    return new Date().toISOString();
  }

  atLeast(min: string): boolean {
    return this.sim.options.osVersion.split('-')[0].localeCompare(min, undefined, { numeric: true }) >= 0;
  }

  newer(): boolean {
    return this.atLeast('1.12.6');
  }

  private advance(row: StateRow, next: Step) {
    row.state = next.state;
    if (next.opType) row.opType = next.opType;
    if (next.version) row.version = next.version;
    row.reason = next.reason ?? '';
    row.progress = next.progress ?? '';
    row.message = next.state.endsWith('Failed') ? `${next.state}: simulated failure` : '';
    row.statusTime = this.now();
  }

  private tick() {
    if (this.held) return;
    const all = [...this.rows.values()].flatMap((m) => [...m.values()]);
    // Rows already past pending move first, so a finished download frees the one download slot.
    for (const row of all) {
      if (row.state === 'pending') continue;
      const next = row.queue.shift();
      if (next) this.advance(row, next);
    }
    // Only one app cluster-wide downloads at a time; the others wait in pending (docs/wire/market.md#state-machine).
    let busy = all.some((r) => r.state === 'downloading');
    for (const row of all) {
      if (row.state !== 'pending' || !row.queue.length) continue;
      if (row.queue[0].state === 'downloading' && busy) continue;
      const next = row.queue.shift()!;
      this.advance(row, next);
      if (next.state === 'downloading') busy = true;
    }
  }

  refuse(res: SimRequest['res']) {
    sendJson(res, 404, { success: false, message: REFUSED });
  }

  ok(res: SimRequest['res'], data: unknown = null) {
    if (this.answer202) sendJson(res, 202, { success: true, message: 'Task is still running', data });
    else sendJson(res, 200, { success: true, message: '', data });
  }

  /**
   * A failed app-service check as beclab/market task.go sends it: HTTP 500, the task envelope,
   * and the app-service answer in data.backend_response. The 422 option passes the check through.
   */
  failedCheck(r: SimRequest, message: string, check: { type: string; Data: unknown }) {
    if (this.sim.options.marketCheckStatus === 422)
      sendJson(r.res, 422, { success: false, message, data: check });
    else
      sendJson(r.res, 500, {
        success: false,
        message: `Installation failed: ${message}`,
        data: {
          app_name: r.params.name ?? '',
          backend_response: { code: 422, message, data: check },
        },
      });
  }

  record(r: SimRequest, op: string, body: unknown) {
    this.sim.journal.push({ key: `market ${op}`, user: r.user!.olaresId, body });
  }

  /** The request itself moves the row into the first state; the clock does the rest. */
  startOp(row: StateRow, opType: string, states: Step[]) {
    const [first, ...rest] = states.map((s) => ({ opType, ...s }));
    if (this.lagging) {
      row.queue = [first, ...rest];
      return;
    }
    Object.assign(row, {
      state: first.state,
      opType: first.opType,
      reason: first.reason ?? '',
      progress: first.progress ?? '',
      message: '',
      statusTime: this.now(),
    });
    if (first.version) row.version = first.version;
    row.queue = rest;
  }
}
