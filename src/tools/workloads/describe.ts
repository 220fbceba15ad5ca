// cluster_describe: one object as YAML (olares-cli pod/job/cronjob/workload yaml, node get,
// namespace get), with env values, env sources, secret references and the last-applied manifest
// withheld: reading a spec never returns a secret value.
import { z } from 'zod';
import type { Namespace, Node } from '../../olares/k8sWire.js';
import type { DescribedKind } from '../../olares/workloads.js';
import { READ } from '../annotations.js';
import { checkName } from '../cluster/shared.js';
import { defineTool } from '../defineTool.js';
import { redact } from './redact.js';
import { needNamespace, objects } from './shared.js';
import { toYaml } from './yaml.js';

const KINDS = [
  'pod',
  'deployment',
  'statefulset',
  'daemonset',
  'job',
  'cronjob',
  'node',
  'namespace',
] as const;
const CLUSTER_WIDE = new Set<DescribedKind>(['node', 'namespace']);

/** The line a person reads first: a node's health and size, a namespace's phase and owner. */
function headline(kind: DescribedKind, name: string, obj: unknown): string {
  if (kind === 'node') {
    const n = obj as Node;
    const ready = n.status?.conditions?.find((c) => c.type === 'Ready')?.status === 'True';
    const cap = n.status?.capacity ?? {};
    return `node ${name}: ${ready ? 'Ready' : 'NotReady'}${n.spec?.unschedulable ? ',SchedulingDisabled' : ''}, kubelet ${n.status?.nodeInfo?.kubeletVersion ?? '?'}, cpu ${cap.cpu ?? '?'}, memory ${cap.memory ?? '?'}`;
  }
  const ns = obj as Namespace;
  return `namespace ${name}: ${ns.status?.phase ?? '?'}, workspace ${ns.metadata.labels?.['kubesphere.io/workspace'] ?? '-'}, creator ${ns.metadata.annotations?.['kubesphere.io/creator'] ?? '-'}`;
}

export const clusterDescribe = defineTool({
  name: 'cluster_describe',
  title: 'Describe an object as YAML',
  description: 'One pod, workload, job, cronjob, node or namespace as YAML; env and secret values withheld.',
  toolset: 'workloads',
  input: {
    kind: z.enum(KINDS).describe('What to describe'),
    name: z.string().min(1).max(253).describe('Its name'),
    namespace: z.string().min(1).max(253).optional().describe('Needed except for node and namespace'),
  },
  output: {
    kind: z.string(),
    name: z.string(),
    namespace: z.string().optional(),
    withheld: z
      .array(z.string())
      .describe('What was left out: env values, env sources, last-applied-configuration'),
    yaml: z.string(),
  },
  annotations: READ,
  async handler({ kind, name, namespace }, ctx) {
    checkName(kind === 'namespace' ? 'namespace' : 'name', name);
    const wide = CLUSTER_WIDE.has(kind);
    const ns = wide ? undefined : needNamespace(namespace, kind);
    if (ns) checkName('namespace', ns);
    const obj = await (await objects(ctx)).object(kind, name, ns ?? '', ctx.signal);
    const withheld = new Set<string>();
    const yaml = toYaml(redact(obj, withheld));
    const target = ns ? `${ns}/${name}` : name;
    const first = wide ? headline(kind, name, obj) : `${kind} ${target}`;
    return {
      data: { kind, name, namespace: ns, withheld: [...withheld], yaml },
      summary: `${first} (${yaml.split('\n').length - 1} lines of YAML${withheld.size ? `; withheld: ${[...withheld].join(', ')}` : ''})`,
      raw: { label: `${kind} ${target} as YAML`, field: 'yaml', text: yaml },
    };
  },
});
