// cluster tools (design.md sec. 4, olares-api/cluster.md): pods, logs, events, nodes,
// namespaces, application spaces and their status. Results are trimmed subsets: never env values.
import { z } from 'zod';
import { InvalidInputError } from '../errors.js';
import type { KsList } from '../olares/controlHub.js';
import type { ToolContext } from './context.js';
import { defineTool, dryRunOutput, type ToolDeclaration } from './defineTool.js';

const READ = { readOnlyHint: true, destructiveHint: false, idempotentHint: true, openWorldHint: true };
const K8S_NAME = /^[a-z0-9]([-a-z0-9.]*[a-z0-9])?$/;

const nsArg = z.string().min(1).max(253);
const podArg = z.string().min(1).max(253);

function checkName(kind: string, value: string) {
  if (!K8S_NAME.test(value))
    throw new InvalidInputError(
      `${kind} "${value.slice(0, 80)}" is not a valid Kubernetes name (lowercase letters, digits, '-' and '.')`,
    );
}

async function hub(ctx: ToolContext) {
  return (await ctx.olares()).controlHub;
}

/** kubectl-style field selectors translated for KubeSphere (cluster.md sec. 3.1). */
const FIELD_PARAMS: Record<string, string> = {
  'status.phase': 'status',
  'spec.nodeName': 'nodeName',
  'metadata.name': 'names',
  'metadata.namespace': 'namespace',
};
export function translateFieldSelector(sel: string): Record<string, string> {
  const out: Record<string, string> = {};
  for (const term of sel
    .split(',')
    .map((t) => t.trim())
    .filter(Boolean)) {
    if (term.includes('!='))
      throw new InvalidInputError(
        `fieldSelector: "${term}" uses the '!=' operator which the upstream KubeSphere pods endpoint does not support; filter the results instead`,
      );
    const m = /^([^=]*)==?(.*)$/.exec(term);
    if (!m) throw new InvalidInputError(`fieldSelector: "${term}" is not a valid term (expected key=value)`);
    const [key, value] = [m[1].trim(), m[2].trim()];
    if (!key || !value) throw new InvalidInputError(`fieldSelector: "${term}" has empty key or value`);
    const param = FIELD_PARAMS[key];
    if (!param)
      throw new InvalidInputError(
        `fieldSelector: field "${key}" is not supported (supported: ${Object.keys(FIELD_PARAMS).sort().join(', ')})`,
      );
    out[param] = out[param] && param === 'names' ? `${out[param]},${value}` : value;
  }
  return out;
}

/** Equality-based label selectors (a=b, a==b, a!=b, a, !a); set-based forms are refused. */
export function checkLabelSelector(sel: string) {
  for (const term of sel.split(',').map((t) => t.trim())) {
    if (!/^!?[A-Za-z0-9]([A-Za-z0-9_./-]*[A-Za-z0-9])?(\s*(==|=|!=)\s*[A-Za-z0-9_.-]*)?$/.test(term)) {
      throw new InvalidInputError(
        `labelSelector: "${term.slice(0, 80)}" is not a valid term; use key=value, key!=value, key or !key, joined by commas (e.g. app=web,tier!=db)`,
      );
    }
  }
}

function podStatus(p: any): string {
  const cs: any[] = p?.status?.containerStatuses ?? [];
  return (
    cs.find((c) => c.state?.waiting?.reason)?.state.waiting.reason ??
    cs.find((c) => c.state?.terminated?.reason)?.state.terminated.reason ??
    p?.status?.phase ??
    'Unknown'
  );
}

function podRow(p: any) {
  const cs: any[] = p?.status?.containerStatuses ?? [];
  return {
    namespace: String(p?.metadata?.namespace ?? ''),
    name: String(p?.metadata?.name ?? ''),
    ready: `${cs.filter((c) => c.ready).length}/${(p?.spec?.containers ?? []).length}`,
    status: podStatus(p),
    restarts: cs.reduce((a, c) => a + Number(c.restartCount ?? 0), 0),
    node: p?.spec?.nodeName || undefined,
    ip: p?.status?.podIP || undefined,
    createdAt: p?.metadata?.creationTimestamp,
  };
}

const podRowSchema = z.object({
  namespace: z.string(),
  name: z.string(),
  ready: z.string(),
  status: z.string(),
  restarts: z.number(),
  node: z.string().optional(),
  ip: z.string().optional(),
  createdAt: z.string().optional(),
});
const pageOut = { total: z.number(), page: z.number(), limit: z.number(), nextPage: z.number().optional() };
const pageIn = {
  limit: z.number().int().min(1).max(500).optional(),
  page: z.number().int().min(1).optional(),
};

/**
 * One page of a KubeSphere list. For a non-admin, ks-apiserver-proxy forces `limit=-1` on the
 * all-namespace pod list (cache/user.js pod_filter) and returns the whole filtered list whatever
 * page was asked: that is paged here. An honest server page never holds more than `limit` items,
 * nor, past page 1, all `totalItems` of them.
 */
export function pageOf<T>(list: KsList<T>, limit: number, page: number) {
  const whole =
    list.items.length > limit || (page > 1 && list.items.length > 0 && list.items.length >= list.totalItems);
  if (!whole) {
    return {
      items: list.items,
      total: list.totalItems,
      nextPage: page * limit < list.totalItems ? page + 1 : undefined,
    };
  }
  return {
    items: list.items.slice((page - 1) * limit, page * limit),
    total: list.items.length,
    nextPage: page * limit < list.items.length ? page + 1 : undefined,
  };
}

export const clusterPods = defineTool({
  name: 'cluster_pods',
  title: 'List pods',
  description:
    'List pods (all visible namespaces, or one), with label and field filters; paginated with a total.',
  toolset: 'cluster',
  input: {
    namespace: nsArg.optional(),
    labelSelector: z.string().optional().describe('e.g. app=web,tier!=db'),
    fieldSelector: z
      .string()
      .optional()
      .describe('status.phase=, spec.nodeName=, metadata.name=, metadata.namespace= (only =)'),
    ...pageIn,
  },
  output: { pods: z.array(podRowSchema), ...pageOut },
  annotations: READ,
  async handler({ namespace, labelSelector, fieldSelector, limit = 100, page = 1 }, ctx) {
    if (namespace) checkName('namespace', namespace);
    if (labelSelector) checkLabelSelector(labelSelector);
    const filters = fieldSelector ? translateFieldSelector(fieldSelector) : {};
    const list = await (await hub(ctx)).listPods(
      { namespace, labelSelector, filters, limit, page },
      ctx.signal,
    );
    const { items, total, nextPage } = pageOf(list, limit, page);
    const pods = items.map(podRow);
    const from = (page - 1) * limit + 1;
    return {
      data: { pods, total, page, limit, nextPage },
      summary: pods.length
        ? `pods ${from}-${from + pods.length - 1} of ${total}${nextPage ? ` (next: page ${nextPage})` : ''}`
        : `no pods${namespace ? ` in ${namespace}` : ''}${page > 1 ? ` on page ${page} (total ${total})` : ''}`,
    };
  },
});

export const clusterPodGet = defineTool({
  name: 'cluster_pod_get',
  title: 'Describe a pod',
  description:
    'Show one pod: phase, node, IPs, owner, conditions and containers (images, state, restarts, env names).',
  toolset: 'cluster',
  input: { namespace: nsArg, pod: podArg },
  output: {
    namespace: z.string(),
    name: z.string(),
    status: z.string(),
    phase: z.string().optional(),
    node: z.string().optional(),
    podIP: z.string().optional(),
    hostIP: z.string().optional(),
    qosClass: z.string().optional(),
    createdAt: z.string().optional(),
    controlledBy: z.string().optional(),
    labels: z.record(z.string(), z.string()),
    conditions: z.array(z.object({ type: z.string(), status: z.string(), reason: z.string().optional() })),
    containers: z.array(
      z.object({
        name: z.string(),
        image: z.string(),
        ready: z.boolean(),
        restartCount: z.number(),
        state: z.string(),
        ports: z.array(z.string()),
        envNames: z.array(z.string()),
      }),
    ),
  },
  annotations: READ,
  async handler({ namespace, pod }, ctx) {
    checkName('namespace', namespace);
    checkName('pod', pod);
    const p = await (await hub(ctx)).getPod(namespace, pod, ctx.signal);
    const statuses: any[] = p?.status?.containerStatuses ?? [];
    const owner =
      (p?.metadata?.ownerReferences ?? []).find((o: any) => o.controller) ??
      p?.metadata?.ownerReferences?.[0];
    const stateOf = (s: any) =>
      s?.state?.running
        ? 'Running'
        : s?.state?.waiting
          ? `Waiting (${s.state.waiting.reason ?? ''})`
          : s?.state?.terminated
            ? `Terminated (${s.state.terminated.reason ?? ''}, exit ${s.state.terminated.exitCode ?? '?'})`
            : 'Unknown';
    const data = {
      namespace,
      name: pod,
      status: podStatus(p),
      phase: p?.status?.phase,
      node: p?.spec?.nodeName || undefined,
      podIP: p?.status?.podIP || undefined,
      hostIP: p?.status?.hostIP || undefined,
      qosClass: p?.status?.qosClass,
      createdAt: p?.metadata?.creationTimestamp,
      controlledBy: owner ? `${owner.kind}/${owner.name}` : undefined,
      labels: p?.metadata?.labels ?? {},
      conditions: (p?.status?.conditions ?? []).map((c: any) => ({
        type: String(c.type),
        status: String(c.status),
        reason: c.reason,
      })),
      containers: (p?.spec?.containers ?? []).map((c: any) => {
        const s = statuses.find((x) => x.name === c.name);
        return {
          name: String(c.name),
          image: String(c.image ?? ''),
          ready: Boolean(s?.ready),
          restartCount: Number(s?.restartCount ?? 0),
          state: stateOf(s),
          ports: (c.ports ?? []).map(
            (pt: any) => `${pt.name ? `${pt.name}:` : ''}${pt.containerPort}/${pt.protocol ?? 'TCP'}`,
          ),
          // Names only: values may be secrets, and a read-only tool must never hand out credentials.
          envNames: (c.env ?? []).map((e: any) => String(e.name)),
        };
      }),
    };
    return {
      data,
      summary: `${namespace}/${pod}: ${data.status} on ${data.node ?? '?'}; containers: ${data.containers.map((c: any) => `${c.name} (${c.state})`).join(', ')}`,
    };
  },
});

const LOG_CAP_DEFAULT = 64 * 1024;

function parseSince(s: string): number {
  const m = /^(\d+)(s|m|h|d)$/.exec(s.trim());
  if (!m)
    throw new InvalidInputError(`since "${s.slice(0, 40)}" is not a duration; use e.g. 30s, 5m, 2h, 1d`);
  return Number(m[1]) * { s: 1, m: 60, h: 3600, d: 86400 }[m[2] as 's' | 'm' | 'h' | 'd'];
}

export const clusterPodLogs = defineTool({
  name: 'cluster_pod_logs',
  title: 'Pod logs',
  description:
    "Last lines of a container's log (tail default 200; previous: the crashed instance; since: e.g. 10m). Capped at maxBytes.",
  toolset: 'cluster',
  input: {
    namespace: nsArg,
    pod: podArg,
    container: z.string().optional().describe("Default: the pod's only (or first) container"),
    tail: z.number().int().min(1).max(10000).optional().describe('Last N lines (default 200)'),
    since: z.string().optional().describe('Only lines newer than this, e.g. 10m'),
    previous: z.boolean().optional().describe('Log of the previous (crashed) container instance'),
    timestamps: z.boolean().optional(),
    maxBytes: z
      .number()
      .int()
      .min(1024)
      .max(1024 * 1024)
      .optional()
      .describe('Cap in bytes (default 65536)'),
  },
  output: {
    namespace: z.string(),
    pod: z.string(),
    container: z.string(),
    lines: z.number(),
    truncated: z.boolean(),
    log: z.string(),
  },
  annotations: READ,
  async handler(
    { namespace, pod, container, tail, since, previous, timestamps, maxBytes = LOG_CAP_DEFAULT },
    ctx,
  ) {
    checkName('namespace', namespace);
    checkName('pod', pod);
    const h = await hub(ctx);
    let picked = container;
    if (!picked) {
      const spec = await h.getPod(namespace, pod, ctx.signal);
      const names: string[] = (spec?.spec?.containers ?? []).map((c: any) => String(c.name));
      if (!names.length) throw new InvalidInputError(`pod ${namespace}/${pod} has no containers in spec`);
      picked = names[0];
    }
    const sinceSeconds = since ? parseSince(since) : undefined;
    const tailLines = tail ?? (sinceSeconds ? undefined : 200);
    const text = await h.podLogs(
      namespace,
      pod,
      {
        container: picked,
        tailLines,
        sinceSeconds,
        previous: previous || undefined,
        timestamps: timestamps || undefined,
      },
      ctx.signal,
    );
    // The server already cut to the last `tail` lines; keep the newest bytes if that is still too much.
    const bytes = Buffer.byteLength(text);
    let log = text;
    let truncated = false;
    if (bytes > maxBytes) {
      const buf = Buffer.from(text);
      const kept = buf.subarray(bytes - maxBytes).toString('utf8');
      log = `[... ${bytes - maxBytes} earlier bytes cut at maxBytes=${maxBytes}; lower tail or raise maxBytes ...]\n${kept.slice(kept.indexOf('\n') + 1)}`;
      truncated = true;
    }
    const lines = log.split('\n').filter(Boolean).length - (truncated ? 1 : 0);
    return {
      data: { namespace, pod, container: picked, lines, truncated, log },
      summary: `${namespace}/${pod} [${picked}${container ? '' : ', picked automatically'}]: ${lines} line(s)${truncated ? ' (truncated)' : ''}`,
      raw: { label: `log of pod ${namespace}/${pod} container ${picked}`, field: 'log', text: log },
    };
  },
});

export const clusterPodEvents = defineTool({
  name: 'cluster_pod_events',
  title: 'Pod events',
  description: 'Kubernetes events of one pod, oldest first (scheduling, pulls, back-offs...).',
  toolset: 'cluster',
  input: {
    namespace: nsArg,
    pod: podArg,
    limit: z
      .number()
      .int()
      .min(1)
      .max(1000)
      .optional()
      .describe('Events read from the namespace (default 200)'),
  },
  output: {
    events: z.array(
      z.object({
        type: z.string(),
        reason: z.string(),
        message: z.string(),
        count: z.number(),
        lastSeen: z.string().optional(),
        from: z.string().optional(),
      }),
    ),
  },
  annotations: READ,
  async handler({ namespace, pod, limit = 200 }, ctx) {
    checkName('namespace', namespace);
    checkName('pod', pod);
    const items = await (await hub(ctx)).events(namespace, limit, ctx.signal);
    const ts = (e: any) => e.lastTimestamp || e.firstTimestamp || e.metadata?.creationTimestamp || '';
    const events = items
      .filter((e) => e?.involvedObject?.kind === 'Pod' && e.involvedObject.name === pod)
      .sort((a, b) => ts(a).localeCompare(ts(b)))
      .map((e) => ({
        type: String(e.type ?? ''),
        reason: String(e.reason ?? ''),
        message: String(e.message ?? ''),
        count: Number(e.count ?? 1),
        lastSeen: ts(e) || undefined,
        from: e.source ? [e.source.component, e.source.host].filter(Boolean).join('/') : undefined,
      }));
    return {
      data: { events },
      summary: events.length
        ? `${events.length} event(s) for ${namespace}/${pod}`
        : `no events for pod ${namespace}/${pod}`,
    };
  },
});

function podDeleteTool(op: 'delete' | 'restart') {
  return defineTool({
    name: `cluster_pod_${op}`,
    title: op === 'delete' ? 'Delete a pod' : 'Restart a pod',
    description:
      op === 'delete'
        ? 'Delete a pod (its controller, if any, recreates it; a standalone pod is gone).'
        : 'Restart a pod by deleting it so its controller recreates it.',
    toolset: 'cluster',
    input: {
      namespace: nsArg,
      pod: podArg,
      gracePeriodSeconds: z.number().int().min(0).max(3600).optional(),
      dryRun: z.boolean().optional(),
    },
    output: {
      operation: z.string(),
      namespace: z.string(),
      pod: z.string(),
      controlledBy: z.string().optional(),
      ...dryRunOutput,
    },
    annotations: { readOnlyHint: false, destructiveHint: true, idempotentHint: false, openWorldHint: true },
    async handler({ namespace, pod, gracePeriodSeconds, dryRun }, ctx) {
      checkName('namespace', namespace);
      checkName('pod', pod);
      const h = await hub(ctx);
      const p = await h.getPod(namespace, pod, ctx.signal);
      const owner = (p?.metadata?.ownerReferences ?? []).find((o: any) => o.controller);
      const controlledBy = owner ? `${owner.kind}/${owner.name}` : undefined;
      const effect = controlledBy
        ? `${controlledBy} will recreate it`
        : 'it has no controller, so it will not come back';
      if (op === 'restart' && !controlledBy) {
        throw new InvalidInputError(
          `pod ${namespace}/${pod} has no controller, so deleting it would not restart it. Use cluster_pod_delete if you mean to remove it`,
        );
      }
      const data = { operation: op, namespace, pod, controlledBy };
      if (dryRun)
        return {
          data: { ...data, dryRun: true },
          summary: `dry run: would ${op} pod ${namespace}/${pod} (${effect})`,
        };
      await ctx.confirm({
        question: `${op === 'delete' ? 'Delete' : 'Restart'} pod ${namespace}/${pod}? (${effect})`,
        targets: [`${namespace}/${pod}`],
        kind: 'destructive',
      });
      await h.deletePod(namespace, pod, gracePeriodSeconds, op, ctx.signal);
      return {
        data: { ...data, dryRun: false },
        summary: `pod ${namespace}/${pod} ${op === 'delete' ? 'deleted' : 'restarted'} (${effect})`,
      };
    },
  });
}

export const clusterNodes = defineTool({
  name: 'cluster_nodes',
  title: 'List nodes',
  description: 'Cluster nodes with status, roles, version, IP, CPU and memory (owner/admin only).',
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
  description: 'Namespaces visible to this user, with phase and workspace.',
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
    const namespaces = all.slice((page - 1) * limit, page * limit).map((n) => ({
      name: n.metadata.name,
      phase: n.status?.phase,
      workspace: n.metadata.labels?.['kubesphere.io/workspace'],
    }));
    const nextPage = page * limit < all.length ? page + 1 : undefined;
    return {
      data: { namespaces, total: all.length, page, limit, nextPage },
      summary: `${all.length} namespace(s)${nextPage ? `; showing ${namespaces.length} (next: page ${nextPage})` : ''}`,
    };
  },
});

export const clusterApps = defineTool({
  name: 'cluster_apps',
  title: 'List application spaces',
  description:
    'Application spaces: namespaces grouped by the user they belong to, plus Shared and System (owner/admin only), as this user may see them.',
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
        'no application spaces visible to this profile',
    };
  },
});

const lane = z.object({ ready: z.number(), total: z.number() });

export const clusterAppStatus = defineTool({
  name: 'cluster_app_status',
  title: 'Application space status',
  description:
    'Health of one namespace: workloads ready/total, pods by phase, latest events; a failed lane reports its own error.',
  toolset: 'cluster',
  input: {
    namespace: nsArg,
    events: z.number().int().min(0).max(100).optional().describe('Latest events to include (default 5)'),
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
      for (const p of pods.value.items ?? []) {
        const k = String(p?.status?.phase ?? '').toLowerCase() as keyof typeof b;
        if (k in b && k !== 'total') b[k]++;
        else b.unknown++;
        b.total++;
      }
      data.pods = b;
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
      data.pods ? `pods ${data.pods.running}/${data.pods.total} running` : `pods failed: ${data.podsError}`,
    ];
    return { data: data as any, summary: `${namespace}: ${lanes.join('; ')}` };
  },
});

export const clusterTools: ToolDeclaration<any, any>[] = [
  clusterPods,
  clusterPodGet,
  clusterPodLogs,
  clusterPodEvents,
  podDeleteTool('restart'),
  podDeleteTool('delete'),
  clusterNodes,
  clusterNamespaces,
  clusterApps,
  clusterAppStatus,
];
