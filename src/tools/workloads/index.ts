// workloads tools (off by default; OLARES_TOOLSETS=all or ...,workloads): workloads, jobs and
// cronjobs read and changed, the caller's cluster identity, and any object as redacted YAML.
// Read-only and changing verbs are separate tools, so each tool's annotations stay true.
import type { ToolDeclaration } from '../defineTool.js';
import { clusterContext } from './context.js';
import { clusterDescribe } from './describe.js';
import { clusterJobChange } from './jobChange.js';
import { clusterJobs } from './jobs.js';
import { clusterWorkloadChange } from './workloadChange.js';
import { clusterWorkloads } from './workloads.js';

export const workloadsTools: ToolDeclaration<any, any>[] = [
  clusterContext,
  clusterWorkloads,
  clusterWorkloadChange,
  clusterJobs,
  clusterJobChange,
  clusterDescribe,
];
