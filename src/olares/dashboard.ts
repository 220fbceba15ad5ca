// Typed client for the dashboard host (docs/wire/cluster.md#dashboard): identity, monitoring
// series and the app list behind `dashboard overview`.
import { OlaresMcpError } from '../errors.js';
import { type OlaresHttp, PermissionDeniedError } from '../transport/http.js';
import * as views from './dashboardViews.js';
import { Reader } from './shape.js';

const MON = '/kapis/monitoring.kubesphere.io/v1alpha3';
/** ks-apiserver-proxy's own monitoring route (routes.js): the web app's getTypesMetrics(type). */
const CAPI_MON = '/capi/monitoring.kubesphere.io/v1alpha3';

/** metric name -> last sample (values[-1], else value), as a number. */
export type MetricMap = Map<string, Array<{ labels: Record<string, string>; value: number }>>;

export interface MyApp {
  name: string;
  title: string;
  namespace: string;
  deployment: string;
  ownerKind: string;
  icon: string;
  state: string;
  hasEntrances: boolean;
}

/** The cluster section and where it came from: the whole box, or this user's share of it. */
export interface ClusterMetrics {
  metrics: MetricMap;
  scope: 'cluster' | 'user';
}

/** A dashboard section this role may not read at all: reported as such, not as a failure. */
export class SectionNotAvailableError extends OlaresMcpError {
  constructor(section: string, olaresId: string) {
    super(`not available to this role: ${olaresId} may not read ${section} metrics (owner or admin only)`, {
      code: 'permission_denied',
    });
  }
}

function parseMonitoring(body: unknown, endpoint: string): MetricMap {
  const r = new Reader('dashboard', endpoint);
  const out: MetricMap = new Map();
  r.optArray(r.record(body, '(body)').results, 'results').forEach((raw, i) => {
    const res = r.record(raw, `results[${i}]`);
    const at = `results[${i}].data.result`;
    const rows = r.optArray(r.optRecord(res.data, `results[${i}].data`).result, at).map((x, j) => {
      const row = r.record(x, `${at}[${j}]`);
      const values = Array.isArray(row.values) ? row.values : [];
      const sample = values.length ? values[values.length - 1] : row.value;
      const labels = r.optRecord(row.metric, `${at}[${j}].metric`) as Record<string, string>;
      return { labels, value: Number(Array.isArray(sample) ? sample[1] : Number.NaN) };
    });
    out.set(r.str(res.metric_name, `results[${i}].metric_name`), rows);
  });
  return out;
}

const CLUSTER_METRICS = [
  'cluster_cpu_usage',
  'cluster_cpu_total',
  'cluster_cpu_utilisation',
  'cluster_memory_usage_wo_cache',
  'cluster_memory_total',
  'cluster_memory_utilisation',
  'cluster_disk_size_usage',
  'cluster_disk_size_capacity',
  'cluster_disk_size_utilisation',
  'cluster_pod_running_count',
  'cluster_pod_quota',
  'cluster_net_bytes_received',
  'cluster_net_bytes_transmitted',
];

export class DashboardClient {
  constructor(readonly http: OlaresHttp) {}

  async identity(signal?: AbortSignal): Promise<{ username: string; globalrole: string }> {
    const r = new Reader('dashboard', 'GET /capi/app/detail');
    const d = r.record(await this.http.json<unknown>('dashboard', '/capi/app/detail', { signal }), '(body)');
    const user = r.record(d.user, 'user');
    return {
      username: r.str(user.username, 'user.username'),
      globalrole: r.optStr(user.globalrole, 'user.globalrole') ?? '',
    };
  }

  private window() {
    const end = Math.floor(Date.now() / 1000);
    return { start: end - 200 * 60, end, step: '600s', times: 20 };
  }

  /**
   * Cluster metrics; a sub-account has no permission for /kapis/.../cluster (ks-apiserver-proxy
   * view.js monitoringMetric), so on 403 it reads what the web app reads: the proxy's per-user
   * route, which builds cluster_* series from the user's own metrics.
   */
  async cluster(username: string, signal?: AbortSignal): Promise<ClusterMetrics> {
    const query = { metrics_filter: `${CLUSTER_METRICS.join('|')}$`, ...this.window() };
    try {
      const body = await this.http.json<unknown>('dashboard', `${MON}/cluster`, { query, signal });
      return { metrics: parseMonitoring(body, `GET ${MON}/cluster`), scope: 'cluster' };
    } catch (err) {
      if (!(err instanceof PermissionDeniedError)) throw err;
    }
    try {
      const body = await this.http.json<unknown>('dashboard', `${CAPI_MON}/${encodeURIComponent(username)}`, {
        query,
        signal,
      });
      return { metrics: parseMonitoring(body, `GET ${CAPI_MON}/{type}`), scope: 'user' };
    } catch (err) {
      if (err instanceof PermissionDeniedError)
        throw new SectionNotAvailableError('cluster', this.http.olaresId);
      throw err;
    }
  }

  async user(username: string, signal?: AbortSignal): Promise<MetricMap> {
    const metrics = [
      'user_cpu_total',
      'user_cpu_usage',
      'user_cpu_utilisation',
      'user_memory_total',
      'user_memory_usage_wo_cache',
      'user_memory_utilisation',
    ];
    return parseMonitoring(
      await this.http.json<unknown>('dashboard', `${MON}/users/${encodeURIComponent(username)}`, {
        query: { metrics_filter: `${metrics.join('|')}$`, ...this.window() },
        signal,
      }),
      `GET ${MON}/users/{user}`,
    );
  }

  async myApps(signal?: AbortSignal): Promise<MyApp[]> {
    const r = new Reader('dashboard', 'GET /user-service/api/myapps_v2');
    const env = r.record(
      await this.http.json<unknown>('dashboard', '/user-service/api/myapps_v2', { signal }),
      '(body)',
    );
    if (env.code !== 0 && env.code !== 200)
      throw new OlaresMcpError(`myapps_v2 failed: code ${String(env.code)}: ${String(env.message ?? '')}`, {
        code: 'olares_error',
      });
    return r.optArray(env.data, 'data').map((raw, i) => {
      const a = r.record(raw, `data[${i}]`);
      const name = r.str(a.name, `data[${i}].name`);
      return {
        name,
        title: r.optStr(a.title, `data[${i}].title`) ?? name,
        namespace: r.optStr(a.namespace, `data[${i}].namespace`) ?? '',
        deployment: r.optStr(a.deployment, `data[${i}].deployment`) ?? name,
        ownerKind: r.optStr(a.ownerKind, `data[${i}].ownerKind`) ?? '',
        icon: r.optStr(a.icon, `data[${i}].icon`) ?? '',
        state: r.optStr(a.state, `data[${i}].state`) ?? '',
        hasEntrances: r.optArray(a.entrances, `data[${i}].entrances`).length > 0,
      };
    });
  }

  async namespaceMetrics(namespaces: string[], signal?: AbortSignal): Promise<MetricMap> {
    const metrics = [
      'namespace_cpu_usage',
      'namespace_memory_usage_wo_cache',
      'namespace_net_bytes_transmitted',
      'namespace_net_bytes_received',
      'namespace_pod_count',
    ];
    return parseMonitoring(
      await this.http.json<unknown>('dashboard', `${MON}/namespaces`, {
        query: {
          metrics_filter: `${metrics.join('|')}$`,
          resources_filter: namespaces.join('|'),
          ...this.window(),
        },
        signal,
      }),
      `GET ${MON}/namespaces`,
    );
  }

  async podMetrics(namespace: string, deployments: string[], signal?: AbortSignal): Promise<MetricMap> {
    const metrics = [
      'pod_cpu_usage',
      'pod_memory_usage_wo_cache',
      'pod_net_bytes_transmitted',
      'pod_net_bytes_received',
    ];
    return parseMonitoring(
      await this.http.json<unknown>('dashboard', `${MON}/namespaces/${encodeURIComponent(namespace)}/pods`, {
        query: {
          metrics_filter: `${metrics.join('|')}$`,
          resources_filter: `${deployments.map((d) => `${d}.*`).join('|')}$`,
          ...this.window(),
        },
        signal,
      }),
      `GET ${MON}/namespaces/{ns}/pods`,
    );
  }

  /** Per-node series of one of olares-cli's pages (dashboardViews.ts NODE_METRICS). */
  nodeSeries(metrics: readonly string[], w: views.MetricWindow & { step: string }, signal?: AbortSignal) {
    return views.nodeSeries(this.http, metrics, w, signal);
  }

  networkInterfaces(signal?: AbortSignal) {
    return views.networkInterfaces(this.http, signal);
  }

  gpus(signal?: AbortSignal) {
    return views.gpus(this.http, signal);
  }

  fans(signal?: AbortSignal) {
    return views.fans(this.http, signal);
  }
}
