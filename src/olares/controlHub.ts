// Typed client for control-hub (olares-api/cluster.md): KubeSphere lists, native K8s objects,
// pod logs as text, events, pod deletion and the /capi aggregator.
import { OlaresMcpError } from '../errors.js';
import { HttpStatusError, type OlaresHttp, PermissionDeniedError } from '../transport/http.js';

const KS = '/kapis/resources.kubesphere.io/v1alpha3';

export interface KsList<T> {
  items: T[];
  totalItems: number;
}

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
      `permission denied: ${olaresId} may not ${what}. A regular user sees only their own namespaces (user-space-<name>, user-system-<name>); nodes and other namespaces need the owner or an admin (platform-admin). Logging in again will not help`,
      { code: 'permission_denied' },
    );
  }
}

export class ControlHubClient {
  constructor(readonly http: OlaresHttp) {}

  private refine<T>(context: string, notFound?: () => Error) {
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
  ): Promise<KsList<any>> {
    const path = q.namespace ? `${KS}/namespaces/${encodeURIComponent(q.namespace)}/pods` : `${KS}/pods`;
    return this.http
      .json<KsList<any>>('control-hub', path, {
        query: { labelSelector: q.labelSelector, ...q.filters, limit: q.limit, page: q.page },
        signal,
      })
      .catch(
        this.refine<KsList<any>>(
          `list pods${q.namespace ? ` in ${q.namespace}` : ''}`,
          () =>
            new ClusterNotFoundError(`namespace "${q.namespace}"`, 'list namespaces with cluster_namespaces'),
        ),
      );
  }

  getPod(ns: string, pod: string, signal?: AbortSignal): Promise<any> {
    return this.http
      .json('control-hub', `/api/v1/namespaces/${encodeURIComponent(ns)}/pods/${encodeURIComponent(pod)}`, {
        signal,
      })
      .catch(
        this.refine(
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

  events(ns: string, limit: number | undefined, signal?: AbortSignal): Promise<any[]> {
    return this.http
      .json<any>('control-hub', `/api/v1/namespaces/${encodeURIComponent(ns)}/events`, {
        query: { limit },
        signal,
      })
      .then((b) => b?.items ?? [])
      .catch(
        this.refine<any[]>(
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

  nodes(signal?: AbortSignal): Promise<KsList<any>> {
    return this.http
      .json<KsList<any>>('control-hub', `${KS}/nodes`, { query: { limit: 100, page: 1 }, signal })
      .catch(this.refine<KsList<any>>('list nodes'));
  }

  namespaces(
    q: { labelSelector?: string; limit: number; page: number },
    signal?: AbortSignal,
  ): Promise<KsList<any>> {
    return this.http
      .json<KsList<any>>('control-hub', `${KS}/namespaces`, { query: q, signal })
      .catch(this.refine<KsList<any>>('list namespaces'));
  }

  appGroups(signal?: AbortSignal): Promise<Array<{ title: string; data: any[] }>> {
    return this.http
      .json<any>('control-hub', '/capi/namespaces/group', {
        query: {
          labelSelector: 'kubesphere.io/workspace!=kubesphere.io/devopsproject',
          sortBy: 'createTime',
        },
        signal,
      })
      .then((b) => (Array.isArray(b) ? b : []))
      .catch(this.refine<Array<{ title: string; data: any[] }>>('list application spaces'));
  }

  workloads(
    ns: string,
    kind: 'deployments' | 'statefulsets' | 'daemonsets',
    signal?: AbortSignal,
  ): Promise<any[]> {
    return this.http
      .json<KsList<any>>('control-hub', `${KS}/namespaces/${encodeURIComponent(ns)}/${kind}`, { signal })
      .then((b) => b?.items ?? [])
      .catch(
        this.refine<any[]>(
          `list ${kind} in ${ns}`,
          () => new ClusterNotFoundError(`namespace "${ns}"`, 'list namespaces with cluster_namespaces'),
        ),
      );
  }
}
