// Typed client for the dashboard host (olares-api/cluster.md sec. 12): identity, monitoring
// series and the app list behind `dashboard overview`.
import { OlaresMcpError } from '../errors.js';
import type { OlaresHttp } from '../transport/http.js';

const MON = '/kapis/monitoring.kubesphere.io/v1alpha3';

/** metric name -> last sample (values[-1], else value), as a number. */
export type MetricMap = Map<string, Array<{ labels: Record<string, string>; value: number }>>;

function parseMonitoring(body: any): MetricMap {
  const out: MetricMap = new Map();
  for (const r of body?.results ?? []) {
    const rows = (r?.data?.result ?? []).map((x: any) => {
      const sample = Array.isArray(x.values) && x.values.length ? x.values[x.values.length - 1] : x.value;
      return { labels: x.metric ?? {}, value: Number(Array.isArray(sample) ? sample[1] : Number.NaN) };
    });
    out.set(String(r.metric_name), rows);
  }
  return out;
}

export class DashboardClient {
  constructor(readonly http: OlaresHttp) {}

  async identity(signal?: AbortSignal): Promise<{ username: string; globalrole: string }> {
    const d = await this.http.json<any>('dashboard', '/capi/app/detail', { signal });
    return { username: String(d?.user?.username ?? ''), globalrole: String(d?.user?.globalrole ?? '') };
  }

  private window() {
    const end = Math.floor(Date.now() / 1000);
    return { start: end - 200 * 60, end, step: '600s', times: 20 };
  }

  async cluster(signal?: AbortSignal): Promise<MetricMap> {
    const metrics = [
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
    return parseMonitoring(
      await this.http.json('dashboard', `${MON}/cluster`, {
        query: { metrics_filter: `${metrics.join('|')}$`, ...this.window() },
        signal,
      }),
    );
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
      await this.http.json('dashboard', `${MON}/users/${encodeURIComponent(username)}`, {
        query: { metrics_filter: `${metrics.join('|')}$`, ...this.window() },
        signal,
      }),
    );
  }

  async myApps(signal?: AbortSignal): Promise<any[]> {
    const env = await this.http.json<any>('dashboard', '/user-service/api/myapps_v2', { signal });
    if (env?.code !== 0 && env?.code !== 200)
      throw new OlaresMcpError(`myapps_v2 failed: code ${env?.code}: ${env?.message ?? ''}`, {
        code: 'olares_error',
      });
    return Array.isArray(env.data) ? env.data : [];
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
      await this.http.json('dashboard', `${MON}/namespaces`, {
        query: {
          metrics_filter: `${metrics.join('|')}$`,
          resources_filter: namespaces.join('|'),
          ...this.window(),
        },
        signal,
      }),
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
      await this.http.json('dashboard', `${MON}/namespaces/${encodeURIComponent(namespace)}/pods`, {
        query: {
          metrics_filter: `${metrics.join('|')}$`,
          resources_filter: `${deployments.map((d) => `${d}.*`).join('|')}$`,
          ...this.window(),
        },
        signal,
      }),
    );
  }
}
