// control-hub of the simulator (docs/wire/cluster.md#endpoint-index, corrected by
// docs/wire/market.md, docs/wire/cluster.md): a small cluster with namespaces, ~25 pods (one multi-container,
// one crash-looping with its last termination, one pending), a node, workloads, events and logs. The owner sees everything. For
// a normal user the simulator does what ks-apiserver-proxy (server/cache/user.js) does: it keeps
// the namespaces whose '-'-split name holds the user name plus the shared ones, returns the whole
// all-namespace pod list whatever page was asked, and filters namespace pages after paging them.

import {
  CREATED,
  matchLabels,
  podJson,
  SHARED_NAMESPACES,
  type SimPod,
  SYSTEM_NAMESPACES,
  seedPods,
  suffix,
} from './clusterPods.js';
import type { SimRequest } from './http.js';
import { sendJson, sendText } from './http.js';
import { admin, badSelector, forbidden, notFound, page, visible } from './k8sReplies.js';
import type { Simulator } from './server.js';
import type { SimUser } from './users.js';
import { jobEvents, registerWorkloads, type SimObjects, seedObjects } from './workloads.js';

const KS = '/kapis/resources.kubesphere.io/v1alpha3';

/** What every route group of one simulated cluster reads and changes. */
interface ClusterState {
  users: SimUser[];
  pods: SimPod[];
  namespaces: string[];
  objects: SimObjects;
}

export function registerCluster(sim: Simulator) {
  const users = [...sim.users.values()];
  const pods = seedPods(users);
  const state: ClusterState = {
    users,
    pods,
    objects: seedObjects(pods),
    namespaces: [
      ...SYSTEM_NAMESPACES,
      ...SHARED_NAMESPACES,
      ...users.flatMap((u) => [`user-space-${u.local}`, `user-system-${u.local}`]),
    ],
  };
  registerPodLists(sim, state);
  registerPodRoutes(sim, state);
  registerPodLog(sim, state);
  registerEvents(sim, state);
  registerNamespaces(sim, state);
  registerNodes(sim);
  registerWorkloads(sim, state.objects, state.pods);
  registerNamespaceGroups(sim, state);
  sim.route('control-hub', 'GET', '/capi/app/detail', (r) => sendJson(r.res, 200, appDetail(r.user!)));
}

function registerPodLists(sim: Simulator, { pods, namespaces }: ClusterState) {
  const listPods = (r: SimRequest, ns?: string) => {
    const q = r.url.searchParams;
    const sel = q.get('labelSelector') ?? '';
    let items = pods.filter((p) => (ns ? p.namespace === ns : visible(r.user!, p.namespace)));
    if (sel) {
      if (items.length && matchLabels(sel, items[0].labels) === undefined) return badSelector(r, sel);
      items = items.filter((p) => matchLabels(sel, p.labels));
    }
    if (q.get('status')) items = items.filter((p) => p.phase === q.get('status'));
    if (q.get('nodeName')) items = items.filter(() => q.get('nodeName') === 'olares');
    if (q.get('names')) items = items.filter((p) => q.get('names')!.split(',').includes(p.name));
    if (q.get('namespace')) items = items.filter((p) => p.namespace === q.get('namespace'));
    if (!ns && !admin(r.user!)) {
      // pod_filter forces limit=-1 for a non-admin: no pagination, totalItems = what is kept.
      const whole = items.sort(
        (a, b) => a.namespace.localeCompare(b.namespace) || a.name.localeCompare(b.name),
      );
      return sendJson(r.res, 200, { items: whole.map(podJson), totalItems: whole.length });
    }
    page(
      r,
      items
        .sort((a, b) => a.namespace.localeCompare(b.namespace) || a.name.localeCompare(b.name))
        .map(podJson),
    );
  };

  sim.route('control-hub', 'GET', `${KS}/pods`, (r) => listPods(r));
  sim.route('control-hub', 'GET', `${KS}/namespaces/:ns/pods`, (r) => {
    if (!namespaces.includes(r.params.ns)) return notFound(r, `namespaces "${r.params.ns}"`);
    if (!visible(r.user!, r.params.ns)) return forbidden(r, `pods in namespace "${r.params.ns}"`);
    listPods(r, r.params.ns);
  });
}

/** The pod the route names, once the caller may see it; else the refusal is already sent. */
function findPod(r: SimRequest, pods: SimPod[]): SimPod | undefined {
  const { ns, pod } = r.params;
  if (!visible(r.user!, ns)) {
    forbidden(r, `pods "${pod}" in namespace "${ns}"`);
    return undefined;
  }
  const p = pods.find((x) => x.namespace === ns && x.name === pod);
  if (!p) notFound(r, `pods "${pod}"`);
  return p;
}

function registerPodRoutes(sim: Simulator, { pods }: ClusterState) {
  sim.route('control-hub', 'GET', '/api/v1/namespaces/:ns/pods/:pod', (r) => {
    const p = findPod(r, pods);
    if (p) sendJson(r.res, 200, podJson(p));
  });

  sim.route('control-hub', 'DELETE', '/api/v1/namespaces/:ns/pods/:pod', (r) => {
    const p = findPod(r, pods);
    if (!p) return;
    pods.splice(pods.indexOf(p), 1);
    // The ReplicaSet puts a fresh pod in its place, as on a real cluster; a job's pod stays gone.
    if (p.owner && p.ownerKind !== 'Job')
      pods.push({
        ...p,
        // A StatefulSet's pod comes back under its own name.
        name: p.ownerKind === 'StatefulSet' ? p.name : `${p.labels.app}-${suffix()}`,
        restarts: 0,
        hasPrevious: false,
        waitingReason: p.phase === 'Pending' ? p.waitingReason : undefined,
        lastTerminated: undefined,
        createdAt: new Date().toISOString(),
      });
    sendJson(r.res, 200, { kind: 'Status', apiVersion: 'v1', status: 'Success' });
  });
}

function registerPodLog(sim: Simulator, { pods }: ClusterState) {
  sim.route('control-hub', 'GET', '/api/v1/namespaces/:ns/pods/:pod/log', (r) => {
    const p = findPod(r, pods);
    if (!p) return;
    const q = r.url.searchParams;
    const container = q.get('container') ?? p.containers[0].name;
    if (!p.containers.some((c) => c.name === container)) {
      return sendJson(r.res, 400, {
        kind: 'Status',
        status: 'Failure',
        message: `container ${container} is not valid for pod ${p.name}`,
        reason: 'BadRequest',
        code: 400,
      });
    }
    const previous = q.get('previous') === 'true';
    if (previous && !p.hasPrevious) {
      return sendJson(r.res, 400, {
        kind: 'Status',
        status: 'Failure',
        message: `previous terminated container "${container}" in pod "${p.name}" not found`,
        reason: 'BadRequest',
        code: 400,
      });
    }
    const total = 500;
    const end = Date.now();
    let lines = Array.from({ length: total }, (_, i) => {
      const ts = new Date(end - (total - i) * 1000).toISOString();
      return {
        ts,
        text: `${previous ? '[previous] ' : ''}${p.name}/${container} log line ${i + 1}${i === total - 1 && previous ? ' panic: simulated crash' : ''}`,
      };
    });
    const since = q.get('sinceTime')
      ? Date.parse(q.get('sinceTime')!)
      : q.get('sinceSeconds')
        ? end - Number(q.get('sinceSeconds')) * 1000
        : undefined;
    if (since !== undefined) lines = lines.filter((l) => Date.parse(l.ts) >= since);
    const tail = Number(q.get('tailLines'));
    if (tail > 0) lines = lines.slice(-tail);
    let body = lines.map((l) => (q.get('timestamps') === 'true' ? `${l.ts} ${l.text}` : l.text)).join('\n');
    if (body) body += '\n';
    const limitBytes = Number(q.get('limitBytes'));
    if (limitBytes > 0) body = body.slice(0, limitBytes);
    sendText(r.res, 200, body);
  });
}

function registerEvents(sim: Simulator, { pods, objects }: ClusterState) {
  sim.route('control-hub', 'GET', '/api/v1/namespaces/:ns/events', (r) => {
    const { ns } = r.params;
    if (!visible(r.user!, ns)) return forbidden(r, `events in namespace "${ns}"`);
    const items = pods
      .filter((p) => p.namespace === ns)
      .flatMap((p, i) => {
        const base = Date.parse(CREATED) + i * 1000;
        const ev = (reason: string, message: string, type: string, t: number) => ({
          metadata: {
            name: `${p.name}.${reason.toLowerCase()}`,
            namespace: ns,
            creationTimestamp: new Date(t).toISOString(),
          },
          involvedObject: { kind: 'Pod', namespace: ns, name: p.name, uid: `uid-${p.name}` },
          reason,
          message,
          type,
          count: 1,
          firstTimestamp: new Date(t).toISOString(),
          lastTimestamp: new Date(t).toISOString(),
          source: { component: 'kubelet', host: 'olares' },
        });
        const out = [
          ev('Scheduled', `Successfully assigned ${ns}/${p.name} to olares`, 'Normal', base),
          ev('Pulled', `Container image "${p.containers[0].image}" already present`, 'Normal', base + 500),
        ];
        if (p.hasPrevious)
          out.push(ev('BackOff', 'Back-off restarting failed container', 'Warning', base + 900));
        return out;
      });
    items.push(...jobEvents(objects, pods, ns));
    const limit = Number(r.url.searchParams.get('limit'));
    sendJson(r.res, 200, {
      kind: 'EventList',
      apiVersion: 'v1',
      metadata: { resourceVersion: '1' },
      items: limit > 0 ? items.slice(0, limit) : items,
    });
  });
}

const nsJson = (name: string) => ({
  kind: 'Namespace',
  apiVersion: 'v1',
  metadata: {
    name,
    uid: `uid-${name}`,
    creationTimestamp: CREATED,
    labels: {
      'kubesphere.io/workspace': name.startsWith('user-')
        ? `${name.split('-').pop()}-workspace`
        : 'system-workspace',
    },
  },
  status: { phase: 'Active' },
});

function registerNamespaces(sim: Simulator, { namespaces }: ClusterState) {
  sim.route('control-hub', 'GET', `${KS}/namespaces`, (r) => {
    if (admin(r.user!)) return page(r, namespaces.map(nsJson));
    // KubeSphere pages first, then the proxy filters: totalItems is what this page kept and
    // total the unfiltered count (cache/user.js l.128-130).
    const limit = Number(r.url.searchParams.get('limit')) || namespaces.length;
    const p = Math.max(1, Number(r.url.searchParams.get('page')) || 1);
    const kept = namespaces.slice((p - 1) * limit, p * limit).filter((n) => visible(r.user!, n));
    sendJson(r.res, 200, { items: kept.map(nsJson), totalItems: kept.length, total: namespaces.length });
  });
  sim.route('control-hub', 'GET', '/api/v1/namespaces/:ns', (r) => {
    if (!namespaces.includes(r.params.ns) || !visible(r.user!, r.params.ns))
      return notFound(r, `namespaces "${r.params.ns}"`);
    sendJson(r.res, 200, nsJson(r.params.ns));
  });
}

const NODE = {
  kind: 'Node',
  apiVersion: 'v1',
  metadata: {
    name: 'olares',
    uid: 'uid-node',
    creationTimestamp: CREATED,
    labels: { 'node-role.kubernetes.io/control-plane': '', 'node-role.kubernetes.io/worker': '' },
  },
  spec: {},
  status: {
    conditions: [{ type: 'Ready', status: 'True', reason: 'KubeletReady' }],
    addresses: [{ type: 'InternalIP', address: '192.168.1.10' }],
    capacity: { cpu: '16', memory: '65536Mi', pods: '110', 'ephemeral-storage': '1000Gi' },
    allocatable: { cpu: '16', memory: '64000Mi', pods: '110', 'ephemeral-storage': '950Gi' },
    nodeInfo: {
      osImage: 'Ubuntu 22.04',
      kernelVersion: '6.5.0',
      architecture: 'amd64',
      operatingSystem: 'linux',
      kubeletVersion: 'v1.28.4',
      containerRuntimeVersion: 'containerd://1.7.0',
    },
  },
};

function registerNodes(sim: Simulator) {
  sim.route('control-hub', 'GET', `${KS}/nodes`, (r) =>
    r.user!.role === 'normal' ? forbidden(r, 'nodes') : page(r, [NODE]),
  );
  // A bare Node, not a list (olares-cli node/get.go).
  sim.route('control-hub', 'GET', `${KS}/nodes/:name`, (r) => {
    if (r.user!.role === 'normal') return forbidden(r, `nodes "${r.params.name}"`);
    if (r.params.name !== NODE.metadata.name) return notFound(r, `nodes "${r.params.name}"`);
    sendJson(r.res, 200, NODE);
  });
}

function registerNamespaceGroups(sim: Simulator, { users, namespaces }: ClusterState) {
  // view.js namespaceGroup: namespaces ending in -<user> under that user's name; Shared and
  // System only for admins. labelSelector and sortBy are ignored.
  sim.route('control-hub', 'GET', '/capi/namespaces/group', (r) => {
    const groups = new Map<string, string[]>();
    const add = (title: string, n: string) => groups.set(title, [...(groups.get(title) ?? []), n]);
    for (const n of namespaces) {
      const owner = users.find((u) => n.endsWith(`-${u.local}`));
      if (owner) {
        if (admin(r.user!) || owner.olaresId === r.user!.olaresId) add(owner.local, n);
      } else if (admin(r.user!)) add(n.endsWith('-shared') ? 'Shared' : 'System', n);
    }
    sendJson(
      r.res,
      200,
      [...groups.entries()].map(([title, names]) => ({
        title,
        data: names.map((n) => ({
          metadata: { name: n, creationTimestamp: CREATED, labels: nsJson(n).metadata.labels },
        })),
      })),
    );
  });
}

/** view.js userDetail: globalrole is platform-admin for owner/admin, else the raw owner role. */
export function appDetail(user: SimUser) {
  const admin = user.role !== 'normal';
  return {
    localeManifest: {},
    user: {
      username: user.local,
      globalrole: admin ? 'platform-admin' : user.role,
      email: `${user.local}@example.com`,
      lang: 'en',
      grantedClusters: ['default'],
      lastLoginTime: '2026-11-01T08:00:00Z',
      globalRules: {},
    },
    runtime: 'containerd',
    clusterRole: 'host',
    systemNamespaces: SYSTEM_NAMESPACES,
  };
}
