// The box's layout: nodes, namespaces, app spaces, and one namespace's health at a glance.
import { z } from 'zod';
import { READ } from '../annotations.js';
import { defineTool } from '../defineTool.js';
import { slicePage } from '../paging.js';
import { unhealthyReason } from '../podHealth.js';
import { checkLabelSelector, checkName, hub, nsArg, pageIn, pageOut } from './shared.js';

export const clusterNodes = defineTool({
  name: 'cluster_nodes',
  title: 'List nodes',
  description: 'Nodes with status, roles, version, IP, CPU and memory (owner/admin only).',
  toolset: 'cluster',
  input: {},
  output: {
    nodes: z.array(
      z.object({
        name: z.string(),
        status: z.string(),
        roles: z.string(),
        version: z.string().optional(),
        internalIP: z.string().optional(),
        cpu: z.string().optional(),
        memory: z.string().optional(),
        os: z.string().optional(),
      }),
    ),
  },
  annotations: READ,
  async handler(_args, ctx) {
    const list = await (await hub(ctx)).nodes(ctx.signal);
    const nodes = (list.items ?? []).map((n: any) => {
      const ready = (n.status?.conditions ?? []).find((c: any) => c.type === 'Ready');
      const status = !ready
        ? 'Unknown'
        : ready.status === 'True'
          ? n.spec?.unschedulable
            ? 'Ready,SchedulingDisabled'
            : 'Ready'
          : 'NotReady';
      const roles = Object.keys(n.metadata?.labels ?? {})
        .filter((k) => k.startsWith('node-role.kubernetes.io/'))
        .map((k) => k.split('/')[1])
        .sort();
      const addrs: any[] = n.status?.addresses ?? [];
      return {
        name: String(n.metadata?.name),
        status,
        roles: roles.join(',') || '<none>',
        version: n.status?.nodeInfo?.kubeletVersion,
        internalIP: (addrs.find((a) => a.type === 'InternalIP') ?? addrs.find((a) => a.type === 'ExternalIP'))
          ?.address,
        cpu: n.status?.capacity?.cpu,
        memory: n.status?.capacity?.memory,
        os: n.status?.nodeInfo?.osImage,
      };
    });
    return {
      data: { nodes },
      summary: nodes.map((n: any) => `${n.name}: ${n.status} (${n.roles})`).join('\n') || 'no nodes',
    };
  },
});

export const clusterNamespaces = defineTool({
  name: 'cluster_namespaces',
  title: 'List namespaces',
  description: 'Namespaces this user may see, with phase and workspace.',
  toolset: 'cluster',
  input: { labelSelector: z.string().optional(), ...pageIn },
  output: {
    namespaces: z.array(
      z.object({ name: z.string(), phase: z.string().optional(), workspace: z.string().optional() }),
    ),
    ...pageOut,
  },
  annotations: READ,
  async handler({ labelSelector, limit = 100, page = 1 }, ctx) {
    if (labelSelector) checkLabelSelector(labelSelector);
    const all = (await (await hub(ctx)).namespaces({ labelSelector }, ctx.signal)).items;
    const { items, nextPage } = slicePage(all, limit, page);
    const namespaces = items.map((n) => ({
      name: n.metadata.name,
      phase: n.status?.phase,
      workspace: n.metadata.labels?.['kubesphere.io/workspace'],
    }));
    return {
      data: { namespaces, total: all.length, page, limit, nextPage },
      summary: `${all.length} namespace(s)${nextPage ? `; showing ${namespaces.length} (next: page ${nextPage})` : ''}`,
    };
  },
});

export const clusterApps = defineTool({
  name: 'cluster_apps',
  title: 'List app spaces',
  description: 'App spaces: the namespaces of each user, plus Shared and System (owner/admin only).',
  toolset: 'cluster',
  input: {},
  output: {
    groups: z.array(
      z.object({
        group: z.string().describe('A user name, or Shared / System'),
        namespaces: z.array(z.string()),
      }),
    ),
    workspaces: z
      .array(z.object({ workspace: z.string(), namespaces: z.array(z.string()) }))
      .describe('Deprecated (removed in 0.3): groups under its old name'),
  },
  annotations: READ,
  async handler(_args, ctx) {
    const groups = (await (await hub(ctx)).appGroups(ctx.signal))
      .map((g) => ({ group: g.title, namespaces: g.namespaces }))
      .sort((a, b) => a.group.localeCompare(b.group));
    const workspaces = groups.map((g) => ({ workspace: g.group, namespaces: g.namespaces }));
    return {
      data: { groups, workspaces },
      summary:
        groups.map((g) => `${g.group}: ${g.namespaces.join(', ')}`).join('\n') ||
        'no app spaces visible to this profile',
    };
  },
});

const lane = z.object({ ready: z.number(), total: z.number() });

export const clusterAppStatus = defineTool({
  name: 'cluster_app_status',
  title: 'Namespace health',
  description: 'One namespace: workloads ready/total, pods by phase, unhealthy pods, latest events.',
  toolset: 'cluster',
  input: {
    namespace: nsArg,
    events: z.number().int().min(0).max(100).optional().describe('Latest events (default 5)'),
  },
  output: {
    namespace: z.string(),
    fetchedAt: z.string(),
    workloads: z.object({ Deployment: lane, StatefulSet: lane, DaemonSet: lane }).optional(),
    pods: z
      .object({
        running: z.number(),
        pending: z.number(),
        succeeded: z.number(),
        failed: z.number(),
        unknown: z.number(),
        total: z.number(),
        unhealthy: z
          .array(z.object({ name: z.string(), problem: z.string() }))
          .describe('Pods that need a look, crash loops included (their phase stays running)'),
      })
      .optional(),
    events: z
      .array(
        z.object({
          type: z.string(),
          reason: z.string(),
          object: z.string(),
          message: z.string(),
          lastSeen: z.string().optional(),
        }),
      )
      .optional(),
    workloadsError: z.string().optional(),
    podsError: z.string().optional(),
    eventsError: z.string().optional(),
  },
  annotations: READ,
  async handler({ namespace, events: eventCount = 5 }, ctx) {
    checkName('namespace', namespace);
    const h = await hub(ctx);
    const count = (items: any[], kind: string) => {
      const ready = items.filter((w) =>
        kind === 'DaemonSet'
          ? (w.status?.numberReady ?? 0) === (w.status?.desiredNumberScheduled ?? 0)
          : (w.status?.readyReplicas ?? 0) === (w.spec?.replicas ?? w.status?.replicas ?? 0),
      ).length;
      return { ready, total: items.length };
    };
    const [deps, sts, dss, pods, evs] = await Promise.allSettled([
      h.workloads(namespace, 'deployments', ctx.signal),
      h.workloads(namespace, 'statefulsets', ctx.signal),
      h.workloads(namespace, 'daemonsets', ctx.signal),
      h.listPods({ namespace, filters: {}, limit: 1000, page: 1 }, ctx.signal),
      eventCount > 0 ? h.events(namespace, undefined, ctx.signal) : Promise.resolve([]),
    ]);
    const err = (r: PromiseSettledResult<unknown>) =>
      r.status === 'rejected' ? (r.reason as Error).message : undefined;
    const data: Record<string, any> = { namespace, fetchedAt: new Date().toISOString() };
    const wErr = err(deps) ?? err(sts) ?? err(dss);
    if (wErr) data.workloadsError = wErr;
    else {
      data.workloads = {
        Deployment: count((deps as PromiseFulfilledResult<any[]>).value, 'Deployment'),
        StatefulSet: count((sts as PromiseFulfilledResult<any[]>).value, 'StatefulSet'),
        DaemonSet: count((dss as PromiseFulfilledResult<any[]>).value, 'DaemonSet'),
      };
    }
    if (pods.status === 'rejected') data.podsError = err(pods);
    else {
      const b = { running: 0, pending: 0, succeeded: 0, failed: 0, unknown: 0, total: 0 };
      const unhealthy: Array<{ name: string; problem: string }> = [];
      const now = Date.now();
      for (const p of pods.value.items ?? []) {
        const k = String(p?.status?.phase ?? '').toLowerCase() as keyof typeof b;
        if (k in b && k !== 'total') b[k]++;
        else b.unknown++;
        b.total++;
        const problem = unhealthyReason(p, now);
        if (problem) unhealthy.push({ name: p.metadata.name, problem });
      }
      data.pods = { ...b, unhealthy };
    }
    if (evs.status === 'rejected') data.eventsError = err(evs);
    else {
      const ts = (e: any) => e.lastTimestamp || e.firstTimestamp || e.metadata?.creationTimestamp || '';
      data.events = [...evs.value]
        .sort((a, b) => ts(b).localeCompare(ts(a)))
        .slice(0, eventCount)
        .map((e) => ({
          type: String(e.type ?? ''),
          reason: String(e.reason ?? ''),
          object: `${e.involvedObject?.kind}/${e.involvedObject?.name}`,
          message: String(e.message ?? ''),
          lastSeen: ts(e) || undefined,
        }));
    }
    const lanes = [
      data.workloads
        ? `deployments ${data.workloads.Deployment.ready}/${data.workloads.Deployment.total} ready`
        : `workloads failed: ${data.workloadsError}`,
      data.pods
        ? `pods ${data.pods.total - data.pods.unhealthy.length}/${data.pods.total} healthy${data.pods.unhealthy.length ? ` (${data.pods.unhealthy.map((u: any) => `${u.name}: ${u.problem}`).join(', ')})` : ''}`
        : `pods failed: ${data.podsError}`,
    ];
    return { data: data as any, summary: `${namespace}: ${lanes.join('; ')}` };
  },
});
