// The Kubernetes / KubeSphere objects the cluster tools read, and the parsers that check a body
// before the tools see it: the list envelope, and per item the fields everything keys on
// (metadata.name). Deeper fields are optional in Kubernetes itself and stay optional here.
import { type Fields, Reader } from './shape.js';

export interface ObjectMeta {
  name: string;
  namespace?: string;
  creationTimestamp?: string;
  labels?: Record<string, string>;
  ownerReferences?: Array<{ kind?: string; name?: string; controller?: boolean }>;
}

interface ContainerSpec {
  name: string;
  image?: string;
  ports?: Array<{ name?: string; containerPort?: number; protocol?: string }>;
  env?: Array<{ name: string }>;
}

interface ContainerStatus {
  name: string;
  ready?: boolean;
  restartCount?: number;
  state?: {
    running?: Fields;
    waiting?: { reason?: string; message?: string };
    terminated?: { reason?: string; exitCode?: number; finishedAt?: string };
  };
  /** The previous instance's end: why a restarting container last stopped. */
  lastState?: { terminated?: { reason?: string; exitCode?: number; finishedAt?: string } };
}

export interface Pod {
  metadata: ObjectMeta;
  spec?: { nodeName?: string; containers?: ContainerSpec[] };
  status?: {
    phase?: string;
    podIP?: string;
    hostIP?: string;
    qosClass?: string;
    conditions?: Array<{ type: string; status: string; reason?: string }>;
    containerStatuses?: ContainerStatus[];
  };
}

export interface Namespace {
  metadata: ObjectMeta;
  status?: { phase?: string };
}

export interface Node {
  metadata: ObjectMeta;
  spec?: { unschedulable?: boolean };
  status?: {
    conditions?: Array<{ type: string; status: string }>;
    addresses?: Array<{ type: string; address: string }>;
    capacity?: Record<string, string>;
    nodeInfo?: { kubeletVersion?: string; osImage?: string };
  };
}

export interface Workload {
  metadata: ObjectMeta;
  spec?: { replicas?: number };
  status?: {
    replicas?: number;
    readyReplicas?: number;
    numberReady?: number;
    desiredNumberScheduled?: number;
  };
}

export interface KubeEvent {
  metadata?: { creationTimestamp?: string };
  involvedObject?: { kind?: string; name?: string };
  type?: string;
  reason?: string;
  message?: string;
  firstTimestamp?: string;
  lastTimestamp?: string;
  count?: number;
  source?: { component?: string; host?: string };
}

export interface KsList<T> {
  items: T[];
  /** What the server counted: for a non-admin, the count after the proxy's namespace filter. */
  totalItems: number;
  /** ks-apiserver-proxy keeps KubeSphere's unfiltered count here on a non-admin namespace page. */
  total?: number;
}

export interface AppGroup {
  /** A user name, or Shared / System (ks-apiserver-proxy view.js namespaceGroup). */
  title: string;
  namespaces: string[];
}

function named<T extends { metadata: ObjectMeta }>(r: Reader, raw: unknown, at: string): T {
  const item = r.record(raw, at);
  const meta = r.record(item.metadata, `${at}.metadata`);
  r.str(meta.name, `${at}.metadata.name`);
  return item as unknown as T;
}

/** A KubeSphere list: `{items, totalItems}` (Go encodes an empty list as null). */
export function parseKsList<T extends { metadata: ObjectMeta }>(body: unknown, endpoint: string): KsList<T> {
  const r = new Reader('control-hub', endpoint);
  const b = r.record(body, '(body)');
  const items = r.optArray(b.items, 'items').map((x, i) => named<T>(r, x, `items[${i}]`));
  return {
    items,
    totalItems: r.optNum(b.totalItems, 'totalItems') ?? items.length,
    total: r.optNum(b.total, 'total'),
  };
}

/** A Kubernetes native list (`/api/v1/.../events`): only `items` matters. */
export function parseEventList(body: unknown, endpoint: string): KubeEvent[] {
  const r = new Reader('control-hub', endpoint);
  return r
    .optArray(r.record(body, '(body)').items, 'items')
    .map((x, i) => r.record(x, `items[${i}]`) as KubeEvent);
}

export function parsePod(body: unknown, endpoint: string): Pod {
  return named<Pod>(new Reader('control-hub', endpoint), body, '(body)');
}

/** `/capi/namespaces/group`: `[{title, data: [namespace objects]}]`. */
export function parseGroups(body: unknown, endpoint: string): AppGroup[] {
  const r = new Reader('control-hub', endpoint);
  return r.optArray(body, '(body)').map((g, i) => {
    const group = r.record(g, `[${i}]`);
    return {
      title: r.str(group.title, `[${i}].title`),
      namespaces: r
        .optArray(group.data, `[${i}].data`)
        .map((n, j) => named<Namespace>(r, n, `[${i}].data[${j}]`).metadata.name),
    };
  });
}
