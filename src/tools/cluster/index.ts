// cluster tools (docs/architecture.md#tool-surface, docs/wire/cluster.md), one file per verb group: pod reads,
// logs and events, pod changes, and nodes/namespaces/app spaces. Results are trimmed subsets:
// never env values.
import type { ToolDeclaration } from '../defineTool.js';
import { podDeleteTool } from './changes.js';
import { clusterPodEvents, clusterPodLogs } from './logs.js';
import { clusterPodGet, clusterPods } from './pods.js';
import { clusterAppStatus, clusterApps, clusterNamespaces, clusterNodes } from './spaces.js';

export { clusterPodEvents, clusterPodLogs } from './logs.js';
export { clusterPodGet, clusterPods } from './pods.js';
export { checkLabelSelector, pageOf, translateFieldSelector } from './shared.js';
export { clusterAppStatus, clusterApps, clusterNamespaces, clusterNodes } from './spaces.js';

export const clusterTools: ToolDeclaration<any, any>[] = [
  clusterPods,
  clusterPodGet,
  clusterPodLogs,
  clusterPodEvents,
  podDeleteTool('restart'),
  podDeleteTool('delete'),
  clusterNodes,
  clusterNamespaces,
  clusterApps,
  clusterAppStatus,
];
