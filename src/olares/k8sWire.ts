// The Kubernetes / KubeSphere objects the cluster tools read, and the parsers that check a body
// before the tools see it: the list envelope, and per item the fields everything keys on
// (metadata.name). Deeper fields are optional in Kubernetes itself and stay optional here.
import { type Fields, Reader } from './shape.js';

export interface ObjectMeta {
  name: string;
  namespace?: string;
  uid?: string;
  resourceVersion?: string;
  generation?: number;
  creationTimestamp?: string;
  labels?: Record<string, string>;
  annotations?: Record<string, string>;
  ownerReferences?: Array<{ kind?: string; name?: string; controller?: boolean }>;
}

export interface ContainerSpec {
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

export interface PodTemplate {
  metadata?: { labels?: Record<string, string> };
  spec?: { containers?: ContainerSpec[]; initContainers?: ContainerSpec[] };
}

export interface Condition {
  type: string;
  status: string;
  reason?: string;
  message?: string;
}

/** A Deployment, StatefulSet or DaemonSet (apps/v1). */
export interface Workload {
  kind?: string;
  metadata: ObjectMeta;
  spec?: {
    replicas?: number;
    selector?: { matchLabels?: Record<string, string> };
    template?: PodTemplate;
    strategy?: { type?: string };
    updateStrategy?: { type?: string };
  };
  status?: {
    replicas?: number;
    readyReplicas?: number;
    updatedReplicas?: number;
    availableReplicas?: number;
    observedGeneration?: number;
    numberReady?: number;
    desiredNumberScheduled?: number;
    updatedNumberScheduled?: number;
    conditions?: Condition[];
  };
}

interface JobSpec {
  completions?: number;
  parallelism?: number;
  backoffLimit?: number;
  suspend?: boolean;
  selector?: { matchLabels?: Record<string, string> };
  template?: PodTemplate;
}

/** batch/v1 Job. */
export interface Job {
  metadata: ObjectMeta;
  spec?: JobSpec;
  status?: {
    active?: number;
    succeeded?: number;
    failed?: number;
    startTime?: string;
    completionTime?: string;
    conditions?: Condition[];
  };
}

/** batch/v1 CronJob. */
export interface CronJob {
  metadata: ObjectMeta;
  spec?: {
    schedule?: string;
    suspend?: boolean;
    jobTemplate?: { metadata?: { labels?: Record<string, string> }; spec?: JobSpec };
  };
  status?: { active?: Array<{ name?: string }>; lastScheduleTime?: string; lastSuccessfulTime?: string };
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

/** One native object (`/apis/...`, `/api/v1/...`, a bare KubeSphere node): metadata.name checked. */
export function parseObject<T extends { metadata: ObjectMeta }>(body: unknown, endpoint: string): T {
  return named<T>(new Reader('control-hub', endpoint), body, '(body)');
}

/** Who the box says the caller is (`/capi/app/detail`, ks-apiserver-proxy view.js userDetail). */
export interface AppDetail {
  username: string;
  globalrole?: string;
  email?: string;
  clusterRole?: string;
  systemNamespaces: string[];
}

export function parseAppDetail(body: unknown, endpoint: string): AppDetail {
  const r = new Reader('control-hub', endpoint);
  const b = r.record(body, '(body)');
  const user = r.record(b.user, 'user');
  const names = (v: unknown, at: string) => r.optArray(v, at).map((x, i) => r.str(x, `${at}[${i}]`));
  return {
    username: r.str(user.username, 'user.username'),
    globalrole: r.optStr(user.globalrole, 'user.globalrole'),
    email: r.optStr(user.email, 'user.email'),
    clusterRole: r.optStr(b.clusterRole, 'clusterRole'),
    systemNamespaces: names(b.systemNamespaces, 'systemNamespaces'),
  };
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
