// Parsers for the market's payloads (beclab/market pkg/v2/api, olares-cli cli/cmd/ctl/market).
// Every body is read through one Reader, so a changed field fails with a WireShapeError naming
// the endpoint and the field instead of leaking `undefined` into a result.
import { OlaresMcpError } from '../errors.js';
import { type Fields, localized, Reader } from './shape.js';

export interface CatalogItem {
  name: string;
  title: string;
  version: string;
  source: string;
  categories: string[];
}

export interface AppRow {
  name: string;
  /** The catalog name a clone was made from; equals name for an ordinary install. */
  rawAppName?: string;
  source: string;
  version?: string;
  state: string;
  opType?: string;
  progress?: string;
  message?: string;
  reason?: string;
  statusTime?: string;
}

export interface AppEnv {
  name: string;
  required: boolean;
  description?: string;
  /** OlaresManifest `type: password`: a value the user should not have to read in a chat. */
  secret?: boolean;
}

export interface AppDetail {
  name: string;
  title: string;
  version: string;
  description?: string;
  developer?: string;
  categories: string[];
  /** Visible entrances; `index` is the position among all of them, hidden ones included. */
  entrances: Array<{ name: string; title?: string; index: number }>;
  /** How many entrances the app declares, hidden ones included (the host name rule needs it). */
  entranceCount: number;
  envs: AppEnv[];
  computeModes: string[];
  /** `v2` with sub-charts = a client/server bundle (olares-cli isCSV2). */
  apiVersion?: string;
  subCharts: Array<{ name: string; shared: boolean }>;
  /** Another instance may be installed: allowMultipleInstall or templateOnly (olares-cli appSupportsClone). */
  cloneable: boolean;
}

export interface Envelope {
  success?: boolean;
  message: string;
  data: unknown;
}

/** Refused by the box, or an envelope with success: false. */
export class MarketError extends OlaresMcpError {
  constructor(
    message: string,
    readonly status: number,
  ) {
    super(message, { code: status === 404 ? 'market_refused' : 'market_error' });
  }
}

/** A failed pre-install check: something the caller can fix and send again (envs, compute mode). */
export class FailedCheckError extends OlaresMcpError {
  constructor(
    message: string,
    readonly check: { type: string; missingEnvs?: string[]; invalidEnvs?: string[]; computeModes?: string[] },
  ) {
    super(message, { code: 'market_failed_check' });
  }
}

export function parseEnvelope(text: string, status: number, endpoint: string): Envelope {
  let body: unknown;
  try {
    body = JSON.parse(text);
  } catch {
    throw new MarketError(
      `market answered ${endpoint} with HTTP ${status} and a non-JSON body: ${text.slice(0, 200)}`,
      status,
    );
  }
  const r = new Reader('market', endpoint);
  const env = r.record(body, '(body)');
  return {
    success: typeof env.success === 'boolean' ? env.success : undefined,
    message: r.optStr(env.message, 'message') ?? '',
    data: env.data,
  };
}

/** The per-source buckets of /market/data and /market/state. */
function sources(r: Reader, data: unknown): Array<[string, Fields]> {
  // A user without any market data yet may get no user_data at all: that is an empty list.
  const userData = r.optRecord(r.record(data, 'data').user_data, 'data.user_data');
  const buckets = r.optRecord(userData.sources, 'data.user_data.sources');
  return Object.keys(buckets)
    .sort()
    .map((s) => [s, r.optRecord(buckets[s], `data.user_data.sources.${s}`)]);
}

export function parseCatalog(data: unknown): CatalogItem[] {
  const r = new Reader('market', 'GET /market/data');
  const out: CatalogItem[] = [];
  for (const [source, bucket] of sources(r, data)) {
    const at = `data.user_data.sources.${source}.app_info_latest`;
    r.optArray(bucket.app_info_latest, at).forEach((raw, i) => {
      const item = r.record(raw, `${at}[${i}]`);
      const info = r.optRecord(item.app_simple_info, `${at}[${i}].app_simple_info`);
      out.push({
        name:
          r.optStr(info.app_name, 'app_simple_info.app_name') ?? r.str(info.app_id, 'app_simple_info.app_id'),
        title: localized(info.app_title ?? info.title),
        version:
          r.optStr(item.version, `${at}[${i}].version`) ?? r.optStr(info.app_version, 'app_version') ?? '',
        source,
        categories: r.optArray(info.categories, 'app_simple_info.categories').map(String),
      });
    });
  }
  return out.sort((a, b) => a.source.localeCompare(b.source) || a.name.localeCompare(b.name));
}

export function parseRows(data: unknown): AppRow[] {
  const r = new Reader('market', 'GET /market/state');
  const out: AppRow[] = [];
  for (const [source, bucket] of sources(r, data)) {
    const at = `data.user_data.sources.${source}.app_state_latest`;
    r.optArray(bucket.app_state_latest, at).forEach((raw, i) => {
      const row = r.record(raw, `${at}[${i}]`);
      const s = r.record(row.status, `${at}[${i}].status`);
      const f = (k: string) => r.optStr(s[k], `${at}[${i}].status.${k}`);
      const progress = f('progress');
      out.push({
        name: f('name') ?? f('rawAppName') ?? r.fail(`${at}[${i}].status.name`, 'is missing'),
        rawAppName: f('rawAppName'),
        source,
        version: r.optStr(row.version, `${at}[${i}].version`),
        state: f('state') ?? '',
        opType: f('opType'),
        progress: progress && progress !== '0.00' ? progress : undefined,
        message: f('message'),
        reason: f('reason'),
        statusTime: f('statusTime'),
      });
    });
  }
  return out;
}

function parseEnvs(r: Reader, v: unknown, field: string): AppEnv[] {
  return r.optArray(v, field).map((raw, i) => {
    const e = r.record(raw, `${field}[${i}]`);
    return {
      name: r.optStr(e.envName, `${field}[${i}].envName`) ?? r.str(e.name, `${field}[${i}].envName`),
      required: e.required === true,
      description: r.optStr(e.description, `${field}[${i}].description`),
      ...(e.type === 'password' ? { secret: true } : {}),
    };
  });
}

/** POST /apps: the first app, or undefined when the source does not have it. */
/** Whether `key: true` appears anywhere in `v` (olares-cli deepFindBoolValue: the flag moved between manifest versions). */
function hasTrueFlag(v: unknown, key: string, depth = 0): boolean {
  if (!v || typeof v !== 'object' || depth > 8) return false;
  if (!Array.isArray(v) && (v as Fields)[key] === true) return true;
  return Object.values(v as Fields).some((x) => hasTrueFlag(x, key, depth + 1));
}

export function parseDetail(data: unknown, name: string): AppDetail | undefined {
  const r = new Reader('market', 'POST /apps');
  const apps = r.optArray(r.optRecord(data, 'data').apps, 'data.apps');
  if (!apps.length) return undefined;
  const app = r.record(apps[0], 'data.apps[0]');
  const simple = r.optRecord(app.app_simple_info, 'data.apps[0].app_simple_info');
  const entry = r.optRecord(
    r.optRecord(app.app_info, 'data.apps[0].app_info').app_entry,
    'data.apps[0].app_info.app_entry',
  );
  const i18n = r.optRecord(entry.i18n, 'app_entry.i18n');
  const meta = r.optRecord(
    r.optRecord(i18n['en-US'] ?? i18n.en, 'app_entry.i18n.en-US').metadata,
    'metadata',
  );
  // The Redis-backed market (1.12.5/1.12.6 branches) sends raw_data; the PostgreSQL-backed one
  // (market main) merges the envs into app_info.app_entry.envs instead.
  const raw = app.raw_data == null ? undefined : r.record(app.raw_data, 'data.apps[0].raw_data');
  const envs =
    raw?.envs != null
      ? parseEnvs(r, raw.envs, 'data.apps[0].raw_data.envs')
      : parseEnvs(r, entry.envs, 'data.apps[0].app_info.app_entry.envs');
  return {
    name: r.optStr(simple.app_name, 'app_simple_info.app_name') ?? name,
    title: localized(meta.title) || localized(simple.app_title) || localized(entry.title) || name,
    version:
      r.optStr(app.version, 'data.apps[0].version') ?? r.optStr(entry.version, 'app_entry.version') ?? '',
    description: localized(meta.description) || undefined,
    developer: r.optStr(entry.developer, 'app_entry.developer'),
    categories: r.optArray(entry.categories, 'app_entry.categories').map(String),
    entrances: r
      .optArray(entry.entrances, 'app_entry.entrances')
      .map((e, i) => ({ e: r.record(e, `app_entry.entrances[${i}]`), i }))
      .filter(({ e }) => e.invisible !== true)
      .map(({ e, i }) => ({
        name: r.str(e.name, `app_entry.entrances[${i}].name`),
        title: localized(e.title) || undefined,
        index: i,
      })),
    entranceCount: r.optArray(entry.entrances, 'app_entry.entrances').length,
    envs,
    computeModes: r
      .optArray(entry.accelerator, 'app_entry.accelerator')
      .map((a, i) =>
        r.str(r.record(a, `app_entry.accelerator[${i}]`).mode, `app_entry.accelerator[${i}].mode`),
      ),
    apiVersion: r.optStr(entry.apiVersion, 'app_entry.apiVersion'),
    cloneable: hasTrueFlag(app, 'allowMultipleInstall') || hasTrueFlag(app, 'templateOnly'),
    subCharts: r.optArray(entry.subCharts, 'app_entry.subCharts').map((c, i) => {
      const chart = r.record(c, `app_entry.subCharts[${i}]`);
      return {
        name: r.optStr(chart.name, `app_entry.subCharts[${i}].name`) ?? '',
        shared: chart.shared === true,
      };
    }),
  };
}

const asRecord = (v: unknown): Fields | undefined =>
  v && typeof v === 'object' && !Array.isArray(v) ? (v as Fields) : undefined;
const list = (v: unknown): unknown[] => (Array.isArray(v) ? v : []);
const envNames = (v: unknown) => list(v).map((x) => String(asRecord(x)?.envName ?? x));

/**
 * The check inside a refused answer, wherever the backend put it: `data.backend_response.data`
 * (the market's task envelope, sent with HTTP 500 by the public market) or `data` (an app-service
 * answer passed through, e.g. HTTP 422). Undefined when the answer carries no check type.
 */
export function failedCheck(env: Envelope): FailedCheckError | undefined {
  const data = asRecord(env.data);
  const inner = asRecord(asRecord(asRecord(data?.backend_response)?.data)) ?? data;
  if (typeof inner?.type !== 'string' || !inner.type) return undefined;
  const type = inner.type;
  const payload = inner.Data ?? inner.data;
  if (type === 'appenv') {
    const p = asRecord(payload);
    const missing = [...envNames(p?.missingValues), ...envNames(p?.missingRefs)];
    const invalid = envNames(p?.invalidValues);
    const lines = ['environment variable requirements not met'];
    if (missing.length) lines.push(`Missing required values: ${missing.join(', ')}`);
    if (invalid.length) lines.push(`Invalid values: ${invalid.join(', ')}`);
    lines.push(
      `Fix: call market_install again with envs: {${[...missing, ...invalid].map((n) => `"${n}": "<value>"`).join(', ')}} (market_get shows what each variable means); for a secret such as a key, generateEnvs: [${[...missing, ...invalid].map((n) => `"${n}"`).join(', ')}] has the server fill it without showing it`,
    );
    return new FailedCheckError(lines.join('\n'), { type, missingEnvs: missing, invalidEnvs: invalid });
  }
  if (type === 'computeModeSelect') {
    const modes = list(payload)
      .map(asRecord)
      .filter((m) => m?.status === 'installable')
      .map((m) => String(m?.computeType));
    return new FailedCheckError(
      modes.length
        ? `this app supports several compute modes; call market_install again with computeMode set to one of: ${modes.join(', ')}`
        : 'this app needs a compute mode but none is currently installable on this box',
      { type, computeModes: modes },
    );
  }
  if (type === 'computeBindingRequired' || type === 'computeBindingUnavailable')
    return bindingCheck(type, asRecord(payload), env.message);
  return new FailedCheckError(`the box refused the request (check ${type}): ${env.message}`, { type });
}

function bindingCheck(type: string, data: Fields | undefined, message: string): FailedCheckError {
  const av = asRecord(data?.availability) ?? {};
  const free = list(av.nodes).flatMap((n) =>
    list(asRecord(n)?.devices)
      .map(asRecord)
      .filter((d) => d?.operable === true)
      .map((d) => `${d?.nodeName ?? asRecord(n)?.nodeName}:${d?.deviceId}`),
  );
  const validation = asRecord(data?.validation);
  const why = String(validation?.reason || validation?.code || av.reason || message || '');
  const mode = String(asRecord(av.requirement)?.mode ?? 'gpu');
  return new FailedCheckError(
    `the app needs a GPU binding (${mode}${why ? `: ${why}` : ''}); ${
      free.length
        ? `devices that could take it: ${free.join(', ')}. Fix: call again with computeBinding: ["${free[0]}"]`
        : 'no device is currently available to bind. Fix: free a device or stop another GPU app (market_stop), then retry'
    }`,
    { type },
  );
}
