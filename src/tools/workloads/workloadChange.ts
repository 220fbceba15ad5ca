// cluster_workload_change: scale, stop (scale to 0), start (scale to N >= 1) and restart (delete
// the pods its selector picks, so the controller recreates them), as olares-cli workload
// scale/stop/start/restart do. Every change is confirmed; dryRun shows it first.
import { z } from 'zod';
import { InvalidInputError } from '../../errors.js';
import type { Workload } from '../../olares/k8sWire.js';
import type { ClusterObjectsClient } from '../../olares/workloads.js';
import { DESTRUCTIVE } from '../annotations.js';
import { nsArg } from '../cluster/shared.js';
import type { ToolContext } from '../context.js';
import { defineTool, dryRunOutput } from '../defineTool.js';
import {
  checkTarget,
  KIND_TITLE,
  objects,
  pluralOf,
  selectorOf,
  type WorkloadKindArg,
  workloadKindArg,
} from './shared.js';

/** A sane ceiling for a home box: a typo like 1000 is refused, not scheduled. */
export const MAX_REPLICAS = 100;
const ACTIONS = ['scale', 'stop', 'start', 'restart'] as const;
type Action = (typeof ACTIONS)[number];

/** The replica count an action asks for, checked; undefined for restart. */
export function targetReplicas(action: Action, kind: WorkloadKindArg, replicas: number | undefined) {
  if (action === 'restart') {
    if (replicas !== undefined)
      throw new InvalidInputError('replicas applies to scale and start only, not restart');
    return undefined;
  }
  if (kind === 'daemonset')
    throw new InvalidInputError(
      `a DaemonSet has no replicas (it runs one pod per node), so it cannot ${action}; use action "restart" to roll its pods`,
    );
  if (action === 'stop') {
    if (replicas !== undefined && replicas !== 0)
      throw new InvalidInputError('stop scales to 0; leave replicas out');
    return 0;
  }
  const want = replicas ?? (action === 'start' ? 1 : undefined);
  if (want === undefined) throw new InvalidInputError('scale needs replicas (0 to 100)');
  const least = action === 'start' ? 1 : 0;
  if (!Number.isInteger(want) || want < least || want > MAX_REPLICAS)
    throw new InvalidInputError(
      `replicas must be a whole number from ${least} to ${MAX_REPLICAS} for ${action} (got ${want})`,
    );
  return want;
}

export const clusterWorkloadChange = defineTool({
  name: 'cluster_workload_change',
  title: 'Scale, stop, start or restart a workload',
  description:
    'Scale, stop (0 replicas), start or restart (recreate its pods) a workload. Confirmed; dryRun shows the effect.',
  toolset: 'workloads',
  input: {
    namespace: nsArg,
    kind: workloadKindArg.describe('Workload kind'),
    name: z.string().min(1).max(253).describe('Workload name'),
    action: z.enum(ACTIONS).describe('stop: scale to 0; restart: recreate its pods'),
    replicas: z.number().optional().describe('scale: 0-100; start: 1-100 (default 1)'),
    dryRun: z.boolean().optional(),
  },
  output: {
    operation: z.string(),
    kind: z.string(),
    namespace: z.string(),
    name: z.string(),
    replicasBefore: z.number().optional(),
    replicas: z.number().optional(),
    pods: z.array(z.string()).optional().describe('restart: the pods deleted (or to delete)'),
    failed: z.array(z.string()).optional().describe('restart: pods whose delete failed, with why'),
    changed: z.boolean(),
    ...dryRunOutput,
  },
  annotations: DESTRUCTIVE,
  async handler({ namespace, kind, name, action, replicas, dryRun }, ctx) {
    checkTarget(namespace, name, 'name');
    const want = targetReplicas(action, kind, replicas);
    const client = await objects(ctx);
    const w = await client.getWorkload(namespace, pluralOf(kind), name, ctx.signal);
    const base = { operation: action, kind: KIND_TITLE[kind], namespace, name };
    if (action === 'restart') return restart(ctx, client, w, base, dryRun);
    const before = w.spec?.replicas ?? 0;
    const data = { ...base, replicasBefore: before, replicas: want, changed: before !== want };
    const what = `${KIND_TITLE[kind]} ${namespace}/${name}`;
    // start brings a stopped workload back; it never scales a running one down (or up).
    if (before === want || (action === 'start' && before > 0))
      return {
        data: { ...data, replicas: before, changed: false, dryRun: !!dryRun },
        summary: `${what} already has ${before} replica(s); nothing changed${before !== want ? ' (use action "scale" to change the count)' : ''}`,
      };
    const effect = `${before} -> ${want} replica(s)${want === 0 ? '; its traffic stops' : ''}`;
    if (dryRun)
      return {
        data: { ...data, changed: false, dryRun: true },
        summary: `dry run: would ${action} ${what} (${effect})`,
      };
    await ctx.confirm({
      question: `${action[0].toUpperCase()}${action.slice(1)} ${what}? (${effect})`,
      targets: [`${namespace}/${name}`],
      kind: 'destructive',
    });
    const after = await client.scale(namespace, pluralOf(kind), name, want!, ctx.signal);
    return {
      data: { ...data, replicas: after.spec?.replicas ?? want, dryRun: false },
      summary: `${what} scaled ${effect}; cluster_workloads {name} shows the rollout`,
    };
  },
});

async function restart(
  ctx: ToolContext,
  client: ClusterObjectsClient,
  w: Workload,
  base: { operation: string; kind: string; namespace: string; name: string },
  dryRun: boolean | undefined,
) {
  const what = `${base.kind} ${base.namespace}/${base.name}`;
  const selector = selectorOf(w.spec?.selector?.matchLabels);
  if (!selector)
    throw new InvalidInputError(`${what} has no spec.selector.matchLabels, so its pods cannot be found`);
  const list = await client.listPods(
    { namespace: base.namespace, labelSelector: selector, filters: {}, limit: 1000, page: 1 },
    ctx.signal,
  );
  const pods = list.items.map((p) => p.metadata.name).sort();
  const data = { ...base, pods, changed: false };
  if (!pods.length)
    return {
      data: { ...data, dryRun: !!dryRun },
      summary: `no pods match ${selector} for ${what}; nothing to restart`,
    };
  const effect = `${pods.length} pod(s) deleted and recreated by the controller: ${pods.join(', ')}`;
  if (dryRun)
    return { data: { ...data, dryRun: true }, summary: `dry run: would restart ${what} (${effect})` };
  await ctx.confirm({
    question: `Restart ${what}? (${pods.length} pod(s) deleted; the controller recreates them)`,
    targets: pods.map((p) => `${base.namespace}/${p}`),
    kind: 'destructive',
  });
  const failed: string[] = [];
  for (const pod of pods)
    await client
      .deletePod(base.namespace, pod, undefined, 'restart', ctx.signal)
      .catch((err: Error) => failed.push(`${pod}: ${err.message}`));
  return {
    data: {
      ...data,
      changed: failed.length < pods.length,
      failed: failed.length ? failed : undefined,
      dryRun: false,
    },
    summary: `${what} restarted: ${pods.length - failed.length}/${pods.length} pod(s) deleted${failed.length ? `; failed: ${failed.join('; ')}` : ''}`,
  };
}
