// Typed client for control-hub (docs/wire/cluster.md): KubeSphere lists, native K8s objects,
// pod logs as text, events, pod deletion and the /capi aggregator.
import { OlaresMcpError } from '../errors.js';
import { HttpStatusError, type OlaresHttp, PermissionDeniedError } from '../transport/http.js';
import {
  type AppGroup,
  type KsList,
  type KubeEvent,
  type Namespace,
  type Node,
  type Pod,
  parseEventList,
  parseGroups,
  parseKsList,
  parsePod,
  type Workload,
} from './k8sWire.js';

export type { AppGroup, KsList, KubeEvent, Namespace, Node, Pod, Workload } from './k8sWire.js';

const KS = '/kapis/resources.kubesphere.io/v1alpha3';

export class ClusterNotFoundError extends OlaresMcpError {
  constructor(what: string, hint: string) {
    super(`${what} not found (or not visible to this user). Fix: ${hint}`, { code: 'not_found' });
  }
}

export class ClusterRequestError extends OlaresMcpError {
  constructor(context: string, err: HttpStatusError) {
    let message = err.body;
    try {
      const s = JSON.parse(err.body);
      message = s.message || s.error || err.body;
    } catch {}
    super(`${context}: HTTP ${err.status}: ${message.slice(0, 300)}`, {
      code: err.code,
      retryable: err.retryable,
    });
  }
}

/** A 403 that survived the refresh: a role problem, said in the cluster's terms. */
export class ClusterPermissionError extends OlaresMcpError {
  constructor(olaresId: string, what: string) {
    super(
      `permission denied: ${olaresId} may not ${what}. A regular user sees only the namespaces whose '-'-separated name contains their user name (user-space-<name>, <app>-<name>, ...) and the shared ones (*-shared); nodes and other namespaces need the owner or an admin (platform-admin). Logging in again will not help`,
      { code: 'permission_denied' },
    );
  }
}

export class ControlHubClient {
  constructor(readonly http: OlaresHttp) {}

  protected refine<T>(context: string, notFound?: () => Error) {
    return (err: unknown): T => {
      if (err instanceof PermissionDeniedError) throw new ClusterPermissionError(this.http.olaresId, context);
      if (err instanceof HttpStatusError) {
        if (err.status === 404 && notFound) throw notFound();
        throw new ClusterRequestError(context, err);
      }
      throw err;
    };
  }

  listPods(
    q: {
      namespace?: string;
      labelSelector?: string;
      filters: Record<string, string>;
      limit: number;
      page: number;
    },
    signal?: AbortSignal,
  ): Promise<KsList<Pod>> {
    const path = q.namespace ? `${KS}/namespaces/${encodeURIComponent(q.namespace)}/pods` : `${KS}/pods`;
    const endpoint = `GET ${KS}${q.namespace ? '/namespaces/{ns}' : ''}/pods`;
    return this.http
      .json<unknown>('control-hub', path, {
        query: { labelSelector: q.labelSelector, ...q.filters, limit: q.limit, page: q.page },
        signal,
      })
      .then((b) => parseKsList<Pod>(b, endpoint))
      .catch(
        this.refine<KsList<Pod>>(
          `list pods${q.namespace ? ` in ${q.namespace}` : ''}`,
          () =>
            new ClusterNotFoundError(`namespace "${q.namespace}"`, 'list namespaces with cluster_namespaces'),
        ),
      );
  }

  getPod(ns: string, pod: string, signal?: AbortSignal): Promise<Pod> {
    return this.http
      .json<unknown>(
        'control-hub',
        `/api/v1/namespaces/${encodeURIComponent(ns)}/pods/${encodeURIComponent(pod)}`,
        { signal },
      )
      .then((b) => parsePod(b, 'GET /api/v1/namespaces/{ns}/pods/{pod}'))
      .catch(
        this.refine<Pod>(
          `read pod ${ns}/${pod}`,
          () =>
            new ClusterNotFoundError(`pod ${ns}/${pod}`, `list pods with cluster_pods {namespace: "${ns}"}`),
        ),
      );
  }

  podLogs(
    ns: string,
    pod: string,
    q: Record<string, string | number | boolean | undefined>,
    signal?: AbortSignal,
  ): Promise<string> {
    return this.http
      .text(
        'control-hub',
        `/api/v1/namespaces/${encodeURIComponent(ns)}/pods/${encodeURIComponent(pod)}/log`,
        { query: q, signal, headers: { accept: 'application/json' } },
      )
      .catch(
        this.refine<string>(
          `read logs of ${ns}/${pod}`,
          () =>
            new ClusterNotFoundError(`pod ${ns}/${pod}`, `list pods with cluster_pods {namespace: "${ns}"}`),
        ),
      );
  }

  events(ns: string, limit: number | undefined, signal?: AbortSignal): Promise<KubeEvent[]> {
    return this.http
      .json<unknown>('control-hub', `/api/v1/namespaces/${encodeURIComponent(ns)}/events`, {
        query: { limit },
        signal,
      })
      .then((b) => parseEventList(b, 'GET /api/v1/namespaces/{ns}/events'))
      .catch(
        this.refine<KubeEvent[]>(
          `list events in ${ns}`,
          () => new ClusterNotFoundError(`namespace "${ns}"`, 'list namespaces with cluster_namespaces'),
        ),
      );
  }

  async deletePod(
    ns: string,
    pod: string,
    gracePeriodSeconds: number | undefined,
    context: string,
    signal?: AbortSignal,
  ): Promise<void> {
    await this.http
      .request(
        'control-hub',
        `/api/v1/namespaces/${encodeURIComponent(ns)}/pods/${encodeURIComponent(pod)}`,
        { method: 'DELETE', query: { gracePeriodSeconds }, signal },
      )
      .then((r) => r.body.dump())
      .catch(
        this.refine<void>(
          `${context} pod ${ns}/${pod}`,
          () =>
            new ClusterNotFoundError(`pod ${ns}/${pod}`, `list pods with cluster_pods {namespace: "${ns}"}`),
        ),
      );
  }

  nodes(signal?: AbortSignal): Promise<KsList<Node>> {
    return this.http
      .json<unknown>('control-hub', `${KS}/nodes`, { query: { limit: 100, page: 1 }, signal })
      .then((b) => parseKsList<Node>(b, `GET ${KS}/nodes`))
      .catch(this.refine<KsList<Node>>('list nodes'));
  }

  /**
   * Every visible namespace, unpaged. For a non-admin, ks-apiserver-proxy filters each KubeSphere
   * page after paginating it (cache/user.js), so server pages have holes and a wrong totalItems;
   * asking without limit gets the whole filtered list, which the tool pages itself.
   */
  namespaces(q: { labelSelector?: string }, signal?: AbortSignal): Promise<KsList<Namespace>> {
    return this.http
      .json<unknown>('control-hub', `${KS}/namespaces`, { query: q, signal })
      .then((b) => parseKsList<Namespace>(b, `GET ${KS}/namespaces`))
      .catch(this.refine<KsList<Namespace>>('list namespaces'));
  }

  /** Namespaces grouped by owner: one group per user name, plus Shared and System for admins. */
  appGroups(signal?: AbortSignal): Promise<AppGroup[]> {
    return this.http
      .json<unknown>('control-hub', '/capi/namespaces/group', { signal })
      .then((b) => parseGroups(b, 'GET /capi/namespaces/group'))
      .catch(this.refine<AppGroup[]>('list app spaces'));
  }

  workloads(
    ns: string,
    kind: 'deployments' | 'statefulsets' | 'daemonsets',
    signal?: AbortSignal,
  ): Promise<Workload[]> {
    return this.http
      .json<unknown>('control-hub', `${KS}/namespaces/${encodeURIComponent(ns)}/${kind}`, { signal })
      .then((b) => parseKsList<Workload>(b, `GET ${KS}/namespaces/{ns}/${kind}`).items)
      .catch(
        this.refine<Workload[]>(
          `list ${kind} in ${ns}`,
          () => new ClusterNotFoundError(`namespace "${ns}"`, 'list namespaces with cluster_namespaces'),
        ),
      );
  }
}
