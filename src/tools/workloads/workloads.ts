// cluster_workloads: Deployments, StatefulSets and DaemonSets listed (olares-cli workload list),
// or one of them with its rollout status and images (workload get, rollout-status, images).
import { z } from 'zod';
import { InvalidInputError } from '../../errors.js';
import type { Workload } from '../../olares/k8sWire.js';
import { READ } from '../annotations.js';
import { checkLabelSelector, checkName, nsArg, pageIn, pageOf, pageOut } from '../cluster/shared.js';
import type { ToolContext } from '../context.js';
import { defineTool } from '../defineTool.js';
import {
  imagesOf,
  KIND_TITLE,
  needNamespace,
  objects,
  pluralOf,
  selectorOf,
  WORKLOAD_KINDS,
  type WorkloadKindArg,
  workloadKindArg,
} from './shared.js';

/** Desired, ready and updated counts, and whether the rollout converged (workload/rollout.go). */
export function rolloutOf(w: Workload, kind: WorkloadKindArg) {
  const s = w.status ?? {};
  const daemon = kind === 'daemonset';
  const desired = daemon ? (s.desiredNumberScheduled ?? 0) : (w.spec?.replicas ?? s.replicas ?? 0);
  const ready = (daemon ? s.numberReady : s.readyReplicas) ?? 0;
  const updated = (daemon ? s.updatedNumberScheduled : s.updatedReplicas) ?? 0;
  const generation = w.metadata.generation;
  const observed = s.observedGeneration;
  const caughtUp = !generation || (observed ?? 0) >= generation;
  const converged = caughtUp && ready === desired && updated === desired;
  return { desired, ready, updated, generation, observedGeneration: observed, converged };
}

const rowOf = (w: Workload, kind: WorkloadKindArg) => {
  const r = rolloutOf(w, kind);
  return {
    kind: KIND_TITLE[kind],
    namespace: w.metadata.namespace ?? '',
    name: w.metadata.name,
    ready: `${r.ready}/${r.desired}`,
    images: imagesOf(w.spec?.template).map((i) => i.image),
  };
};

const rowSchema = z.object({
  kind: z.string(),
  namespace: z.string(),
  name: z.string(),
  ready: z.string(),
  images: z.array(z.string()),
});

export const clusterWorkloads = defineTool({
  name: 'cluster_workloads',
  title: 'Workloads',
  description:
    'Deployments, StatefulSets, DaemonSets with ready counts and images; with name: one, with rollout status.',
  toolset: 'workloads',
  input: {
    namespace: nsArg.optional().describe('Default: all visible'),
    kind: workloadKindArg.optional().describe('Default: all three'),
    name: z.string().min(1).max(253).optional().describe('One workload (needs namespace and kind)'),
    labelSelector: z.string().optional(),
    ...pageIn,
  },
  output: {
    workloads: z.array(rowSchema).optional(),
    workload: rowSchema
      .extend({
        desired: z.number(),
        updated: z.number(),
        converged: z.boolean().describe('Every replica ready and updated, and the spec observed'),
        generation: z.number().optional(),
        observedGeneration: z.number().optional(),
        strategy: z.string().optional(),
        selector: z.string(),
        containers: z.array(z.object({ container: z.string(), image: z.string() })),
        conditions: z.array(
          z.object({ type: z.string(), status: z.string(), reason: z.string().optional() }),
        ),
      })
      .optional(),
    ...pageOut,
  },
  annotations: READ,
  async handler({ namespace, kind, name, labelSelector, limit = 100, page = 1 }, ctx) {
    if (namespace) checkName('namespace', namespace);
    if (labelSelector) checkLabelSelector(labelSelector);
    if (name === undefined) return listWorkloads(ctx, { namespace, kind, labelSelector, limit, page });
    checkName('name', name);
    if (!kind) throw new InvalidInputError('name needs kind (deployment, statefulset or daemonset)');
    const ns = needNamespace(namespace, 'name');
    const w = await (await objects(ctx)).getWorkload(ns, pluralOf(kind), name, ctx.signal);
    const r = rolloutOf(w, kind);
    const workload = {
      ...rowOf(w, kind),
      namespace: ns,
      desired: r.desired,
      updated: r.updated,
      converged: r.converged,
      generation: r.generation,
      observedGeneration: r.observedGeneration,
      strategy: (w.spec?.strategy ?? w.spec?.updateStrategy)?.type,
      selector: selectorOf(w.spec?.selector?.matchLabels),
      containers: imagesOf(w.spec?.template),
      conditions: (w.status?.conditions ?? []).map((c) => ({
        type: c.type,
        status: c.status,
        reason: c.reason,
      })),
    };
    return {
      data: { workload, total: 1, page: 1, limit: 1 },
      summary: `${KIND_TITLE[kind]} ${ns}/${name}: ${r.ready}/${r.desired} ready, ${r.updated}/${r.desired} updated, ${r.converged ? 'converged' : 'rolling out'}; images ${workload.images.join(', ') || 'none'}`,
    };
  },
});

async function listWorkloads(
  ctx: ToolContext,
  q: { namespace?: string; kind?: WorkloadKindArg; labelSelector?: string; limit: number; page: number },
) {
  const client = await objects(ctx);
  const kinds = q.kind ? [q.kind] : [...WORKLOAD_KINDS];
  const pages = await Promise.all(
    kinds.map(async (kind) => {
      const list = await client.list<Workload>(pluralOf(kind), { ...q }, ctx.signal);
      return { kind, ...pageOf(list, q.limit, q.page) };
    }),
  );
  const workloads = pages.flatMap((p) => p.items.map((w) => rowOf(w, p.kind)));
  const total = pages.reduce((n, p) => n + p.total, 0);
  const nextPage = pages.some((p) => p.nextPage) ? q.page + 1 : undefined;
  const where = q.namespace ? ` in ${q.namespace}` : '';
  const lines = workloads.map((w) => `${w.kind} ${w.namespace}/${w.name} ${w.ready}`);
  return {
    data: { workloads, total, page: q.page, limit: q.limit, nextPage },
    summary: workloads.length
      ? `${workloads.length} of ${total} workload(s)${where}${nextPage ? ` (next: page ${nextPage})` : ''}\n${lines.join('\n')}`
      : `no workloads${where}`,
  };
}
