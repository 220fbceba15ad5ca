// dashboard_overview's `view`: one subsystem of the box in rows, as olares-cli's
// `dashboard overview cpu|memory|disk|network|pods|gpu|fan` pages show it, over the time window
// olares-cli takes (--since, or --start with --end). Each figure once, in the unit its name says;
// utilisation figures carry the last sample and the peak of the window. A subsystem the box does
// not have (no GPU integration, no fans outside an Olares One) or the role may not read is
// `unavailable`, not a failure.
import { z } from 'zod';
import { InvalidInputError } from '../errors.js';
import { NODE_METRICS, type SeriesRow } from '../olares/dashboardViews.js';
import { HttpStatusError } from '../transport/errors.js';
import { PermissionDeniedError } from '../transport/http.js';
import type { ToolContext } from './context.js';

export const VIEWS = ['overview', 'cpu', 'memory', 'disk', 'network', 'pods', 'gpu', 'fan'] as const;
export type View = (typeof VIEWS)[number];

const GiB = 1024 ** 3;
const MAX_WINDOW_S = 30 * 86_400;
const DEFAULT_WINDOW_S = 600;
const round = (x: number, digits = 2) => (Number.isFinite(x) ? Number(x.toFixed(digits)) : undefined);
const pct = (ratio: number | undefined) =>
  ratio === undefined || !Number.isFinite(ratio) ? undefined : Math.round(ratio * 1000) / 10;

export const viewRow = z.record(z.string(), z.union([z.string(), z.number(), z.boolean()]));
export const viewOutput = {
  view: z.string().optional(),
  window: z.object({ start: z.string(), end: z.string() }).optional().describe('The window the series cover'),
  rows: z.array(viewRow).optional().describe('One per node, disk, interface or GPU'),
  unavailable: z.string().optional().describe('The box has no such subsystem, or the role may not read it'),
};

export interface WindowArgs {
  since?: string;
  start?: string;
  end?: string;
}

/** olares-cli's --since as Go writes durations (90s, 15m, 1h30m), at most 30 days. */
function parseSince(since: string): number {
  const m = /^(?:(\d+)h)?(?:(\d+)m)?(?:(\d+)s)?$/.exec(since.trim());
  const seconds = m ? Number(m[1] ?? 0) * 3600 + Number(m[2] ?? 0) * 60 + Number(m[3] ?? 0) : Number.NaN;
  if (!m || !(seconds > 0) || seconds > MAX_WINDOW_S)
    throw new InvalidInputError(
      `since "${since.slice(0, 40)}" is not a duration between 1s and 720h (write it as 90s, 15m, 6h or 1h30m)`,
    );
  return seconds;
}

function parseInstant(name: string, value: string): number {
  const t = Date.parse(value);
  if (!/^\d{4}-\d\d-\d\dT/.test(value) || Number.isNaN(t))
    throw new InvalidInputError(
      `${name} "${value.slice(0, 40)}" is not an RFC 3339 time (e.g. 2026-11-26T08:00:00Z)`,
    );
  return Math.floor(t / 1000);
}

/** The window in Unix seconds: since, or start with end, or the last 10 minutes. */
export function windowOf(args: WindowArgs, nowMs = Date.now()): { start: number; end: number; step: string } {
  const now = Math.floor(nowMs / 1000);
  if (args.since !== undefined && (args.start !== undefined || args.end !== undefined))
    throw new InvalidInputError('since cannot be combined with start/end: give since, or start and end');
  if ((args.start === undefined) !== (args.end === undefined))
    throw new InvalidInputError('start and end go together: give both, or since');
  let start = now - (args.since === undefined ? DEFAULT_WINDOW_S : parseSince(args.since));
  let end = now;
  if (args.start !== undefined && args.end !== undefined) {
    start = parseInstant('start', args.start);
    end = parseInstant('end', args.end);
    if (start >= end) throw new InvalidInputError('start must be before end');
    if (end - start > MAX_WINDOW_S) throw new InvalidInputError('the window may span at most 30 days');
  }
  // About 20 points whatever the span, as the dashboard's own charts sample.
  return { start, end, step: `${Math.max(1, Math.ceil((end - start) / 20))}s` };
}

/** Series grouped by node, then by metric. */
function byNode(rows: SeriesRow[]) {
  const nodes = new Map<string, Map<string, SeriesRow>>();
  for (const row of rows) {
    const node = row.labels.node ?? '';
    if (!nodes.has(node)) nodes.set(node, new Map());
    nodes.get(node)!.set(row.metric, row);
  }
  return [...nodes.entries()].sort(([a], [b]) => a.localeCompare(b));
}

type Row = Record<string, string | number | boolean | undefined>;

const NODE_ROW: Record<'cpu' | 'memory' | 'pods', (m: Map<string, SeriesRow>) => Row> = {
  cpu: (m) => ({
    cores: round(m.get('node_cpu_total')?.last ?? Number.NaN, 0),
    utilPercent: pct(m.get('node_cpu_utilisation')?.last),
    peakUtilPercent: pct(m.get('node_cpu_utilisation')?.peak),
    userPercent: pct(m.get('node_user_cpu_usage')?.last),
    systemPercent: pct(m.get('node_system_cpu_usage')?.last),
    iowaitPercent: pct(m.get('node_iowait_cpu_usage')?.last),
    load1: round(m.get('node_load1')?.last ?? Number.NaN),
    load5: round(m.get('node_load5')?.last ?? Number.NaN),
    load15: round(m.get('node_load15')?.last ?? Number.NaN),
    temperatureC: round(m.get('node_cpu_temp_celsius')?.last ?? Number.NaN, 1),
  }),
  memory: (m) => ({
    totalGiB: round((m.get('node_memory_total')?.last ?? Number.NaN) / GiB),
    usedGiB: round((m.get('node_memory_usage_wo_cache')?.last ?? Number.NaN) / GiB),
    availableGiB: round((m.get('node_memory_available')?.last ?? Number.NaN) / GiB),
    cachedGiB: round((m.get('node_memory_cached')?.last ?? Number.NaN) / GiB),
    buffersGiB: round((m.get('node_memory_buffers')?.last ?? Number.NaN) / GiB),
    utilPercent: pct(m.get('node_memory_utilisation')?.last),
    peakUtilPercent: pct(m.get('node_memory_utilisation')?.peak),
  }),
  pods: (m) => ({
    running: round(m.get('node_pod_running_count')?.last ?? Number.NaN, 0),
    quota: round(m.get('node_pod_quota')?.last ?? Number.NaN, 0),
    utilPercent: pct(m.get('node_pod_utilisation')?.last),
    peakUtilPercent: pct(m.get('node_pod_utilisation')?.peak),
  }),
};

/** One row per SMART-reported disk, its capacity series matched by node and device (disk/main.go). */
function diskRows(series: SeriesRow[]): Row[] {
  const aux = (metric: string, device: string, node: string) =>
    series.find(
      (s) =>
        s.metric === metric &&
        s.labels.node === node &&
        (s.labels.device ?? s.labels.disk_name ?? '').includes(device),
    )?.last ?? Number.NaN;
  return series
    .filter((s) => s.metric === 'node_disk_smartctl_info')
    .map(({ labels: l }) => {
      const capacity = aux('node_one_disk_capacity_size', l.device ?? '', l.node ?? '');
      const avail = aux('node_one_disk_avail_size', l.device ?? '', l.node ?? '');
      return {
        node: l.node,
        device: l.device,
        model: l.model,
        type: l.rotational === '1' ? 'HDD' : 'SSD',
        healthy: l.health_ok === 'true',
        totalGiB: round(Number(l.capacity) / GiB),
        usedGiB: round((capacity - avail) / GiB),
        availableGiB: round(avail / GiB),
        utilPercent: pct((capacity - avail) / capacity),
        temperatureC: round(aux('node_disk_temp_celsius', l.device ?? '', l.node ?? ''), 1),
      };
    })
    .sort((a, b) => `${a.node}/${a.device}`.localeCompare(`${b.node}/${b.device}`));
}

const CPU_FAN_MAX_RPM = 2900;
const GPU_FAN_MAX_RPM = 3100;

async function readView(view: Exclude<View, 'overview'>, w: ReturnType<typeof windowOf>, ctx: ToolContext) {
  const d = (await ctx.olares()).dashboard;
  switch (view) {
    case 'cpu':
    case 'memory':
    case 'pods':
      return byNode(await d.nodeSeries(NODE_METRICS[view], w, ctx.signal)).map(([node, m]) => ({
        node,
        ...NODE_ROW[view](m),
      }));
    case 'disk':
      return diskRows(await d.nodeSeries(NODE_METRICS.disk, w, ctx.signal));
    case 'network':
      return (await d.networkInterfaces(ctx.signal)).map((i) => ({ ...i }));
    case 'gpu':
      return (await d.gpus(ctx.signal)).map((g) => ({ ...g }));
    case 'fan': {
      const f = await d.fans(ctx.signal);
      return [{ ...f, cpuFanMaxRpm: CPU_FAN_MAX_RPM, gpuFanMaxRpm: GPU_FAN_MAX_RPM }];
    }
  }
}

/** Why a subsystem is not there: the box has none, or the role may not read it. */
function absence(view: View, err: unknown): string | undefined {
  if (err instanceof PermissionDeniedError)
    return `this role may not read ${view} metrics (owner or admin only)`;
  if (err instanceof HttpStatusError && err.status === 404) {
    if (view === 'gpu') return 'no GPU integration (HAMI) on this box';
    if (view === 'fan') return 'no fan readings: only an Olares One reports its fans';
  }
  return undefined;
}

const clean = (row: Row) =>
  Object.fromEntries(Object.entries(row).filter(([, v]) => v !== undefined)) as Record<
    string,
    string | number | boolean
  >;

export async function viewHandler(view: Exclude<View, 'overview'>, args: WindowArgs, ctx: ToolContext) {
  const w = windowOf(args);
  const window = { start: new Date(w.start * 1000).toISOString(), end: new Date(w.end * 1000).toISOString() };
  try {
    const rows = (await readView(view, w, ctx)).map(clean);
    return {
      data: { fetchedAt: new Date().toISOString(), view, window, rows },
      summary: `${view}: ${rows.length} row(s)${rows.length ? '' : ' (the box reported none)'}`,
    };
  } catch (err) {
    const unavailable = absence(view, err);
    if (!unavailable) throw err;
    return {
      data: { fetchedAt: new Date().toISOString(), view, window, rows: [], unavailable },
      summary: `${view}: unavailable: ${unavailable}`,
    };
  }
}
