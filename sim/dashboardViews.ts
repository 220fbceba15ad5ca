// The per-subsystem pages of the dashboard host, as olares-cli reads them
// (cli/pkg/dashboard/overview/*): per-node monitoring, network interfaces, HAMI's vGPU list and
// an Olares One's fans. One node, one NVMe disk, one GPU.
import { readJson, sendJson } from './http.js';
import type { Simulator } from './server.js';

const NODES = '/kapis/monitoring.kubesphere.io/v1alpha3/nodes';
const NODE = 'olares';
const DISK = { node: NODE, device: 'nvme0n1' };
const GiB = 2 ** 30;

/** Last value of each per-node series; utilisations peaked 20% higher earlier in the window. */
const NODE_VALUES: Record<string, number> = {
  node_cpu_total: 16,
  node_cpu_utilisation: 0.25,
  node_user_cpu_usage: 0.15,
  node_system_cpu_usage: 0.08,
  node_iowait_cpu_usage: 0.02,
  node_load1: 2.5,
  node_load5: 2.1,
  node_load15: 1.8,
  node_cpu_temp_celsius: 52,
  node_memory_total: 64 * GiB,
  node_memory_usage_wo_cache: 24 * GiB,
  node_memory_available: 40 * GiB,
  node_memory_utilisation: 0.375,
  node_memory_cached: 8 * GiB,
  node_memory_buffers: 1 * GiB,
  node_pod_running_count: 87,
  node_pod_quota: 110,
  node_pod_utilisation: 0.79,
  node_disk_temp_celsius: 41,
  node_one_disk_capacity_size: 900 * GiB,
  node_one_disk_avail_size: 600 * GiB,
};

const SMART_LABELS = {
  ...DISK,
  name: 'nvme0n1',
  model: 'Samsung SSD 990 PRO 1TB',
  serial: 'S6Z1NX0W000000',
  protocol: 'NVMe',
  firmware: '4B2QJXD7',
  rotational: '0',
  health_ok: 'true',
  capacity: String(1000 * GiB),
  logical_block_size: '512',
  physical_block_size: '512',
};

function nodeSeries(metric: string, start: number, end: number) {
  const last = NODE_VALUES[metric] ?? 1;
  const labels =
    metric === 'node_disk_smartctl_info' ? SMART_LABELS : metric.includes('disk') ? DISK : { node: NODE };
  const earlier = metric.endsWith('_utilisation') ? last * 1.2 : last;
  return {
    metric_name: metric,
    data: {
      resultType: 'matrix',
      result: [
        {
          metric: labels,
          values: [
            [start, String(earlier)],
            [end, String(last)],
          ],
        },
      ],
    },
  };
}

/** A wired port with the host's address and an idle Wi-Fi port, the wired one listed last. */
const INTERFACES = [
  {
    iface: 'wlan0',
    isHostIp: false,
    hostname: NODE,
    method: 'dhcp',
    mtu: 1500,
    ip: '',
    ipv4Mask: '',
    ipv4Gateway: '',
    ipv4DNS: '',
    ipv6Address: '',
    ipv6Gateway: '',
    ipv6DNS: '',
    internetConnected: false,
    ipv6Connectivity: false,
    txRate: 0,
    rxRate: 0,
  },
  {
    iface: 'enp3s0',
    isHostIp: true,
    hostname: NODE,
    method: 'dhcp',
    mtu: 1500,
    ip: '192.168.1.20',
    ipv4Mask: '255.255.255.0',
    ipv4Gateway: '192.168.1.1',
    ipv4DNS: '192.168.1.1',
    ipv6Address: '',
    ipv6Gateway: '',
    ipv6DNS: '',
    internetConnected: true,
    ipv6Connectivity: false,
    txRate: 12_800,
    rxRate: 48_000,
  },
];

const forbidden = (user: string) => ({
  kind: 'Status',
  apiVersion: 'v1',
  status: 'Failure',
  message: `nodes.monitoring is forbidden: User "${user}" cannot get resource "nodes"`,
  reason: 'Forbidden',
  code: 403,
});

export function registerDashboardViews(sim: Simulator) {
  sim.route('dashboard', 'GET', NODES, ({ res, user, url }) => {
    if (user!.role === 'normal') return sendJson(res, 403, forbidden(user!.local));
    const wanted = (url.searchParams.get('metrics_filter') ?? '')
      .replace(/\$$/, '')
      .split('|')
      .filter(Boolean);
    const end = Number(url.searchParams.get('end') ?? Math.floor(Date.now() / 1000));
    const start = Number(url.searchParams.get('start') ?? end - 600);
    sendJson(res, 200, { results: wanted.map((m) => nodeSeries(m, start, end)) });
  });

  sim.route('dashboard', 'GET', '/capi/system/ifs', ({ res }) => sendJson(res, 200, INTERFACES));

  // HAMI panics (a generic 5xx) on a body without `filters` (olares-cli gpu.go GraphicsListBody).
  sim.route('dashboard', 'POST', '/hami/api/vgpu/v1/gpus', async ({ req, res }) => {
    const body = await readJson<{ filters?: unknown }>(req);
    if (!body || typeof body.filters !== 'object')
      return sendJson(res, 500, { message: 'unknown request error' });
    sendJson(res, 200, {
      list: [
        {
          uuid: 'GPU-5f1c2d3e',
          type: 'NVIDIA GeForce RTX 4090',
          nodeName: NODE,
          health: true,
          shareMode: '2',
          coreUtilizedPercent: 35,
          memoryTotal: 24_564,
          memoryUsed: 6_144,
          power: 120.5,
          temperature: 48,
        },
      ],
    });
  });

  sim.route('dashboard', 'GET', '/user-service/api/mdns/olares-one/cpu-gpu', ({ res }) => {
    sendJson(res, 200, {
      code: 0,
      message: '',
      data: { cpu_fan_speed: 1300, cpu_temperature: 58, gpu_fan_speed: 1500, gpu_temperature: 50 },
    });
  });
}
