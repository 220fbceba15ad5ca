// dashboard_overview (docs/wire/cluster.md#dashboard): physical resources, the user's quota and
// the app ranking, each figure once, as a number in the unit its field names (no raw + display
// copies: an agent reads numbers and a person reads the summary); a failed section reports
// its own error while the others are still returned; a section the role may not read says so
// (unavailable) instead of failing.
import { z } from 'zod';
import { type MetricMap, SectionNotAvailableError } from '../olares/dashboard.js';
import { PermissionDeniedError } from '../transport/http.js';
import { READ } from './annotations.js';
import type { ToolContext } from './context.js';
import { VIEWS, viewHandler, viewOutput } from './dashboardViews.js';
import { defineTool, type ToolDeclaration } from './defineTool.js';

const last = (m: MetricMap, name: string) => m.get(name)?.[0]?.value ?? Number.NaN;
/** A figure rounded to what a reader can use; a missing sample stays absent rather than NaN. */
const round = (x: number, digits = 2) => (Number.isFinite(x) ? Number(x.toFixed(digits)) : undefined);
const GiB = 1024 ** 3;
const MiB = 1024 ** 2;
const KiB = 1024;
const percent = (x: number | undefined) =>
  x === undefined || !Number.isFinite(x) ? undefined : Math.round(x * 100);

const figure = z.object({
  metric: z.string(),
  used: z.number().optional(),
  total: z.number().optional(),
  unit: z.string().describe('cores, GiB, pods or KiB/s'),
  percent: z.number().optional(),
});
const rankRow = z.object({
  rank: z.number(),
  app: z.string(),
  title: z.string(),
  namespace: z.string(),
  state: z.string(),
  pods: z.number(),
  cpuCores: z.number().optional(),
  memoryMiB: z.number().optional(),
  netInKiBps: z.number().optional(),
  netOutKiBps: z.number().optional(),
});
const lane = {
  error: z.string().optional(),
  unavailable: z.string().optional().describe('This role may not read the section: not a failure'),
};

/** A section's outcome: a refusal for the role is "unavailable", never a failed overview. */
async function settle<T>(p: Promise<T>): Promise<{ value?: T; error?: string; unavailable?: string }> {
  try {
    return { value: await p };
  } catch (err) {
    if (err instanceof SectionNotAvailableError || err instanceof PermissionDeniedError)
      return { unavailable: (err as Error).message };
    return { error: (err as Error).message };
  }
}

async function ranking(ctx: ToolContext, username: string) {
  const d = (await ctx.olares()).dashboard;
  const apps = (await d.myApps(ctx.signal)).filter((a) => a.hasEntrances);
  const systemNs = `user-space-${username}`;
  const system = apps.filter((a) => a.namespace === systemNs);
  const others = apps.filter((a) => a.namespace !== systemNs);
  const [pods, namespaces] = await Promise.all([
    system.length
      ? d.podMetrics(
          systemNs,
          system.map((a) => String(a.deployment)),
          ctx.signal,
        )
      : Promise.resolve(new Map() as MetricMap),
    others.length
      ? d.namespaceMetrics(
          others.map((a) => String(a.namespace)),
          ctx.signal,
        )
      : Promise.resolve(new Map() as MetricMap),
  ]);
  const sumFor = (m: MetricMap, metric: string, match: (labels: Record<string, string>) => boolean) =>
    (m.get(metric) ?? [])
      .filter((r) => match(r.labels))
      .reduce((a, r) => a + (Number.isFinite(r.value) ? r.value : 0), 0);
  const rows = apps.map((a) => {
    const isSystem = a.namespace === systemNs;
    const m = isSystem ? pods : namespaces;
    const match = isSystem
      ? (l: Record<string, string>) =>
          String(l.pod ?? '')
            .split('-')
            .slice(0, -2)
            .join('-') === a.deployment
      : (l: Record<string, string>) => l.namespace === a.namespace;
    const p = isSystem ? 'pod' : 'namespace';
    // olares-cli ranking.go BuildRankingEnvelope: a pod count, the icon and the owning workload.
    const podCount = isSystem
      ? new Set((m.get('pod_cpu_usage') ?? []).filter((r) => match(r.labels)).map((r) => r.labels.pod)).size
      : sumFor(m, 'namespace_pod_count', match);
    return {
      app: a.name,
      title: a.title,
      namespace: a.namespace,
      state: a.state,
      pods: podCount,
      cpu: sumFor(m, `${p}_cpu_usage`, match),
      memory: sumFor(m, `${p}_memory_usage_wo_cache`, match),
      netIn: sumFor(m, `${p}_net_bytes_received`, match),
      netOut: sumFor(m, `${p}_net_bytes_transmitted`, match),
    };
  });
  rows.sort((x, y) => y.cpu - x.cpu || x.title.localeCompare(y.title));
  return rows.map(({ cpu, memory, netIn, netOut, ...r }, i) => ({
    rank: i + 1,
    ...r,
    cpuCores: round(cpu, 3),
    memoryMiB: round(memory / MiB, 1),
    netInKiBps: round(netIn / KiB, 1),
    netOutKiBps: round(netOut / KiB, 1),
  }));
}

/** olares-cli's physical rows (cpu, memory, disk, pods, net_in, net_out), each figure once. */
const PHYSICAL = [
  ['cpu', 'cluster_cpu_usage', 'cluster_cpu_total', 'cluster_cpu_utilisation', 'cores', 1],
  [
    'memory',
    'cluster_memory_usage_wo_cache',
    'cluster_memory_total',
    'cluster_memory_utilisation',
    'GiB',
    GiB,
  ],
  [
    'disk',
    'cluster_disk_size_usage',
    'cluster_disk_size_capacity',
    'cluster_disk_size_utilisation',
    'GiB',
    GiB,
  ],
  ['pods', 'cluster_pod_running_count', 'cluster_pod_quota', '', 'pods', 1],
  ['net_in', 'cluster_net_bytes_received', '', '', 'KiB/s', KiB],
  ['net_out', 'cluster_net_bytes_transmitted', '', '', 'KiB/s', KiB],
] as const;

function physicalRows(m: MetricMap) {
  return PHYSICAL.map(([metric, v, t, u, unit, scale]) => {
    const used = last(m, v);
    const total = t ? last(m, t) : undefined;
    const share = u ? last(m, u) : total ? used / total : undefined;
    const digits = unit === 'pods' ? 0 : unit === 'KiB/s' ? 1 : 2;
    return {
      metric,
      used: round(used / scale, digits),
      total: total === undefined ? undefined : round(total / scale, digits),
      unit,
      percent: percent(share),
    };
  });
}

function userRows(m: MetricMap) {
  return (
    [
      ['cpu', 'user_cpu_usage', 'user_cpu_total', 'user_cpu_utilisation', 'cores', 1],
      ['memory', 'user_memory_usage_wo_cache', 'user_memory_total', 'user_memory_utilisation', 'GiB', GiB],
    ] as const
  ).map(([metric, u, t, p, unit, scale]) => ({
    metric,
    used: round(last(m, u) / scale),
    total: round(last(m, t) / scale),
    unit,
    percent: percent(last(m, p)),
  }));
}

export const dashboardOverview = defineTool({
  name: 'dashboard_overview',
  title: 'Dashboard',
  description: 'Box load, my quota, market apps by CPU; or a subsystem (view) per node or device.',
  toolset: 'dashboard',
  input: {
    view: z.enum(VIEWS).optional().describe('Default overview'),
    since: z.string().max(20).optional().describe('e.g. 15m (default 10m)'),
    start: z.string().max(40).optional().describe('RFC 3339, with end'),
    end: z.string().max(40).optional().describe('RFC 3339'),
    head: z.number().int().min(1).max(100).optional().describe('Top N (default 10)'),
  },
  output: {
    fetchedAt: z.string(),
    user: z.string().optional(),
    physical: z.object({ items: z.array(figure), note: z.string().optional(), ...lane }).optional(),
    quota: z.object({ items: z.array(figure), ...lane }).optional(),
    ranking: z.object({ items: z.array(rankRow), ...lane }).optional(),
    ...viewOutput,
  },
  annotations: READ,
  async handler({ head = 10, view = 'overview', since, start, end }, ctx) {
    if (view !== 'overview') return viewHandler(view, { since, start, end }, ctx);
    const d = (await ctx.olares()).dashboard;
    const who = await settle(d.identity(ctx.signal));
    const username = who.value?.username || (await ctx.olares()).session.identity.local;
    const [phys, user, rank] = await Promise.all([
      settle(d.cluster(username, ctx.signal)),
      settle(d.user(username, ctx.signal)),
      settle(ranking(ctx, username)),
    ]);
    const physical = phys.value?.metrics ? physicalRows(phys.value.metrics) : [];
    const data = {
      fetchedAt: new Date().toISOString(),
      user: username,
      physical: {
        items: physical,
        error: phys.error,
        unavailable: phys.unavailable,
        note:
          phys.value?.scope === 'user'
            ? `this user's share of the box: a sub-account may not read cluster-wide metrics, so these come from the per-user monitoring path the web app uses`
            : undefined,
      },
      quota: {
        items: user.value ? userRows(user.value) : [],
        error: user.error,
        unavailable: user.unavailable,
      },
      ranking: { items: (rank.value ?? []).slice(0, head), error: rank.error, unavailable: rank.unavailable },
    };
    const failed = (['physical', 'quota', 'ranking'] as const).filter((k) => data[k].error);
    // The figures are in the JSON below the summary: the summary only points at the busiest one.
    const busiest = [...physical, ...data.quota.items]
      .filter((f) => f.percent !== undefined)
      .sort((x, y) => (y.percent ?? 0) - (x.percent ?? 0))[0];
    return {
      data,
      summary: `${busiest ? `busiest: ${busiest.metric} at ${busiest.percent}%` : 'no utilisation figures'}${failed.length ? `; failed sections: ${failed.join(', ')}` : ''}`,
    };
  },
});

export const dashboardTools: ToolDeclaration<any, any>[] = [dashboardOverview];
