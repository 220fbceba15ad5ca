// What the workloads tools share: the kinds they take (olares-cli workload/types.go NormalizeKind),
// the client, name checks and a workload's images.
import { z } from 'zod';
import { InvalidInputError } from '../../errors.js';
import type { ContainerSpec, PodTemplate } from '../../olares/k8sWire.js';
import type { WorkloadKind } from '../../olares/workloads.js';
import { checkName } from '../cluster/shared.js';
import type { ToolContext } from '../context.js';

export const WORKLOAD_KINDS = ['deployment', 'statefulset', 'daemonset'] as const;
export type WorkloadKindArg = (typeof WORKLOAD_KINDS)[number];
export const workloadKindArg = z.enum(WORKLOAD_KINDS);
export const pluralOf = (kind: WorkloadKindArg) => `${kind}s` as WorkloadKind;
export const KIND_TITLE: Record<WorkloadKindArg, string> = {
  deployment: 'Deployment',
  statefulset: 'StatefulSet',
  daemonset: 'DaemonSet',
};

export async function objects(ctx: ToolContext) {
  return (await ctx.olares()).clusterObjects;
}

/** Namespace and name, both checked as Kubernetes DNS-1123 names before any request. */
export function checkTarget(namespace: string, name: string, kind: string) {
  checkName('namespace', namespace);
  checkName(kind, name);
}

/** Where a name needs its namespace (every namespaced read of one object). */
export function needNamespace(namespace: string | undefined, what: string): string {
  if (!namespace)
    throw new InvalidInputError(`${what} needs namespace (list them first to see where they live)`);
  return namespace;
}

export function imagesOf(template: PodTemplate | undefined) {
  const all: ContainerSpec[] = [
    ...(template?.spec?.initContainers ?? []),
    ...(template?.spec?.containers ?? []),
  ];
  return all.map((c) => ({ container: c.name, image: c.image ?? '' }));
}

/** matchLabels as a label selector with a stable key order (olares-cli workload/restart.go). */
export function selectorOf(labels: Record<string, string> | undefined): string {
  return Object.keys(labels ?? {})
    .sort()
    .map((k) => `${k}=${labels![k]}`)
    .join(',');
}

export const when = (a?: string, b?: string) => {
  const ms = Date.parse(b ?? '') - Date.parse(a ?? '');
  return Number.isFinite(ms) && ms >= 0 ? `${Math.round(ms / 1000)}s` : undefined;
};
