// Typed client for the workload, job and cronjob verbs of control-hub (olares-cli
// cli/cmd/ctl/cluster/{workload,job,cronjob,node,namespace}, cli/pkg/clusterctx): KubeSphere lists,
// native apps/v1 and batch/v1 objects, merge patches, the KubeSphere job rerun operation and the
// caller's identity. Errors are refined like every control-hub call (controlHub.ts).
import { ClusterNotFoundError, ControlHubClient } from './controlHub.js';
import {
  type AppDetail,
  type CronJob,
  type Job,
  type KsList,
  type ObjectMeta,
  parseAppDetail,
  parseKsList,
  parseObject,
  type Workload,
} from './k8sWire.js';

export type { AppDetail, CronJob, Job } from './k8sWire.js';

export type WorkloadKind = 'deployments' | 'statefulsets' | 'daemonsets';
export type ListedKind = WorkloadKind | 'jobs' | 'cronjobs';

const KS = '/kapis/resources.kubesphere.io/v1alpha3';
const MERGE_PATCH = { 'content-type': 'application/merge-patch+json' };
const seg = encodeURIComponent;

export type DescribedKind =
  | 'pod'
  | 'job'
  | 'cronjob'
  | 'deployment'
  | 'statefulset'
  | 'daemonset'
  | 'node'
  | 'namespace';

/** The tool that lists each described kind, for a not-found answer. */
const LIST_HINT: Record<DescribedKind, string> = {
  pod: 'list pods with cluster_pods {namespace: "{ns}"}',
  deployment: 'list workloads with cluster_workloads {namespace: "{ns}"}',
  statefulset: 'list workloads with cluster_workloads {namespace: "{ns}"}',
  daemonset: 'list workloads with cluster_workloads {namespace: "{ns}"}',
  job: 'list jobs with cluster_jobs {namespace: "{ns}"}',
  cronjob: 'list cronjobs with cluster_jobs {namespace: "{ns}", kind: "cronjob"}',
  node: 'list nodes with cluster_nodes',
  namespace: 'list namespaces with cluster_namespaces',
};

/** Where each described kind lives (a node is a bare Node on KubeSphere, olares-cli node/get.go). */
function objectPath(kind: DescribedKind, name: string, ns: string): [string, string] {
  const n = seg(name);
  const inNs = (prefix: string, plural: string): [string, string] => [
    `${prefix}/namespaces/${seg(ns)}/${plural}/${n}`,
    `GET ${prefix}/namespaces/{ns}/${plural}/{name}`,
  ];
  switch (kind) {
    case 'node':
      return [`${KS}/nodes/${n}`, `GET ${KS}/nodes/{name}`];
    case 'namespace':
      return [`/api/v1/namespaces/${n}`, 'GET /api/v1/namespaces/{ns}'];
    case 'pod':
      return inNs('/api/v1', 'pods');
    case 'job':
    case 'cronjob':
      return inNs('/apis/batch/v1', `${kind}s`);
    default:
      return inNs('/apis/apps/v1', `${kind}s`);
  }
}

export class ClusterObjectsClient extends ControlHubClient {
  private getOne<T extends { metadata: ObjectMeta }>(
    path: string,
    endpoint: string,
    what: string,
    hint: string,
    signal?: AbortSignal,
  ): Promise<T> {
    return this.http
      .json<unknown>('control-hub', path, { signal })
      .then((b) => parseObject<T>(b, endpoint))
      .catch(this.refine<T>(`read ${what}`, () => new ClusterNotFoundError(what, hint)));
  }

  private patch<T extends { metadata: ObjectMeta }>(
    path: string,
    endpoint: string,
    body: unknown,
    context: string,
    signal?: AbortSignal,
  ): Promise<T> {
    return this.http
      .json<unknown>('control-hub', path, { method: 'PATCH', json: body, headers: MERGE_PATCH, signal })
      .then((b) => parseObject<T>(b, endpoint))
      .catch(this.refine<T>(context));
  }

  /** One page of a KubeSphere list, in one namespace or in every visible one. */
  list<T extends { metadata: ObjectMeta }>(
    kind: ListedKind,
    q: { namespace?: string; labelSelector?: string; limit: number; page: number },
    signal?: AbortSignal,
  ): Promise<KsList<T>> {
    const path = q.namespace ? `${KS}/namespaces/${seg(q.namespace)}/${kind}` : `${KS}/${kind}`;
    return this.http
      .json<unknown>('control-hub', path, {
        query: { labelSelector: q.labelSelector, limit: q.limit, page: q.page },
        signal,
      })
      .then((b) => parseKsList<T>(b, `GET ${KS}${q.namespace ? '/namespaces/{ns}' : ''}/${kind}`))
      .catch(
        this.refine<KsList<T>>(
          `list ${kind}${q.namespace ? ` in ${q.namespace}` : ''}`,
          () =>
            new ClusterNotFoundError(`namespace "${q.namespace}"`, 'list namespaces with cluster_namespaces'),
        ),
      );
  }

  getWorkload(ns: string, kind: WorkloadKind, name: string, signal?: AbortSignal): Promise<Workload> {
    return this.getOne<Workload>(
      `/apis/apps/v1/namespaces/${seg(ns)}/${kind}/${seg(name)}`,
      `GET /apis/apps/v1/namespaces/{ns}/${kind}/{name}`,
      `${kind.slice(0, -1)} ${ns}/${name}`,
      `list workloads with cluster_workloads {namespace: "${ns}"}`,
      signal,
    );
  }

  /** `{"spec":{"replicas":N}}` as a merge patch, as olares-cli workload/scale.go sends it. */
  scale(ns: string, kind: WorkloadKind, name: string, replicas: number, signal?: AbortSignal) {
    return this.patch<Workload>(
      `/apis/apps/v1/namespaces/${seg(ns)}/${kind}/${seg(name)}`,
      `PATCH /apis/apps/v1/namespaces/{ns}/${kind}/{name}`,
      { spec: { replicas } },
      `scale ${kind.slice(0, -1)} ${ns}/${name} to ${replicas}`,
      signal,
    );
  }

  getJob(ns: string, name: string, signal?: AbortSignal): Promise<Job> {
    return this.getOne<Job>(
      `/apis/batch/v1/namespaces/${seg(ns)}/jobs/${seg(name)}`,
      'GET /apis/batch/v1/namespaces/{ns}/jobs/{name}',
      `job ${ns}/${name}`,
      `list jobs with cluster_jobs {namespace: "${ns}"}`,
      signal,
    );
  }

  getCronJob(ns: string, name: string, signal?: AbortSignal): Promise<CronJob> {
    return this.getOne<CronJob>(
      `/apis/batch/v1/namespaces/${seg(ns)}/cronjobs/${seg(name)}`,
      'GET /apis/batch/v1/namespaces/{ns}/cronjobs/{name}',
      `cronjob ${ns}/${name}`,
      `list cronjobs with cluster_jobs {namespace: "${ns}", kind: "cronjob"}`,
      signal,
    );
  }

  /** `{"spec":{"suspend":bool}}` as a merge patch (olares-cli cronjob/suspend.go runToggle). */
  setCronJobSuspended(ns: string, name: string, suspend: boolean, signal?: AbortSignal) {
    return this.patch<CronJob>(
      `/apis/batch/v1/namespaces/${seg(ns)}/cronjobs/${seg(name)}`,
      'PATCH /apis/batch/v1/namespaces/{ns}/cronjobs/{name}',
      { spec: { suspend } },
      `${suspend ? 'suspend' : 'resume'} cronjob ${ns}/${name}`,
      signal,
    );
  }

  /**
   * KubeSphere's job rerun operation: a POST with no body, bound to the resourceVersion read
   * just before (olares-cli job/rerun.go), so a job changed meanwhile is refused by the server.
   */
  async rerunJob(ns: string, name: string, resourceVersion: string, signal?: AbortSignal): Promise<void> {
    await this.http
      .request(
        'control-hub',
        `/kapis/operations.kubesphere.io/v1alpha2/namespaces/${seg(ns)}/jobs/${seg(name)}`,
        { method: 'POST', query: { action: 'rerun', resourceVersion }, signal },
      )
      .then((r) => r.body.dump())
      .catch(
        this.refine<void>(
          `rerun job ${ns}/${name}`,
          () =>
            new ClusterNotFoundError(`job ${ns}/${name}`, `list jobs with cluster_jobs {namespace: "${ns}"}`),
        ),
      );
  }

  /** Any object a describe shows, as the box sends it (the tool redacts it before anyone sees it). */
  object<T extends { metadata: ObjectMeta }>(
    kind: DescribedKind,
    name: string,
    ns: string,
    signal?: AbortSignal,
  ) {
    const [path, endpoint] = objectPath(kind, name, ns);
    const what = `${kind} ${kind === 'node' || kind === 'namespace' ? `"${name}"` : `${ns}/${name}`}`;
    const hint = LIST_HINT[kind].replace('{ns}', ns);
    return this.getOne<T>(path, endpoint, what, hint, signal);
  }

  appDetail(signal?: AbortSignal): Promise<AppDetail> {
    return this.http
      .json<unknown>('control-hub', '/capi/app/detail', { signal })
      .then((b) => parseAppDetail(b, 'GET /capi/app/detail'))
      .catch(this.refine<AppDetail>('read who this profile is'));
  }
}
