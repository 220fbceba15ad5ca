// dashboard_overview (olares-api/cluster.md sec. 12): physical resources, the user's quota and
// the app ranking, each section with raw numbers and display strings; a failed section reports
// its own error while the others are still returned; a section the role may not read says so
// (unavailable) instead of failing.
import { z } from 'zod';
import { type MetricMap, SectionNotAvailableError } from '../olares/dashboard.js';
import { PermissionDeniedError } from '../transport/http.js';
import type { ToolContext } from './context.js';
import { defineTool, type ToolDeclaration } from './defineTool.js';

const last = (m: MetricMap, name: string) => m.get(name)?.[0]?.value ?? Number.NaN;
const pct = (x: number) => (Number.isFinite(x) ? `${Math.round(x * 100)}%` : '-');
function size(bytes: number) {
  if (!Number.isFinite(bytes)) return '-';
  const u = ['B', 'KiB', 'MiB', 'GiB', 'TiB'];
  let v = bytes;
  let i = 0;
  while (v >= 1024 && i < u.length - 1) {
    v /= 1024;
    i++;
  }
  return `${v.toFixed(v < 10 && i > 0 ? 1 : 0)} ${u[i]}`;
}
const rate = (bps: number) => (Number.isFinite(bps) ? `${size(bps)}/s` : '-');

const item = z.object({ raw: z.record(z.string(), z.unknown()), display: z.record(z.string(), z.string()) });
const section = z.object({
  items: z.array(item),
  error: z.string().optional(),
  unavailable: z.string().optional().describe('This role may not read the section: not a failure'),
  note: z.string().optional(),
});

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
      is_system: isSystem,
      pods: podCount,
      icon: a.icon,
      deployment: a.deployment,
      owner_kind: a.ownerKind,
      cpu: sumFor(m, `${p}_cpu_usage`, match),
      memory: sumFor(m, `${p}_memory_usage_wo_cache`, match),
      net_in: sumFor(m, `${p}_net_bytes_received`, match),
      net_out: sumFor(m, `${p}_net_bytes_transmitted`, match),
    };
  });
  rows.sort((x, y) => y.cpu - x.cpu || x.title.localeCompare(y.title));
  return rows.map((r, i) => ({
    raw: { rank: i + 1, ...r },
    display: {
      rank: String(i + 1),
      app: r.title,
      cpu: r.cpu.toFixed(3),
      memory: size(r.memory),
      net_in: rate(r.net_in),
      net_out: rate(r.net_out),
    },
  }));
}

export const dashboardOverview = defineTool({
  name: 'dashboard_overview',
  title: 'Olares dashboard overview',
  description:
    "Box health at a glance: CPU, memory, disk, pods and network; the user's quota; apps ranked by CPU.",
  toolset: 'dashboard',
  input: {
    head: z.number().int().min(1).max(100).optional().describe('Top N apps in the ranking (default 10)'),
  },
  output: {
    fetchedAt: z.string(),
    user: z.string().optional(),
    sections: z.object({ physical: section, user: section, ranking: section }),
  },
  annotations: { readOnlyHint: true, destructiveHint: false, idempotentHint: true, openWorldHint: true },
  async handler({ head = 10 }, ctx) {
    const d = (await ctx.olares()).dashboard;
    const who = await settle(d.identity(ctx.signal));
    const username = who.value?.username || (await ctx.olares()).session.identity.local;
    const [phys, user, rank] = await Promise.all([
      settle(d.cluster(username, ctx.signal)),
      settle(d.user(username, ctx.signal)),
      settle(ranking(ctx, username)),
    ]);

    const physMetrics = phys.value?.metrics;
    const physical = physMetrics
      ? (
          [
            ['cpu', 'CPU', 'cluster_cpu_usage', 'cluster_cpu_total', 'cluster_cpu_utilisation', 'core'],
            [
              'memory',
              'Memory',
              'cluster_memory_usage_wo_cache',
              'cluster_memory_total',
              'cluster_memory_utilisation',
              'bytes',
            ],
            [
              'disk',
              'Disk',
              'cluster_disk_size_usage',
              'cluster_disk_size_capacity',
              'cluster_disk_size_utilisation',
              'bytes',
            ],
            ['pods', 'Pods', 'cluster_pod_running_count', 'cluster_pod_quota', '', 'pods'],
            ['net_in', 'Network in', 'cluster_net_bytes_received', '', '', 'bytes/s'],
            ['net_out', 'Network out', 'cluster_net_bytes_transmitted', '', '', 'bytes/s'],
          ] as const
        ).map(([metric, label, v, t, u, unit]) => {
          const value = last(physMetrics, v);
          const total = t ? last(physMetrics, t) : undefined;
          const utilisation = u ? last(physMetrics, u) : total ? value / total : undefined;
          const fmt =
            unit === 'bytes'
              ? size
              : unit === 'bytes/s'
                ? rate
                : (x: number) => (unit === 'core' ? x.toFixed(2) : String(Math.round(x)));
          return {
            raw: { metric, label, value, total, unit, utilisation },
            display: {
              metric: label,
              value: total !== undefined ? `${fmt(value)} / ${fmt(total)}` : fmt(value),
              unit,
              utilisation: utilisation !== undefined ? pct(utilisation) : '',
            },
          };
        })
      : [];
    const userItems = user.value
      ? (
          [
            ['CPU', 'user_cpu_usage', 'user_cpu_total', 'user_cpu_utilisation'],
            ['Memory', 'user_memory_usage_wo_cache', 'user_memory_total', 'user_memory_utilisation'],
          ] as const
        ).map(([metric, u, t, p]) => {
          const used = last(user.value!, u);
          const total = last(user.value!, t);
          const fmt = metric === 'CPU' ? (x: number) => x.toFixed(2) : size;
          return {
            raw: { metric, used, total, utilisation: last(user.value!, p), user: username },
            display: { metric, used: fmt(used), total: fmt(total), utilisation: pct(last(user.value!, p)) },
          };
        })
      : [];
    const data = {
      fetchedAt: new Date().toISOString(),
      user: username,
      sections: {
        physical: {
          items: physical,
          error: phys.error,
          unavailable: phys.unavailable,
          note:
            phys.value?.scope === 'user'
              ? `this user's share of the box: a sub-account may not read cluster-wide metrics, so these come from the per-user monitoring path the web app uses`
              : undefined,
        },
        user: { items: userItems, error: user.error, unavailable: user.unavailable },
        ranking: {
          items: (rank.value ?? []).slice(0, head),
          error: rank.error,
          unavailable: rank.unavailable,
        },
      },
    };
    const cpu = physical[0]?.display;
    const mem = physical[1]?.display;
    const failed = Object.entries(data.sections)
      .filter(([, s]) => s.error)
      .map(([k]) => k);
    return {
      data,
      summary: `${cpu ? `CPU ${cpu.value} cores (${cpu.utilisation}), memory ${mem?.value} (${mem?.utilisation})` : 'physical section unavailable'}; top app: ${data.sections.ranking.items[0]?.display.app ?? '-'}${failed.length ? `; failed sections: ${failed.join(', ')}` : ''}`,
    };
  },
});

export const dashboardTools: ToolDeclaration<any, any>[] = [dashboardOverview];
