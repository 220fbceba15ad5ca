// The per-subsystem pages of `olares-cli dashboard overview` (cli/pkg/dashboard/overview/*):
// per-node series from KubeSphere's /nodes monitoring (cpu, memory, pods, disk), the network
// interfaces (/capi/system/ifs), the vGPUs HAMI sees (/hami/api/vgpu/v1/gpus) and the fans of
// an Olares One (/user-service/api/mdns/olares-one/cpu-gpu). All on the dashboard host.
import type { OlaresHttp } from '../transport/http.js';
import { type Fields, Reader } from './shape.js';

const NODES = '/kapis/monitoring.kubesphere.io/v1alpha3/nodes';

/** A time window in Unix seconds, with the step the series are sampled at. */
export interface MetricWindow {
  start: number;
  end: number;
}

/** One series: its labels, the last sample and the highest one in the window. */
export interface SeriesRow {
  metric: string;
  labels: Record<string, string>;
  last: number;
  peak: number;
}

/** The metric sets of olares-cli's per-node pages (cpu.go, memory.go, pods.go, disk/main.go). */
export const NODE_METRICS = {
  cpu: [
    'node_cpu_total',
    'node_cpu_utilisation',
    'node_user_cpu_usage',
    'node_system_cpu_usage',
    'node_iowait_cpu_usage',
    'node_load1',
    'node_load5',
    'node_load15',
    'node_cpu_temp_celsius',
  ],
  memory: [
    'node_memory_total',
    'node_memory_usage_wo_cache',
    'node_memory_available',
    'node_memory_utilisation',
    'node_memory_cached',
    'node_memory_buffers',
  ],
  pods: ['node_pod_running_count', 'node_pod_quota', 'node_pod_utilisation'],
  disk: [
    'node_disk_smartctl_info',
    'node_disk_temp_celsius',
    'node_one_disk_capacity_size',
    'node_one_disk_avail_size',
  ],
} as const;

const sample = (v: unknown) => Number(Array.isArray(v) ? v[1] : Number.NaN);

function parseSeries(body: unknown, r: Reader): SeriesRow[] {
  return r.optArray(r.record(body, '(body)').results, 'results').flatMap((raw, i) => {
    const res = r.record(raw, `results[${i}]`);
    const metric = r.str(res.metric_name, `results[${i}].metric_name`);
    const at = `results[${i}].data.result`;
    return r.optArray(r.optRecord(res.data, `results[${i}].data`).result, at).map((x, j) => {
      const row = r.record(x, `${at}[${j}]`);
      const values = r.optArray(row.values, `${at}[${j}].values`).map(sample);
      const last = values.length ? values[values.length - 1] : sample(row.value);
      const finite = values.filter(Number.isFinite);
      return {
        metric,
        labels: r.optRecord(row.metric, `${at}[${j}].metric`) as Record<string, string>,
        last,
        peak: finite.length ? Math.max(...finite) : last,
      };
    });
  });
}

export interface NetworkInterface {
  iface: string;
  hostIp: boolean;
  up: boolean;
  method?: string;
  mtu?: number;
  ipv4?: string;
  ipv4Gateway?: string;
  ipv6?: string;
  txRate?: number;
  rxRate?: number;
}

export interface Gpu {
  id: string;
  model?: string;
  node?: string;
  health?: string;
  mode?: string;
  coreUtilPercent?: number;
  vramTotal?: number;
  vramUsed?: number;
  powerW?: number;
  temperatureC?: number;
}

export interface FanReading {
  cpuFanRpm?: number;
  cpuTemperatureC?: number;
  gpuFanRpm?: number;
  gpuTemperatureC?: number;
}

const num = (r: Reader, v: unknown, field: string) => (v === '' ? undefined : r.optNum(v, field));

/** Series of every node, `step` chosen by the caller so a long window stays a few points. */
export async function nodeSeries(
  http: OlaresHttp,
  metrics: readonly string[],
  w: MetricWindow & { step: string },
  signal?: AbortSignal,
): Promise<SeriesRow[]> {
  const query = { metrics_filter: `${metrics.join('|')}$`, start: w.start, end: w.end, step: w.step };
  const body = await http.json<unknown>('dashboard', NODES, { query, signal });
  return parseSeries(body, new Reader('dashboard', `GET ${NODES}`));
}

/** The box's network interfaces, the host's own first (as the web app sorts them). */
export async function networkInterfaces(http: OlaresHttp, signal?: AbortSignal): Promise<NetworkInterface[]> {
  const r = new Reader('dashboard', 'GET /capi/system/ifs');
  const body = await http.json<unknown>('dashboard', '/capi/system/ifs', {
    query: { testConnectivity: 'false' },
    signal,
  });
  const rows = r.array(body, '(body)').map((raw, i): NetworkInterface => {
    const f = r.record(raw, `[${i}]`);
    const at = (k: string) => `[${i}].${k}`;
    return {
      iface: r.str(f.iface, at('iface')),
      hostIp: f.isHostIp === true,
      up: f.internetConnected === true,
      method: r.optStr(f.method, at('method')),
      mtu: num(r, f.mtu, at('mtu')),
      ipv4: r.optStr(f.ip, at('ip')),
      ipv4Gateway: r.optStr(f.ipv4Gateway, at('ipv4Gateway')),
      ipv6: r.optStr(f.ipv6Address, at('ipv6Address')),
      txRate: num(r, f.txRate, at('txRate')),
      rxRate: num(r, f.rxRate, at('rxRate')),
    };
  });
  return rows.sort((a, b) => Number(b.hostIp) - Number(a.hostIp));
}

/** HAMI's device list; the body always carries `filters` (an absent one makes HAMI fail). */
export async function gpus(http: OlaresHttp, signal?: AbortSignal): Promise<Gpu[]> {
  const r = new Reader('dashboard', 'POST /hami/api/vgpu/v1/gpus');
  const body = await http.json<unknown>('dashboard', '/hami/api/vgpu/v1/gpus', {
    method: 'POST',
    json: { filters: {}, pageRequest: { sort: 'DESC', sortField: 'id' } },
    signal,
  });
  return r.optArray(r.record(body, '(body)').list, 'list').map((raw, i) => {
    const g: Fields = r.record(raw, `list[${i}]`);
    const at = (k: string) => `list[${i}].${k}`;
    return {
      id: r.str(g.uuid, at('uuid')),
      model: r.optStr(g.type, at('type')),
      node: r.optStr(g.nodeName, at('nodeName')),
      health: g.health === undefined ? undefined : String(g.health),
      mode: r.optStr(g.shareMode, at('shareMode')),
      coreUtilPercent: num(r, g.coreUtilizedPercent, at('coreUtilizedPercent')),
      vramTotal: num(r, g.memoryTotal, at('memoryTotal')),
      vramUsed: num(r, g.memoryUsed, at('memoryUsed')),
      powerW: num(r, g.power, at('power')),
      temperatureC: num(r, g.temperature, at('temperature')),
    };
  });
}

/** The fan pair of an Olares One; other boxes do not serve it. */
export async function fans(http: OlaresHttp, signal?: AbortSignal): Promise<FanReading> {
  const endpoint = '/user-service/api/mdns/olares-one/cpu-gpu';
  const r = new Reader('dashboard', `GET ${endpoint}`);
  const d = r.record(
    r.record(await http.json<unknown>('dashboard', endpoint, { signal }), '(body)').data,
    'data',
  );
  return {
    cpuFanRpm: r.optNum(d.cpu_fan_speed, 'data.cpu_fan_speed'),
    cpuTemperatureC: r.optNum(d.cpu_temperature, 'data.cpu_temperature'),
    gpuFanRpm: r.optNum(d.gpu_fan_speed, 'data.gpu_fan_speed'),
    gpuTemperatureC: r.optNum(d.gpu_temperature, 'data.gpu_temperature'),
  };
}
