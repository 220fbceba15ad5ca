// cluster_jobs: jobs and cronjobs listed (olares-cli job list, cronjob list), or one of them
// with a view: detail, a job's pods or events (job pods, job events), a cronjob's jobs.
import { z } from 'zod';
import { InvalidInputError } from '../../errors.js';
import type { CronJob, Job } from '../../olares/k8sWire.js';
import type { ClusterObjectsClient } from '../../olares/workloads.js';
import { READ } from '../annotations.js';
import { checkLabelSelector, checkName, nsArg, pageIn, pageOf, pageOut } from '../cluster/shared.js';
import type { ToolContext } from '../context.js';
import { defineTool } from '../defineTool.js';
import { podRow, podRowSchema } from '../podHealth.js';
import { imagesOf, needNamespace, objects, selectorOf, when } from './shared.js';

const VIEWS = { job: ['detail', 'pods', 'events'], cronjob: ['detail', 'jobs'] } as const;

/** olares-cli job list STATUS: Suspended, Complete, Failed, Running, Failing or Pending. */
export function jobStatus(j: Job): string {
  const done = (type: string) =>
    (j.status?.conditions ?? []).some((c) => c.type === type && c.status === 'True');
  if (j.spec?.suspend) return 'Suspended';
  if (done('Complete')) return 'Complete';
  if (done('Failed')) return 'Failed';
  if ((j.status?.active ?? 0) > 0) return (j.status?.failed ?? 0) > 0 ? 'Failing' : 'Running';
  return 'Pending';
}

const jobRow = (j: Job) => ({
  namespace: j.metadata.namespace ?? '',
  name: j.metadata.name,
  status: jobStatus(j),
  completions: `${j.status?.succeeded ?? 0}/${j.spec?.completions ?? 1}`,
  duration: when(j.status?.startTime, j.status?.completionTime),
  ownedBy: j.metadata.ownerReferences?.find((o) => o.controller)?.name,
});

const cronRow = (c: CronJob) => ({
  namespace: c.metadata.namespace ?? '',
  name: c.metadata.name,
  schedule: c.spec?.schedule ?? '',
  suspended: !!c.spec?.suspend,
  active: c.status?.active?.length ?? 0,
  lastSchedule: c.status?.lastScheduleTime,
});

const event = z.object({
  reason: z.string(),
  message: z.string(),
  type: z.string(),
  lastSeen: z.string().optional(),
});

export const clusterJobs = defineTool({
  name: 'cluster_jobs',
  title: 'Jobs and cronjobs',
  description:
    'Jobs or cronjobs with status; with name, a view: detail, pods or events of a job, jobs of a cronjob.',
  toolset: 'workloads',
  input: {
    namespace: nsArg.optional().describe('Default: all visible'),
    kind: z.enum(['job', 'cronjob']).optional().describe('Default: job'),
    name: z.string().min(1).max(253).optional().describe('One job or cronjob (needs namespace)'),
    view: z.enum(['detail', 'pods', 'events', 'jobs']).optional().describe('With name; default detail'),
    labelSelector: z.string().optional(),
    ...pageIn,
  },
  output: {
    jobs: z
      .array(z.record(z.string(), z.unknown()))
      .optional()
      .describe('Job rows: status, completions, duration'),
    cronjobs: z.array(z.record(z.string(), z.unknown())).optional().describe('Schedule, suspended, active'),
    detail: z.record(z.string(), z.unknown()).optional(),
    pods: z.array(podRowSchema).optional(),
    events: z.array(event).optional(),
    ...pageOut,
  },
  annotations: READ,
  async handler({ namespace, kind = 'job', name, view, labelSelector, limit = 100, page = 1 }, ctx) {
    if (namespace) checkName('namespace', namespace);
    if (labelSelector) checkLabelSelector(labelSelector);
    const client = await objects(ctx);
    if (name === undefined) {
      if (view) throw new InvalidInputError('view needs name: list first, then pick one');
      return listJobs(ctx, client, kind, { namespace, labelSelector, limit, page });
    }
    checkName('name', name);
    const ns = needNamespace(namespace, 'name');
    const picked = view ?? 'detail';
    if (!(VIEWS[kind] as readonly string[]).includes(picked))
      throw new InvalidInputError(
        `view "${picked}" is not one of a ${kind}'s views: ${VIEWS[kind].join(', ')}`,
      );
    const one = { total: 1, page: 1, limit: 1 };
    if (kind === 'cronjob') return cronJobView(ctx, client, ns, name, picked, one);
    const j = await client.getJob(ns, name, ctx.signal);
    const row = jobRow(j);
    if (picked === 'pods') {
      // The job controller's own selector; controller-uid=<uid> for bare jobs (olares-cli job/pods.go).
      const selector = selectorOf(j.spec?.selector?.matchLabels) || `controller-uid=${j.metadata.uid}`;
      const list = await client.listPods(
        { namespace: ns, labelSelector: selector, filters: {}, limit: 1000, page: 1 },
        ctx.signal,
      );
      const pods = list.items.map(podRow);
      return {
        data: { pods, ...one, total: pods.length },
        summary: `job ${ns}/${name}: ${pods.length} pod(s)${pods.map((p) => `\n${p.name} ${p.status}`).join('')}`,
      };
    }
    if (picked === 'events') {
      const events = (await client.events(ns, undefined, ctx.signal))
        .filter((e) => e.involvedObject?.kind === 'Job' && e.involvedObject.name === name)
        .map((e) => ({
          reason: e.reason ?? '',
          message: e.message ?? '',
          type: e.type ?? '',
          lastSeen: e.lastTimestamp ?? e.firstTimestamp,
        }));
      return {
        data: { events, ...one, total: events.length },
        summary: `job ${ns}/${name}: ${events.length} event(s)${events.map((e) => `\n${e.reason}: ${e.message}`).join('')}`,
      };
    }
    const detail = {
      ...row,
      parallelism: j.spec?.parallelism,
      backoffLimit: j.spec?.backoffLimit,
      active: j.status?.active ?? 0,
      failed: j.status?.failed ?? 0,
      startTime: j.status?.startTime,
      completionTime: j.status?.completionTime,
      containers: imagesOf(j.spec?.template),
      conditions: (j.status?.conditions ?? []).map((c) => ({
        type: c.type,
        status: c.status,
        reason: c.reason,
      })),
    };
    return {
      data: { detail, ...one },
      summary: `job ${ns}/${name}: ${row.status}, ${row.completions} completed${row.duration ? ` in ${row.duration}` : ''}`,
    };
  },
});

async function cronJobView(
  ctx: ToolContext,
  client: ClusterObjectsClient,
  ns: string,
  name: string,
  view: string,
  one: { total: number; page: number; limit: number },
) {
  const c = await client.getCronJob(ns, name, ctx.signal);
  const row = cronRow(c);
  if (view === 'detail') {
    const detail = {
      ...row,
      lastSuccessful: c.status?.lastSuccessfulTime,
      containers: imagesOf(c.spec?.jobTemplate?.spec?.template),
    };
    return {
      data: { detail, ...one },
      summary: `cronjob ${ns}/${name}: "${row.schedule}"${row.suspended ? ', suspended' : ''}, ${row.active} active`,
    };
  }
  const selector = selectorOf(c.spec?.jobTemplate?.metadata?.labels);
  if (!selector)
    throw new InvalidInputError(
      `cronjob ${ns}/${name}: its jobTemplate has no labels, so its jobs cannot be found`,
    );
  const list = await client.list<Job>(
    'jobs',
    { namespace: ns, labelSelector: selector, limit: 500, page: 1 },
    ctx.signal,
  );
  const jobs = list.items
    .filter((j) => (j.metadata.ownerReferences ?? []).every((o) => o.kind !== 'CronJob' || o.name === name))
    .map(jobRow);
  return {
    data: { jobs, ...one, total: jobs.length },
    summary: `cronjob ${ns}/${name}: ${jobs.length} job(s)${jobs.map((j) => `\n${j.name} ${j.status}`).join('')}`,
  };
}

async function listJobs(
  ctx: ToolContext,
  client: ClusterObjectsClient,
  kind: 'job' | 'cronjob',
  q: { namespace?: string; labelSelector?: string; limit: number; page: number },
) {
  const where = q.namespace ? ` in ${q.namespace}` : '';
  const paged = async <T extends Job | CronJob>(plural: 'jobs' | 'cronjobs') =>
    pageOf(await client.list<T>(plural, q, ctx.signal), q.limit, q.page);
  if (kind === 'cronjob') {
    const { items, total, nextPage } = await paged<CronJob>('cronjobs');
    const cronjobs = items.map(cronRow);
    const lines = cronjobs.map(
      (c) => `${c.namespace}/${c.name} "${c.schedule}"${c.suspended ? ' suspended' : ''}`,
    );
    return {
      data: { cronjobs, total, page: q.page, limit: q.limit, nextPage },
      summary: cronjobs.length
        ? `${cronjobs.length} of ${total} cronjob(s)${where}\n${lines.join('\n')}`
        : `no cronjobs${where}`,
    };
  }
  const { items, total, nextPage } = await paged<Job>('jobs');
  const jobs = items.map(jobRow);
  const lines = jobs.map((j) => `${j.namespace}/${j.name} ${j.status} ${j.completions}`);
  return {
    data: { jobs, total, page: q.page, limit: q.limit, nextPage },
    summary: jobs.length
      ? `${jobs.length} of ${total} job(s)${where}\n${lines.join('\n')}`
      : `no jobs${where}`,
  };
}
