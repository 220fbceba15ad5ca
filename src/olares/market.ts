// Typed client for the market (app-store v2, olares-api/market.md): catalog, per-user state,
// detail, the lifecycle operations with both backend versions' bodies, and 422 failed checks.
import { InvalidInputError, OlaresMcpError } from '../errors.js';
import { HttpStatusError, type OlaresHttp } from '../transport/http.js';
import type { OlaresClients } from './index.js';

const BASE = '/app-store/api/v2';
export const DEFAULT_SOURCE = 'market.olares';

export interface CatalogItem {
  name: string;
  title: string;
  version: string;
  source: string;
  categories: string[];
}

export interface AppRow {
  name: string;
  source: string;
  version?: string;
  state: string;
  opType?: string;
  progress?: string;
  message?: string;
  reason?: string;
  statusTime?: string;
}

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

/** Refused by the box, or an envelope with success: false. */
export class MarketError extends OlaresMcpError {
  constructor(
    message: string,
    readonly status: number,
  ) {
    super(message, { code: status === 404 ? 'market_refused' : 'market_error' });
  }
}

/** 422: something the caller can fix and send again (envs, compute mode). */
export class FailedCheckError extends OlaresMcpError {
  constructor(
    message: string,
    readonly check: { type: string; missingEnvs?: string[]; invalidEnvs?: string[]; computeModes?: string[] },
  ) {
    super(message, { code: 'market_failed_check' });
  }
}

const title = (t: unknown): string => {
  if (typeof t === 'string') return t;
  if (t && typeof t === 'object') {
    const m = t as Record<string, string>;
    return m['en-US'] ?? m.en ?? m['zh-CN'] ?? Object.values(m)[0] ?? '';
  }
  return '';
};

const core = (v: string) =>
  v
    .split('-')[0]
    .split('.')
    .map((n) => Number(n) || 0);
export function versionAtLeast(v: string | undefined, min: string): boolean {
  if (!v) return true; // unknown: assume current
  const a = core(v);
  const b = core(min);
  for (let i = 0; i < 3; i++) if ((a[i] ?? 0) !== (b[i] ?? 0)) return (a[i] ?? 0) > (b[i] ?? 0);
  return true;
}

export class MarketClient {
  private version?: Promise<string | undefined>;

  constructor(
    readonly http: OlaresHttp,
    readonly clients: OlaresClients,
  ) {}

  /** The box's Olares version decides request bodies (1.12.5 vs 1.12.6+). */
  backendVersion(signal?: AbortSignal): Promise<string | undefined> {
    this.version ??= this.clients.desktop.olaresInfo(signal).then(
      (i) => i.osVersion,
      () => undefined,
    );
    return this.version;
  }

  private async call<T = any>(
    method: string,
    path: string,
    json?: unknown,
    signal?: AbortSignal,
  ): Promise<T> {
    let res: Awaited<ReturnType<OlaresHttp['request']>>;
    try {
      res = await this.http.request('market', `${BASE}${path}`, {
        method,
        json,
        signal,
        allowStatus: [400, 404, 409, 422],
      });
    } catch (err) {
      if (err instanceof HttpStatusError)
        throw new MarketError(`market API error (HTTP ${err.status}): ${err.body.slice(0, 300)}`, err.status);
      throw err;
    }
    const text = await res.body.text();
    let env: any;
    try {
      env = JSON.parse(text);
    } catch {
      throw new MarketError(
        `market answered HTTP ${res.statusCode} with a non-JSON body: ${text.slice(0, 200)}`,
        res.statusCode,
      );
    }
    if (res.statusCode === 422) throw failedCheck(env);
    if (res.statusCode !== 200 || env?.success === false) {
      throw new MarketError(env?.message || text.slice(0, 300) || `HTTP ${res.statusCode}`, res.statusCode);
    }
    return env?.data as T;
  }

  async catalog(signal?: AbortSignal): Promise<CatalogItem[]> {
    const data = await this.call('GET', '/market/data', undefined, signal);
    const out: CatalogItem[] = [];
    for (const [source, bucket] of Object.entries<any>(data?.user_data?.sources ?? {})) {
      for (const item of bucket?.app_info_latest ?? []) {
        const info = item.app_simple_info ?? {};
        out.push({
          name: String(info.app_name || info.app_id || ''),
          title: title(info.app_title ?? info.title),
          version: String(item.version || info.app_version || ''),
          source,
          categories: Array.isArray(info.categories) ? info.categories.map(String) : [],
        });
      }
    }
    return out.sort((a, b) => a.source.localeCompare(b.source) || a.name.localeCompare(b.name));
  }

  async rows(signal?: AbortSignal): Promise<AppRow[]> {
    const data = await this.call('GET', '/market/state', undefined, signal);
    const out: AppRow[] = [];
    for (const source of Object.keys(data?.user_data?.sources ?? {}).sort()) {
      for (const row of data.user_data.sources[source]?.app_state_latest ?? []) {
        const s = row.status ?? {};
        out.push({
          name: String(s.name || s.rawAppName || ''),
          source,
          version: row.version || undefined,
          state: String(s.state ?? ''),
          opType: s.opType || undefined,
          progress: s.progress && s.progress !== '0.00' ? String(s.progress) : undefined,
          message: s.message || undefined,
          reason: s.reason || undefined,
          statusTime: s.statusTime || undefined,
        });
      }
    }
    return out;
  }

  /** lookupInstalledApp: exact name, installed rows first (market.md sec. 4.2). */
  async row(name: string, signal?: AbortSignal): Promise<AppRow | undefined> {
    const matches = (await this.rows(signal)).filter((r) => r.name === name);
    return matches.find((r) => !NOT_INSTALLED.has(r.state)) ?? matches[0];
  }

  async detail(name: string, source = DEFAULT_SOURCE, signal?: AbortSignal): Promise<any> {
    const data = await this.call(
      'POST',
      '/apps',
      { apps: [{ appid: name, sourceDataName: source }] },
      signal,
    );
    const app = data?.apps?.[0];
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
  ) {
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
      const v = await this.backendVersion(signal);
      if (!versionAtLeast(v, '1.12.6'))
        throw new InvalidInputError(
          `computeMode requires Olares 1.12.6+, but this box runs ${v}, whose install path has no compute mode. Fix: call market_install again without computeMode`,
        );
      body.selectedGpuType = opts.computeMode;
    }
    await this.call('POST', `/apps/${encodeURIComponent(app)}/install`, body, signal);
  }

  async uninstall(row: AppRow, opts: { deleteData?: boolean; cascade?: boolean }, signal?: AbortSignal) {
    const newer = versionAtLeast(await this.backendVersion(signal), '1.12.6');
    const body: Record<string, unknown> = newer
      ? {
          app_name: row.name,
          source: row.source,
          sync: true,
          all: Boolean(opts.cascade),
          deleteData: Boolean(opts.deleteData),
          ...(row.version ? { version: row.version } : {}),
        }
      : { sync: true, all: Boolean(opts.cascade), deleteData: Boolean(opts.deleteData) };
    await this.call('DELETE', `/apps/${encodeURIComponent(row.name)}`, body, signal);
  }

  async upgrade(row: AppRow, version: string, signal?: AbortSignal) {
    await this.call(
      'PUT',
      `/apps/${encodeURIComponent(row.name)}/upgrade`,
      { source: row.source, app_name: row.name, version, sync: true },
      signal,
    );
  }

  async lifecycle(op: 'stop' | 'resume' | 'restart', row: AppRow, signal?: AbortSignal) {
    const v = await this.backendVersion(signal);
    const newer = versionAtLeast(v, '1.12.6');
    if (op === 'restart' && !newer) {
      throw new MarketError(
        `market_restart requires Olares >= 1.12.6 (POST /apps/restart), but this backend is ${v}. Fix: market_stop then market_resume`,
        400,
      );
    }
    const body = newer
      ? { app_name: row.name, source: row.source, ...(op === 'stop' ? { all: false } : {}) }
      : op === 'stop'
        ? { appName: row.name, all: false }
        : { appName: row.name };
    await this.call('POST', `/apps/${op}`, body, signal);
  }

  async cancel(row: AppRow, signal?: AbortSignal) {
    const v = await this.backendVersion(signal);
    if ((row.state === 'resuming' || row.state === 'upgrading') && !(v && versionAtLeast(v, '1.12.7')))
      throw new InvalidInputError(
        `market_cancel requires Olares >= 1.12.7 (canceling a ${row.state} app), but this box runs ${v ?? 'an unknown version'}. Fix: wait until '${row.name}' settles (market_status), then stop or uninstall it`,
      );
    const newer = versionAtLeast(v, '1.12.6');
    const body = newer
      ? {
          app_name: row.name,
          source: row.source,
          sync: true,
          ...(row.version ? { version: row.version } : {}),
        }
      : { sync: true };
    await this.call('DELETE', `/apps/${encodeURIComponent(row.name)}/install`, body, signal);
  }
}

function failedCheck(env: any): FailedCheckError {
  const inner = env?.data?.backend_response?.data ?? env?.data;
  const type = String(inner?.type ?? 'unknown');
  const data = inner?.Data ?? inner?.data;
  if (type === 'appenv') {
    const names = (xs: any) => (Array.isArray(xs) ? xs.map((x: any) => String(x?.envName ?? x)) : []);
    const missing = [...names(data?.missingValues), ...names(data?.missingRefs)];
    const invalid = names(data?.invalidValues);
    const lines = ['environment variable requirements not met'];
    if (missing.length) lines.push(`Missing required values: ${missing.join(', ')}`);
    if (invalid.length) lines.push(`Invalid values: ${invalid.join(', ')}`);
    lines.push(
      `Fix: call market_install again with envs: {${[...missing, ...invalid].map((n) => `"${n}": "<value>"`).join(', ')}} (market_get shows what each variable means)`,
    );
    return new FailedCheckError(lines.join('\n'), { type, missingEnvs: missing, invalidEnvs: invalid });
  }
  if (type === 'computeModeSelect') {
    const modes = (Array.isArray(data) ? data : [])
      .filter((m: any) => m?.status === 'installable')
      .map((m: any) => String(m.computeType));
    return new FailedCheckError(
      modes.length
        ? `this app supports several compute modes; call market_install again with computeMode set to one of: ${modes.join(', ')}`
        : 'this app needs a compute mode but none is currently installable on this box',
      { type, computeModes: modes },
    );
  }
  if (type === 'computeBindingRequired' || type === 'computeBindingUnavailable') {
    const av = data?.availability ?? {};
    const free = (Array.isArray(av.nodes) ? av.nodes : []).flatMap((n: any) =>
      (Array.isArray(n?.devices) ? n.devices : [])
        .filter((d: any) => d?.operable)
        .map((d: any) => `${d.nodeName ?? n.nodeName}:${d.deviceId}`),
    );
    const why = data?.validation?.reason || data?.validation?.code || av.reason || env?.message || '';
    return new FailedCheckError(
      `the app needs a GPU binding (${av.requirement?.mode ?? 'gpu'}${why ? `: ${why}` : ''}); ${
        free.length
          ? `devices that could take it: ${free.join(', ')}. Bind one in the Olares Market UI (this tool does not take a binding yet)`
          : 'no device is currently available to bind. Fix: free a device or stop another GPU app (market_stop), then retry'
      }`,
      { type },
    );
  }
  return new FailedCheckError(`the box refused the request (check ${type}): ${env?.message ?? ''}`, { type });
}
