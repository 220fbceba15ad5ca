// cluster tools (design.md sec. 4, olares-api/cluster.md): pods, logs, events, nodes,
// namespaces, application spaces and their status. Results are trimmed subsets: never env values.
import { z } from 'zod';
import { InvalidInputError } from '../../errors.js';
import type { KsList } from '../../olares/controlHub.js';
import type { ToolContext } from '../context.js';
import { defineTool, dryRunOutput, type ToolDeclaration } from '../defineTool.js';
import {
  capBytes,
  exitSchema,
  lineMatcher,
  podRow,
  podRowSchema,
  podStatus,
  unhealthyReason,
} from '../podHealth.js';

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

/** Pods read in one request when filtering for unhealthy ones: every pod of a home box. */
const UNHEALTHY_SCAN = 1000;

export const clusterPods = defineTool({
  name: 'cluster_pods',
  title: 'List pods',
  description: 'Pods: ready, status, restarts, last exit. unhealthy: true lists only those needing a look.',
  toolset: 'cluster',
  input: {
    namespace: nsArg.optional().describe('Default: all visible'),
    unhealthy: z
      .boolean()
      .optional()
      .describe('Only failed, crash-looping, restarting, not-ready, long-pending'),
    labelSelector: z.string().optional().describe('e.g. app=web,tier!=db'),
    fieldSelector: z
      .string()
      .optional()
      .describe('status.phase=, spec.nodeName=, metadata.name=, metadata.namespace='),
    ...pageIn,
  },
  output: { pods: z.array(podRowSchema), ...pageOut },
  annotations: READ,
  async handler({ namespace, unhealthy, labelSelector, fieldSelector, limit = 100, page = 1 }, ctx) {
    if (namespace) checkName('namespace', namespace);
    if (labelSelector) checkLabelSelector(labelSelector);
    const filters = fieldSelector ? translateFieldSelector(fieldSelector) : {};
    const h = await hub(ctx);
    let list: KsList<any>;
    let rows: ReturnType<typeof podRow>[];
    let total: number;
    let nextPage: number | undefined;
    if (unhealthy) {
      list = await h.listPods(
        { namespace, labelSelector, filters, limit: UNHEALTHY_SCAN, page: 1 },
        ctx.signal,
      );
      const now = Date.now();
      const bad = list.items.flatMap((p) => {
        const problem = unhealthyReason(p, now);
        return problem ? [{ ...podRow(p), problem }] : [];
      });
      rows = bad.slice((page - 1) * limit, page * limit);
      total = bad.length;
      nextPage = page * limit < bad.length ? page + 1 : undefined;
    } else {
      list = await h.listPods({ namespace, labelSelector, filters, limit, page }, ctx.signal);
      const paged = pageOf(list, limit, page);
      rows = paged.items.map(podRow);
      total = paged.total;
      nextPage = paged.nextPage;
    }
    const from = (page - 1) * limit + 1;
    const where = namespace ? ` in ${namespace}` : '';
    const kind = unhealthy ? 'unhealthy pods' : 'pods';
    return {
      data: { pods: rows, total, page, limit, nextPage },
      summary: rows.length
        ? `${kind}${where} ${from}-${from + rows.length - 1} of ${total}${nextPage ? ` (next: page ${nextPage})` : ''}${unhealthy && list.totalItems > list.items.length ? `; only the first ${list.items.length} of ${list.totalItems} pods were checked` : ''}`
        : `no ${kind}${where}${page > 1 ? ` on page ${page} (total ${total})` : ''}`,
    };
  },
});

export const clusterPodGet = defineTool({
  name: 'cluster_pod_get',
  title: 'Describe a pod',
  description: 'One pod: phase, node, owner, conditions; per container: image, state, restarts, last exit.',
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
        lastExit: exitSchema.omit({ container: true }).optional(),
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
          lastExit: s?.lastState?.terminated
            ? {
                reason: s.lastState.terminated.reason,
                exitCode: s.lastState.terminated.exitCode,
                at: s.lastState.terminated.finishedAt,
              }
            : undefined,
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
      summary: `${namespace}/${pod}: ${data.status} on ${data.node ?? '?'}; containers: ${data.containers.map((c: any) => `${c.name} (${c.state}${c.lastExit ? `, last exit ${c.lastExit.reason ?? '?'} code ${c.lastExit.exitCode ?? '?'}` : ''})`).join(', ')}`,
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

const LOG_TAIL_DEFAULT = 50;
/** Lines read from the box when a pattern filters them: the tail applies to the matches. */
const LOG_SCAN_WITH_PATTERN = 5000;

export const clusterPodLogs = defineTool({
  name: 'cluster_pod_logs',
  title: 'Pod logs',
  description:
    "Last lines of a container's log (tail, default 50); pattern keeps matching lines of the last 5000.",
  toolset: 'cluster',
  input: {
    namespace: nsArg,
    pod: podArg,
    container: z.string().optional().describe('Default: the first container'),
    tail: z.number().int().min(1).max(10000).optional().describe('Last N lines, or N matches (default 50)'),
    pattern: z.string().max(200).optional().describe('Keep lines with this text, any case; a|b = either'),
    since: z.string().optional().describe('e.g. 10m: newer lines only'),
    previous: z.boolean().optional().describe("The crashed instance's log"),
    timestamps: z.boolean().optional().describe('Prefix lines with time'),
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
    scanned: z.number().optional().describe('Lines searched for the pattern'),
    matched: z.number().optional().describe('Lines that matched, before the tail'),
    truncated: z.boolean(),
    log: z.string(),
  },
  annotations: READ,
  async handler(
    { namespace, pod, container, tail, pattern, since, previous, timestamps, maxBytes = LOG_CAP_DEFAULT },
    ctx,
  ) {
    checkName('namespace', namespace);
    checkName('pod', pod);
    const matches = pattern !== undefined ? lineMatcher(pattern) : undefined;
    const h = await hub(ctx);
    let picked = container;
    if (!picked) {
      const spec = await h.getPod(namespace, pod, ctx.signal);
      const names: string[] = (spec?.spec?.containers ?? []).map((c: any) => String(c.name));
      if (!names.length) throw new InvalidInputError(`pod ${namespace}/${pod} has no containers in spec`);
      picked = names[0];
    }
    const sinceSeconds = since ? parseSince(since) : undefined;
    const want = tail ?? (sinceSeconds && !matches ? undefined : LOG_TAIL_DEFAULT);
    const text = await h.podLogs(
      namespace,
      pod,
      {
        container: picked,
        tailLines: matches ? (sinceSeconds ? undefined : LOG_SCAN_WITH_PATTERN) : want,
        sinceSeconds,
        previous: previous || undefined,
        timestamps: timestamps || undefined,
      },
      ctx.signal,
    );
    let body = text;
    let scanned: number | undefined;
    let matched: number | undefined;
    if (matches) {
      const all = text.split('\n').filter(Boolean);
      const hits = all.filter(matches);
      scanned = all.length;
      matched = hits.length;
      const kept = want ? hits.slice(-want) : hits;
      body = kept.length ? `${kept.join('\n')}\n` : '';
    }
    const { log, truncated } = capBytes(body, maxBytes);
    const lines = log.split('\n').filter(Boolean).length - (truncated ? 1 : 0);
    const found = matches ? `; ${matched} of ${scanned} scanned line(s) matched "${pattern}"` : '';
    return {
      data: { namespace, pod, container: picked, lines, scanned, matched, truncated, log },
      summary: `${namespace}/${pod} [${picked}${container ? '' : ', picked automatically'}]: ${lines} line(s)${truncated ? ' (truncated)' : ''}${found}`,
      raw: { label: `log of pod ${namespace}/${pod} container ${picked}`, field: 'log', text: log },
    };
  },
});

export const clusterPodEvents = defineTool({
  name: 'cluster_pod_events',
  title: 'Pod events',
  description: 'Events of one pod, oldest first (scheduling, pulls, back-offs...).',
  toolset: 'cluster',
  input: {
    namespace: nsArg,
    pod: podArg,
    limit: z.number().int().min(1).max(1000).optional().describe('Namespace events read (default 200)'),
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
        ? 'Delete a pod (a controller recreates it; a standalone pod is gone).'
        : 'Restart a pod: delete it so its controller recreates it.',
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
