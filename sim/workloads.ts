// Workloads, jobs and cronjobs of the simulated cluster (olares-cli cli/cmd/ctl/cluster/{workload,
// job,cronjob}; the bodies are Kubernetes apps/v1 and batch/v1 objects passed through by
// ks-apiserver-proxy server/routes.js l.24-26). Deployments, StatefulSets and DaemonSets are the
// pods' controllers, so their ready counts come from the pods, a scale adds or removes pods, and a
// workload restart is the pod DELETE of sim/cluster.ts. One cronjob and two jobs live in
// os-framework, where no test counts pods.
import { CREATED, ready, type SimPod, suffix } from './clusterPods.js';
import type { SimRequest } from './http.js';
import { readJson, sendJson } from './http.js';
import { forbidden, notFound, page, visible } from './k8sReplies.js';
import type { Simulator } from './server.js';

const KS = '/kapis/resources.kubesphere.io/v1alpha3';
const WORKLOAD_KINDS = { deployments: 'Deployment', statefulsets: 'StatefulSet', daemonsets: 'DaemonSet' };
type WorkloadPlural = keyof typeof WORKLOAD_KINDS;

/** Apps whose pods a StatefulSet or a DaemonSet runs; every other app is a Deployment. */
const KIND_OF_APP: Record<string, WorkloadPlural> = {
  citus: 'statefulsets',
  'calico-node': 'daemonsets',
  'kube-proxy': 'daemonsets',
};

interface SimWorkload {
  plural: WorkloadPlural;
  namespace: string;
  name: string;
  replicas: number;
  generation: number;
  resourceVersion: number;
  image: string;
}

interface SimJob {
  namespace: string;
  name: string;
  cronjob?: string;
  resourceVersion: number;
  runs: number;
}

interface SimCronJob {
  namespace: string;
  name: string;
  schedule: string;
  suspend: boolean;
  resourceVersion: number;
}

export interface SimObjects {
  workloads: SimWorkload[];
  jobs: SimJob[];
  cronjobs: SimCronJob[];
}

const JOBS_NS = 'os-framework';

/** The controllers of the seeded pods, plus the jobs' pods added to `pods`. */
export function seedObjects(pods: SimPod[]): SimObjects {
  const workloads: SimWorkload[] = [];
  for (const p of pods) {
    if (workloads.some((w) => w.namespace === p.namespace && w.name === p.labels.app)) continue;
    const plural = KIND_OF_APP[p.labels.app] ?? 'deployments';
    const image = p.containers[0].image;
    workloads.push({
      plural,
      namespace: p.namespace,
      name: p.labels.app,
      replicas: 1,
      generation: 1,
      resourceVersion: 100,
      image,
    });
    if (plural !== 'deployments') {
      p.ownerKind = WORKLOAD_KINDS[plural];
      p.owner = p.labels.app;
      if (plural === 'statefulsets') p.name = `${p.labels.app}-0`;
    }
  }
  const objects: SimObjects = {
    workloads,
    cronjobs: [
      {
        namespace: JOBS_NS,
        name: 'nightly-backup',
        schedule: '0 3 * * *',
        suspend: false,
        resourceVersion: 300,
      },
    ],
    jobs: [
      {
        namespace: JOBS_NS,
        name: 'nightly-backup-29390580',
        cronjob: 'nightly-backup',
        resourceVersion: 400,
        runs: 1,
      },
      { namespace: JOBS_NS, name: 'db-migrate', resourceVersion: 500, runs: 1 },
    ],
  };
  for (const j of objects.jobs) pods.push(jobPod(j, 'Succeeded'));
  return objects;
}

const uid = (kind: string, ns: string, name: string) => `uid-${kind}-${ns}-${name}`;
const jobLabels = (j: SimJob) => ({
  app: j.cronjob ?? j.name,
  'batch.kubernetes.io/controller-uid': uid('job', j.namespace, j.name),
  'job-name': j.name,
});

function jobPod(j: SimJob, phase: SimPod['phase']): SimPod {
  return {
    namespace: j.namespace,
    name: `${j.name}-${suffix()}`,
    labels: jobLabels(j),
    owner: j.name,
    ownerKind: 'Job',
    containers: [{ name: 'main', image: 'beclab/backup-server:0.3.1' }],
    phase,
    restarts: 0,
    createdAt: new Date().toISOString(),
  };
}

/** The pod template every simulated controller shares: one env value, one secret reference. */
function template(labels: Record<string, string>, name: string, image: string) {
  return {
    metadata: { labels },
    spec: {
      containers: [
        {
          name,
          image,
          env: [
            { name: 'TZ', value: 'UTC' },
            {
              name: 'DB_PASSWORD',
              valueFrom: { secretKeyRef: { name: `${name}-secrets`, key: 'password' } },
            },
          ],
        },
      ],
    },
  };
}

/** kubectl apply leaves the applied manifest, env values included, in this annotation. */
const lastApplied = (name: string) => ({
  'kubectl.kubernetes.io/last-applied-configuration': JSON.stringify({
    metadata: { name },
    spec: {
      template: { spec: { containers: [{ name, env: [{ name: 'API_KEY', value: 'sim-applied-secret' }] }] } },
    },
  }),
});

export function workloadJson(w: SimWorkload, pods: SimPod[]) {
  const mine = pods.filter(
    (p) => p.namespace === w.namespace && p.labels.app === w.name && p.ownerKind !== 'Job',
  );
  const readyCount = mine.filter(ready).length;
  const labels = { app: w.name };
  const daemon = w.plural === 'daemonsets';
  return {
    kind: WORKLOAD_KINDS[w.plural],
    apiVersion: 'apps/v1',
    metadata: {
      name: w.name,
      namespace: w.namespace,
      uid: uid(w.plural, w.namespace, w.name),
      resourceVersion: String(w.resourceVersion),
      generation: w.generation,
      creationTimestamp: CREATED,
      labels,
      annotations: lastApplied(w.name),
    },
    spec: {
      ...(daemon ? {} : { replicas: w.replicas }),
      selector: { matchLabels: labels },
      template: template(labels, w.name, w.image),
      ...(w.plural === 'deployments'
        ? { strategy: { type: 'RollingUpdate' } }
        : { updateStrategy: { type: 'RollingUpdate' } }),
    },
    status: daemon
      ? {
          currentNumberScheduled: 1,
          desiredNumberScheduled: 1,
          numberReady: readyCount,
          updatedNumberScheduled: 1,
          numberAvailable: readyCount,
          observedGeneration: w.generation,
        }
      : {
          replicas: mine.length,
          readyReplicas: readyCount,
          updatedReplicas: mine.length,
          availableReplicas: readyCount,
          observedGeneration: w.generation,
        },
  };
}

function jobJson(j: SimJob, pods: SimPod[]) {
  const mine = pods.filter((p) => p.namespace === j.namespace && p.labels['job-name'] === j.name);
  const done = mine.filter((p) => p.phase === 'Succeeded').length;
  const active = mine.filter((p) => p.phase === 'Running' || p.phase === 'Pending').length;
  const labels = jobLabels(j);
  return {
    kind: 'Job',
    apiVersion: 'batch/v1',
    metadata: {
      name: j.name,
      namespace: j.namespace,
      uid: labels['batch.kubernetes.io/controller-uid'],
      resourceVersion: String(j.resourceVersion),
      creationTimestamp: CREATED,
      labels: { app: labels.app },
      ownerReferences: j.cronjob
        ? [{ apiVersion: 'batch/v1', kind: 'CronJob', name: j.cronjob, controller: true }]
        : [],
    },
    spec: {
      completions: 1,
      parallelism: 1,
      backoffLimit: 6,
      suspend: false,
      selector: {
        matchLabels: { 'batch.kubernetes.io/controller-uid': labels['batch.kubernetes.io/controller-uid'] },
      },
      template: template(labels, 'main', 'beclab/backup-server:0.3.1'),
    },
    status: {
      startTime: CREATED,
      ...(active ? { active } : {}),
      ...(done ? { succeeded: done } : {}),
      ...(active ? {} : { completionTime: '2026-11-01T08:01:00Z' }),
      conditions: active ? [] : [{ type: 'Complete', status: 'True' }],
    },
  };
}

function cronJobJson(c: SimCronJob) {
  return {
    kind: 'CronJob',
    apiVersion: 'batch/v1',
    metadata: {
      name: c.name,
      namespace: c.namespace,
      uid: uid('cronjob', c.namespace, c.name),
      resourceVersion: String(c.resourceVersion),
      creationTimestamp: CREATED,
      labels: { app: c.name },
    },
    spec: {
      schedule: c.schedule,
      suspend: c.suspend,
      concurrencyPolicy: 'Forbid',
      jobTemplate: {
        metadata: { labels: { app: c.name } },
        spec: { template: template({ app: c.name }, 'main', 'beclab/backup-server:0.3.1') },
      },
    },
    status: {
      lastScheduleTime: '2026-11-26T03:00:00Z',
      lastSuccessfulTime: '2026-11-26T03:01:00Z',
      active: [],
    },
  };
}

const matches = (labels: Record<string, string>, selector: string | null) =>
  !selector ||
  selector.split(',').every((term) => {
    const [k, v] = term.split('=');
    return labels[k] === v;
  });

/** The KubeSphere lists, in one namespace or across the visible ones (labelSelector equality only). */
function registerLists(sim: Simulator, objects: SimObjects, pods: SimPod[]) {
  const lists: Record<
    string,
    (ns?: string) => Array<{ metadata: { namespace: string; labels: Record<string, string> } }>
  > = {
    jobs: () => objects.jobs.map((j) => jobJson(j, pods)),
    cronjobs: () => objects.cronjobs.map(cronJobJson),
  };
  for (const plural of Object.keys(WORKLOAD_KINDS) as WorkloadPlural[])
    lists[plural] = () =>
      objects.workloads.filter((w) => w.plural === plural).map((w) => workloadJson(w, pods));
  for (const [plural, all] of Object.entries(lists)) {
    const answer = (r: SimRequest, ns?: string) => {
      const sel = r.url.searchParams.get('labelSelector');
      const items = all()
        .filter((o) => (ns ? o.metadata.namespace === ns : visible(r.user!, o.metadata.namespace)))
        .filter((o) => matches(o.metadata.labels, sel))
        .sort((a, b) => a.metadata.namespace.localeCompare(b.metadata.namespace));
      page(r, items);
    };
    sim.route('control-hub', 'GET', `${KS}/${plural}`, (r) => answer(r));
    sim.route('control-hub', 'GET', `${KS}/namespaces/:ns/${plural}`, (r) =>
      visible(r.user!, r.params.ns)
        ? answer(r, r.params.ns)
        : forbidden(r, `${plural} in namespace "${r.params.ns}"`),
    );
  }
}

/** The object the route names, once the caller may see it; else the refusal is already sent. */
function named<T extends { namespace: string; name: string }>(r: SimRequest, items: T[], what: string) {
  const { ns, name } = r.params;
  if (!visible(r.user!, ns)) {
    forbidden(r, `${what} "${name}" in namespace "${ns}"`);
    return undefined;
  }
  const found = items.find((x) => x.namespace === ns && x.name === name);
  if (!found) notFound(r, `${what} "${name}"`);
  return found;
}

const invalid = (r: SimRequest, message: string, status = 422) =>
  sendJson(r.res, status, {
    kind: 'Status',
    apiVersion: 'v1',
    status: 'Failure',
    message,
    reason: status === 409 ? 'Conflict' : status === 415 ? 'UnsupportedMediaType' : 'Invalid',
    code: status,
  });

/** A merge patch's body, or undefined once a 415 is sent for any other content type. */
async function mergePatch(r: SimRequest): Promise<any> {
  if (r.req.headers['content-type'] !== 'application/merge-patch+json') {
    invalid(
      r,
      `the body of the request was in an unknown format - accepted media types include: application/json-patch+json, application/merge-patch+json, application/apply-patch+yaml`,
      415,
    );
    return undefined;
  }
  return (await readJson(r.req)) ?? {};
}

/** The controller's answer to a new replica count: pods removed from the end, or started. */
function reconcile(w: SimWorkload, pods: SimPod[]) {
  const mine = pods.filter(
    (p) => p.namespace === w.namespace && p.labels.app === w.name && p.ownerKind !== 'Job',
  );
  for (const extra of mine.slice(w.replicas)) pods.splice(pods.indexOf(extra), 1);
  const model = mine[0];
  for (let i = mine.length; i < w.replicas; i++)
    pods.push({
      namespace: w.namespace,
      name: w.plural === 'statefulsets' ? `${w.name}-${i}` : `${w.name}-${suffix()}`,
      labels: model?.labels ?? { app: w.name },
      owner: model?.owner ?? (w.plural === 'deployments' ? `${w.name}-7d9f` : w.name),
      ownerKind: w.plural === 'deployments' ? undefined : WORKLOAD_KINDS[w.plural],
      containers: model?.containers ?? [{ name: w.name, image: w.image }],
      phase: 'Running',
      restarts: 0,
      createdAt: new Date().toISOString(),
    });
}

function registerWorkloadObjects(sim: Simulator, objects: SimObjects, pods: SimPod[]) {
  const find = (r: SimRequest) => {
    const plural = r.params.kind as WorkloadPlural;
    if (!(plural in WORKLOAD_KINDS)) {
      notFound(r, `the server could not find the requested resource (${plural})`);
      return undefined;
    }
    return named(
      r,
      objects.workloads.filter((w) => w.plural === plural),
      plural,
    );
  };
  sim.route('control-hub', 'GET', '/apis/apps/v1/namespaces/:ns/:kind/:name', (r) => {
    const w = find(r);
    if (w) sendJson(r.res, 200, workloadJson(w, pods));
  });
  sim.route('control-hub', 'PATCH', '/apis/apps/v1/namespaces/:ns/:kind/:name', async (r) => {
    const w = find(r);
    const body = w && (await mergePatch(r));
    if (!w || !body) return;
    const replicas = body.spec?.replicas;
    // A DaemonSet has no spec.replicas: the apiserver drops the unknown field and changes nothing.
    if (replicas !== undefined && w.plural !== 'daemonsets') {
      if (!Number.isInteger(replicas) || replicas < 0)
        return invalid(
          r,
          `${WORKLOAD_KINDS[w.plural]}.apps "${w.name}" is invalid: spec.replicas: Invalid value: ${replicas}: must be greater than or equal to 0`,
        );
      w.replicas = replicas;
      w.generation++;
      reconcile(w, pods);
    }
    w.resourceVersion++;
    sendJson(r.res, 200, workloadJson(w, pods));
  });
}

function registerJobObjects(sim: Simulator, objects: SimObjects, pods: SimPod[]) {
  sim.route('control-hub', 'GET', '/apis/batch/v1/namespaces/:ns/jobs/:name', (r) => {
    const j = named(r, objects.jobs, 'jobs.batch');
    if (j) sendJson(r.res, 200, jobJson(j, pods));
  });
  sim.route('control-hub', 'GET', '/apis/batch/v1/namespaces/:ns/cronjobs/:name', (r) => {
    const c = named(r, objects.cronjobs, 'cronjobs.batch');
    if (c) sendJson(r.res, 200, cronJobJson(c));
  });
  sim.route('control-hub', 'PATCH', '/apis/batch/v1/namespaces/:ns/cronjobs/:name', async (r) => {
    const c = named(r, objects.cronjobs, 'cronjobs.batch');
    const body = c && (await mergePatch(r));
    if (!c || !body) return;
    if (typeof body.spec?.suspend === 'boolean') c.suspend = body.spec.suspend;
    c.resourceVersion++;
    sendJson(r.res, 200, cronJobJson(c));
  });
  // KubeSphere's rerun (olares-cli job/rerun.go): refused when the job changed since it was read.
  sim.route(
    'control-hub',
    'POST',
    '/kapis/operations.kubesphere.io/v1alpha2/namespaces/:ns/jobs/:name',
    (r) => {
      const j = named(r, objects.jobs, 'jobs.batch');
      if (!j) return;
      const q = r.url.searchParams;
      if (q.get('action') !== 'rerun') return invalid(r, `unsupported action "${q.get('action')}"`, 400);
      if (q.get('resourceVersion') !== String(j.resourceVersion))
        return invalid(
          r,
          `Operation cannot be fulfilled on jobs.batch "${j.name}": the object has been modified; please apply your changes to the latest version and try again`,
          409,
        );
      j.resourceVersion++;
      j.runs++;
      pods.push(jobPod(j, 'Running'));
      sendJson(r.res, 200, {});
    },
  );
}

/** Events of the jobs in one namespace, as the job controller records them. */
export function jobEvents(objects: SimObjects, pods: SimPod[], ns: string) {
  return objects.jobs
    .filter((j) => j.namespace === ns)
    .flatMap((j) =>
      pods
        .filter((p) => p.namespace === ns && p.labels['job-name'] === j.name)
        .map((p) => ({
          metadata: { name: `${j.name}.${p.name}`, namespace: ns, creationTimestamp: p.createdAt },
          involvedObject: { kind: 'Job', namespace: ns, name: j.name, uid: uid('job', ns, j.name) },
          reason: 'SuccessfulCreate',
          message: `Created pod: ${p.name}`,
          type: 'Normal',
          count: 1,
          firstTimestamp: p.createdAt,
          lastTimestamp: p.createdAt,
          source: { component: 'job-controller', host: '' },
        })),
    );
}

export function registerWorkloads(sim: Simulator, objects: SimObjects, pods: SimPod[]) {
  registerLists(sim, objects, pods);
  registerWorkloadObjects(sim, objects, pods);
  registerJobObjects(sim, objects, pods);
}
