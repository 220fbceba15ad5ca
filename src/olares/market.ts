// Typed client for the market (app-store v2, docs/wire/market.md as corrected by
// docs/wire/market.md, docs/wire/cluster.md): catalog, per-user state, detail, the lifecycle operations with
// both backend versions' bodies, the cascade rule of olares-cli, and failed checks in whatever
// status the backend wraps them (the public market answers HTTP 500 around the app-service 422).
import { InvalidInputError, OlaresMcpError } from '../errors.js';
import { HttpStatusError, type OlaresHttp } from '../transport/http.js';
import { boxFactsFor } from './boxFacts.js';
import type { OlaresClients } from './index.js';
import { entranceUrls } from './links.js';
import {
  type AppDetail,
  type AppRow,
  type CatalogItem,
  failedCheck,
  MarketError,
  parseCatalog,
  parseDetail,
  parseEnvelope,
  parseRows,
} from './marketWire.js';
import { Reader } from './shape.js';

export type { AppDetail, AppEnv, AppRow, CatalogItem } from './marketWire.js';
export { FailedCheckError, MarketError } from './marketWire.js';

const BASE = '/app-store/api/v2';

/** One device an app is bound to (app-service BindingSelection); memory in bytes for a memory slice. */
export interface ComputeBinding {
  nodeName: string;
  deviceId: string;
  memory?: number;
}

export interface CloneOptions {
  source: string;
  title: string;
  envs?: Record<string, string>;
  /** Each visible entrance's title in the new instance (olares-cli buildCloneEntrances). */
  entrances: Array<{ name: string; title: string }>;
  computeMode?: string;
}
export const DEFAULT_SOURCE = 'market.olares';

export const NOT_INSTALLED = new Set([
  'uninstalled',
  'installFailed',
  'installingCanceled',
  'downloadFailed',
  'downloadingCanceled',
  'pendingCanceled',
]);
export const IN_FLIGHT = new Set([
  'pending',
  'downloading',
  'installing',
  'initializing',
  'upgrading',
  'applyingEnv',
  'resuming',
]);

/** Kubernetes-style app names: `.` and `..` can never become URL segments. */
const APP_NAME = /^[a-z0-9]([-a-z0-9]*[a-z0-9])?$/;
export function checkAppName(app: string): string {
  if (!APP_NAME.test(app) || app.length > 63)
    throw new InvalidInputError(
      `app name "${app.slice(0, 80)}" is not a valid Olares app name (lowercase letters, digits and '-', starting and ending with a letter or digit, at most 63 characters). Fix: take the name from market_list`,
    );
  return app;
}

/**
 * The box's version decides the request bodies; olares-cli refuses to guess it, and so do we:
 * a 1.12.5 market answers the 1.12.6 bodies with 400 `AppName cannot be empty`.
 */
export class BackendVersionError extends OlaresMcpError {
  constructor(op: string, cause: string) {
    super(
      `cannot ${op}: the Olares version of this box is unknown (GET desktop /api/olares-info: ${cause}), and the request body differs between 1.12.5 and 1.12.6+. Nothing was sent. Fix: check the desktop service with the doctor tool, then call again`,
      { code: 'backend_version_unknown', retryable: true },
    );
  }
}

/** The answer to a mutating request: 202 means the box took it and the task still runs. */
export interface Sent {
  stillRunning: boolean;
}

/** How stop/uninstall treat an app's shared server charts (`all` on the wire). */
export interface Cascade {
  all: boolean;
  why: string;
}

const core = (v: string) =>
  v
    .split('-')[0]
    .split('.')
    .map((n) => Number(n) || 0);
export function versionAtLeast(v: string, min: string): boolean {
  const a = core(v);
  const b = core(min);
  for (let i = 0; i < 3; i++) if ((a[i] ?? 0) !== (b[i] ?? 0)) return (a[i] ?? 0) > (b[i] ?? 0);
  return true;
}

export class MarketClient {
  /** The URLs of an app's visible entrances for this user. */
  entrances(app: string, detail: AppDetail) {
    return entranceUrls(app, detail, this.http.session.identity.terminus);
  }

  constructor(
    readonly http: OlaresHttp,
    readonly clients: OlaresClients,
  ) {}

  /** The box's Olares version (remembered per profile); rejects with BackendVersionError naming the cause. */
  backendVersion(op: string, signal?: AbortSignal): Promise<string> {
    const facts = boxFactsFor(this.clients.auth).version;
    return facts
      .get(this.http.olaresId, () =>
        this.clients.desktop.olaresInfo(signal).then((i) => {
          if (!i.osVersion) throw new Error('the answer has no osVersion');
          return i.osVersion;
        }),
      )
      .catch((err) => {
        throw new BackendVersionError(op, (err as Error).message);
      });
  }

  private async call(
    method: string,
    route: string,
    path: string,
    json?: unknown,
    signal?: AbortSignal,
  ): Promise<{ data: unknown; status: number }> {
    const endpoint = `${method} ${route}`;
    let status: number;
    let text: string;
    try {
      const res = await this.http.request('market', `${BASE}${path}`, {
        method,
        json,
        signal,
        allowStatus: [400, 404, 405, 409, 422],
      });
      status = res.statusCode;
      text = await res.body.text();
    } catch (err) {
      // Failed checks come back as HTTP 500 around the app-service answer: read the body.
      if (!(err instanceof HttpStatusError)) throw err;
      status = err.status;
      text = err.body;
    }
    const ok = status >= 200 && status < 300;
    if (!ok && !text.trim().startsWith('{'))
      throw new MarketError(`market answered ${endpoint} with HTTP ${status}: ${text.slice(0, 200)}`, status);
    const env = parseEnvelope(text, status, endpoint);
    if (!ok || env.success === false) {
      const check = failedCheck(env);
      if (check) throw check;
      throw new MarketError(env.message || `${endpoint}: HTTP ${status}`, status);
    }
    return { data: env.data, status };
  }

  private async send(method: string, route: string, path: string, json: unknown, signal?: AbortSignal) {
    try {
      const { status } = await this.call(method, route, path, json, signal);
      return { stillRunning: status === 202 } satisfies Sent;
    } catch (err) {
      // A 400 to a mutating call is how a market of another version refuses our body shape
      // (`AppName cannot be empty`): the remembered version may be stale after an upgrade.
      if (err instanceof MarketError && err.status === 400)
        boxFactsFor(this.clients.auth).version.forget(this.http.olaresId);
      throw err;
    }
  }

  async catalog(signal?: AbortSignal): Promise<CatalogItem[]> {
    return parseCatalog((await this.call('GET', '/market/data', '/market/data', undefined, signal)).data);
  }

  async rows(signal?: AbortSignal): Promise<AppRow[]> {
    return parseRows((await this.call('GET', '/market/state', '/market/state', undefined, signal)).data);
  }

  /** lookupInstalledApp: exact name, installed rows first (docs/wire/market.md#installed-row). */
  async row(name: string, signal?: AbortSignal): Promise<AppRow | undefined> {
    const matches = (await this.rows(signal)).filter((r) => r.name === name);
    return matches.find((r) => !NOT_INSTALLED.has(r.state)) ?? matches[0];
  }

  async detail(name: string, source = DEFAULT_SOURCE, signal?: AbortSignal): Promise<AppDetail> {
    checkAppName(name);
    const { data } = await this.call(
      'POST',
      '/apps',
      '/apps',
      { apps: [{ appid: name, sourceDataName: source }] },
      signal,
    );
    const app = parseDetail(data, name);
    if (!app)
      throw new MarketError(
        `app '${name}' not found in source '${source}'. Fix: find it with market_list`,
        404,
      );
    return app;
  }

  async install(
    app: string,
    opts: { source: string; version: string; envs?: Record<string, string>; computeMode?: string },
    signal?: AbortSignal,
  ): Promise<Sent> {
    checkAppName(app);
    const body: Record<string, unknown> = {
      source: opts.source,
      app_name: app,
      version: opts.version,
      sync: true,
    };
    const envs = Object.entries(opts.envs ?? {}).map(([envName, value]) =>
      value ? { envName, value } : { envName },
    );
    if (envs.length) body.envs = envs;
    if (opts.computeMode) {
      const v = await this.backendVersion('install with a compute mode', signal);
      if (!versionAtLeast(v, '1.12.6'))
        throw new InvalidInputError(
          `computeMode requires Olares 1.12.6+, but this box runs ${v}, whose install path has no compute mode. Fix: call market_install again without computeMode`,
        );
      body.selectedGpuType = opts.computeMode;
    }
    return this.send('POST', '/apps/{name}/install', `/apps/${app}/install`, body, signal);
  }

  /**
   * Another instance of a multi-instance app under its own title (olares-cli clone.go,
   * POST /apps/{name}/clone); the box mints the instance's name and answers it as data.app_name.
   */
  async clone(app: string, opts: CloneOptions, signal?: AbortSignal): Promise<Sent & { instance?: string }> {
    checkAppName(app);
    const body: Record<string, unknown> = {
      source: opts.source,
      app_name: app,
      title: opts.title,
      sync: true,
    };
    const envs = Object.entries(opts.envs ?? {}).map(([envName, value]) =>
      value ? { envName, value } : { envName },
    );
    if (envs.length) body.envs = envs;
    if (opts.entrances.length) body.entrances = opts.entrances;
    if (opts.computeMode) {
      const v = await this.backendVersion('clone with a compute mode', signal);
      if (!versionAtLeast(v, '1.12.6'))
        throw new InvalidInputError(
          `computeMode requires Olares 1.12.6+, but this box runs ${v}, whose clone path has no compute mode. Fix: call again without computeMode`,
        );
      body.selectedGpuType = opts.computeMode;
    }
    const { data, status } = await this.call(
      'POST',
      '/apps/{name}/clone',
      `/apps/${app}/clone`,
      body,
      signal,
    );
    const r = new Reader('market', 'POST /apps/{name}/clone');
    const instance = r.optStr(r.optRecord(data, 'data').app_name, 'data.app_name');
    return { stillRunning: status === 202, instance };
  }

  /**
   * olares-cli resolveCascade: on 1.12.6+ a client/server bundle (apiVersion v2 with sub-charts)
   * or an app with a shared chart always takes its shared charts along; on 1.12.5 a single-user
   * box does so for a client/server bundle unless the caller said otherwise.
   */
  async cascade(row: AppRow, requested: boolean | undefined, signal?: AbortSignal): Promise<Cascade> {
    const v = await this.backendVersion(`decide the cascade for '${row.name}'`, signal);
    // A clone is looked up by the catalog app it came from (olares-cli keys this on rawAppName).
    const detail = await this.detail(row.rawAppName ?? row.name, row.source, signal).catch((err) => {
      if (err instanceof MarketError && err.status === 404) return undefined;
      throw err;
    });
    const csv2 = detail?.apiVersion === 'v2' && detail.subCharts.length > 0;
    const shared = detail?.subCharts.some((c) => c.shared) ?? false;
    if (versionAtLeast(v, '1.12.6')) {
      if (csv2 || shared)
        return {
          all: true,
          why: `'${row.name}' is a ${csv2 ? 'client/server' : 'shared'} app: on Olares ${v} its shared server charts always go with it`,
        };
      return { all: requested ?? false, why: requested ? 'cascade requested' : 'no shared charts' };
    }
    if (requested !== undefined)
      return { all: requested, why: requested ? 'cascade requested' : 'cascade declined' };
    if (csv2 && (await this.clients.desktop.userTotals(signal)) === 1)
      return {
        all: true,
        why: `single-user box on Olares ${v}: the client/server app takes its server along`,
      };
    return { all: false, why: csv2 ? 'other users may share its server' : 'no shared charts' };
  }

  async uninstall(
    row: AppRow,
    opts: { deleteData?: boolean; all: boolean },
    signal?: AbortSignal,
  ): Promise<Sent> {
    checkAppName(row.name);
    const newer = versionAtLeast(await this.backendVersion(`uninstall '${row.name}'`, signal), '1.12.6');
    const body: Record<string, unknown> = newer
      ? {
          app_name: row.name,
          source: row.source,
          sync: true,
          all: opts.all,
          deleteData: Boolean(opts.deleteData),
          ...(row.version ? { version: row.version } : {}),
        }
      : { sync: true, all: opts.all, deleteData: Boolean(opts.deleteData) };
    return this.send('DELETE', '/apps/{name}', `/apps/${row.name}`, body, signal);
  }

  async upgrade(row: AppRow, version: string, signal?: AbortSignal): Promise<Sent> {
    checkAppName(row.name);
    return this.send(
      'PUT',
      '/apps/{name}/upgrade',
      `/apps/${row.name}/upgrade`,
      { source: row.source, app_name: row.name, version, sync: true },
      signal,
    );
  }

  async lifecycle(
    op: 'stop' | 'resume' | 'restart',
    row: AppRow,
    opts: { all?: boolean; computeBinding?: ComputeBinding[] } = {},
    signal?: AbortSignal,
  ): Promise<Sent> {
    checkAppName(row.name);
    const v = await this.backendVersion(`${op} '${row.name}'`, signal);
    const newer = versionAtLeast(v, '1.12.6');
    if (op === 'restart' && !newer) {
      throw new MarketError(
        `market_restart requires Olares >= 1.12.6 (POST /apps/restart), but this backend is ${v}. Fix: market_stop then market_resume`,
        400,
      );
    }
    if (opts.computeBinding?.length && !newer)
      throw new InvalidInputError(
        `computeBinding requires Olares 1.12.6+, but this box runs ${v}, whose ${op} path binds no device. Nothing was sent. Fix: call market_${op} again without computeBinding`,
      );
    const all = Boolean(opts.all);
    // olares-cli resume/1_12_6.go and restart.go: computeBinding only when one was chosen.
    const binding = opts.computeBinding?.length ? { computeBinding: opts.computeBinding } : {};
    const body = newer
      ? { app_name: row.name, source: row.source, ...(op === 'stop' ? { all } : binding) }
      : op === 'stop'
        ? { appName: row.name, all }
        : { appName: row.name };
    try {
      return await this.send('POST', `/apps/${op}`, `/apps/${op}`, body, signal);
    } catch (err) {
      // Only olares-cli knows /apps/restart; a market without it routes the path to
      // DELETE /apps/{id} and answers 405.
      if (op === 'restart' && err instanceof MarketError && err.status === 405)
        throw new MarketError(
          `this box's market has no restart route (HTTP 405 to POST /apps/restart). Nothing was changed. Fix: market_stop {app: "${row.name}", wait: true}, then market_resume`,
          405,
        );
      throw err;
    }
  }

  async cancel(row: AppRow, signal?: AbortSignal): Promise<Sent> {
    checkAppName(row.name);
    const v = await this.backendVersion(`cancel '${row.name}'`, signal);
    if ((row.state === 'resuming' || row.state === 'upgrading') && !versionAtLeast(v, '1.12.7'))
      throw new InvalidInputError(
        `market_cancel requires Olares >= 1.12.7 (canceling a ${row.state} app), but this box runs ${v}. Fix: wait until '${row.name}' settles (market_status), then stop or uninstall it`,
      );
    const body = versionAtLeast(v, '1.12.6')
      ? {
          app_name: row.name,
          source: row.source,
          sync: true,
          ...(row.version ? { version: row.version } : {}),
        }
      : { sync: true };
    return this.send('DELETE', '/apps/{name}/install', `/apps/${row.name}/install`, body, signal);
  }
}
