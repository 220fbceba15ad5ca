// The simulated cluster's pods (docs/wire/cluster.md#endpoint-index): the seed every box starts with,
// their Kubernetes JSON, and label-selector matching, shared by sim/cluster.ts's routes.
import { randomBytes } from 'node:crypto';
import type { SimUser } from './users.js';

export const SYSTEM_NAMESPACES = ['os-framework', 'os-platform', 'kube-system'];
export const SHARED_NAMESPACES = ['difyserver-shared'];
export const CREATED = '2026-11-01T08:00:00Z';

export interface SimPod {
  namespace: string;
  name: string;
  labels: Record<string, string>;
  owner?: string; // ReplicaSet name; a deleted owned pod comes back with a new suffix
  /** The owner's kind when it is no ReplicaSet (StatefulSet, DaemonSet, Job: sim/workloads.ts). */
  ownerKind?: string;
  containers: Array<{ name: string; image: string; port?: number }>;
  phase: 'Running' | 'Pending' | 'Succeeded' | 'Failed';
  waitingReason?: string;
  /** Kubernetes core/v1 ContainerStateTerminated of the previous instance (containerStatuses[].lastState). */
  lastTerminated?: { reason: string; exitCode: number; finishedAt: string };
  restarts: number;
  createdAt: string;
  hasPrevious?: boolean;
}

export const suffix = () => randomBytes(3).toString('hex').slice(0, 5);

export function seedPods(users: SimUser[]): SimPod[] {
  const pods: SimPod[] = [];
  const add = (namespace: string, app: string, opts: Partial<SimPod> = {}) =>
    pods.push({
      namespace,
      name: `${app}-${suffix()}`,
      labels: { app, ...(opts.labels ?? {}) },
      owner: `${app}-7d9f`,
      containers: opts.containers ?? [{ name: app, image: `beclab/${app}:1.0`, port: 8080 }],
      phase: opts.phase ?? 'Running',
      waitingReason: opts.waitingReason,
      lastTerminated: opts.lastTerminated,
      restarts: opts.restarts ?? 0,
      createdAt: CREATED,
      hasPrevious: opts.hasPrevious,
    });
  for (const app of [
    'authelia',
    'files-server',
    'market-backend',
    'appservice',
    'bfl',
    'l4-bfl-proxy',
    'system-server',
    'tapr-sysevent',
  ])
    add('os-framework', app, { labels: { tier: 'system' } });
  for (const app of ['citus', 'redis', 'nats', 'minio'])
    add('os-platform', app, { labels: { tier: 'middleware' } });
  for (const app of ['coredns', 'kube-proxy', 'calico-node'])
    add('kube-system', app, { labels: { tier: 'kube' } });
  for (const u of users) {
    const ns = `user-space-${u.local}`;
    add(ns, 'firefox', { labels: { tier: 'app' } });
    add(ns, 'jellyfin', { labels: { tier: 'app' } });
    add(ns, 'n8n', {
      labels: { tier: 'app' },
      containers: [
        { name: 'n8n', image: 'n8nio/n8n:1.40.0', port: 5678 },
        { name: 'sidecar', image: 'beclab/envoy:1.25' },
      ],
    });
    // Phase stays Running in a crash loop (Kubernetes keeps the pod; only the container waits).
    add(ns, 'worker', {
      labels: { tier: 'app' },
      restarts: 12,
      hasPrevious: true,
      waitingReason: 'CrashLoopBackOff',
      lastTerminated: { reason: 'Error', exitCode: 1, finishedAt: '2026-11-26T09:58:00Z' },
    });
    add(ns, 'pending-app', { labels: { tier: 'app' }, phase: 'Pending', waitingReason: 'ContainerCreating' });
    add(`user-system-${u.local}`, 'vault-server', { labels: { tier: 'user-system' } });
  }
  return pods;
}

export const ready = (p: SimPod) => p.phase === 'Running' && !p.waitingReason;

function waitingMessage(p: SimPod, container: string): string {
  return p.waitingReason === 'CrashLoopBackOff'
    ? `back-off 5m0s restarting failed container=${container} pod=${p.name}_${p.namespace}(uid-${p.name})`
    : '';
}

export function podJson(p: SimPod) {
  return {
    apiVersion: 'v1',
    kind: 'Pod',
    metadata: {
      name: p.name,
      namespace: p.namespace,
      uid: `uid-${p.name}`,
      creationTimestamp: p.createdAt,
      labels: p.labels,
      annotations: { 'kubesphere.io/creator': 'admin' },
      ownerReferences: p.owner
        ? [
            {
              apiVersion: p.ownerKind === 'Job' ? 'batch/v1' : 'apps/v1',
              kind: p.ownerKind ?? 'ReplicaSet',
              name: p.owner,
              controller: true,
            },
          ]
        : [],
    },
    spec: {
      nodeName: 'olares',
      restartPolicy: 'Always',
      serviceAccount: 'default',
      containers: p.containers.map((c) => ({
        name: c.name,
        image: c.image,
        imagePullPolicy: 'IfNotPresent',
        ports: c.port ? [{ name: 'http', containerPort: c.port, protocol: 'TCP' }] : [],
        env: [
          { name: 'TZ', value: 'UTC' },
          {
            name: 'DB_PASSWORD',
            valueFrom: { secretKeyRef: { name: `${c.name}-secrets`, key: 'password' } },
          },
        ],
      })),
    },
    status: {
      phase: p.phase,
      hostIP: '192.168.1.10',
      podIP: p.phase === 'Pending' ? '' : `10.233.64.${(p.name.charCodeAt(0) + p.name.length) % 250}`,
      startTime: p.createdAt,
      qosClass: 'Burstable',
      conditions: [{ type: 'Ready', status: ready(p) ? 'True' : 'False' }],
      containerStatuses: p.containers.map((c) => ({
        name: c.name,
        ready: ready(p),
        restartCount: p.restarts,
        image: c.image,
        state: p.waitingReason
          ? { waiting: { reason: p.waitingReason, message: waitingMessage(p, c.name) } }
          : { running: { startedAt: p.createdAt } },
        ...(p.lastTerminated
          ? {
              lastState: {
                terminated: {
                  ...p.lastTerminated,
                  startedAt: p.createdAt,
                  containerID: `containerd://${p.name}-${c.name}`,
                },
              },
            }
          : {}),
      })),
    },
  };
}

/** Equality-based label selectors: `a=b`, `a==b`, `a!=b`, `a`, `!a`, comma-joined. */
export function matchLabels(selector: string, labels: Record<string, string>): boolean | undefined {
  for (const term of selector
    .split(',')
    .map((t) => t.trim())
    .filter(Boolean)) {
    const m = /^(!?)([A-Za-z0-9_./-]+)(?:\s*(==|=|!=)\s*([A-Za-z0-9_.-]*))?$/.exec(term);
    if (!m) return undefined;
    const [, not, key, op, value] = m;
    if (!op) {
      if (not ? key in labels : !(key in labels)) return false;
    } else if (op === '!=' ? labels[key] === value : labels[key] !== value) return false;
  }
  return true;
}
