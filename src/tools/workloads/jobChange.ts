// cluster_job_change: rerun a job (KubeSphere's rerun operation, bound to the resourceVersion just
// read: olares-cli job/rerun.go), suspend or resume a cronjob (a merge patch of spec.suspend, none
// when it already is: cronjob/suspend.go). Confirmed; dryRun shows the effect.
import { z } from 'zod';
import { InvalidInputError } from '../../errors.js';
import type { ClusterObjectsClient } from '../../olares/workloads.js';
import { DESTRUCTIVE } from '../annotations.js';
import { nsArg } from '../cluster/shared.js';
import type { ToolContext } from '../context.js';
import { defineTool, dryRunOutput } from '../defineTool.js';
import { checkTarget, objects } from './shared.js';

type Target = { namespace: string; name: string; dryRun?: boolean };

export const clusterJobChange = defineTool({
  name: 'cluster_job_change',
  title: 'Rerun a job, suspend or resume a cronjob',
  description:
    'rerun: a job runs again. suspend/resume: a cronjob stops or restarts its schedule. Confirmed.',
  toolset: 'workloads',
  input: {
    namespace: nsArg,
    name: z.string().min(1).max(253).describe('A job (rerun) or a cronjob (suspend, resume)'),
    action: z.enum(['rerun', 'suspend', 'resume']).describe('rerun: a job; suspend, resume: a cronjob'),
    dryRun: z.boolean().optional(),
  },
  output: {
    operation: z.string(),
    namespace: z.string(),
    name: z.string(),
    resourceVersion: z.string().optional(),
    suspended: z.boolean().optional().describe('The cronjob afterwards'),
    changed: z.boolean(),
    ...dryRunOutput,
  },
  annotations: DESTRUCTIVE,
  async handler({ namespace, name, action, dryRun }, ctx) {
    checkTarget(namespace, name, 'name');
    const client = await objects(ctx);
    const t = { namespace, name, dryRun };
    return action === 'rerun' ? rerun(ctx, client, t) : toggle(ctx, client, t, action === 'suspend');
  },
});

async function rerun(ctx: ToolContext, client: ClusterObjectsClient, t: Target) {
  const job = await client.getJob(t.namespace, t.name, ctx.signal);
  const rv = job.metadata.resourceVersion;
  if (!rv)
    throw new InvalidInputError(
      `job ${t.namespace}/${t.name} has no metadata.resourceVersion, so it cannot be rerun`,
    );
  const data = { operation: 'rerun', namespace: t.namespace, name: t.name, resourceVersion: rv };
  const what = `job ${t.namespace}/${t.name}`;
  if (t.dryRun)
    return {
      data: { ...data, changed: false, dryRun: true },
      summary: `dry run: would rerun ${what} (resourceVersion ${rv}); a new pod attempt starts`,
    };
  await ctx.confirm({
    question: `Rerun ${what} (resourceVersion ${rv})? A new pod attempt will start`,
    targets: [`${t.namespace}/${t.name}`],
    kind: 'destructive',
  });
  await client.rerunJob(t.namespace, t.name, rv, ctx.signal);
  return {
    data: { ...data, changed: true, dryRun: false },
    summary: `rerun accepted for ${what}; cluster_jobs {view: "pods"} shows the new attempt`,
  };
}

async function toggle(ctx: ToolContext, client: ClusterObjectsClient, t: Target, suspend: boolean) {
  const c = await client.getCronJob(t.namespace, t.name, ctx.signal);
  const op = suspend ? 'suspend' : 'resume';
  const what = `cronjob ${t.namespace}/${t.name}`;
  const data = {
    operation: op,
    namespace: t.namespace,
    name: t.name,
    resourceVersion: c.metadata.resourceVersion,
    suspended: !!c.spec?.suspend,
  };
  if (!!c.spec?.suspend === suspend)
    return {
      data: { ...data, changed: false, dryRun: !!t.dryRun },
      summary: `${what} is already ${suspend ? 'suspended' : 'active'}; nothing changed`,
    };
  const effect = suspend
    ? 'its scheduled runs stop until resumed'
    : `it runs on its schedule "${c.spec?.schedule ?? ''}" again`;
  if (t.dryRun)
    return {
      data: { ...data, changed: false, dryRun: true },
      summary: `dry run: would ${op} ${what} (${effect})`,
    };
  await ctx.confirm({
    question: `${suspend ? 'Suspend' : 'Resume'} ${what}? (${effect})`,
    targets: [`${t.namespace}/${t.name}`],
    kind: 'destructive',
  });
  const after = await client.setCronJobSuspended(t.namespace, t.name, suspend, ctx.signal);
  return {
    data: {
      ...data,
      resourceVersion: after.metadata.resourceVersion,
      suspended: !!after.spec?.suspend,
      changed: true,
      dryRun: false,
    },
    summary: `${what}: ${suspend ? 'suspended' : 'resumed'} (${effect})`,
  };
}
