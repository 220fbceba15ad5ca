// Pod changes: delete a pod, or restart it by deleting it so its controller recreates it.
import { z } from 'zod';
import { InvalidInputError } from '../../errors.js';
import { DESTRUCTIVE } from '../annotations.js';
import { defineTool, dryRunOutput } from '../defineTool.js';
import { checkName, hub, nsArg, podArg } from './shared.js';

export function podDeleteTool(op: 'delete' | 'restart') {
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
    annotations: DESTRUCTIVE,
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
