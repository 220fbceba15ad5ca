// Dashboard host of the simulator: the endpoints `olares-cli dashboard overview` reads
// (docs/wire/cluster.md#dashboard): identity, cluster and user monitoring, the app ranking.
import { appDetail } from './cluster.js';
import { registerDashboardViews } from './dashboardViews.js';
import { sendJson } from './http.js';
import type { Simulator } from './server.js';

const MON = '/kapis/monitoring.kubesphere.io/v1alpha3';

const series = (metric_name: string, value: number, labels: Record<string, string> = {}) => ({
  metric_name,
  data: {
    resultType: 'matrix',
    result: [
      {
        metric: labels,
        values: [
          [Math.floor(Date.now() / 1000) - 600, String(value * 0.9)],
          [Math.floor(Date.now() / 1000), String(value)],
        ],
      },
    ],
  },
});

const APPS = ['firefox', 'jellyfin', 'n8n'];

const forbidden = (user: string) => ({
  kind: 'Status',
  apiVersion: 'v1',
  status: 'Failure',
  message: `clusters.monitoring is forbidden: User "${user}" cannot get resource "clusters"`,
  reason: 'Forbidden',
  code: 403,
});

/** Cluster series; `share` scales them for a sub-account's per-user view. */
const clusterSeries = (share: number) => ({
  results: [
    series('cluster_cpu_usage', 2.1 * share),
    series('cluster_cpu_total', 16 * share),
    series('cluster_cpu_utilisation', 0.13),
    series('cluster_memory_usage_wo_cache', 12 * 2 ** 30 * share),
    series('cluster_memory_total', 64 * 2 ** 30 * share),
    series('cluster_memory_utilisation', 0.1875),
    series('cluster_disk_size_usage', 400 * 2 ** 30 * share),
    series('cluster_disk_size_capacity', 1000 * 2 ** 30 * share),
    series('cluster_disk_size_utilisation', 0.4),
    series('cluster_pod_running_count', Math.round(27 * share)),
    series('cluster_pod_quota', 110),
    series('cluster_net_bytes_received', 125_000 * share),
    series('cluster_net_bytes_transmitted', 64_000 * share),
  ],
});

/** The user's apps as user-service lists them: three apps, Files, and one without an entrance. */
const myApps = (local: string) => ({
  code: 0,
  message: '',
  data: [
    ...APPS.map((name) => ({
      id: name,
      name,
      title: name[0].toUpperCase() + name.slice(1),
      icon: '',
      namespace: `${name}-${local}`,
      deployment: name,
      ownerKind: 'Deployment',
      state: 'running',
      entrances: [{ name: 'web' }],
    })),
    {
      id: 'files',
      name: 'files',
      title: 'Files',
      icon: '',
      namespace: `user-space-${local}`,
      deployment: 'files',
      ownerKind: 'Deployment',
      state: 'running',
      entrances: [{ name: 'web' }],
    },
    {
      id: 'headless',
      name: 'headless',
      title: 'Headless',
      icon: '',
      namespace: 'x',
      deployment: 'x',
      ownerKind: 'Deployment',
      state: 'running',
      entrances: [],
    },
  ],
});

export function registerDashboard(sim: Simulator) {
  sim.route('dashboard', 'GET', '/capi/app/detail', (r) => sendJson(r.res, 200, appDetail(r.user!)));
  registerClusterMonitoring(sim);
  registerAppMonitoring(sim);
  registerDashboardViews(sim);
}

/** Cluster and per-user series, and what a sub-account is refused. */
function registerClusterMonitoring(sim: Simulator) {
  // A sub-account has no permission for cluster metrics (view.js monitoringMetric); the web app
  // reads /capi/monitoring.kubesphere.io/v1alpha3/<type>, which the proxy answers with cluster_*
  // series built from the user's own metrics.
  sim.route('dashboard', 'GET', `${MON}/cluster`, (r) =>
    r.user!.role === 'normal'
      ? sendJson(r.res, 403, forbidden(r.user!.local))
      : sendJson(r.res, 200, clusterSeries(1)),
  );
  sim.route('dashboard', 'GET', '/capi/monitoring.kubesphere.io/v1alpha3/:type', (r) =>
    r.user!.role === 'normal' && r.params.type !== r.user!.local
      ? sendJson(r.res, 403, forbidden(r.user!.local))
      : sendJson(r.res, 200, clusterSeries(r.user!.role === 'normal' ? 0.5 : 1)),
  );

  sim.route('dashboard', 'GET', `${MON}/users/:user`, (r) => {
    if (r.params.user !== r.user!.local && r.user!.role === 'normal')
      return sendJson(r.res, 403, { message: 'forbidden' });
    sendJson(r.res, 200, {
      results: [
        series('user_cpu_total', 8),
        series('user_cpu_usage', 1.2),
        series('user_cpu_utilisation', 0.15),
        series('user_memory_total', 16 * 2 ** 30),
        series('user_memory_usage_wo_cache', 4 * 2 ** 30),
        series('user_memory_utilisation', 0.25),
      ],
    });
  });
}

/** The app list and the ranking's namespace and pod series. */
function registerAppMonitoring(sim: Simulator) {
  sim.route('dashboard', 'GET', '/user-service/api/myapps_v2', (r) =>
    sendJson(r.res, 200, myApps(r.user!.local)),
  );

  sim.route('dashboard', 'GET', `${MON}/namespaces`, (r) =>
    sendJson(r.res, 200, {
      results: [
        'namespace_cpu_usage',
        'namespace_memory_usage_wo_cache',
        'namespace_net_bytes_transmitted',
        'namespace_net_bytes_received',
        'namespace_pod_count',
      ].map((metric_name, k) => ({
        metric_name,
        data: {
          resultType: 'vector',
          result: APPS.map((a, i) => ({
            metric: { namespace: `${a}-${r.user!.local}` },
            value: [Math.floor(Date.now() / 1000), String((i + 1) * (k + 1) * (k === 0 ? 0.05 : 1000))],
          })),
        },
      })),
    }),
  );

  sim.route('dashboard', 'GET', `${MON}/namespaces/:ns/pods`, (r) =>
    sendJson(r.res, 200, {
      results: [
        'pod_cpu_usage',
        'pod_memory_usage_wo_cache',
        'pod_net_bytes_transmitted',
        'pod_net_bytes_received',
      ].map((metric_name, k) => ({
        metric_name,
        data: {
          resultType: 'vector',
          result: [
            {
              metric: { pod: 'files-7d9f-abcde', namespace: r.params.ns },
              value: [Math.floor(Date.now() / 1000), String(k === 0 ? 0.02 : 2048)],
            },
          ],
        },
      })),
    }),
  );
}
