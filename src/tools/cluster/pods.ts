// Pod reads: the list (all, or only the unhealthy ones) and one pod described.
import { z } from 'zod';
import type { KsList } from '../../olares/controlHub.js';
import { READ } from '../annotations.js';
import { defineTool } from '../defineTool.js';
import { slicePage } from '../paging.js';
import { exitSchema, podRow, podRowSchema, podStatus, unhealthyReason } from '../podHealth.js';
import {
  checkLabelSelector,
  checkName,
  hub,
  nsArg,
  pageIn,
  pageOf,
  pageOut,
  podArg,
  translateFieldSelector,
} from './shared.js';

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
      ({ items: rows, nextPage } = slicePage(bad, limit, page));
      total = bad.length;
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
